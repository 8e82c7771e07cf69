"""Plain-text tables on stdout and the JSON file with every figure."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Cell = str | int | float | bool | None


@dataclass
class Table:
    title: str
    headers: Sequence[str]
    rows: list[Sequence[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: Cell) -> None:
        self.rows.append(cells)

    def render(self) -> str:
        text = [[_fmt(c) for c in row] for row in self.rows]
        widths = [len(h) for h in self.headers]
        for row in text:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], len(cell))
        numeric = [
            all(_is_number(row[i]) for row in self.rows if i < len(row) and row[i] is not None)
            for i in range(len(self.headers))
        ]

        def line(cells: Sequence[str]) -> str:
            out = []
            for i, cell in enumerate(cells):
                out.append(cell.rjust(widths[i]) if numeric[i] else cell.ljust(widths[i]))
            return "  ".join(out).rstrip()

        rule = "  ".join("-" * w for w in widths)
        lines = [f"== {self.title} ==", line(list(self.headers)), rule]
        lines += [line(row) for row in text]
        lines += [f"  * {note}" for note in self.notes]
        return "\n".join(lines)


def _is_number(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fmt(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio(a: float | None, b: float | None) -> float | None:
    """a ÷ b to 3 decimals; None when either is unknown (or b is zero)."""
    return round(a / b, 3) if a is not None and b else None


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def default_json_path(results_dir: Path, started: datetime) -> Path:
    return results_dir / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"


def write_json(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=False, default=str) + "\n")
    return path
