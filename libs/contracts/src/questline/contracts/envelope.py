"""The CloudEvents 1.0 envelope in Kafka binary mode: attribute names as record headers.

The event `data` travels as the record value (JSON, see `events.py`); everything else
about the event is a `ce_*` header. Producers and consumers use these names rather than
spelling the strings themselves.
"""

from __future__ import annotations

from typing import Final

SPEC_VERSION: Final = "1.0"
CONTENT_TYPE: Final = "application/json"

CE_ID: Final = "ce_id"
CE_SOURCE: Final = "ce_source"
CE_TYPE: Final = "ce_type"
CE_SPECVERSION: Final = "ce_specversion"
CE_TIME: Final = "ce_time"
CE_CORRELATIONID: Final = "ce_correlationid"
CE_CAUSATIONID: Final = "ce_causationid"
# Kafka binary mode maps the CloudEvents `datacontenttype` to this header.
HEADER_CONTENT_TYPE: Final = "content-type"

# Every header a Questline event carries, with what it means; the AsyncAPI document
# is generated from this, so keep the descriptions for readers of that document.
HEADERS: Final[dict[str, str]] = {
    CE_ID: "Unique id of this event; consumers record it in their inbox to ignore redeliveries.",
    CE_SOURCE: "URI reference of the producing service, e.g. /questline/mission.",
    CE_TYPE: "Versioned event type, e.g. questline.mission.achieved.v1; selects the data model.",
    CE_SPECVERSION: "CloudEvents spec version: always 1.0.",
    CE_TIME: "When the event occurred: RFC 3339, UTC.",
    CE_CORRELATIONID: (
        "The business transaction: the mission id for the issuing chain, the reward id for "
        "the exchange chain, the gift id for catalogue changes."
    ),
    CE_CAUSATIONID: "Id of the event or command that caused this event.",
    HEADER_CONTENT_TYPE: "Content type of the record value: always application/json.",
}
