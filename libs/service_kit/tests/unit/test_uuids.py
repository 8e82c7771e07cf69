"""Pooled version 4 UUIDs: valid, distinct, and never shared with a forked child."""

from __future__ import annotations

import os
import uuid

from questline.service_kit.uuids import uuid4_hex, uuid4_str


def test_ids_are_version_4_uuids_of_the_rfc_variant():
    for _ in range(2000):  # several pools' worth
        text = uuid4_str()
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text  # the canonical form
        assert uuid.UUID(hex=uuid4_hex()).version == 4


def test_ids_do_not_repeat_across_pools():
    ids = [uuid4_hex() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)


def test_a_forked_child_draws_its_own_ids_not_its_parents_next_ones():
    uuid4_hex()  # the parent has a pool under way
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next id, then leave without cleanup
        os.write(write, uuid4_hex().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    childs = os.read(read, 64).decode()
    os.close(read)
    assert childs != uuid4_hex()
