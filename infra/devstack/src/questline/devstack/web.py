"""The web app's files (web/dist, built by Vite) served on a port of their own, behind
the gateway: `python -m questline.devstack.web --root web/dist --port 8087`.

A page path with no file of its own (`/`, `/console`, `/callback?code=…`) gets
index.html, so the app's own routes survive a reload (SPA fallback); a missing asset is
a 404. Hashed assets are cached for good, index.html never, and every answer carries a
strict Content-Security-Policy: the app loads nothing but its own files and talks only
to its own origin (the gateway). `WebApp` runs the server as a child process of the
stack, as the gateway runs Envoy.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import signal
import subprocess
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from questline.devstack.ports import wait_port

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # The callback URL holds the sign-in code: no page ever passes it on as a referrer.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
IMMUTABLE = "public, max-age=31536000, immutable"  # Vite names assets by content hash
NOT_BUILT = (
    b"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Questline</title>"
    b"</head><body><h1>The web app is not built</h1><p>Run <code>make install</code> "
    b"(it runs <code>npm ci</code> and <code>npm run build</code> in <code>web/</code>), "
    b"then reload.</p></body></html>"
)
for _type, _suffix in (("text/javascript", ".js"), ("application/manifest+json", ".webmanifest")):
    mimetypes.add_type(_type, _suffix)


class WebFiles(BaseHTTPRequestHandler):
    root: Path  # set on the subclass `handler_for` makes
    server_version = "questline-web"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        index = self.root / "index.html"
        if not index.is_file():
            self._send(503, "text/html; charset=utf-8", NOT_BUILT, "no-store", with_body)
            return
        path = unquote(urlsplit(self.path).path)
        file = self._file(path)
        if file is None:
            if Path(path).suffix:  # an asset that is not there: never the page instead
                self._problem(404, "Not found", f"No file {path!r}.", with_body)
                return
            file = index
        cache = IMMUTABLE if file.parent.name == "assets" else "no-cache"
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith(("json", "javascript")):
            kind += "; charset=utf-8"
        self._send(200, kind, file.read_bytes(), cache, with_body)

    def _file(self, path: str) -> Path | None:
        if "\x00" in path:
            return None
        candidate = (self.root / path.lstrip("/")).resolve()
        # Only files inside the root: `..` and symlinks out of it are not served.
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _problem(self, status: int, title: str, detail: str, with_body: bool) -> None:
        body = json.dumps(
            {"type": "about:blank", "title": title, "status": status, "detail": detail}
        )
        self._send(status, "application/problem+json", body.encode(), "no-store", with_body)

    def _send(self, status: int, kind: str, body: bytes, cache: str, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        for name, value in HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Other methods, malformed requests: problem+json like every other error here.
        phrase = HTTPStatus(code).phrase
        self._problem(code, phrase, message or explain or phrase, self.command != "HEAD")

    def log_message(self, format: str, *args: object) -> None:
        pass  # the gateway logs requests; nothing here worth a line each


def handler_for(root: Path) -> type[WebFiles]:
    return type("WebFilesOf", (WebFiles,), {"root": root.resolve()})


def serve(root: Path, host: str, port: int) -> None:
    server = ThreadingHTTPServer((host, port), handler_for(root))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        server.server_close()


class WebApp:
    """The web server as a child process (started and restarted by the stack)."""

    def __init__(self, root: Path, port: int, log_file: Path, host: str = "127.0.0.1") -> None:
        self.root, self.port, self.log_file, self.host = root, port, log_file, host
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as out:
            self._proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "questline.devstack.web"),
                    *("--root", str(self.root), "--host", self.host, "--port", str(self.port)),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the supervisor, which stops us
            )

    def wait_ready(self, timeout: float = 30) -> None:
        """Until it accepts connections: a static server answers from its first accept."""
        try:
            wait_port(self.host, self.port, timeout, alive=self.is_running, interval=0.05)
        except RuntimeError:
            raise RuntimeError(f"the web server exited; see {self.log_file}") from None

    def stop(self, timeout: float = 5) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m questline.devstack.web",
        description="Serve the built web app (web/dist) with SPA fallback, for the gateway.",
    )
    parser.add_argument("--root", type=Path, required=True, help="the built app (web/dist)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8087)
    args = parser.parse_args(argv)
    serve(args.root, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
