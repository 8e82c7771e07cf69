"""The audit's findings: per invariant, what was checked and what was wrong, as a
readable text and as JSON with the same content."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Examples kept per kind of violation: enough to start looking, few enough to read.
EXAMPLES = 5


@dataclass(frozen=True)
class Violation:
    kind: str  # what is wrong, the same words for every case of it
    detail: str  # this case, with its ids
    ids: Mapping[str, str | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "ids": dict(self.ids)}


@dataclass
class InvariantResult:
    number: int
    statement: str
    checked: dict[str, int] = field(default_factory=dict)  # e.g. {"achievements": 120}
    totals: Counter[str] = field(default_factory=Counter)  # violations per kind
    examples: list[Violation] = field(default_factory=list)  # the first few per kind
    skipped: str | None = None  # why it was not checked

    def add(self, violation: Violation) -> None:
        self.totals[violation.kind] += 1
        if self.totals[violation.kind] <= EXAMPLES:
            self.examples.append(violation)

    @property
    def violations(self) -> int:
        return sum(self.totals.values())

    @property
    def status(self) -> str:
        if self.skipped is not None:
            return "SKIPPED"
        return "VIOLATED" if self.violations else "OK"

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "statement": self.statement,
            "status": self.status,
            "checked": self.checked,
            "violations": self.violations,
            "violationsByKind": dict(self.totals),
            "examples": [v.to_json() for v in self.examples],
            **({"skipped": self.skipped} if self.skipped is not None else {}),
        }


# Liveness is not a property of the stored data: the chaos run watches it.
NOT_CHECKED_HERE = {
    7: (
        "Achievements and rewards keep flowing while gift is down or overloaded",
        "liveness: checked by the chaos run, not by reading the databases",
    )
}


@dataclass
class Report:
    started_at: datetime
    finished_at: datetime
    invariants: list[InvariantResult]
    customer: str | None = None  # the audit looked at this customer only
    databases: dict[str, str] = field(default_factory=dict)  # service -> where (no password)
    attempts: int = 1  # audits run until this one (--wait)

    @property
    def clean(self) -> bool:
        return all(r.status != "VIOLATED" for r in self.invariants)

    @property
    def violations(self) -> int:
        return sum(r.violations for r in self.invariants)

    def invariant(self, number: int) -> InvariantResult:
        return next(r for r in self.invariants if r.number == number)

    def to_json(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "violations": self.violations,
            "startedAt": _iso(self.started_at),
            "finishedAt": _iso(self.finished_at),
            "attempts": self.attempts,
            "customer": self.customer,
            "databases": self.databases,
            "invariants": [r.to_json() for r in self.invariants],
            "notChecked": [
                {"number": n, "statement": s, "reason": why}
                for n, (s, why) in NOT_CHECKED_HERE.items()
            ],
        }

    def to_text(self) -> str:
        scope = f"customer {self.customer}" if self.customer else "all customers"
        lines = [
            f"Questline audit, {_iso(self.finished_at, 'seconds')}, {scope}, "
            f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        ]
        for r in self.invariants:
            lines.append(f"{r.number}. {r.status:<8} {r.statement}")
            if r.skipped is not None:
                lines.append(f"   {r.skipped}")
                continue
            lines.append("   checked: " + ", ".join(f"{n} {what}" for what, n in r.checked.items()))
            for kind, total in r.totals.items():
                lines.append(f"   {total} x {kind}")
                lines.extend(f"     - {v.detail}" for v in r.examples if v.kind == kind)
                if total > EXAMPLES:
                    lines.append(f"     ... and {total - EXAMPLES} more")
        for number, (statement, why) in NOT_CHECKED_HERE.items():
            lines.append(f"{number}. {'-':<8} {statement}")
            lines.append(f"   {why}")
        verdict = (
            "CLEAN: invariants 1-6 hold"
            if self.clean
            else f"VIOLATED: {self.violations} violation(s)"
        )
        lines.append(verdict)
        return "\n".join(lines)


def _iso(at: datetime, timespec: str = "milliseconds") -> str:
    return at.isoformat(timespec=timespec).replace("+00:00", "Z")
