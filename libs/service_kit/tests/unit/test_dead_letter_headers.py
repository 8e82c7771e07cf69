"""A dead letter's reason is cut to a bounded size without breaking UTF-8, and is
UTF-8 whatever the error said."""

from __future__ import annotations

import pytest

from questline.service_kit.dead_letters import ERROR_BYTES, utf8_prefix


@pytest.mark.parametrize("filler", ["é", "€", "🎁", "a"])
def test_a_long_reason_is_cut_on_a_character_boundary(filler: str) -> None:
    reason = "x" + filler * 2000
    cut = utf8_prefix(reason, ERROR_BYTES)
    assert len(cut) <= ERROR_BYTES
    assert reason.startswith(cut.decode("utf-8"))  # valid UTF-8, a true prefix
    assert len(cut) > ERROR_BYTES - 4  # nothing more lost than one character


def test_a_short_reason_is_kept_whole() -> None:
    assert utf8_prefix("mission code 'ü' is unknown", ERROR_BYTES).decode() == (
        "mission code 'ü' is unknown"
    )


def test_a_reason_no_utf8_can_hold_is_written_with_a_stand_in() -> None:
    # A lone surrogate (e.g. from bytes decoded with surrogateescape) has no UTF-8 form.
    assert utf8_prefix("bad \udcff byte", ERROR_BYTES).decode("utf-8") == "bad ? byte"
