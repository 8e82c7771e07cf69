"""The container images (deploy/images): the reward image, built by the script `make
images` runs, then run as the chart runs it, from its own filesystem mounted read-only
(podman image mount, chroot, the host's network: no container runtime needed) against
the test session's Kafka and PostgreSQL: its migration as the chart's Job runs it, then
its default command, until `/health/ready` answers 200.

The first build on a machine with no image registry also builds the Debian base
(debootstrap, ~1.5 min); it is kept in .cache/containers, as are the layers.
"""

from __future__ import annotations

import re
import subprocess
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from questline.devstack.images import LOCAL_NAME, MountedImage, build_images
from questline.devstack.ports import free_port
from questline.devstack.testing import ISSUER, Infra

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VERSION = next(
    line.split(":", 1)[1].strip().strip('"')
    for line in (ROOT / "deploy" / "helm" / "questline" / "Chart.yaml").read_text().splitlines()
    if line.startswith("appVersion:")
)
REWARD = LOCAL_NAME.format(name="reward", version=VERSION)
# PostgreSQL's socket, bound into the image's /tmp (its root is read-only).
SOCKET_DIR = "/tmp/postgresql"
SOCKET = ".s.PGSQL.5432"


@pytest.fixture(scope="module")
def reward_image() -> Iterator[MountedImage]:
    build_images(ROOT, ["reward"])
    with MountedImage(ROOT, REWARD) as image:
        yield image


def test_the_image_runs_as_uid_10001_with_oci_labels_and_no_healthcheck(
    reward_image: MountedImage,
) -> None:
    config = reward_image.config
    assert config is not None
    assert config.user.split(":")[0] == "10001"
    labels = config.labels
    assert labels["org.opencontainers.image.title"] == "questline-reward"
    assert labels["org.opencontainers.image.version"] == VERSION
    for key in ("description", "source", "licenses", "revision"):
        assert labels.get(f"org.opencontainers.image.{key}"), key
    # The chart's probes are the health checks. (An OCI image cannot carry one: podman
    # drops the instruction, so the Containerfiles are read too.)
    assert not config.healthcheck
    for containerfile in (ROOT / "deploy" / "images").glob("*.Containerfile"):
        instructions = containerfile.read_text().splitlines()
        assert not [i for i in instructions if i.upper().startswith("HEALTHCHECK")]
    assert config.cmd == ["questline-service", "run"]


def test_every_package_in_the_image_is_the_version_uv_lock_pins(
    reward_image: MountedImage,
) -> None:
    root = reward_image.root
    assert root is not None
    pinned = {
        _normalized(package["name"]): package["version"]
        for package in tomllib.loads((ROOT / "uv.lock").read_text())["package"]
        if "version" in package
    }
    site = root / "app" / ".venv" / "lib" / "python3.11" / "site-packages"
    installed = {}
    for info in site.glob("*.dist-info"):
        meta = dict(
            line.split(": ", 1)
            for line in (info / "METADATA").read_text().splitlines()
            if line.startswith(("Name: ", "Version: "))
        )
        installed[_normalized(meta["Name"])] = meta["Version"]
    assert "questline-reward" in installed and "confluent-kafka" in installed
    assert {n: v for n, v in installed.items() if pinned.get(n) != v} == {}


def test_the_final_image_holds_no_compiler_pip_or_uv(reward_image: MountedImage) -> None:
    root = reward_image.root
    assert root is not None
    bins = ["app/.venv/bin", "usr/local/bin", "usr/bin", "bin", "usr/local/sbin", "usr/sbin"]
    found = [
        f"/{where}/{tool}"
        for where in bins
        for tool in ("gcc", "cc", "c++", "g++", "make", "pip", "pip3", "uv", "npm", "node")
        if (root / where / tool).exists()
    ]
    found += [f"/{p.relative_to(root)}" for p in root.glob("**/site-packages/pip")]
    assert found == []
    assert (root / "app" / ".venv" / "bin" / "python").exists()


def test_the_root_filesystem_is_read_only_and_tmp_is_writable(
    reward_image: MountedImage,
) -> None:
    wrote = reward_image.run(
        ["python", "-c", "open('/tmp/probe', 'w').write('ok'); open('/app/probe', 'w')"]
    )
    assert wrote.returncode != 0
    assert "Read-only file system: '/app/probe'" in wrote.stderr


def test_the_image_migrates_then_serves_ready_against_kafka_and_postgresql(
    reward_image: MountedImage, infra: Infra, tmp_path: Path
) -> None:
    url = infra.new_database("reward")
    binds = {infra.postgres.socket_dir / SOCKET: f"{SOCKET_DIR}/{SOCKET}"}
    port = free_port()
    env = {
        "QUESTLINE_REWARD_DATABASE_URL": _socket_dir(url, SOCKET_DIR),
        "QUESTLINE_REWARD_KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "QUESTLINE_REWARD_HTTP_HOST": "127.0.0.1",
        "QUESTLINE_REWARD_HTTP_PORT": str(port),
        "QUESTLINE_REWARD_AUTH_JWKS": ISSUER.jwks_json,
        "QUESTLINE_REWARD_CONSUMER_GROUP": f"image-test-{uuid.uuid4().hex[:8]}",
    }
    # The chart's migration Job: the same image, `python -m questline.reward migrate`.
    migrated = reward_image.run(
        ["python", "-m", "questline.reward", "migrate"], env=env, binds=binds
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    log = tmp_path / "reward.log"
    with log.open("wb") as output:
        service = reward_image.spawn(env=env, binds=binds, output=output)  # its own command
    try:
        ready = _ready(f"http://127.0.0.1:{port}/health/ready", service, log, timeout=60)
        assert ready.json()["status"] == "ready"
        with httpx.Client(timeout=5) as client:
            listed = client.get(
                f"http://127.0.0.1:{port}/rewards",
                params={"customerId": "c-image"},
                headers=ISSUER.player("c-image"),
            )
        assert listed.status_code == 200, listed.text  # its database, through the socket
    finally:
        service.terminate()
        try:
            service.wait(30)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait(10)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _socket_dir(url: str, directory: str) -> str:
    """The same database URL with PostgreSQL's socket in another directory."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | {"host": directory}
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))


def _ready(url: str, service: subprocess.Popen[bytes], log: Path, timeout: float) -> httpx.Response:
    """Poll `url` until it answers 200; fail at once if the service exits."""
    deadline = time.monotonic() + timeout
    last: object = None
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if service.poll() is not None:
                pytest.fail(f"the service exited ({service.returncode}):\n{log.read_text()}")
            try:
                answer = client.get(url)
            except httpx.TransportError as error:
                last = error
            else:
                if answer.status_code == 200:
                    return answer
                last = f"{answer.status_code} {answer.text}"
            time.sleep(0.2)
    pytest.fail(f"{url} not ready within {timeout} s (last: {last}):\n{log.read_text()}")
