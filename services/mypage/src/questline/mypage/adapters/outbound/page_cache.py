"""My Page reads from memory, kept current by PostgreSQL notices.

Every batch the projection commits announces its customers on `CHANNEL` (inside the
transaction: heard only once committed). Each mypage process listens and drops those
pages from its cache, so a page is read from the database once after each change and
then served from memory — whichever replica folded the events.

Correctness rules:
- nothing is cached while the listener is not listening (a notice could be missed);
- a lost connection empties the cache (`on_gap`);
- a page read from the database is kept only if no notice for it (and no gap) came in
  while it was being read: the row read may predate the change just announced.
"""

from __future__ import annotations

from collections import OrderedDict

from questline.mypage.adapters.outbound.store import CHANNEL
from questline.mypage.application.ports import MyPageReader
from questline.mypage.domain.view import MyPage
from questline.service_kit.db import Database
from questline.service_kit.notices import Listener


class CachedMyPageReader:
    def __init__(self, reader: MyPageReader, database: Database, capacity: int) -> None:
        self._reader = reader
        self._capacity = capacity
        self._pages: OrderedDict[str, MyPage | None] = OrderedDict()
        self._changes = 0  # notices and gaps heard so far
        self._changed_at: dict[str, int] = {}  # customer → `_changes` at its last notice
        self._gap_at = 0
        self._reading = 0  # database reads in flight (while 0, `_changed_at` is moot)
        self.listener = Listener(database, CHANNEL, self._changed, self._gap)

    def _changed(self, customer_ids: list[str]) -> None:
        self._changes += 1
        for customer_id in customer_ids:
            self._pages.pop(customer_id, None)
            if self._reading:
                self._changed_at[customer_id] = self._changes

    def _gap(self) -> None:
        self._changes += 1
        self._gap_at = self._changes
        self._pages.clear()

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
