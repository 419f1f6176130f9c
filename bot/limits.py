"""The per-user limit on checks, shared by the Telegram and Bluesky adapters: a sliding hour,
one polite notice per user per full hour.

Pure and in memory (a restart forgives everyone); the clock is passed in."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

WINDOW = timedelta(hours=1)


class Admit(Enum):
    YES = "yes"
    NOTICE = "notice"  # over the limit: tell them once
    SILENT = "silent"  # over the limit and already told


@dataclass
class UserLimiter:
    per_hour: int
    _seen: dict[Hashable, deque[datetime]] = field(default_factory=dict)
    _told: dict[Hashable, datetime] = field(default_factory=dict)

    def admit(self, user_id: Hashable, now: datetime) -> Admit:
        """May `user_id` have a check at `now`? A check that is admitted counts; a limit of 0
        means no limit."""
        if self.per_hour <= 0:
            return Admit.YES
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= WINDOW:
            times.popleft()
        if len(times) < self.per_hour:
            times.append(now)
            self._told.pop(user_id, None)
            return Admit.YES
        told = self._told.get(user_id)
        if told is not None and now - told < WINDOW:
            return Admit.SILENT
        self._told[user_id] = now
        return Admit.NOTICE


def limit_notice(per_hour: int) -> str:
    """The one polite notice a user gets on reaching the limit."""
    return (
        f"You have reached the limit of {per_hour} checks an hour. "
        "Please try again a little later — thank you!"
    )
