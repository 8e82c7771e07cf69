"""The container images (deploy/images), built and run without a container runtime.

`build_images` runs deploy/images/build.sh (what `make images` runs). `MountedImage`
mounts an image's filesystem (`podman image mount`) and runs a command from it as a pod
with `readOnlyRootFilesystem` would: the root read-only, a tmpfs on /tmp, the image's
user, environment, working directory and command, and the host's network. `podman run`
cannot start containers on every machine (crun is refused setrlimit under hybrid
cgroups); mount, chroot and a mount namespace of its own need only root.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

# What `make images` builds, by name: the services, the gateway and the web app.
IMAGES = ("mission", "reward", "wallet", "gift", "mypage", "auth", "gateway", "web")
# Where the images are tagged (podman prefixes localhost/ to a name with no registry).
LOCAL_NAME = "localhost/questline/{name}:{version}"


def podman(repo_root: Path) -> list[str]:
    """podman with the project's own storage in .cache/containers (build.sh's too)."""
    store = repo_root / ".cache" / "containers"
    return [
        "podman",
        "--root", str(store / "storage"),
        "--runroot", str(store / "run"),
        "--storage-driver", "overlay",
        "--events-backend", "none",
    ]  # fmt: skip


def build_images(
    repo_root: Path, names: Iterable[str] = IMAGES, *, base_image: str | None = None
) -> None:
    """Build the named images with deploy/images/build.sh; its output on failure."""
    names = list(names)
    env = {**os.environ, "IMAGES": " ".join(names)}
    if base_image:
        env["BASE_IMAGE"] = base_image
    done = subprocess.run(
        ["bash", str(repo_root / "deploy" / "images" / "build.sh")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"building {' '.join(names)} failed:\n{done.stdout}{done.stderr}")


@dataclass(frozen=True)
class ImageConfig:
    """What the image says about running it (its OCI config)."""

    user: str
    env: dict[str, str]
    entrypoint: list[str]
    cmd: list[str]
    working_dir: str
    labels: dict[str, str]
    healthcheck: Any

    @classmethod
    def from_inspect(cls, inspected: dict[str, Any]) -> ImageConfig:
        config = inspected.get("Config") or {}
        return cls(
            user=config.get("User", ""),
            env=dict(item.split("=", 1) for item in config.get("Env") or []),
            entrypoint=list(config.get("Entrypoint") or []),
            cmd=list(config.get("Cmd") or []),
            working_dir=config.get("WorkingDir") or "/",
            labels=dict(config.get("Labels") or {}),
            healthcheck=inspected.get("HealthCheck") or config.get("Healthcheck"),
        )


# Runs in a mount namespace of its own, so nothing it mounts is seen outside: $1 the
# image's root, $2 user:group, $3 the working directory, $4 how many (source, target)
# pairs of binds follow; then NAME=value assignments, then the command.
_ENTER = r"""
set -eu
root=$1 user=$2 workdir=$3 binds=$4; shift 4
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t tmpfs -o mode=1777,size=64m,nosuid,nodev tmpfs "$root/tmp"
mount -t tmpfs -o mode=0755,size=1m,nosuid tmpfs "$root/dev"
for node in null zero full random urandom; do
  touch "$root/dev/$node"; mount --bind "/dev/$node" "$root/dev/$node"
done
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
while [ "$binds" -gt 0 ]; do
  source=$1 target=$root$2; shift 2; binds=$((binds - 1))
  if [ -d "$source" ]; then mkdir -p "$target"; else
    mkdir -p "$(dirname "$target")"; touch "$target"; fi
  mount --bind "$source" "$target"
done
exec chroot --userspec="$user" "$root" /usr/bin/env -i -C "$workdir" "$@"
"""


class MountedImage:
    """An image's filesystem, mounted for as long as the `with` block lasts.

    `binds` given to `spawn` put host paths into the process's /tmp (the only place
    that is writable, hence where a mount point can be made): e.g. PostgreSQL's socket.
    """

    def __init__(self, repo_root: Path, reference: str) -> None:
        self.reference = reference
        self._podman = podman(repo_root)
        self.root: Path | None = None
        self.config: ImageConfig | None = None

    def __enter__(self) -> MountedImage:
        if os.geteuid() != 0:
            raise PermissionError(
                "running an image's filesystem needs root (mount, chroot); as a user, "
                "run it in `podman unshare`"
            )
        inspected = json.loads(self._run("image", "inspect", self.reference))[0]
        self.config = ImageConfig.from_inspect(inspected)
        self.root = Path(self._run("image", "mount", self.reference).strip())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.root is not None:
            self._run("image", "unmount", self.reference)
            self.root = None

    def command(
        self,
        args: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        binds: Mapping[Path, str] | None = None,
    ) -> list[str]:
        """The argv that runs `args` (default: the image's command) in the image.

        Entrypoint and command are combined as a container runtime combines them; `env`
        comes on top of the image's own environment.
        """
        if self.root is None or self.config is None:
            raise RuntimeError("mount the image first (with MountedImage(...) as image)")
        config = self.config
        argv = [*config.entrypoint, *(config.cmd if args is None else args)]
        user = config.user or "0:0"
        if ":" not in user:
            user += f":{user}"
        pairs = [str(p) for source, target in (binds or {}).items() for p in (source, target)]
        assignments = [f"{k}={v}" for k, v in {**config.env, **(env or {})}.items()]
        return [
            "unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", _ENTER, "enter-image",
            str(self.root), user, config.working_dir, str(len(binds or {})), *pairs,
            *assignments, *argv,
        ]  # fmt: skip

    def spawn(
        self,
        args: Sequence[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        binds: Mapping[Path, str] | None = None,
        output: IO[bytes] | int | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start `args` (default: the image's command) in the image; the Popen's pid
        ends as the image's process itself (each step execs the next)."""
        return subprocess.Popen(
            self.command(args, env, binds),
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def run(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        binds: Mapping[Path, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run `args` in the image to the end; its output (stdout and stderr) returned."""
        return subprocess.run(
            self.command(args, env, binds),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [*self._podman, *args], capture_output=True, text=True, check=False, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"podman {shlex.join(args)} failed: {done.stderr.strip()}")
        return done.stdout
