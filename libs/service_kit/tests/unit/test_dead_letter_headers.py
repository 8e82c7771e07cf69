"""A dead letter's reason is cut to a bounded size without breaking UTF-8."""

from __future__ import annotations

import pytest

from questline.service_kit.inbox import DLQ_ERROR_BYTES, utf8_prefix


@pytest.mark.parametrize("filler", ["é", "€", "🎁", "a"])
def test_a_long_reason_is_cut_on_a_character_boundary(filler: str) -> None:
    reason = "x" + filler * 2000
    cut = utf8_prefix(reason, DLQ_ERROR_BYTES)
    assert len(cut) <= DLQ_ERROR_BYTES
    assert reason.startswith(cut.decode("utf-8"))  # valid UTF-8, a true prefix
    assert len(cut) > DLQ_ERROR_BYTES - 4  # nothing more lost than one character


def test_a_short_reason_is_kept_whole() -> None:
    assert utf8_prefix("mission code 'ü' is unknown", DLQ_ERROR_BYTES).decode() == (
        "mission code 'ü' is unknown"
    )
