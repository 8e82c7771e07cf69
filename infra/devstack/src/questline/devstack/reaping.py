"""Orphaned processes of the embedded stack, and whether a pid is really alive.

`pg_ctl` daemonises the postmaster, so it is nobody's child; when it dies its exit
status goes to PID 1, and on machines whose PID 1 reaps no orphans (containers,
microVMs) a killed postmaster stays a zombie: its pid still exists, so PostgreSQL's
own lock-file check refuses to start a new server. The supervisor makes itself the
"child subreaper" of everything it starts, and reaps the postgres processes that end
up as its zombies; its own children (services, Kafka, Envoy) keep their Popen owners.
"""

from __future__ import annotations

import contextlib
import ctypes
import os

_PR_SET_CHILD_SUBREAPER = 36
# The processes the supervisor owns only through a daemonising tool.
_ORPHAN_NAMES = frozenset({"postgres", "postmaster", "pg_ctl"})


def become_subreaper() -> bool:
    """Orphans of our descendants become our children (Linux 3.4+); False elsewhere."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _stat(pid: int) -> tuple[str, str, int] | None:
    """(name, state, parent pid) from /proc/<pid>/stat, or None if there is no such pid."""
    try:
        raw = open(f"/proc/{pid}/stat", "rb").read().decode(errors="replace")  # noqa: SIM115
    except OSError:
        return None
    # The name is in parentheses and may itself hold spaces or parentheses.
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    state, ppid = raw[raw.rindex(")") + 2 :].split(" ", 2)[:2]
    return name, state, int(ppid)


def is_alive(pid: int) -> bool:
    """True if `pid` runs (a zombie is dead: it only waits for its exit to be read)."""
    stat = _stat(pid)
    return stat is not None and stat[1] not in {"Z", "X"}


def reap_orphans() -> list[int]:
    """Collect the exit status of dead postgres processes that became our children."""
    me = os.getpid()
    reaped = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat is None or stat[2] != me or stat[1] != "Z" or stat[0] not in _ORPHAN_NAMES:
            continue
        with contextlib.suppress(ChildProcessError):
            os.waitpid(int(entry), os.WNOHANG)
            reaped.append(int(entry))
    return reaped
