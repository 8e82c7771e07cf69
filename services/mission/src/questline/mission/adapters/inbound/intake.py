"""Group commit at the ingress: concurrent POST /missions share one transaction (one
catalogue read, one key lookup, one insert, one fsync), each request keeping its own
outcome. The queueing is service_kit's `GroupCommit`, paced (`ingress_pace_ms`): under
moderate load requests arrive a few ms apart and would each pay a transaction and an
fsync of their own."""

from __future__ import annotations

from questline.mission.application.achieve_mission import AchievementRecorded, AchieveMission
from questline.service_kit.group_commit import GroupCommit


class AchievementIntake(GroupCommit[AchieveMission, AchievementRecorded]):
    """One queue for all achievements: they share no row, only the commit."""
