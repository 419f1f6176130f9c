"""The labeler in the live bot (`[labeler] enabled` and LABELER_HANDLE / LABELER_APP_PASSWORD
set): started before the Bluesky adapter, which hands it each answered check; its jobs read
reports and appeals from Ozone and finish labels a crash or a failed call left pending. Not in
a dry run (it would write to Ozone). Also `factbot labeler setup`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from pathlib import Path

import httpx

from bot.bluesky.labeler import Labeler, SetupOutcome, labeler_credentials
from bot.bluesky.reports import Reports
from bot.config import Config
from bot.database import Database
from bot.labels import AppealSink
from bot.pipeline import Checks
from bot.ports import Publisher
from bot.runtime.jobs import Jobs

log = logging.getLogger(__name__)
HANDLE_ENV, PASSWORD_ENV = "LABELER_HANDLE", "LABELER_APP_PASSWORD"


class MissingLabelerCredentials(RuntimeError):
    """Safe to print."""


async def start_labeler(
    config: Config,
    account: tuple[str, str],
    checker: Checks,
    path: Database | Path | str,
    started: contextlib.AsyncExitStack,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Labeler:
    """Log the labeler in and finish what the last run left pending (before any new label)."""
    labeler = Labeler(
        config.labeler, config.bluesky, path, transport, corpus=lambda: checker.corpus
    )
    started.push_async_callback(labeler.close)
    did = await labeler.start(*account)
    done = await labeler.reconcile()
    log.info("labeler: signed in as %s; %d pending label(s) finished", did, done)
    return labeler


def schedule_labeler(
    jobs: Jobs,
    config: Config,
    labeler: Labeler,
    checker: Checks,
    publisher: Publisher | None,
    appeals: AppealSink | None,
) -> Reports:
    reports = Reports(labeler, checker, publisher, appeals)
    jobs.every("labels", config.schedule.outbox_seconds, labeler.reconcile)
    jobs.every("reports", config.labeler.reports_seconds, reports.poll)
    return reports


async def setup_from_the_command_line(config: Config, environ: Mapping[str, str]) -> SetupOutcome:
    """`factbot labeler setup`: publish the label definitions with the labeler's credentials."""
    account = labeler_credentials(environ)
    if account is None:
        raise MissingLabelerCredentials(f"set {HANDLE_ENV} and {PASSWORD_ENV}")
    labeler = Labeler(config.labeler, config.bluesky, ":memory:")  # no labels: no store
    try:
        await labeler.start(*account)
        return await labeler.setup()
    finally:
        await labeler.close()


def describe_setup(outcome: SetupOutcome) -> str:
    values = ", ".join(outcome.values)
    if outcome.outcome == "unchanged":
        return (
            f"labeler {outcome.did}: label definitions already published ({values}); "
            "nothing changed"
        )
    return f"labeler {outcome.did}: label definitions {outcome.outcome} ({values})"
