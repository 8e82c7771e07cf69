"""The report (text and JSON, examples capped), where the databases are found, waiting
for a settling system, and the command's exit code when nothing can be read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from questline.audit import Report, Unreachable, audit, database_urls
from questline.audit import run as run_module
from questline.audit.__main__ import main
from questline.audit.databases import where
from questline.audit.invariants import check_all
from questline.audit.report import EXAMPLES, InvariantResult, Violation
from questline.audit.rows import Achievement, Page, PageMission, Snapshot

AT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def report_of(snapshot: Snapshot) -> Report:
    return Report(AT, AT, check_all(snapshot))


def unrewarded(n: int) -> Snapshot:
    """n achievements with no reward yet (and My Page showing just that): n violations."""
    return Snapshot(
        achievements=[Achievement(f"m{i}", "alice", None) for i in range(n)],
        pages=[Page("alice", tuple(PageMission(f"m{i}", None, None) for i in range(n)))],
    )


def test_a_violation_kind_keeps_a_few_examples_and_counts_them_all() -> None:
    result = InvariantResult(1, "statement")
    for i in range(EXAMPLES + 3):
        result.add(Violation("achievement without a reward", f"achievement m{i}"))
    assert result.violations == EXAMPLES + 3 and len(result.examples) == EXAMPLES


def test_the_text_report_says_what_was_checked_and_shows_examples_of_violations() -> None:
    text = report_of(unrewarded(EXAMPLES + 2)).to_text()
    assert "1. VIOLATED Every achievement has exactly one reward" in text
    assert "checked: 7 achievements, 0 rewards" in text
    assert "7 x achievement without a reward" in text
    assert "achievement m0 (customer alice) has no reward" in text
    assert "... and 2 more" in text
    assert "2. OK" in text and "7. -" in text and "chaos run" in text
    assert text.endswith("VIOLATED: 7 violation(s)")
    assert report_of(Snapshot()).to_text().endswith("CLEAN: invariants 1-6 hold")


def test_the_json_report_has_the_same_content() -> None:
    document = json.loads(json.dumps(report_of(unrewarded(1)).to_json()))
    assert document["clean"] is False and document["violations"] == 1
    first = document["invariants"][0]
    assert first["status"] == "VIOLATED"
    assert first["violationsByKind"] == {"achievement without a reward": 1}
    assert first["examples"][0]["ids"] == {"achievementId": "m0", "customerId": "alice"}
    assert document["finishedAt"] == "2025-01-02T03:04:05.000Z"
    assert [n["number"] for n in document["notChecked"]] == [7]


def test_the_databases_are_those_of_make_run_unless_a_url_is_given(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text(json.dumps({"questline_audit": "p/w"}))
    env = {"QUESTLINE_AUDIT_GIFT_DATABASE_URL": "postgresql+asyncpg://auditor:s@db:6543/gifts"}
    urls = database_urls(tmp_path, env)
    assert list(urls) == ["mission", "reward", "wallet", "gift", "mypage"]
    assert urls["mission"] == (
        f"postgresql://questline_audit:p%2Fw@/mission?host={tmp_path.resolve()}/postgres"
    )
    assert where(urls["gift"]) == "gifts as auditor on db:6543"  # no password
    assert where(urls["reward"]).startswith("reward as questline_audit on /")


def test_without_the_audit_roles_password_the_databases_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(Unreachable, match="make run"):
        database_urls(tmp_path, {})
    (tmp_path / "secrets.json").write_text(json.dumps({"mission": "x"}))
    with pytest.raises(Unreachable, match="no password for questline_audit"):
        database_urls(tmp_path, {})


def test_waiting_audits_again_until_the_system_has_settled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snapshots = iter([unrewarded(2), unrewarded(1), Snapshot()])
    monkeypatch.setattr(run_module, "read_snapshot", lambda urls, customer: next(snapshots))
    heard: list[int] = []
    report = audit({}, wait=60, pause=0, on_attempt=lambda r: heard.append(r.violations))
    assert report.clean and report.attempts == 3
    assert heard == [2, 1]


def test_a_system_still_in_violation_when_the_wait_ends_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run_module, "read_snapshot", lambda urls, customer: unrewarded(1))
    report = audit({}, wait=0)
    assert not report.clean and report.attempts == 1


def test_the_command_exits_2_when_it_cannot_read_the_databases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUESTLINE_DATA_DIR", str(tmp_path))
    assert main([]) == 2
    assert "cannot read the databases" in capsys.readouterr().err
    assert not (tmp_path / "audit").exists()
