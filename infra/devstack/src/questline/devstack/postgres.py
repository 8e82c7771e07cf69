"""A local PostgreSQL 16 server on a Unix socket, from the binaries in the pgserver wheel.

Only pgserver's bundled binaries (initdb, pg_ctl, postgres) are used, not its Python
lifecycle: `pgserver.get_server()` registers an atexit hook that stops the server when
the *last* process in an on-disk pid list exits. A crashed process stays in that list
forever, so later runs never stop the server (it is left running), and a second
get_server() in one process returns a cached, possibly stopped, instance. Here the
supervisor owns the lifecycle: start() and stop() do exactly that, nothing happens
at exit, and the data directory is kept between runs.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import re
import stat
import subprocess
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import errors, sql

from questline.devstack.reaping import is_alive, reap_orphans

_log = logging.getLogger(__name__)

# sun_path is 108 bytes on Linux, including the terminating NUL.
MAX_SOCKET_PATH = 107
_SOCKET_NAME = ".s.PGSQL.5432"  # no TCP port: every instance uses the default name
# postgres refuses to run as root; as root we run it as this system user (the same
# name pgserver uses, so data dirs made by either are interchangeable).
SYSTEM_USER = "pgserver"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Allow the admin (postgres) in without a password over the socket; every other role
# must present its password, so a wrong service URL fails here as it would in prod.
_PG_HBA = """\
# Written by questline.devstack.postgres. No TCP listener: Unix socket only.
# TYPE  DATABASE  USER      METHOD
local   all       postgres  trust
local   all       all       scram-sha-256
"""


class PostgresError(RuntimeError):
    """The server could not be set up, started or stopped."""


class EmbeddedPostgres:
    """PostgreSQL with its data (and its socket) in `data_dir`."""

    def __init__(self, data_dir: Path, log_file: Path | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.log_file = (log_file or self.data_dir / "postgres.log").resolve()
        socket_path = self.data_dir / _SOCKET_NAME
        if len(os.fsencode(socket_path)) > MAX_SOCKET_PATH:
            raise PostgresError(
                f"data dir {self.data_dir} is too long for a Unix socket: "
                f"{socket_path} has {len(os.fsencode(socket_path))} bytes, the limit is "
                f"{MAX_SOCKET_PATH}; use a shorter data dir path"
            )
        self._bin = _pg_bin_dir()
        self._user: pwd.struct_passwd | None = None

    @property
    def socket_dir(self) -> Path:
        return self.data_dir

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@/postgres?host={_q(self.socket_dir)}"

    @property
    def pid(self) -> int | None:
        """Pid of the postmaster, from postmaster.pid, if it is running."""
        try:
            first = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        except (FileNotFoundError, PermissionError):
            return None
        if not first.isdigit() or not is_alive(int(first)):
            return None
        return int(first)

    def is_running(self) -> bool:
        # Not `pg_ctl status`: it takes a zombie postmaster for a running one, and the
        # supervisor asks twice a second (a fork and exec each time).
        return self.pid is not None

    def recover(self, timeout: float = 60) -> None:
        """Start again after a crash: collect the dead server's processes (its lock
        file names a zombie otherwise), then start; PostgreSQL replays its WAL."""
        reap_orphans()
        self.start(timeout)

    # -- lifecycle

    def start(self, timeout: float = 30) -> None:
        """Initialise the data dir on first use, then start the server and wait for it.

        A server already running on this data dir (left by a killed supervisor) is
        adopted rather than failing: stop() will then stop it.
        """
        self._user = _system_user()
        self._prepare_data_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self._prepare_log_file()  # after initdb, which wants an empty data dir
        self._write_settings()
        if self.is_running():
            _log.warning(
                "postgres already running on %s (pid %s); adopting it", self.data_dir, self.pid
            )
            return
        done = self._pg_ctl("start", "-w", "-t", str(int(timeout)), "-l", str(self.log_file))
        if done.returncode != 0:
            raise PostgresError(
                f"postgres did not start (pg_ctl exit {done.returncode}): {done.stdout.strip()}\n"
                f"last lines of {self.log_file}:\n{_tail(self.log_file)}"
            )
        _log.info("postgres started on %s (pid %s)", self.socket_dir, self.pid)

    def stop(self, timeout: float = 30) -> None:
        """Fast shutdown (disconnects clients, checkpoints); immediate if that times out."""
        if not (self.data_dir / "postmaster.pid").exists() or not self.is_running():
            return
        done = self._pg_ctl("stop", "-m", "fast", "-w", "-t", str(int(timeout)))
        if done.returncode != 0:
            _log.warning(
                "postgres fast stop failed (%s); stopping immediately", done.stdout.strip()
            )
            self._pg_ctl("stop", "-m", "immediate", "-w")
        _log.info("postgres stopped (%s)", self.data_dir)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases

    def ensure_database(self, name: str, role: str, password: str) -> str:
        """Create the login role and its own database if missing; return its SQLAlchemy URL.

        Idempotent. The password is (re)set every time so the returned URL always
        works. CONNECT is revoked from PUBLIC: a service's role reaches only its own
        database, as in production.
        """
        _check_name(name)
        _check_name(role)
        ident_role, ident_db = sql.Identifier(role), sql.Identifier(name)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            _login_role(conn, role, password)
            owner = conn.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if owner is None:
                try:
                    conn.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(ident_db, ident_role)
                    )
                except errors.DuplicateDatabase:
                    pass
            elif owner[0] != role:
                conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(ident_db, ident_role))
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident_db))
        return (
            f"postgresql+asyncpg://{quote(role)}:{quote(password, safe='')}@/{name}"
            f"?host={_q(self.socket_dir)}"
        )

    def ensure_reader(self, role: str, password: str, databases: Iterable[str]) -> None:
        """A login role that reads every table of `databases` and can write none.

        Idempotent. pg_read_all_data grants SELECT (on tables later migrations add too)
        and nothing else; CONNECT opens only the databases named, since CONNECT is
        revoked from PUBLIC. Its transactions are read-only by default as well.
        """
        _check_name(role)
        ident_role = sql.Identifier(role)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            _login_role(conn, role, password)
            conn.execute(sql.SQL("GRANT pg_read_all_data TO {}").format(ident_role))
            conn.execute(
                sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ident_role)
            )
            for name in databases:
                _check_name(name)
                conn.execute(
                    sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                        sql.Identifier(name), ident_role
                    )
                )

    def drop_database(self, name: str, role: str | None = None) -> None:
        """Drop the database (closing its connections) and, if given, the role."""
        _check_name(name)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            if role is not None:
                _check_name(role)
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    # -- helpers

    def _prepare_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            if not (self.data_dir / "PG_VERSION").exists():
                os.chown(self.data_dir, self._user.pw_uid, self._user.pw_gid)
            # The postgres user must be able to walk down to its data dir.
            _allow_traversal(self.data_dir, self._user.pw_uid)
        self.data_dir.chmod(0o700)  # postgres refuses group/other access to PGDATA

    def _prepare_log_file(self) -> None:
        # pg_ctl opens the log as the postgres user: create it and hand it over.
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.touch(exist_ok=True)
        if self._user is not None:
            os.chown(self.log_file, self._user.pw_uid, self._user.pw_gid)
            _allow_traversal(self.log_file, self._user.pw_uid)

    def _initdb(self) -> None:
        if any(self.data_dir.iterdir()):
            raise PostgresError(f"{self.data_dir} is not empty and not a PostgreSQL data dir")
        done = self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres",
            "--encoding=UTF8", "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
        )  # fmt: skip
        if done.returncode != 0:
            raise PostgresError(f"initdb failed (exit {done.returncode}):\n{done.stdout}")
        (self.data_dir / "pg_hba.conf").write_text(_PG_HBA)
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# Settings owned by questline.devstack, rewritten at each start.\n")
            conf.write("include_if_exists = 'questline.conf'\n")
        if self._user is not None:
            os.chown(self.data_dir / "pg_hba.conf", self._user.pw_uid, self._user.pw_gid)
        _log.info("initialised postgres data dir %s", self.data_dir)

    def _write_settings(self) -> None:
        # Rewritten each start: the socket dir follows the data dir if it moves.
        path = self.data_dir / "questline.conf"
        path.write_text(
            "listen_addresses = ''\n"  # no TCP port to collide with anything
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "max_connections = 200\n"  # several services x pool sizes
            "timezone = 'UTC'\n"
            "log_timezone = 'UTC'\n"
            # Tables start empty and fill fast: a prepared statement planned on an
            # empty table keeps its sequential scan until an ANALYZE re-plans it, so
            # let autovacuum look every 10 s rather than every minute (≈0.05 % of a
            # core at rest, measured).
            "autovacuum_naptime = 10\n"
            # Each backend maps every shared buffer it touches: with the 128 MB default
            # a dozen busy backends showed 1.5 GB of resident memory between them for a
            # few tens of MB of data, which the OS page cache holds anyway.
            "shared_buffers = 64MB\n"
        )
        if self._user is not None:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run("pg_ctl", "-D", str(self.data_dir), *args)

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        user = self._user if self._user is not None else _system_user()
        # stdout to a pipe is fine for pg_ctl: the server's output goes to -l <file>,
        # so the daemonised postmaster does not hold the pipe open.
        return subprocess.run(
            [str(self._bin / tool), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd="/",  # the postgres user may not be able to enter our cwd
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,  # drop root's supplementary groups
        )


def _login_role(conn: psycopg.Connection[Any], role: str, password: str) -> None:
    """Create the login role, or set its password if it exists."""
    ident_role = sql.Identifier(role)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    try:
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(ident_role, sql.Literal(password))
        )
    except errors.DuplicateObject:  # created concurrently by another process
        conn.execute(
            sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(ident_role, sql.Literal(password))
        )


def _pg_bin_dir() -> Path:
    # Found without importing pgserver: its import builds lock paths and warns when
    # XDG_RUNTIME_DIR is unset; we only need the files.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresError("the pgserver package is not installed")
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (bin_dir / "postgres").exists():
        raise PostgresError(f"no postgres binary in {bin_dir}")
    return bin_dir


def _system_user() -> pwd.struct_passwd | None:
    """None when not root (postgres runs as us); the postgres system user otherwise."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home",
             "--shell", "/usr/sbin/nologin", SYSTEM_USER],
            check=True, capture_output=True,
        )  # fmt: skip
        return pwd.getpwnam(SYSTEM_USER)


def _allow_traversal(path: Path, uid: int) -> None:
    """Add the search bit for others on each parent (not read: no listing).

    Parents the user owns are left alone: that includes PGDATA, which must stay 0700.
    """
    for parent in path.parents:
        info = parent.stat()
        mode = info.st_mode
        if info.st_uid != uid and not mode & stat.S_IXOTH:
            _log.info("allowing traversal (o+x) of %s for the postgres user", parent)
            parent.chmod(mode | stat.S_IXOTH)


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"{name!r}: use a lowercase identifier (a-z, 0-9, _)")


def _q(path: Path) -> str:
    return quote(str(path), safe="/")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
