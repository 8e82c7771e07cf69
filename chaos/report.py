"""The chaos run as a person reads it (markdown, also pasted into docs/reliability.md)
and as a machine does (JSON)."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict
from pathlib import Path
from typing import Any

from chaos.run import Result


def as_json(result: Result) -> dict[str, Any]:
    data = asdict(result)
    data["clean"] = result.clean
    return data


def write(result: Result, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"chaos-{result.started_at.replace(':', '')}.json"
    path.write_text(json.dumps(as_json(result), indent=2, default=str))
    (directory / "latest.md").write_text(markdown(result))
    return path


def markdown(result: Result) -> str:
    plan, books = result.plan, result.accounting
    lines = [
        f"Run of {result.started_at}: {plan.duration_s:.0f} s of faults under "
        f"{plan.achievements_per_s:g} achievements/s and {plan.exchanges_per_s:g} exchanges/s "
        f"({plan.customers} players, seed {plan.seed}); {result.seconds:.0f} s in all.",
        "",
        "| operations | attempted | accepted | refused | abandoned | answers seen (every try) |",
        "| --- | ---: | ---: | --- | ---: | --- |",
    ]
    for name, tally in (("achievements", result.achievements), ("exchanges", result.exchanges)):
        lines.append(
            f"| {name} | {tally['attempted']} | {tally['accepted']} | {_counts(tally['refused'])} "
            f"| {tally['abandoned']} | {_counts(tally['answers'])} |"
        )
    recovered = [f["recovered_s"] for f in result.faults if f["recovered_s"] is not None]
    lines += [
        "",
        f"Faults injected: {len(result.faults)}; every part ready again after "
        + (
            f"median {statistics.median(recovered):.1f} s, at most {max(recovered):.1f} s."
            if recovered
            else "(none recovered)."
        ),
        "",
        "| at (s) | fault | target | held (s) | ready again after (s) | answers other than "
        "success meanwhile |",
        "| ---: | --- | --- | ---: | ---: | --- |",
    ]
    for f in result.faults:
        back = f"{f['recovered_s']:.1f}" if f["recovered_s"] is not None else "**never**"
        lines.append(
            f"| {f['at_s']:.1f} | {f['kind']} | {f['target']} | {f['held_s']:.1f} | {back} "
            f"| {_counts(f.get('answers', {}))} |"
        )
    audit = result.audit
    lines += [
        "",
        f"Settled {books['settle_s']:.1f} s after the load stopped. Accepted achievements "
        f"{books['achievements_accepted']}, held {books['achievements_held']}: "
        f"**{books['achievements_lost_count']} lost, {books['achievements_unasked_count']} "
        f"unasked, {books['achievements_still_unknown']} unknown**; accepted exchanges "
        f"{books['exchanges_accepted']}, **{len(books['exchanges_lost'])} lost**.",
        "",
        "Gifts: "
        + "; ".join(
            f"stocked {g['stockedTotal']} = {g['stock']} left + {g['exchangedCount']} exchanged"
            for g in books["gifts"]
        ),
        "",
        "Audit: " + _audit_line(audit),
        "",
        "**Result: clean.**"
        if result.clean
        else "**Result: PROBLEMS**: " + "; ".join(result.problems),
    ]
    return "\n".join(lines) + "\n"


def _audit_line(audit: dict[str, Any]) -> str:
    if "unreachable" in audit:
        return f"could not read the databases ({audit['unreachable']})"
    parts = [
        f"{check['number']}. {check['status']}"
        + (f" ({check['violations']} violations)" if check["violations"] else "")
        for check in audit.get("invariants", [])
    ]
    verdict = "clean" if audit.get("clean") else "**NOT clean**"
    checked = audit["invariants"][0]["checked"] if audit.get("invariants") else {}
    counts = ", ".join(f"{n} {what}" for what, n in checked.items())
    return f"{verdict}: " + "; ".join(parts) + (f" (over {counts})" if counts else "")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none"
