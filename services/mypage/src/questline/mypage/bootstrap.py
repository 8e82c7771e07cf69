"""Composition root: settings → adapters → application → the runnable service."""

from __future__ import annotations

from pathlib import Path

from questline.mypage.adapters.inbound import events, http
from questline.mypage.adapters.outbound.page_cache import CachedMyPageReader
from questline.mypage.adapters.outbound.store import (
    SqlGiftNames,
    SqlMyPageReader,
    SqlMyPageStore,
)
from questline.mypage.settings import MyPageSettings
from questline.service_kit.ids import utc_now
from questline.service_kit.kit import ServiceKit
from questline.service_kit.runtime import Service
from questline.service_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "adapters" / "outbound" / "migrations"


async def build(settings: ServiceSettings, roles: set[str]) -> Service:
    kit = ServiceKit(settings)
    assert isinstance(settings, MyPageSettings)
    pages = CachedMyPageReader(SqlMyPageReader(kit.db), kit.db, settings.read_cache_pages)
    consumers = []
    if "consumer" in roles:
        consumers.append(kit.consumer(events.handlers(SqlMyPageStore, SqlGiftNames, utc_now)))
    return kit.service(
        title="Questline My Page",
        description="Each customer's missions and wallet, a read model built only from events.",
        routers=[http.router(pages, pages.watchers, settings.stream_keep_alive_s)],
        consumers=consumers,
        roles=roles - {"relay"},  # nothing to publish
        background={"page-listener": pages.listen},
    )


def settings() -> MyPageSettings:
    return MyPageSettings()
