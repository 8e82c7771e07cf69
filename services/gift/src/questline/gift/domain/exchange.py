"""An exchange record: one reward took one item of one gift.

Written once, never changed: it is the gift side's proof that a reward was spent
(invariant 3), and one row per item that left the stock (invariant 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Exchange:
    id: str
    reward_id: str
    customer_id: str
    gift_id: str
    stock_left: int  # the gift's stock right after this exchange, as announced then
    exchanged_at: datetime
