"""`python -m questline.<service> …`: one command line shape for every service."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from questline.service_kit import dead_letter_commands
from questline.service_kit.logs import configure_logging
from questline.service_kit.migrations import upgrade
from questline.service_kit.runtime import ROLES, Service, run
from questline.service_kit.settings import ServiceSettings

Build = Callable[[ServiceSettings, set[str]], Awaitable[Service]]


@dataclass(frozen=True)
class Command:
    """A command of one service's own (e.g. mypage's `rebuild`). Its output is stdout;
    logs go to stderr."""

    help: str
    run: Callable[[ServiceSettings, argparse.Namespace], int]
    description: str | None = None
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


def main(
    *,
    service: str,
    summary: str,
    settings_factory: Callable[[], ServiceSettings],
    build: Build,
    migrations: Path,
    consumes_events: bool = False,  # adds the `dlq` commands
    commands: Mapping[str, Command] | None = None,
    argv: list[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m questline.{service}",
        description=f"{summary} Settings come from QUESTLINE_{service.upper()}_* variables.",
    )
    subcommands = parser.add_subparsers(dest="command", required=True)
    run_cmd = subcommands.add_parser("run", help="run the service (HTTP, outbox relay, consumers)")
    run_cmd.add_argument(
        "--roles",
        default=",".join(ROLES),
        help="comma-separated subset of http,relay,consumer (default: all). Start more "
        "processes with --roles consumer to scale consumers out.",
    )
    run_cmd.add_argument("--port", type=int, help="HTTP port (overrides the setting)")
    run_cmd.add_argument("--migrate", action="store_true", help="apply migrations first")
    subcommands.add_parser("migrate", help="apply database migrations (Alembic) and exit")
    subcommands.add_parser("openapi", help="print the OpenAPI document and exit")
    subcommands.add_parser("settings", help="print the effective settings and exit")
    if consumes_events:
        dead_letter_commands.add_commands(subcommands)
    own = dict(commands or {})
    for name, command in own.items():
        sub = subcommands.add_parser(
            name,
            help=command.help,
            description=command.description or command.help,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if command.arguments is not None:
            command.arguments(sub)
    args = parser.parse_args(argv)

    settings = settings_factory()
    if args.command == "dlq":  # stdout is the command's output: logs go to stderr
        configure_logging(service, "WARNING", stream=sys.stderr)
        return dead_letter_commands.run(args, settings)
    if args.command in own:
        configure_logging(service, settings.log_level, stream=sys.stderr)
        return own[args.command].run(settings, args)
    if getattr(args, "port", None):
        settings = settings.model_copy(update={"http_port": args.port})
    configure_logging(service, settings.log_level)

    if args.command == "settings":
        print(settings.model_dump_json(indent=2))
        return 0
    if args.command == "migrate" or getattr(args, "migrate", False):
        upgrade(migrations, settings.effective_database_url())
        if args.command == "migrate":
            return 0
    if args.command == "openapi":
        import asyncio

        async def app_only() -> Service:
            return await build(settings, set())

        app = asyncio.run(app_only()).app
        json.dump(app.openapi(), sys.stdout, indent=2)
        return 0
    roles = {r.strip() for r in args.roles.split(",") if r.strip()}
    unknown = roles - set(ROLES)
    if unknown or not roles:
        parser.error(f"unknown roles: {', '.join(sorted(unknown)) or '(none)'}")

    async def build_roles(chosen: set[str]) -> Service:
        return await build(settings, chosen)

    return run(build_roles, roles)
