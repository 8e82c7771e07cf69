"""The audit on the running system: after achievements and an exchange it finds
invariants 1-6 holding, as a library and as a command, reading through a role that can
write nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from questline.audit import audit, database_urls
from questline.devstack.stack import Stack

pytestmark = pytest.mark.e2e

# Long enough for events still travelling from other tests of the session to land.
SETTLE_S = 60


async def a_customer_who_exchanged(api) -> str:  # type: ignore[no-untyped-def]
    """Two players with two achievements each; the first one exchanged a reward."""
    players = api.customers(2, "audit")
    await api.achieve_many(players, per_customer=2)
    await api.wait_settled(players, achievements=2)
    gift = await api.new_gift(stock=3, name="Audited gift")
    [first, *_] = await api.rewards_of(players[0])
    response = await api.exchange(players[0], first["rewardId"], gift["id"])
    assert response.status_code == 200, response.text
    await api.assert_exchange_invariants(players, [gift["id"]])
    return str(players[0])


async def test_after_achievements_and_an_exchange_the_audit_finds_every_invariant_holding(api):
    exchanged = await a_customer_who_exchanged(api)
    urls = database_urls(api.stack.data_dir, {})

    report = await asyncio.to_thread(audit, urls, wait=SETTLE_S)
    assert report.clean, report.to_text()
    assert report.invariant(1).checked["achievements"] >= 4
    assert report.invariant(3).checked["exchange records"] >= 1
    assert report.invariant(4).checked["gifts"] >= 1

    # One customer's audit counts exactly their rows: the audit reads what is there.
    mine = await asyncio.to_thread(audit, urls, customer=exchanged, wait=SETTLE_S)
    assert mine.clean, mine.to_text()
    assert mine.invariant(1).checked == {"achievements": 2, "rewards": 2}
    assert mine.invariant(3).checked == {"exchanged wallet entries": 1, "exchange records": 1}
    assert mine.invariant(4).status == "SKIPPED"
    assert mine.invariant(6).checked == {"customers": 1, "pages": 1}


async def test_the_audit_command_exits_0_and_writes_its_report_as_json(api, tmp_path: Path):
    await a_customer_who_exchanged(api)
    path = tmp_path / "audit.json"
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "questline.audit", "--json", str(path), "--wait", str(SETTLE_S)],
        env={**os.environ, "QUESTLINE_DATA_DIR": str(api.stack.data_dir)},
        capture_output=True,
        text=True,
        timeout=SETTLE_S + 60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CLEAN: invariants 1-6 hold" in done.stdout
    report = json.loads(path.read_text())
    assert report["clean"] is True
    assert [i["status"] for i in report["invariants"]] == ["OK"] * 6


async def test_the_audit_command_writes_its_report_under_the_data_dir_by_default(api):
    audits = api.stack.data_dir / "audit"
    before = set(audits.glob("*.json")) if audits.exists() else set()
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "questline.audit", "--wait", str(SETTLE_S)],
        env={**os.environ, "QUESTLINE_DATA_DIR": str(api.stack.data_dir)},
        capture_output=True,
        text=True,
        timeout=SETTLE_S + 60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [written] = set(audits.glob("audit-*.json")) - before
    assert f"JSON: {written}" in done.stdout


async def test_an_achievement_left_without_a_reward_is_found_and_the_command_exits_1(
    api, tmp_path: Path
):
    """A row written behind the services' back (as mission's own role, then removed)."""
    [ghost] = api.customers(1, "ghost")
    path = tmp_path / "ghost.json"
    mission_db = api.stack.database_urls["mission"].replace("+asyncpg", "")
    insert = (
        "INSERT INTO achievements (id, customer_id, mission_code, points, achieved_at) "
        "VALUES (%s, %s, 'first-win', 50, now())"
    )
    with psycopg.connect(mission_db, autocommit=True) as conn:
        conn.execute(insert, (f"m-{ghost}", ghost))
        try:
            urls = database_urls(api.stack.data_dir, {})
            report = await asyncio.to_thread(audit, urls, customer=ghost)
            done = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "questline.audit", "--customer", ghost, "--json", str(path)],
                env={**os.environ, "QUESTLINE_DATA_DIR": str(api.stack.data_dir)},
                capture_output=True,
                text=True,
                timeout=60,
            )
        finally:
            conn.execute("DELETE FROM achievements WHERE customer_id = %s", (ghost,))
    assert not report.clean
    assert dict(report.invariant(1).totals) == {"achievement without a reward": 1}
    assert dict(report.invariant(6).totals) == {"achievement missing from My Page": 1}
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"achievement m-{ghost} (customer {ghost}) has no reward" in done.stdout
    assert json.loads(path.read_text())["violations"] == 2


def test_the_audit_role_reads_every_service_database_but_cannot_write(stack: Stack) -> None:
    urls = database_urls(stack.data_dir, {})
    with psycopg.connect(urls["reward"], autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM rewards").fetchone() is not None
        insert = (
            "INSERT INTO rewards (id, mission_id, customer_id, points, status, issued_at) "
            "VALUES ('forged', 'forged', 'mallory', 1, 'ISSUED', now())"
        )
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute(insert)  # its transactions are read-only by default
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(insert)  # and even in a read-write one it has no right to
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE forged (id int)")
    # Auth's database (keys, password hashes) is not the audit's to read.
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(urls["reward"].replace("@/reward?", "@/auth?"))
