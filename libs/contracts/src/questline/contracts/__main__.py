"""`python -m questline.contracts generate|check`: the contract artefacts, for humans and CI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .generate import check, default_dir, write


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m questline.contracts",
        description="Generate or check the JSON Schemas and AsyncAPI document of the events.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in (
        ("generate", "write schemas/*.json and asyncapi.json from the models"),
        ("check", "exit 1 when the committed files differ from the models (for CI)"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument(
            "--out",
            type=Path,
            default=None,
            metavar="DIR",
            help=f"directory holding schemas/ and asyncapi.json (default: {default_dir()})",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out: Path = args.out or default_dir()
    if args.command == "generate":
        changed = write(out)
        print(f"{len(changed)} file(s) updated in {out}" + "".join(f"\n  {c}" for c in changed))
        return 0
    problems = check(out)
    if problems:
        print(
            f"contract artefacts in {out} are out of date:\n"
            + "".join(f"  {p}\n" for p in problems)
            + "run `python -m questline.contracts generate` and commit the result.",
            file=sys.stderr,
        )
        return 1
    print(f"contract artefacts in {out} are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
