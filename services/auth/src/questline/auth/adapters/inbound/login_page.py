"""The sign-in page of the authorisation endpoint: plain HTML, no script."""

from __future__ import annotations

from html import escape

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Questline</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;background:#f4f5f7;display:grid;place-items:center;
min-height:100vh;margin:0}}
form{{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:20rem}}
h1{{font-size:1.3rem;margin:0 0 1rem}} label{{display:block;margin:.8rem 0 .3rem}}
input[type=text],input[type=password]{{width:100%;padding:.5rem;box-sizing:border-box}}
button{{margin-top:1.2rem;width:100%;padding:.6rem;background:#2b59c3;color:#fff;
border:0;border-radius:4px;font-size:1rem}}
.error{{color:#b00020;margin:.5rem 0}}
</style></head>
<body><form method="post" action="/oauth/authorize?{query}">
<h1>Sign in to Questline</h1>
<p>{client} asks to act for you.</p>
{error}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" required
 value="{username}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"
 required>
<button type="submit">Sign in</button>
</form></body></html>
"""


def login_page(query: str, client_id: str, *, error: str = "", username: str = "") -> str:
    return PAGE.format(
        query=escape(query, quote=True),
        client=escape(client_id),
        error=f'<p class="error" role="alert">{escape(error)}</p>' if error else "",
        username=escape(username, quote=True),
    )
