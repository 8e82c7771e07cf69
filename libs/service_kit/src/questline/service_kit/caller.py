"""Who is calling: the one place where a request's caller becomes known.

Until the gateway and auth land, every caller is anonymous with every right; the JWT
check will fill `Caller` here and the HTTP adapters already ask for it, so ownership
rules can be added without touching any domain code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request


@dataclass(frozen=True, slots=True)
class Caller:
    subject: str | None = None
    customer_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    anonymous: bool = True

    def may_act_for(self, customer_id: str) -> bool:
        return self.anonymous or "admin" in self.scopes or self.customer_id == customer_id


async def current_caller(request: Request) -> Caller:
    return Caller()


CallerDep = Annotated[Caller, Depends(current_caller)]
