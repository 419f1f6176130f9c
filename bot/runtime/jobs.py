"""The scheduler: one APScheduler 3 `AsyncIOScheduler` on the bot's loop runs every periodic
job (no sleep loops). Each job's `misfire_grace_time`, `coalesce` and `max_instances` come
from `[schedule]`. A job that raises is logged and counted, and runs again at its next time
(a one-shot job, the replay, does not: its log line says so);
at stop no new run starts, runs in flight get `stop_seconds` to finish, and the rest are
cancelled (parked: their outbox rows stay pending and their mentions stay claimed, so the next
start finishes them)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import ScheduleConfig
from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[Any]]


class Jobs:
    def __init__(self, schedule: ScheduleConfig, metrics: Metrics) -> None:
        self.schedule, self.metrics = schedule, metrics
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "misfire_grace_time": schedule.misfire_grace_time,
                "coalesce": schedule.coalesce,
                "max_instances": schedule.max_instances,
            },
        )
        self.running: set[asyncio.Task[Any]] = set()
        self.runs: dict[str, int] = {}
        self.failed: set[str] = set()  # jobs that raised at least once
        self._once: set[str] = set()  # one-shot jobs: a failure is not run again

    def every(self, name: str, seconds: float, job: Job) -> None:
        """Run `job` now and then every `seconds`."""
        self.scheduler.add_job(
            partial(self._run, name, job),
            "interval",
            seconds=seconds,
            id=name,
            name=name,
            next_run_time=datetime.now(UTC),
        )

    def once(self, name: str, job: Job) -> None:
        """Run `job` once, now."""
        self._once.add(name)
        self.scheduler.add_job(partial(self._run, name, job), "date", id=name, name=name)

    def daily(self, name: str, at: str, job: Job) -> None:
        """Run `job` every day at `at` ("HH:MM", UTC)."""
        hour, minute = (int(part) for part in at.split(":"))
        self.scheduler.add_job(
            partial(self._run, name, job), "cron", hour=hour, minute=minute, id=name, name=name
        )

    def start(self) -> None:
        self.scheduler.start()
        log.info("scheduler started: %s", ", ".join(j.id for j in self.scheduler.get_jobs()))

    async def _run(self, name: str, job: Job) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)
        try:
            await job()
        except asyncio.CancelledError:  # by stop(): ends quietly, its work left for the next start
            log.warning("job %s parked at stop", name)
        except Exception:
            if name in self._once:
                log.exception("job %s failed; it was to run once and does not run again", name)
            else:
                log.exception("job %s failed; it runs again at its next time", name)
            self.metrics.job_failed(name)
            self.failed.add(name)
        finally:
            self.runs[name] = self.runs.get(name, 0) + 1
            if task is not None:
                self.running.discard(task)

    async def stop(self) -> int:
        """Start nothing new; wait up to `stop_seconds` for runs in flight, then cancel the
        rest. How many runs were parked."""
        if not self.scheduler.running:
            return 0
        # Pause first: shutting APScheduler's asyncio executor down cancels runs in flight.
        self.scheduler.pause()
        pending = set(self.running)
        late: set[asyncio.Task[Any]] = set()
        if pending:
            _, late = await asyncio.wait(pending, timeout=self.schedule.stop_seconds)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self.scheduler.shutdown(wait=False)
        return len(late)
