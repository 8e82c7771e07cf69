"""`python -m questline.mypage rebuild`: the read model built again from the topics, in
a fresh copy, switched in without downtime, the old copy dropped.

1. A fresh copy of the read model's tables, in schema `mypage_rebuild`.
2. Every record of the topics mypage consumes, from offset 0, applied to the copy by the
   live consumer's own code (inbox included: a record published twice counts once).
   Readers and the live consumer go on with the live copy meanwhile.
3. Catch-up rounds, until little arrived during the last one.
4. The switch, one transaction: the live tables are locked (the live consumer's batch in
   flight finishes first; its next one waits), what arrived since the last round is
   applied to the copy, the copy takes the live tables' place, every process hears that
   every page changed. Readers wait for this moment only; nothing is lost: the live
   consumer goes on from its own offsets, and what the copy already applied is in the
   copy's inbox, so a record it gets again is skipped.
5. The old copy is dropped.

The topics must still hold their whole history (retention): a partition whose oldest
records are gone is refused, since a page built without them would be wrong.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from asyncpg.exceptions import LockNotAvailableError

from questline.mypage.adapters.inbound import events
from questline.mypage.adapters.inbound.replay import TopicReplay
from questline.mypage.adapters.outbound.copies import FRESH, RETIRED, ReadModelCopies
from questline.mypage.adapters.outbound.store import SqlGiftNames, SqlMyPageStore
from questline.service_kit import kafka
from questline.service_kit.db import Connection, Database
from questline.service_kit.ids import utc_now
from questline.service_kit.inbox import EventHandlers, InboxConsumer, topics_of
from questline.service_kit.settings import ServiceSettings

# Catch-up rounds before the switch end once a round reads no more than this.
QUIET_ENOUGH = 1000
MAX_ROUNDS = 20
SWITCH_ATTEMPTS = 5
LOCK_WAIT_S = 5.0


class HistoryIncomplete(Exception):
    """The topics no longer hold every record: a replay would build wrong pages."""


@dataclass
class RebuildReport:
    topics: list[str]
    records_replayed: int
    events_applied: int  # distinct events of the types mypage reads
    records_refused: int  # poison or failing records (the live consumer parked them too)
    records_during_switch: int
    pages_built: int
    gift_names: int
    first_version: int
    switch_ms: float
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"replayed {self.records_replayed} records of {', '.join(self.topics)} "
            f"from the beginning into schema {FRESH}",
            f"applied {self.events_applied} events (each once); refused "
            f"{self.records_refused} records the live consumer parked too",
            f"built {self.pages_built} pages and {self.gift_names} gift names; "
            f"versions from {self.first_version + 1}",
            f"switched in {self.switch_ms:.0f} ms ({self.records_during_switch} records "
            "applied meanwhile)",
            f"took {self.seconds:.1f} s",
        ]


async def rebuild(settings: ServiceSettings, say: Callable[[str], None]) -> RebuildReport:
    started = time.monotonic()
    url = settings.effective_database_url()
    live = Database(url, pool_size=2)
    fresh = Database(url, pool_size=2, server_settings={"search_path": FRESH})
    copies = ReadModelCopies(live)
    replay = TopicReplay(
        kafka.consumer(
            settings.kafka_bootstrap_servers,
            # A group of its own, never joined (partitions are assigned) nor committed.
            f"{settings.effective_consumer_group()}.rebuild-{uuid.uuid4().hex[:8]}",
            f"{settings.service}-rebuild-{settings.instance_id}",
            settings.consumer_session_timeout_ms,
            settings.consumer_fetch_wait_ms,
        ),
        topics_of(_handlers(0)),
        settings.consumer_batch_size,
    )
    stopping = asyncio.Event()
    try:
        async with copies.exclusive():
            missing = await replay.open()
            if missing:
                raise HistoryIncomplete("; ".join(missing))
            first_version = await copies.prepare()
            inbox = InboxConsumer(
                database=fresh,
                consumer=replay.consumer,
                dlq_producer=None,
                park=replay.park,
                handlers=_handlers(first_version),
                group_id="mypage-rebuild",
                batch_size=settings.consumer_batch_size,
                pace_seconds=0,
            )
            say(f"replaying {', '.join(topics_of(_handlers(0)))} into schema {FRESH}")
            read = await replay.catch_up(inbox, stopping)
            for _ in range(MAX_ROUNDS):
                say(f"  {replay.records} records replayed")
                if read <= QUIET_ENOUGH:
                    break
                read = await replay.catch_up(inbox, stopping)
            await copies.analyze()
            await copies.check_versions(first_version)
            during, switch_ms = await _switch(copies, replay, inbox, stopping, say)
            counts = await copies.counts()
            try:
                await copies.drop_retired()
            except Exception as error:  # switched already: the next rebuild drops it
                say(f"  the old copy stays in schema {RETIRED} for now: {error}")
    finally:
        await asyncio.to_thread(replay.close)
        await fresh.close()
        await live.close()
    return RebuildReport(
        topics=topics_of(_handlers(0)),
        records_replayed=replay.records,
        events_applied=counts.events,
        records_refused=len(replay.refused),
        records_during_switch=during,
        pages_built=counts.pages,
        gift_names=counts.gift_names,
        first_version=first_version,
        switch_ms=switch_ms,
        seconds=time.monotonic() - started,
    )


async def _switch(
    copies: ReadModelCopies,
    replay: TopicReplay,
    inbox: InboxConsumer,
    stopping: asyncio.Event,
    say: Callable[[str], None],
) -> tuple[int, float]:
    for attempt in range(1, SWITCH_ATTEMPTS + 1):
        try:
            async with copies.switching(LOCK_WAIT_S):
                locked = time.monotonic()
                during = await replay.catch_up(inbox, stopping)
            return during, (time.monotonic() - locked) * 1000
        except LockNotAvailableError:
            # A live batch held its locks longer than we wait: nothing changed; go on.
            say(f"  the live copy stayed busy for {LOCK_WAIT_S:.0f} s (attempt {attempt})")
            await replay.catch_up(inbox, stopping)
    raise RuntimeError(f"could not lock the live read model in {SWITCH_ATTEMPTS} attempts")


def _handlers(first_version: int) -> EventHandlers:
    def store(conn: Connection) -> SqlMyPageStore:
        # Nobody reads the copy yet: its changes are announced once, by the switch.
        return SqlMyPageStore(conn, first_version=first_version, announce=False)

    return events.handlers(store, SqlGiftNames, utc_now)


def run(settings: ServiceSettings, as_json: bool = False) -> int:
    def say(line: str) -> None:
        if not as_json:
            print(line, flush=True)

    try:
        report = asyncio.run(rebuild(settings, say))
    except Exception as error:  # any failure before the switch leaves the live copy as is
        print(f"rebuild failed, the live read model is unchanged: {error}", flush=True)
        return 1
    if as_json:
        print(json.dumps(asdict(report)))
    else:
        for line in report.lines():
            print(line)
    return 0
