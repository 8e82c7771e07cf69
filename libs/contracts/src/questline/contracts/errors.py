"""Errors raised when bytes from the wire do not honour a contract."""

from __future__ import annotations


class ContractError(Exception):
    """Base class: the event cannot be turned into a contract model."""


class UnknownEventType(ContractError):
    """The CloudEvents `type` is not in the registry (e.g. a version we do not know yet)."""

    def __init__(self, type_: str) -> None:
        super().__init__(f"unknown event type: {type_!r}")
        self.type_ = type_


class InvalidEventData(ContractError):
    """The `data` is not valid JSON or does not match the model of its type.

    `problems` holds one short line per failed field (`points: Input should be ...`);
    the offending values are left out on purpose: they may be large or personal.
    """

    def __init__(self, type_: str, problems: tuple[str, ...]) -> None:
        super().__init__(f"invalid data for {type_}: " + "; ".join(problems))
        self.type_ = type_
        self.problems = problems
