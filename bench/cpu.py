"""CPU time of every process of the stack, from /proc/<pid>/stat (clock ticks).

A group (a service replica, the Kafka JVM, PostgreSQL) is a root process and all its
descendants. Its CPU is the sum over its live processes of utime + stime (all threads)
+ cutime + cstime (children it has reaped). A process that exits moves its own time,
and what it had reaped, into its parent's cutime/cstime when the parent reaps it, so the
sum only grows and counts every tick once: for PostgreSQL, live backends contribute
utime + stime (they reap nothing) and backends that ended between two snapshots are
found in the postmaster's cutime + cstime.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path

from bench.footprint import HARNESS_BACKENDS

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcTimes:
    pid: int
    ppid: int
    utime: int  # clock ticks
    stime: int
    cutime: int
    cstime: int

    @property
    def ticks(self) -> int:
        return self.utime + self.stime + self.cutime + self.cstime


def parse_stat(text: str) -> ProcTimes:
    """One /proc/<pid>/stat line. The command (field 2) may hold spaces and ')': the
    fields after it start after the last ')'."""
    pid = int(text[: text.index(" ")])
    rest = text[text.rindex(")") + 2 :].split()
    # rest[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
    return ProcTimes(pid, int(rest[1]), *(int(x) for x in rest[11:15]))


def read_all(proc: Path = Path("/proc")) -> dict[int, ProcTimes]:
    """Every process of the machine, in pid order (a parent, usually older, before its
    children: a child reaped between the two reads is missed, never counted twice)."""
    out: dict[int, ProcTimes] = {}
    pids = sorted(int(name) for name in os.listdir(proc) if name.isdigit())
    for pid in pids:
        try:
            out[pid] = parse_stat((proc / str(pid) / "stat").read_text())
        except (OSError, ValueError, IndexError):  # exited meanwhile
            continue
    return out


def tree(procs: Mapping[int, ProcTimes], root: int) -> list[int]:
    """The root and its live descendants (empty when the root is gone)."""
    if root not in procs:
        return []
    children: dict[int, list[int]] = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p.pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


@dataclass(frozen=True)
class CpuSnapshot:
    ticks: dict[str, int]  # per group
    processes: dict[str, int]  # live processes per group


def snapshot(
    roots: Mapping[str, int], procs: Mapping[int, ProcTimes], exclude: Set[int] = frozenset()
) -> CpuSnapshot:
    """Ticks and live processes per group; `exclude`d pids (and not their children:
    PostgreSQL backends have none) are left out."""
    ticks: dict[str, int] = {}
    counts: dict[str, int] = {}
    for name, root in roots.items():
        pids = [pid for pid in tree(procs, root) if pid not in exclude]
        if pids:  # a root that is gone has no figure (not zero)
            ticks[name] = sum(procs[p].ticks for p in pids)
            counts[name] = len(pids)
    return CpuSnapshot(ticks, counts)


def take(roots: Mapping[str, int]) -> CpuSnapshot:
    """Now, for the roots of `Target.roots()`, without the harness's own backends."""
    return snapshot(roots, read_all(), exclude=HARNESS_BACKENDS)


def ms_between(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """CPU milliseconds per group between two snapshots taken with the same roots (a
    group whose root ended in between is left out rather than guessed)."""
    return {
        name: round((after.ticks[name] - before.ticks[name]) * 1000 / CLK_TCK, 1)
        for name in after.ticks
        if name in before.ticks and after.ticks[name] >= before.ticks[name]
    }


def left_out_note(roots: Mapping[str, int], ms: Mapping[str, float]) -> str | None:
    """A table note naming the groups `ms_between` left out, if any."""
    left_out = sorted(set(roots) - set(ms))
    return f"left out (exited during the window): {', '.join(left_out)}" if left_out else None


def per_process_rows(
    ms: Mapping[str, float], seconds: float, per: int | None = None
) -> list[dict[str, float | str | None]]:
    """Rows of a CPU table: process, ms, ms per unit of work (when `per` is given), % of
    one core over `seconds`; the total last."""
    rows: list[dict[str, float | str | None]] = []
    for name, value in [*sorted(ms.items()), ("total", sum(ms.values()))]:
        rows.append(
            {
                "process": name,
                "cpu_ms": round(value, 1),
                "ms_per_unit": round(value / per, 3) if per else None,
                "pct_of_core": round(100 * value / 1000 / seconds, 2) if seconds > 0 else None,
            }
        )
    return rows


class Meter:
    """One group's CPU from now until `read` (e.g. Envoy's over a load): ms, µs per
    request served meanwhile and % of one core; None figures when its root is not known
    or exited."""

    def __init__(self, name: str, root: int | None) -> None:
        self._name = name
        self._roots = {name: root} if root is not None else {}
        self._before = take(self._roots)
        self._began = time.monotonic()

    def read(self, requests: int | None) -> dict[str, float | None]:
        seconds = time.monotonic() - self._began
        ms = ms_between(self._before, take(self._roots)).get(self._name)
        if ms is None:
            return {"cpu_ms": None, "us_per_request": None, "pct_of_core": None}
        return {
            "cpu_ms": ms,
            "us_per_request": round(ms * 1000 / requests, 1) if requests else None,
            "pct_of_core": round(100 * ms / 1000 / seconds, 1) if seconds > 0 else None,
        }
