"""`python -m questline.devstack run`: the whole system in the foreground (make run)."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from questline.devstack.dev_accounts import (
    DEV_ACCOUNTS,
    DEV_PASSWORD,
    embedded_auth,
    register_dev_accounts,
)
from questline.devstack.kafka import ensure_kafka_jars
from questline.devstack.stack import SERVICES, Stack, StackConfig


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "infra" / "kafka" / "pom.xml").exists():
            return parent
    return Path.cwd()


def _say(message: str) -> None:
    print(f"[questline] {message}", flush=True)


def run() -> int:
    started = time.monotonic()
    stack = Stack(StackConfig.from_env(_repo_root()))
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        _say(f"data in {stack.data_dir} (make clean removes it)")
        brokers = stack.config.kafka_brokers
        _say(f"starting Kafka ({brokers} broker{'s' if brokers > 1 else ''}) and PostgreSQL ...")
        stack.start_infra()
        _say(
            f"Kafka and PostgreSQL up after {time.monotonic() - started:.1f} s; "
            "migrating and starting services ..."
        )
        stack.start_all()
        stack.wait_ready(timeout=90)
        if embedded_auth():
            register_dev_accounts(stack.database_urls["auth"], stack.gateway_url)
        _say(f"ready in {time.monotonic() - started:.1f} s")
        # One address to open; the services' own ports are in docs/operations.md.
        print()
        print(f"  open      {stack.gateway_url}   My Page and the LiveOps console")
        if embedded_auth():
            accounts = ", ".join(f"{role} {name}" for name, role in DEV_ACCOUNTS.items())
            print(f"  sign in   {accounts} (password {DEV_PASSWORD})")
        print(f"  logs      {stack.logs}")
        if brokers > 1:
            print(f"  kafka     {stack.kafka_bootstrap}")
        print()
        _say(
            'every API is behind that address too, with a token (make token ARGS="--player '
            "alice\"); the services' own ports and docs: docs/operations.md. Ctrl-C stops all."
        )
        while not stopping:  # Kafka and PostgreSQL too are restarted if they die
            for line in stack.supervise_once():
                _say(line)
            time.sleep(0.5)
    except Exception as error:  # print the reason plainly; the traceback is noise here
        _say(f"failed: {error}")
        return 1
    finally:
        _say("stopping ...")
        stack.stop_all()
        _say("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m questline.devstack",
        description="Run Questline locally: Kafka, PostgreSQL and all services. "
        "Data lives in $QUESTLINE_DATA_DIR (default ./.data).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start everything, print the URLs, stay in the foreground")
    sub.add_parser("fetch", help="fetch the Kafka broker jars from Maven Central (once)")
    env = sub.add_parser("env", help="print export lines to run a service against `make run`")
    env.add_argument("service", choices=sorted(SERVICES))
    args = parser.parse_args(argv)
    if args.command == "env":
        stack = Stack(StackConfig.from_env(_repo_root()))
        stack.database_urls = stack.known_database_urls()
        for key, value in sorted(stack.service_env(args.service).items()):
            if key.startswith("QUESTLINE_"):
                print(f"export {key}={shlex.quote(value)}")
        return 0
    if args.command == "run":
        return run()
    if args.command == "fetch":
        root = _repo_root()
        ensure_kafka_jars(root, root / ".cache" / "kafka")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
