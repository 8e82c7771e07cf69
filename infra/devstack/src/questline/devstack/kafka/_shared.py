"""Small helpers the jars, broker and topics modules share: their logger, admin client
settings, file reads."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

# The package's logger name, as before the split into modules.
log = logging.getLogger("questline.devstack.kafka")


def client_config(bootstrap: str) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        # Default backoff grows to 10 s; a starting broker should be retried quickly.
        "reconnect.backoff.ms": 100,
        "reconnect.backoff.max.ms": 500,
        # librdkafka's own stderr chatter goes through Python logging instead.
        "logger": logging.getLogger("questline.devstack.librdkafka"),
    }


def read_stripped(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
