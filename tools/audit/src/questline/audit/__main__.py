"""`python -m questline.audit` (make audit): invariants 1-6 across the running system.

Exit code 0 when they hold, 1 when any is violated, 2 when a database cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC
from pathlib import Path

from questline.audit.databases import AUDITED, Unreachable, data_dir, database_urls
from questline.audit.report import Report
from questline.audit.run import audit

CLEAN, VIOLATED, CANNOT_READ = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        report = audit(
            database_urls(),
            customer=args.customer,
            wait=args.wait,
            on_attempt=lambda r: print(
                f"[audit] attempt {r.attempts}: {r.violations} violation(s); checking again",
                file=sys.stderr,
                flush=True,
            ),
        )
    except Unreachable as error:
        print(f"[audit] cannot read the databases: {error}", file=sys.stderr)
        return CANNOT_READ
    print(report.to_text())
    path = args.json or _default_json_path(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_json(), indent=2) + "\n")
    print(f"JSON: {path}")
    return CLEAN if report.clean else VIOLATED


def _parser() -> argparse.ArgumentParser:
    services = ", ".join(AUDITED)
    parser = argparse.ArgumentParser(
        prog="python -m questline.audit",
        description=(
            "Check invariants 1-6 of SYSTEM.md across the service databases "
            f"({services}), reading through the read-only audit role. By default the "
            "databases are those of `make run` ($QUESTLINE_DATA_DIR, default ./.data); "
            "QUESTLINE_AUDIT_<SERVICE>_DATABASE_URL points at another one. "
            "Exit code: 0 clean, 1 violations, 2 cannot read a database."
        ),
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="where to write the report as JSON (default: <data dir>/audit/audit-<time>.json)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="audit again until clean or this long has passed (a system still settling "
        "after load is not in violation until then); default 0: audit once",
    )
    parser.add_argument("--customer", metavar="ID", help="audit this customer only")
    return parser


def _default_json_path(report: Report) -> Path:
    stamp = report.finished_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return data_dir() / "audit" / f"audit-{stamp}.json"


if __name__ == "__main__":
    sys.exit(main())
