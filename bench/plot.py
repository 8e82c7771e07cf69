"""`python -m bench plot RESULT.json OUT.png`: latency against offered rate, from the
settle-throughput steps of one run (matplotlib, no display needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def plot(result: Path, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run: dict[str, Any] = json.loads(result.read_text())
    steps = run["scenarios"]["settle-throughput"]["results"]["steps"]
    offered = [s["offered_rps"] for s in steps]
    lat = [s["load"]["latency_ms"] for s in steps]
    settled = [s["settled_per_s"] or 0 for s in steps]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, style in (("p50", "o-"), ("p99", "s-"), ("max", "^:")):
        left.plot(offered, [point[key] for point in lat], style, label=f"POST /missions {key}")
    left.set_yscale("log")
    left.set_xlabel("offered achievements/s (open loop)")
    left.set_ylabel("latency from intended send (ms, log)")
    left.grid(True, which="both", alpha=0.3)
    left.legend()
    right.plot(offered, settled, "o-", label="settled/s")
    right.plot(offered, offered, "--", color="grey", label="offered")
    for s in steps:
        if not s["sustained"]:
            right.axvline(s["offered_rps"], color="red", alpha=0.3)
    right.set_xlabel("offered achievements/s")
    right.set_ylabel("achievements/s")
    right.grid(True, alpha=0.3)
    right.legend()
    machine = run.get("machine", {})
    fig.suptitle(
        f"Questline settle throughput — {machine.get('nproc', '?')} cores, "
        f"{machine.get('cpu_model', '')[:40]} — {run.get('started_at', '')[:16]}"
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return out
