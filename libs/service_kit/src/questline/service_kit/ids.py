"""Identifiers and time as every HTTP adapter and bootstrap needs them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import StringConstraints

from questline.service_kit.uuids import uuid4_str

# Opaque ids, but bounded: at most 64 characters, no spaces or control characters.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$"
CustomerId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=ID_PATTERN)]
CustomerIdQuery = Annotated[
    str, Query(alias="customerId", min_length=1, max_length=64, pattern=ID_PATTERN)
]
CustomerIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
# Other opaque ids (rewards, gifts, achievements): anything printable, never a control
# character (PostgreSQL refuses NUL in text; that must be a 422, not a 500).
OPAQUE_ID_PATTERN = r"^[^\x00-\x1f\x7f]+$"
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=OPAQUE_ID_PATTERN)]
OpaqueId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=OPAQUE_ID_PATTERN)]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid4_str()
