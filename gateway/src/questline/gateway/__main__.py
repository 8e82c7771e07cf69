"""python -m questline.gateway render | validate | run

Settings come from QUESTLINE_GATEWAY_* variables (see settings.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from pydantic import ValidationError

from questline.gateway.config import render
from questline.gateway.process import CONFIG_FILE, GatewayError, command, validate, write_config
from questline.gateway.settings import GatewaySettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m questline.gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("render", help="print the Envoy config (JSON)")
    commands.add_parser("validate", help="render to a temporary file and let envoy check it")
    run = commands.add_parser("run", help="serve in the foreground (envoy replaces this process)")
    run.add_argument(
        "--workdir",
        type=Path,
        default=Path(os.environ.get("QUESTLINE_DATA_DIR", ".data")) / "gateway",
        help="where the config is written (default: $QUESTLINE_DATA_DIR/gateway)",
    )
    args = parser.parse_args(argv)
    try:
        settings = GatewaySettings()
    except ValidationError as error:
        print(f"QUESTLINE_GATEWAY_* settings are not valid: {error}", file=sys.stderr)
        return 1

    if args.command == "render":
        print(json.dumps(render(settings), indent=2))
        return 0
    if args.command == "validate":
        with tempfile.TemporaryDirectory(prefix="questline-gateway-") as tmp:
            try:
                validate(write_config(settings, Path(tmp) / CONFIG_FILE))
            except GatewayError as error:
                print(error, file=sys.stderr)
                return 1
        print("gateway config OK")
        return 0
    config = write_config(settings, args.workdir.resolve() / CONFIG_FILE)
    argv_envoy = command(settings, config)
    os.execv(argv_envoy[0], argv_envoy)  # SIGTERM and Ctrl-C now go to envoy itself


if __name__ == "__main__":
    sys.exit(main())
