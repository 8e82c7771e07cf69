"""What the My Page read side needs from the outside world."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

from questline.mypage.domain.view import MyPage


class MyPageStore(Protocol):
    """The projection's side: whole pages, within the batch's transaction."""

    async def load(self, customer_ids: Collection[str]) -> Mapping[str, MyPage]:
        """The views of these customers (locked for this transaction); missing ones absent."""
        ...

    async def save(self, pages: Collection[MyPage]) -> None: ...


class MyPageReader(Protocol):
    """The query side: one page as last committed."""

    async def get(self, customer_id: str) -> MyPage | None: ...
