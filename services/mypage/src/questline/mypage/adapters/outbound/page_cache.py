"""My Page reads from memory, kept current by PostgreSQL notices.

Every batch the projection commits announces its customers on `CHANNEL` (inside the
transaction: heard only once committed). Each mypage process listens and drops those
pages from its cache, so a page is read from the database once after each change and
then served from memory — whichever replica folded the events.

Correctness rules:
- nothing is cached while the listener is not listening (a notice could be missed);
- a lost connection empties the cache (`on_gap`), and so does the notice `*` (every page
  may have changed: a rebuilt read model took the old one's place);
- a page read from the database is kept only if no notice for it (and no gap) came in
  while it was being read: the row read may predate the change just announced.

The same notices wake the open streams of the changed pages (`PageWatchers`): one
listener per process fans out in memory, so a stream at rest costs no query and no task.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from questline.mypage.adapters.outbound.store import CHANNEL, EVERY_PAGE
from questline.mypage.application.ports import MyPageReader
from questline.mypage.domain.view import MyPage
from questline.service_kit.db import Database
from questline.service_kit.notices import Listener


class PageWatch:
    """One open stream's interest in one page: an event set by the notices."""

    def __init__(self, watchers: PageWatchers, customer_id: str) -> None:
        self._watchers = watchers
        self.customer_id = customer_id
        self._changed = asyncio.Event()

    @property
    def closed(self) -> bool:
        return self._watchers.closing

    def flag(self) -> None:
        self._changed.set()

    async def changed(self, timeout: float) -> bool:
        if not self._changed.is_set():
            try:
                async with asyncio.timeout(timeout):
                    await self._changed.wait()
            except TimeoutError:
                return False
        self._changed.clear()
        return True

    def close(self) -> None:
        self._watchers.forget(self)


class PageWatchers:
    """Every open stream of this process, by the page it watches."""

    def __init__(self) -> None:
        self._watching: dict[str, set[PageWatch]] = {}
        self.closing = False

    def watch(self, customer_id: str) -> PageWatch:
        watch = PageWatch(self, customer_id)
        self._watching.setdefault(customer_id, set()).add(watch)
        return watch

    def forget(self, watch: PageWatch) -> None:
        watching = self._watching.get(watch.customer_id)
        if watching is not None:
            watching.discard(watch)
            if not watching:
                del self._watching[watch.customer_id]

    def changed(self, customer_ids: list[str]) -> None:
        for customer_id in customer_ids:
            for watch in self._watching.get(customer_id, ()):
                watch.flag()

    def everything_changed(self) -> None:
        for watching in self._watching.values():
            for watch in watching:
                watch.flag()

    def close(self) -> None:
        """The process is stopping: every stream ends (its client comes back elsewhere)."""
        self.closing = True
        self.everything_changed()

    def __len__(self) -> int:
        return sum(len(w) for w in self._watching.values())


class CachedMyPageReader:
    def __init__(self, reader: MyPageReader, database: Database, capacity: int) -> None:
        self._reader = reader
        self._capacity = capacity
        self._pages: OrderedDict[str, MyPage | None] = OrderedDict()
        self._changes = 0  # notices and gaps heard so far
        self._changed_at: dict[str, int] = {}  # customer → `_changes` at its last notice
        self._gap_at = 0
        self._reading = 0  # database reads in flight (while 0, `_changed_at` is moot)
        self.watchers = PageWatchers()
        self.listener = Listener(database, CHANNEL, self._changed, self._gap)

    def _changed(self, customer_ids: list[str]) -> None:
        if EVERY_PAGE in customer_ids:
            self._gap()
            return
        self._changes += 1
        for customer_id in customer_ids:
            self._pages.pop(customer_id, None)
            if self._reading:
                self._changed_at[customer_id] = self._changes
        self.watchers.changed(customer_ids)

    def _gap(self) -> None:
        self._changes += 1
        self._gap_at = self._changes
        self._pages.clear()
        self.watchers.everything_changed()

    async def listen(self, stopping: asyncio.Event) -> None:
        """The process's one listener (a background task of the HTTP role); once it
        stops, so do the open streams."""
        try:
            await self.listener.run(stopping)
        finally:
            self.watchers.close()

    async def get(self, customer_id: str) -> MyPage | None:
        if customer_id in self._pages:
            self._pages.move_to_end(customer_id)
            return self._pages[customer_id]
        started = self._changes
        self._reading += 1
        try:
            page = await self._reader.get(customer_id)
        finally:
            self._reading -= 1
        fresh = self._gap_at <= started and self._changed_at.get(customer_id, -1) <= started
        if not self._reading:
            self._changed_at.clear()
        if fresh and self.listener.listening and self._capacity:
            self._pages[customer_id] = page
            if len(self._pages) > self._capacity:
                self._pages.popitem(last=False)
        return page
