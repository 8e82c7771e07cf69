"""Group commit: concurrent requests share a batch, and a failure is only its culprit's."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from questline.service_kit.group_commit import Batch, GroupCommit


class Refused(Exception):
    pass


async def test_concurrent_requests_share_one_batch_and_each_gets_its_own_result():
    batches: list[list[int]] = []

    async def run(batch: Batch[int]) -> Sequence[int | Exception]:
        batches.append([command for command, _ in batch])
        return [Refused(command) if command == 3 else command * 10 for command, _ in batch]

    group: GroupCommit[int, int] = GroupCommit(run)
    outcomes = await asyncio.gather(
        *(group.submit(n, f"req-{n}") for n in range(1, 6)), return_exceptions=True
    )
    assert outcomes[:2] == [10, 20] and outcomes[3:] == [40, 50]
    assert isinstance(outcomes[2], Refused)  # a refusal is raised to its request alone
    assert batches == [[1, 2, 3, 4, 5]]


async def test_a_request_that_breaks_the_shared_transaction_fails_alone():
    async def run(batch: Batch[int]) -> Sequence[int | Exception]:
        if any(command == 2 for command, _ in batch):
            raise ValueError("a bug")
        return [command for command, _ in batch]

    group: GroupCommit[int, int] = GroupCommit(run)
    outcomes = await asyncio.gather(
        *(group.submit(n, None) for n in (1, 2, 3)), return_exceptions=True
    )
    assert outcomes[0] == 1 and outcomes[2] == 3
    assert isinstance(outcomes[1], ValueError)


async def test_a_transient_failure_fails_the_whole_batch_without_rerunning_it():
    calls = 0

    async def run(batch: Batch[int]) -> Sequence[int | Exception]:
        nonlocal calls
        calls += 1
        raise ConnectionError("database down")

    group: GroupCommit[int, int] = GroupCommit(run)
    outcomes = await asyncio.gather(
        *(group.submit(n, None) for n in (1, 2, 3)), return_exceptions=True
    )
    assert all(isinstance(o, ConnectionError) for o in outcomes)
    assert calls == 1


async def test_keys_have_their_own_batches():
    batches: list[list[str]] = []

    async def run(batch: Batch[str]) -> Sequence[str | Exception]:
        batches.append([command for command, _ in batch])
        return [command for command, _ in batch]

    group: GroupCommit[str, str] = GroupCommit(run, key=lambda command: command[0])
    await asyncio.gather(*(group.submit(c, None) for c in ("a1", "b1", "a2", "b2")))
    assert sorted(batches) == [["a1", "a2"], ["b1", "b2"]]
    assert not group._queues  # nothing left queued once the batches settled


async def test_under_load_a_paced_key_starts_its_batches_at_least_a_pace_apart():
    began: list[float] = []

    async def run(batch: Batch[int]) -> Sequence[int | Exception]:
        began.append(asyncio.get_running_loop().time())
        return [command for command, _ in batch]

    group: GroupCommit[int, int] = GroupCommit(run, pace_seconds=0.05)
    assert await group.submit(1, None) == 1
    assert await asyncio.gather(group.submit(2, None), group.submit(3, None)) == [2, 3]
    assert len(began) == 2 and began[1] - began[0] >= 0.05 - 0.005  # timers may fire early


async def test_a_paced_key_runs_its_first_batch_at_once_and_other_keys_keep_their_own_pace():
    group: GroupCommit[int, int] = GroupCommit(
        _echo, key=lambda command: command % 2, pace_seconds=3600
    )
    # An hour's pace: had it held the first batch, or the other key's, these would hang.
    assert await asyncio.wait_for(group.submit(1, None), 10) == 1
    assert await asyncio.wait_for(group.submit(2, None), 10) == 2


async def _echo(batch: Batch[int]) -> Sequence[int | Exception]:
    return [command for command, _ in batch]
