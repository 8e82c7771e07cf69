"""The web app's file server: the app's own routes get index.html, assets are cached
for good and a missing one is a 404, nothing outside the built folder is served, and
every answer carries the security headers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from questline.devstack.web import HEADERS, IMMUTABLE, WebApp, handler_for

INDEX = b"<!doctype html><title>Questline</title><div id=root></div>"


def serving(root: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(root))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('hi')")
    (tmp_path / "secret.txt").write_text("not for the web")
    return dist


@pytest.fixture
def web(built: Path) -> Iterator[str]:
    yield from serving(built)


@pytest.mark.parametrize("path", ["/", "/console", "/callback?code=abc&state=xyz"])
def test_the_apps_own_routes_get_the_page_which_is_never_cached(web: str, path: str) -> None:
    answer = httpx.get(web + path)
    assert answer.status_code == 200 and answer.content == INDEX
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["cache-control"] == "no-cache"


def test_a_hashed_asset_is_cached_for_good(web: str) -> None:
    answer = httpx.get(web + "/assets/index-abc123.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    assert answer.headers["cache-control"] == IMMUTABLE


def test_a_missing_asset_is_a_404_problem_not_the_page(web: str) -> None:
    answer = httpx.get(web + "/assets/gone-123.js")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"]
)
def test_nothing_outside_the_built_folder_is_served(web: str, path: str) -> None:
    answer = httpx.get(web + path)
    assert b"not for the web" not in answer.content


def test_every_answer_carries_the_security_headers(web: str) -> None:
    for path in ("/", "/assets/index-abc123.js", "/assets/gone.js"):
        answer = httpx.get(web + path)
        for name, value in HEADERS.items():
            assert answer.headers[name] == value
    assert "frame-ancestors 'none'" in HEADERS["Content-Security-Policy"]


def test_other_methods_are_refused_with_a_problem(web: str) -> None:
    answer = httpx.post(web + "/", content=b"x")
    assert answer.status_code == 501
    assert answer.headers["content-type"] == "application/problem+json"


def test_an_app_not_built_yet_says_how_to_build_it(tmp_path: Path) -> None:
    for web in serving(tmp_path / "missing"):
        answer = httpx.get(web + "/")
        assert answer.status_code == 503 and b"make install" in answer.content


def test_the_web_server_runs_as_a_child_process_until_stopped(built: Path, tmp_path: Path) -> None:
    from questline.devstack.ports import free_port

    app = WebApp(built, free_port(), tmp_path / "web.log")
    app.start()
    try:
        app.wait_ready(30)
        assert httpx.get(app.url + "/console").content == INDEX
    finally:
        app.stop()
    assert not app.is_running()
