"""The web app in a real browser (Debian's chromium, driven by Playwright) against the
whole running system: sign-in on the auth server's page, My Page updated by itself,
an exchange, out of stock, gift stopped (by the browser test; started again here), the
console's changes seen by a player, and a player kept out of the console. The browser
tests themselves are web/e2e/*.spec.ts; this test starts them with the system's
address, fresh accounts and tokens."""

from __future__ import annotations

import os
import secrets
import subprocess
import uuid
from pathlib import Path

import pytest

from questline.devstack.dev_accounts import register_accounts
from questline.devstack.stack import Stack

pytestmark = pytest.mark.e2e
WEB = Path(__file__).resolve().parents[2] / "web"
PLAYERS = 7  # one per browser test: no test sees another's rewards
STOPS_GIFT = "@gift-stopped"  # the browser test that stops the gift service


def browser_env(stack: Stack) -> dict[str, str]:
    run = uuid.uuid4().hex[:6]
    players = [f"web-{run}-{i}" for i in range(PLAYERS)]
    operator, rival = f"web-{run}-ops", f"web-{run}-rival"
    password = secrets.token_urlsafe(12)
    accounts = {**dict.fromkeys(players, "player"), operator: "operator"}
    register_accounts(stack.database_urls["auth"], stack.gateway_url, accounts, password)
    tokens = stack.tokens()
    return {
        **os.environ,
        "QUESTLINE_URL": stack.gateway_url,
        "QUESTLINE_PLAYERS": ",".join(players),
        "QUESTLINE_OPERATOR": operator,
        "QUESTLINE_PASSWORD": password,
        "QUESTLINE_GAME_TOKEN": tokens.game_backend(),
        "QUESTLINE_OPERATOR_TOKEN": tokens.operator(operator),
        "QUESTLINE_RIVAL": rival,
        "QUESTLINE_RIVAL_TOKEN": tokens.player(rival),
        "QUESTLINE_GIFT_PID": str(stack.processes["gift-0"].popen.pid),
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        "CI": "1",
    }


def playwright(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["npx", "playwright", "test", *args],
        cwd=WEB,
        env=env,
        capture_output=True,
        text=True,
        timeout=480,
    )


def test_my_page_and_the_console_work_in_a_real_browser(stack: Stack) -> None:
    assert (WEB / "dist" / "index.html").exists(), "web/dist is missing: run make install-test"
    assert Path("/usr/bin/chromium").exists(), "chromium is missing: run make install-test"
    env = browser_env(stack)
    runs = [playwright(env, "--grep-invert", STOPS_GIFT)]
    try:
        # Last, on its own: it stops gift, which the tests above need.
        runs.append(playwright(env, "--grep", STOPS_GIFT))
    finally:
        gift = stack.processes["gift-0"]
        if not gift.alive():
            stack.start("gift")
            stack.wait_ready(["gift"])
    for done in runs:
        print(done.stdout[-8000:])
    failed = [done for done in runs if done.returncode != 0]
    assert not failed, "Playwright failed:\n" + "\n".join(
        f"{done.stdout[-20000:]}\n{done.stderr[-5000:]}" for done in failed
    )
