"""Operator commands: register players, operators and clients, rotate the signing key,
and print a token for people and scripts (`TOKEN=$(… token --player alice)`)."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from datetime import timedelta

from questline.auth.adapters.inbound.minting import GAME_BACKEND, Minter
from questline.auth.adapters.inbound.oauth import Storage, utc_now
from questline.auth.application.register import register_account, register_client
from questline.auth.domain import scopes
from questline.auth.domain.accounts import Role
from questline.auth.domain.clients import GRANT_TYPES
from questline.auth.domain.errors import AuthError
from questline.auth.settings import AuthSettings

COMMANDS = ("register-player", "register-operator", "register-client", "rotate-keys", "token")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m questline.auth")
    sub = p.add_subparsers(dest="command", required=True)
    for name, role in (("register-player", "a player"), ("register-operator", "an operator")):
        cmd = sub.add_parser(name, help=f"create {role} (or set a new password)")
        cmd.add_argument("username")
        cmd.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )
    client = sub.add_parser("register-client", help="create or update an OAuth client")
    client.add_argument("client_id")
    client.add_argument("--grant", action="append", choices=GRANT_TYPES, required=True)
    client.add_argument("--scope", action="append", choices=scopes.ALL, required=True)
    client.add_argument("--redirect-uri", action="append", default=[])
    client.add_argument(
        "--secret-stdin",
        action="store_true",
        help="read the secret from stdin (default: generate one and print it)",
    )
    client.add_argument("--public", action="store_true", help="no secret (PKCE clients)")
    rotate = sub.add_parser("rotate-keys", help="publish a new signing key")
    rotate.add_argument(
        "--now", action="store_true", help="sign with it at once (skip the publish delay)"
    )
    token = sub.add_parser("token", help="print an access token (and nothing else)")
    who = token.add_mutually_exclusive_group(required=True)
    who.add_argument("--player", metavar="CUSTOMER_ID")
    who.add_argument("--operator", nargs="?", const="operator", metavar="USERNAME")
    who.add_argument("--game-backend", nargs="?", const=GAME_BACKEND, metavar="CLIENT_ID")
    return p


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass("password: ")


def run(argv: list[str], settings: AuthSettings, parts: Storage) -> int:
    args = parser().parse_args(argv)
    parts.store.open()
    try:
        parts.keys.ensure(utc_now())
        return _dispatch(args, settings, parts)
    except AuthError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 2
    finally:
        parts.store.close()


def _dispatch(args: argparse.Namespace, settings: AuthSettings, parts: Storage) -> int:
    if args.command in ("register-player", "register-operator"):
        role = Role.PLAYER if args.command == "register-player" else Role.OPERATOR
        register_account(
            args.username, _password(args), role, accounts=parts.accounts, hasher=parts.hasher
        )
        print(f"{role.value} {args.username} registered", file=sys.stderr)
        return 0
    if args.command == "register-client":
        secret = None
        if not args.public:
            secret = (
                sys.stdin.readline().strip() if args.secret_stdin else secrets.token_urlsafe(32)
            )
        register_client(
            args.client_id,
            secret=secret,
            grant_types=args.grant,
            allowed_scopes=args.scope,
            redirect_uris=args.redirect_uri,
            clients=parts.clients,
            hasher=parts.hasher,
        )
        if secret is not None and not args.secret_stdin:
            print(secret)  # shown once; only its hash is kept
        return 0
    if args.command == "rotate-keys":
        kid = parts.keys.rotate(
            utc_now(),
            timedelta(0) if args.now else timedelta(seconds=settings.key_publish_delay_s),
            timedelta(seconds=settings.access_token_ttl_s),
        )
        print(kid)
        return 0
    minter = Minter(settings, parts)
    if args.game_backend:
        print(minter.game_backend(args.game_backend))
    elif args.player:
        print(minter.player(args.player))
    else:
        print(minter.operator(args.operator))
    return 0
