"""The issuing policy applied to a consumer's whole batch at once."""

from __future__ import annotations

from questline.reward.application.issue_reward import IssueReward, issue_rewards


async def test_a_batch_issues_one_reward_per_mission_even_when_a_mission_repeats(
    uow, clock, new_id
):
    batch = [
        (IssueReward("m-1", "alice", 50), "ev-1"),
        (IssueReward("m-2", "bob", 10), "ev-2"),
        (IssueReward("m-1", "alice", 50), "ev-3"),  # the same achievement, re-published
    ]
    assert await issue_rewards(batch, uow, clock, new_id) == 2
    assert sorted(r.mission_id for r in uow.rewards.rows.values()) == ["m-1", "m-2"]
    assert [e.mission_id for e in uow.published] == ["m-1", "m-2"]
    assert uow.causes == ["ev-1", "ev-2"]  # each reward names the event that caused it


async def test_a_batch_after_an_earlier_one_issues_only_what_is_new(uow, clock, new_id):
    await issue_rewards([(IssueReward("m-1", "alice", 50), "ev-1")], uow, clock, new_id)
    again = [(IssueReward("m-1", "alice", 50), "ev-9"), (IssueReward("m-3", "cy", 5), "ev-10")]
    assert await issue_rewards(again, uow, clock, new_id) == 1
    assert [e.mission_id for e in uow.published] == ["m-1", "m-3"]
