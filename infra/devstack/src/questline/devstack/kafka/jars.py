"""Fetching the Kafka broker's jars from Maven into a cache folder (`ensure_kafka_jars`).

No Docker and no tarball: Maven fetches the broker's runtime jars once, as listed in
infra/kafka/pom.xml; later calls are a marker-file read.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from questline.devstack.kafka._shared import log as _log
from questline.devstack.kafka._shared import read_stripped, tail

MIN_JAVA = 17
_POM = Path("infra/kafka/pom.xml")


class KafkaSetupError(RuntimeError):
    """Java/Maven missing or too old, or the jars could not be fetched."""


def ensure_kafka_jars(repo_root: Path, cache_dir: Path) -> Path:
    """Return a folder holding the broker's runtime jars, fetching them if needed.

    The `.complete` marker holds a hash of the pom: a half-finished fetch (no marker)
    or a changed pom (other hash) starts again from an empty folder, so no stale jar
    of an older Kafka stays on the classpath. With the marker in place this is a
    file read.
    """
    pom = (repo_root / _POM).resolve()
    libs = cache_dir / "libs"
    marker = libs / ".complete"
    wanted = hashlib.sha256(pom.read_bytes()).hexdigest()
    if read_stripped(marker) == wanted:
        return libs
    _check_java()
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaSetupError("Maven (mvn) is not on PATH; install Maven 3.8+ to fetch Kafka")
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(cache_dir / ".fetch.lock"):  # two supervisors must not fetch into one folder
        if read_stripped(marker) == wanted:
            return libs
        shutil.rmtree(libs, ignore_errors=True)
        cmd = [
            mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs.resolve()}", "-DincludeScope=runtime",
        ]  # fmt: skip
        _log.info("fetching Kafka jars with Maven into %s", libs)
        started = time.monotonic()
        done = subprocess.run(cmd, cwd=repo_root, capture_output=True, text=True)
        if done.returncode != 0:
            raise KafkaSetupError(
                f"Maven could not fetch the Kafka jars (exit {done.returncode}):\n"
                f"{tail(done.stdout + done.stderr)}"
            )
        if not any(libs.glob("kafka_2.13-*.jar")):
            raise KafkaSetupError(f"Maven finished but no kafka_2.13 jar is in {libs}")
        marker.write_text(wanted)
        _log.info("Kafka jars ready in %.1f s", time.monotonic() - started)
    return libs


def _check_java() -> None:
    java = shutil.which("java")
    if java is None:
        raise KafkaSetupError(f"java is not on PATH; Kafka 4 needs Java {MIN_JAVA}+")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if match is None:
        raise KafkaSetupError(f"cannot read the Java version from: {out.strip()}")
    major = int(match.group(1))
    if major == 1:  # "1.8.0_x" style: Java 8 and older
        major = int(match.group(2) or 0)
    if major < MIN_JAVA:
        raise KafkaSetupError(f"Java {major} found; Kafka 4 needs Java {MIN_JAVA}+")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
