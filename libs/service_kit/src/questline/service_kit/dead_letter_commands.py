"""`python -m questline.<service> dlq list|replay`: the dead letters this service's
consumer group parked, shown, and sent back to their topic."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from confluent_kafka import KafkaException

from questline.contracts.registry import TOPICS, dlq_topic
from questline.service_kit import dead_letters, kafka
from questline.service_kit.dead_letters import DeadLetter
from questline.service_kit.settings import ServiceSettings

_DLQ = """Dead letters are records this service's consumer group could not apply (poison,
or a handler that kept failing), parked in `<topic>.dlq`. A DLQ topic is shared by every
group consuming its topic: these commands only see the letters of this service's group
(the `dlq_consumer_group` header). Each letter is named by where it sits in its DLQ,
`<dlq topic>:<partition>:<offset>`; `--id` also takes an event's ce_id."""

_REPLAY = """Send dead letters (all of this service's when no --id is given) back to their
original topic and partition, with their original key, value and CloudEvents headers.
The ce_id is unchanged, so a replay is safe to repeat: an inbox that already applied the
event skips it. Every consumer group of that topic sees the record again; that is
harmless, as each group's inbox skips what it already applied (a group that cannot read
the record either parks it again in its own dead letters). Fix the cause first, or the
record comes back here. A letter without a ce_id is never replayed (no inbox could
deduplicate it), and an event parked twice is replayed once. The DLQ keeps replayed
letters until its retention drops them: `dlq list` still shows them."""


def add_commands(commands: Any) -> None:
    """Add `dlq list` and `dlq replay` to a service's command line (`commands`: the
    `add_subparsers()` of its parser)."""
    dlq = commands.add_parser(
        "dlq", help="list or replay this service's dead letters", description=_DLQ
    )
    actions = dlq.add_subparsers(dest="dlq_command", required=True)
    listing = actions.add_parser(
        "list", help="print this service's dead letters, oldest first", description=_DLQ
    )
    listing.add_argument("--json", action="store_true", help="one JSON array, for machines")
    replay = actions.add_parser(
        "replay", help="send dead letters back to their topic", description=_REPLAY
    )
    replay.add_argument(
        "--id",
        dest="ids",
        action="append",
        metavar="ID",
        help="a letter's id (from `dlq list`) or its event's ce_id; repeat for several",
    )
    replay.add_argument("--json", action="store_true", help="print the outcome as JSON")


def run(
    args: argparse.Namespace,
    settings: ServiceSettings,
    topics: Sequence[str] = TOPICS,
    out: TextIO | None = None,
) -> int:
    """Every topic's DLQ is read: a group only ever parks records of the topics it
    consumes, so its own letters are all there, whatever it consumes today."""
    out = out or sys.stdout
    group = settings.effective_consumer_group()
    bootstrap = settings.kafka_bootstrap_servers
    try:
        letters = dead_letters.read(bootstrap, [dlq_topic(t) for t in topics], group)
    except (KafkaException, TimeoutError) as error:
        print(f"could not read the dead letters of {group}: {error}", file=sys.stderr)
        return 1
    if args.dlq_command == "list":
        _print_list(letters, group, args.json, out)
        return 0
    chosen = letters
    if args.ids:
        unknown = [name for name in args.ids if not any(d.named(name) for d in letters)]
        if unknown:
            print(f"no dead letter of {group} named {', '.join(unknown)}", file=sys.stderr)
            return 2
        chosen = [d for d in letters if any(d.named(name) for name in args.ids)]
    sending, skipped = dead_letters.replayable(chosen)
    if sending:
        producer = kafka.producer(bootstrap, f"{settings.service}-dlq-replay")
        try:
            dead_letters.replay(producer, sending)
        except (KafkaException, RuntimeError) as error:
            print(f"replay failed: {error}", file=sys.stderr)
            return 1
    _print_replay(sending, skipped, group, args.json, out)
    return 0


def _print_list(letters: Sequence[DeadLetter], group: str, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps([d.as_json() for d in letters], indent=2), file=out)
        return
    for d in letters:
        parked = d.parked_at.strftime("%Y-%m-%d %H:%M:%S UTC") if d.parked_at else "?"
        print(d.id, file=out)
        print(f"  event   {d.event_id or '(no ce_id)'}  {d.event_type or '(no ce_type)'}", file=out)
        print(f"  from    {d.topic} partition {d.partition} offset {d.offset}", file=out)
        print(f"  parked  {parked} by {d.group}", file=out)
        print(f"  reason  {d.error_type}: {d.reason}", file=out)
    print(f"{len(letters)} dead letter(s) parked by {group}", file=out)


def _print_replay(
    sent: Sequence[DeadLetter],
    skipped: Sequence[dead_letters.Skipped],
    group: str,
    as_json: bool,
    out: TextIO,
) -> None:
    if as_json:
        outcome = {
            "replayed": [d.as_json() for d in sent],
            "skipped": [{"id": s.letter.id, "why": s.why} for s in skipped],
        }
        print(json.dumps(outcome, indent=2), file=out)
        return
    for d in sent:
        print(
            f"replayed {d.id} (event {d.event_id}, {d.event_type}) "
            f"to {d.topic} partition {d.partition}",
            file=out,
        )
    for s in skipped:
        print(f"skipped  {s.letter.id}: {s.why}", file=out)
    print(f"{len(sent)} dead letter(s) of {group} replayed, {len(skipped)} skipped", file=out)
