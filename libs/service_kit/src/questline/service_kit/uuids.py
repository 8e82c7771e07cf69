"""Random (version 4) UUIDs from a pool of OS randomness.

`uuid.uuid4()` asks the kernel for 16 bytes each time: a `getrandom` system call per
event id, achievement id and request id (4 % of mission's samples in a native profile).
Here one call fetches the bytes of 256 ids: 0.9 µs per id against 2.1 µs, measured. They
are the same bytes, as unpredictable; a forked child drops the pool so that it never hands
out its parent's ids."""

from __future__ import annotations

import os

_IDS_PER_FETCH = 256
_pool = b""
_next = 0


def _refill() -> None:
    global _pool, _next
    _pool, _next = os.urandom(16 * _IDS_PER_FETCH), 0


def _drop_pool() -> None:
    global _pool, _next
    _pool, _next = b"", 0


os.register_at_fork(after_in_child=_drop_pool)


def uuid4_hex() -> str:
    """32 hex digits of a version 4 UUID (as `uuid.uuid4().hex`)."""
    global _next
    if _next >= len(_pool):
        _refill()
    raw = _pool[_next : _next + 16]
    _next += 16
    h = raw.hex()
    # Version 4 in the 13th digit; the variant (10xx) in the top bits of the 17th.
    return f"{h[:12]}4{h[13:16]}{'89ab'[int(h[16], 16) & 3]}{h[17:]}"


def uuid4_str() -> str:
    """A version 4 UUID in its usual form (as `str(uuid.uuid4())`)."""
    h = uuid4_hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
