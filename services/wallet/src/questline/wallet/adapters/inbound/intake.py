"""Group commit of exchanges: the step after gift answered (lock the entry, mark it,
save it, publish RewardExchanged) of concurrent exchanges shares one transaction (one
lock round, one update, one outbox insert, one fsync), each request keeping its own
outcome. The queueing is service_kit's `GroupCommit`; the call to gift stays outside.
"""

from __future__ import annotations

from questline.service_kit import group_commit
from questline.service_kit.group_commit import GroupCommit
from questline.wallet.application.exchange_reward import RecordExchange
from questline.wallet.domain.wallet import WalletReward

Batch = group_commit.Batch[RecordExchange]


class ExchangeIntake(GroupCommit[RecordExchange, WalletReward]):
    """One queue for all exchanges: each locks only its own entry, so they share no row,
    only the commit (locks are taken in reward id order, so batches never deadlock)."""
