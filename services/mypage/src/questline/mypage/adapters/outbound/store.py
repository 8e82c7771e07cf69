"""Postgres store of My Page documents: whole documents in, whole documents out.

Plain SQL on asyncpg, which prepares each statement once per connection and caches it;
jsonb travels as dicts (service_kit's codec)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from asyncpg import Record

from questline.mypage.application.ports import KnownNames, Wanted
from questline.mypage.domain.view import MyPage, Section
from questline.service_kit.db import Connection, Database
from questline.service_kit.notices import notify

CHANNEL = "mypage_pages"
# A page is a row (version, time of change) and its entries, a row each: an event
# rewrites the entries it touches, never the whole page.
_ENTRY = "e.section, e.entry_id, e.entry"
# A notice naming no customer but every page (never a customer id: ids start with a
# letter or digit): a rebuilt read model replaced the old one.
EVERY_PAGE = "*"


class SqlMyPageStore:
    """The projection's side, bound to the consumer batch's transaction.

    `first_version`: the version a claimed row starts from (its first save adds one). A
    rebuilt copy starts far above every version the live copy has shown, so that a page's
    version never repeats, not even across a rebuild. `announce`: tell every mypage
    process which pages changed (a copy being rebuilt is read by nobody yet)."""

    # FOR UPDATE locks only rows that exist: a new customer's row is claimed first, so two
    # replicas folding that customer's first events queue instead of overwriting. Claims
    # are inserted in customer order, as the rows are then locked: no deadlocks.
    _CLAIM = (
        "INSERT INTO customer_pages (customer_id, version, updated_at) "
        "SELECT c, $2::bigint, now() FROM unnest($1::text[]) AS c ORDER BY c "
        "ON CONFLICT DO NOTHING"
    )
    # The page rows locked in customer order, each with the entries asked for (by key:
    # the batch reads what it folds into, however long the page).
    _LOCK = (
        f"SELECT p.customer_id, p.updated_at, p.version, {_ENTRY} FROM customer_pages p "
        "LEFT JOIN unnest($2::text[], $3::text[], $4::text[]) AS w(customer_id, section, "
        "entry_id) ON w.customer_id = p.customer_id "
        "LEFT JOIN page_entries e ON e.customer_id = w.customer_id "
        "AND e.section = w.section AND e.entry_id = w.entry_id "
        "WHERE p.customer_id = ANY($1::text[]) ORDER BY p.customer_id FOR UPDATE OF p"
    )
    # Whole pages, once locked above.
    _ENTRIES = (
        "SELECT customer_id, section, entry_id, entry FROM page_entries "
        "WHERE customer_id = ANY($1::text[])"
    )
    # The version is bumped on every change: lets a client (or a push channel) tell what
    # is new. Only the entries the batch folded into are written, whatever the page holds.
    _SAVE = (
        "WITH pages AS ("
        "INSERT INTO customer_pages AS p (customer_id, version, updated_at) "
        "SELECT c, $3::bigint + 1, u FROM unnest($1::text[], $2::timestamptz[]) AS n(c, u) "
        "ON CONFLICT (customer_id) DO UPDATE SET "
        "version = p.version + 1, updated_at = excluded.updated_at) "
        "INSERT INTO page_entries (customer_id, section, entry_id, entry) "
        "SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::jsonb[]) "
        "ON CONFLICT (customer_id, section, entry_id) DO UPDATE SET entry = excluded.entry"
    )

    def __init__(self, conn: Connection, *, first_version: int = 0, announce: bool = True) -> None:
        self._conn = conn
        self._first = first_version
        self._announce = announce

    async def load(self, wanted: Wanted) -> Mapping[str, MyPage]:
        ids = list(wanted)
        keys = [(c, *key) for c, entries in wanted.items() for key in entries or ()]
        await self._conn.execute(self._CLAIM, ids, self._first)
        rows = await self._conn.fetch(
            self._LOCK, ids, [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]
        )
        pages: dict[str, MyPage] = {}
        for row in rows:
            customer_id = row["customer_id"]
            if (page := pages.get(customer_id)) is None:
                # At its first version the row is a claim made in this transaction: no
                # page yet, no time of change.
                claimed = row["version"] == self._first
                updated_at = None if claimed else row["updated_at"]
                page = pages[customer_id] = MyPage(
                    customer_id, updated_at=updated_at, version=row["version"]
                )
            _add_entry(page, row)
        if whole := [c for c, entries in wanted.items() if entries is None]:
            for row in await self._conn.fetch(self._ENTRIES, whole):
                _add_entry(pages[row["customer_id"]], row)
        return pages

    async def save(self, pages: Collection[MyPage]) -> None:
        if not pages:
            return
        ids = [p.customer_id for p in pages]
        entries = [(p.customer_id, *entry) for p in pages for entry in p.changed_entries()]
        await self._conn.execute(
            self._SAVE,
            ids,
            [p.updated_at for p in pages],
            self._first,
            [e[0] for e in entries],
            [e[1] for e in entries],
            [e[2] for e in entries],
            [e[3] for e in entries],
        )
        for page in pages:
            page.changed.clear()
        if self._announce:
            # Heard by every mypage process once committed: their read caches drop these,
            # their open streams read them again.
            await notify(self._conn, CHANNEL, ids)


class SqlGiftNames:
    """The gift name table, bound to the consumer batch's transaction. Rows are locked
    only when a name is new, changed or missing (rare), always in gift id order and
    before any page: two batches never wait on each other in a circle."""

    _READ = (
        "SELECT gift_id, name FROM gift_names WHERE gift_id = ANY($1::text[]) AND name IS NOT NULL"
    )
    # New names are recorded, missing ones claimed (a NULL name). A conflict locks the
    # row even when nothing changes: a claimed gift cannot be named by another batch
    # until this one has committed the pages that wait for its name.
    _RECORD = (
        "INSERT INTO gift_names AS g (gift_id, name) "
        "SELECT * FROM unnest($1::text[], $2::text[]) AS n(gift_id, name) ORDER BY 1 "
        "ON CONFLICT (gift_id) DO UPDATE SET name = excluded.name "
        "WHERE excluded.name IS NOT NULL AND g.name IS DISTINCT FROM excluded.name "
        "RETURNING gift_id, name"
    )
    _WAIT = (
        "INSERT INTO gift_name_waits (gift_id, customer_id) "
        "SELECT * FROM unnest($1::text[], $2::text[]) AS w(g, c) ORDER BY 1, 2 "
        "ON CONFLICT DO NOTHING"
    )
    _STOP_WAITING = (
        "DELETE FROM gift_name_waits WHERE gift_id = ANY($1::text[]) RETURNING gift_id, customer_id"
    )

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def settle(self, listed: Mapping[str, str], shown: Collection[str]) -> KnownNames:
        stored = await self._read(listed.keys() | set(shown))
        changed = {g: n for g, n in listed.items() if stored.get(g) != n}
        missing = set(shown) - stored.keys() - listed.keys()
        named: dict[str, str] = {}
        if changed or missing:
            ids = sorted(changed.keys() | missing)
            rows = await self._conn.fetch(self._RECORD, ids, [changed.get(g) for g in ids])
            named = {r["gift_id"]: r["name"] for r in rows if r["name"] is not None}
            if missing:  # locked now: a name committed meanwhile is seen
                stored |= await self._read(missing)
        known = stored | dict(listed)
        return KnownNames(known={g: known[g] for g in shown if g in known}, named=named)

    async def _read(self, gift_ids: Collection[str]) -> dict[str, str]:
        rows = await self._conn.fetch(self._READ, list(gift_ids))
        return {r["gift_id"]: r["name"] for r in rows}

    async def wait(self, waiting: Collection[tuple[str, str]]) -> None:
        await self._conn.execute(self._WAIT, [g for g, _c in waiting], [c for _g, c in waiting])

    async def stop_waiting(self, gift_ids: Collection[str]) -> list[tuple[str, str]]:
        rows = await self._conn.fetch(self._STOP_WAITING, list(gift_ids))
        return [(r["gift_id"], r["customer_id"]) for r in rows]


class SqlMyPageReader:
    """The query side: one prepared SELECT in autocommit (no BEGIN/ROLLBACK round trips),
    the page row and its entries in one snapshot."""

    _GET = (
        f"SELECT p.updated_at, p.version, {_ENTRY} FROM customer_pages p "
        "LEFT JOIN page_entries e ON e.customer_id = p.customer_id WHERE p.customer_id = $1"
    )

    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, customer_id: str) -> MyPage | None:
        async with self._db.connection() as conn:
            rows = await conn.fetch(self._GET, customer_id)
        if not rows:
            return None
        page = MyPage(customer_id, updated_at=rows[0]["updated_at"], version=rows[0]["version"])
        for row in rows:
            _add_entry(page, row)
        return page


def _add_entry(page: MyPage, row: Record) -> None:
    """A stored entry into its section of the page (none: a page without entries yet)."""
    section: Section | None = row["section"]
    if section is not None:
        page.section(section)[row["entry_id"]] = row["entry"]
