"""An in-memory unit of work for unit tests: the part the services' fakes share. It
stages the events a use case publishes and publishes them only if the block commits
(leaves without an exception); each event's causation id is recorded as it is staged.
A service's fake subclasses it and adds its own in-memory repositories."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Generic, Self, TypeVar

EventT = TypeVar("EventT")


class InMemoryUnitOfWork(Generic[EventT]):
    """`published` holds the events of committed blocks, in order; `causes` the
    causation id of every event staged, committed or not."""

    def __init__(self) -> None:
        self.published: list[EventT] = []
        self.causes: list[str | None] = []
        self._staged: list[EventT] = []

    async def __aenter__(self) -> Self:
        self._staged = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.published += self._staged
        self._staged = []

    def publish(self, events: Sequence[EventT], causation_id: str | None = None) -> None:
        self._staged += events
        self.causes += [causation_id] * len(events)
