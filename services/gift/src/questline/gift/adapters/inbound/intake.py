"""Group commit at the ingress: concurrent POST /exchanges for one gift share one
transaction.

Every exchange of a gift takes the gift's row lock, so exchanges of one gift run one
after another whatever we do; one transaction per request made each wait for the
previous one's commit (its fsync). With service_kit's `GroupCommit`, requests for a gift
queue while the previous batch of that gift commits, and one lock and one commit serve
the next batch. Gifts do not wait for each other: each has its own queue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from questline.gift.application.exchange_gift import ExchangeGift, ExchangeRecorded, Outcome
from questline.service_kit import group_commit
from questline.service_kit.group_commit import GroupCommit

Batch = group_commit.Batch[ExchangeGift]


class ExchangeIntake(GroupCommit[ExchangeGift, ExchangeRecorded]):
    def __init__(
        self, run_batch: Callable[[Batch], Awaitable[Sequence[Outcome]]], max_batch: int = 256
    ) -> None:
        super().__init__(run_batch, key=lambda command: command.gift_id, max_batch=max_batch)
