"""Every XRPC call goes through `Calls`: a 429 is waited out (until its reset time), 5xx answers,
timeouts and dropped connections are retried with exponential backoff, and writes are held
below an hourly and a daily budget of points (Bluesky counts 3 for a create, 2 for an update,
1 for a delete; 5,000 an hour and 35,000 a day per account). A write that does not fit raises
`BudgetSpent` at once instead of waiting (up to a day) inside a job, and so does a 429 whose
reset is more than a minute away: the caller leaves the work pending for a later run. The SDK
itself retries nothing."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx
from atproto_client.exceptions import NetworkError, RateLimitExceededError, RequestException

from bot.config import BlueskyConfig

log = logging.getLogger(__name__)
T = TypeVar("T")
CREATE, UPDATE, DELETE = 3, 2, 1
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MAX_RATE_WAITS = 20  # consecutive 429s on one call before it is given up (and retried later)
MAX_RATE_SLEEP = 60.0  # a 429 whose reset is further away defers the work instead (seconds)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class BudgetSpent(Exception):
    """A write does not fit the budget now; `wait` seconds until it does."""

    def __init__(self, what: str, wait: float) -> None:
        super().__init__(f"write budget spent: {what} fits in {wait:.0f} s")
        self.what, self.wait = what, wait


class WriteBudget:
    """A sliding hour and a sliding day of write points (0: no budget); `room_in` says how
    long until `points` more fit both."""

    def __init__(self, per_hour: int, per_day: int = 0) -> None:
        self.windows = [(HOUR, per_hour), (DAY, per_day)]
        self._spent: deque[tuple[datetime, int]] = deque()  # the last day's writes

    @property
    def per_hour(self) -> int:
        return self.windows[0][1]

    def room_in(self, points: int, now: datetime) -> float:
        while self._spent and now - self._spent[0][0] >= DAY:
            self._spent.popleft()
        return max(self._wait(points, now, span, cap) for span, cap in self.windows)

    def _wait(self, points: int, now: datetime, span: timedelta, cap: int) -> float:
        inside = [(at, p) for at, p in self._spent if now - at < span]
        used = sum(p for _, p in inside)
        if cap <= 0 or used + points <= cap:
            return 0.0
        freed, wait_until = used, now
        for at, p in inside:  # the earliest writes leave the window first
            freed -= p
            wait_until = at + span
            if freed + points <= cap:
                break
        return max((wait_until - now).total_seconds(), 0.0)

    def spend(self, points: int, now: datetime) -> None:
        self._spent.append((now, points))


def transient(exc: BaseException) -> bool:
    """Worth retrying: a timeout, a dropped connection, a 502 or any other 5xx."""
    if isinstance(exc, RateLimitExceededError):
        return False
    if isinstance(exc, NetworkError):  # includes InvokeTimeoutError and 502
        return True
    if isinstance(exc, httpx.TransportError):  # e.g. the server closed without answering,
        return True  # which the SDK passes through unwrapped
    if isinstance(exc, RequestException) and exc.response is not None:
        return bool(exc.response.status_code >= 500)
    return False


class Calls:
    def __init__(
        self, config: BlueskyConfig, clock: Clock = utc_now, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.config, self.clock, self.sleep = config, clock, sleep
        self.budget = WriteBudget(config.write_points_per_hour, config.write_points_per_day)
        self.counts: Counter[str] = Counter()  # rate_limited, retried, failed, calls
        # Jobs defer long waits (BudgetSpent); start-up (log-in, the bot label) waits them out,
        # since it has nothing to leave for later. BlueskyBot.start sets it once started.
        self.defer_long_waits = True

    def room_in(self, points: int) -> float:
        """Seconds until a write of `points` fits the budget (0: now)."""
        return self.budget.room_in(points, self.clock())

    async def __call__(self, what: str, fn: Callable[[], Awaitable[T]], points: int = 0) -> T:
        """`fn`, retried as the policy says; a write (`points` > 0) that does not fit the
        budget raises `BudgetSpent` without calling it (or waits, with `defer_long_waits`
        off)."""
        if points:
            wait = self.room_in(points)
            if wait > 0 and self.defer_long_waits:
                log.warning("write budget spent: %s deferred (room in %.0f s)", what, wait)
                self.counts["budget_deferred"] += 1
                raise BudgetSpent(what, wait)
            if wait > 0:
                log.warning("write budget spent: %s waits %.0f s", what, wait)
                await self.sleep(wait)
        failures = rate_waits = 0
        while True:
            self.counts["calls"] += 1
            try:
                result = await fn()
            except RateLimitExceededError as exc:
                rate_waits += 1
                self.counts["rate_limited"] += 1
                if rate_waits > MAX_RATE_WAITS:
                    raise
                wait = self._rate_wait(exc)
                if wait > MAX_RATE_SLEEP and self.defer_long_waits:  # e.g. the daily limit
                    self.counts["budget_deferred"] += 1
                    raise BudgetSpent(f"{what} (rate limited)", wait) from exc
                log.warning("%s: rate limited (%s); waiting %.1f s", what, exc.policy, wait)
                await self.sleep(wait)
                continue
            except Exception as exc:
                if not transient(exc) or failures >= self.config.max_retries:
                    self.counts["failed"] += 1
                    raise
                failures += 1
                self.counts["retried"] += 1
                wait = self.config.backoff_seconds * 2 ** (failures - 1) * random.uniform(1, 1.5)  # noqa: S311 - jitter
                log.warning("%s failed (%s); retry %d in %.1f s", what, exc, failures, wait)
                await self.sleep(wait)
                continue
            if points:
                self.budget.spend(points, self.clock())
            return result

    def _rate_wait(self, exc: RateLimitExceededError) -> float:
        if exc.reset_at is not None:
            return float(max((exc.reset_at - self.clock()).total_seconds(), 0.0) + 0.5)
        if exc.retry_after is not None:
            return float(exc.retry_after)
        return self.config.backoff_seconds * 10
