"""What the My Page read side needs from the outside world."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from questline.mypage.domain.view import EntryKey, MyPage

# By customer: the entries a batch folds into, or None for the whole page.
Wanted = Mapping[str, Collection[EntryKey] | None]


class MyPageStore(Protocol):
    """The projection's side: pages within the batch's transaction, each loaded with the
    entries the batch folds into (a fold touches one entry, whatever the page holds)."""

    async def load(self, wanted: Wanted) -> Mapping[str, MyPage]:
        """The pages of these customers (locked for this transaction), each holding the
        entries asked for that exist; missing pages absent."""
        ...

    async def save(self, pages: Collection[MyPage]) -> None: ...


@dataclass(frozen=True, slots=True)
class KnownNames:
    """What a batch learns from the gift name table."""

    known: Mapping[str, str] = field(default_factory=dict)
    """Names of the gifts asked about (and of those just listed), by gift id."""
    named: Mapping[str, str] = field(default_factory=dict)
    """The gifts whose name this batch recorded first (or changed): pages waiting for
    them can show it now."""


class GiftNames(Protocol):
    """The gift catalogue's names as the gift context announced them, within the batch's
    transaction. A customer's page waits for the name of a gift not known yet."""

    async def settle(self, listed: Mapping[str, str], shown: Collection[str]) -> KnownNames:
        """Record the names `listed` (gift id → latest name) and return the names of the
        gifts `shown` by this batch's exchanges. A gift shown but not named is held
        (locked) until commit, so its name cannot be recorded unseen meanwhile."""
        ...

    async def wait(self, waiting: Collection[tuple[str, str]]) -> None:
        """(gift id, customer id): these pages show a gift whose name is not known yet."""
        ...

    async def stop_waiting(self, gift_ids: Collection[str]) -> Collection[tuple[str, str]]:
        """The (gift id, customer id) pairs waiting for these gifts, forgotten now."""
        ...


class MyPageReader(Protocol):
    """The query side: one page as last committed."""

    async def get(self, customer_id: str) -> MyPage | None: ...


class PageChanges(Protocol):
    """Tells a page's watchers that it may have changed (or that anything may have)."""

    def watch(self, customer_id: str) -> PageWatch: ...


class PageWatch(Protocol):
    """One watcher of one page, until closed."""

    @property
    def customer_id(self) -> str: ...

    @property
    def closed(self) -> bool:
        """The process is stopping: the watcher should end."""
        ...

    async def changed(self, timeout: float) -> bool:
        """Wait until the page may have changed since the last call (True), or `timeout`
        seconds (False). A change before the call counts."""
        ...

    def close(self) -> None: ...
