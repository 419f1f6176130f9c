"""`factbot run` live: assemble the adapters around the one pipeline, schedule their jobs, serve
/healthz and /metrics, and stop cleanly on SIGTERM (or SIGINT).

Bluesky runs when BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are set, Telegram when
TELEGRAM_BOT_TOKEN is; secrets are read from the environment here and nowhere else, and never
logged. At start the outbox is reconciled (replies left pending by a crash are looked up and
sent once) before any new work. `--dry-run` reads the platforms but prints what it would send,
and keeps its state in memory so a later live run starts afresh. With no credentials the same
runtime replays a JSONL feed (the embedded default) as a one-shot job and stops when it is
done."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TextIO

import httpx

from bot.bluesky.app import BlueskyBot
from bot.bluesky.corrections import BlueskyCorrector
from bot.bluesky.firehose import FirehoseWatcher
from bot.bluesky.label_corrections import LabelCorrector
from bot.bluesky.labeler import Labeler
from bot.bluesky.replies import ThreadSender
from bot.config import Config
from bot.corrections import describe
from bot.database import Database
from bot.domain import CheckResult
from bot.images.reader import SOURCES, ImageReader, build_reader
from bot.models.vectors import Embedder
from bot.pipeline import build_checker, probe_post
from bot.ports import CHANNEL, Publisher
from bot.retention import prune_store
from bot.runtime.checks import LiveChecks
from bot.runtime.corrections import Corrections, Corrector
from bot.runtime.credentials import Credentials
from bot.runtime.dryrun import WritingSender, replay, write_handover
from bot.runtime.health import Health, OpsServer
from bot.runtime.jobs import Jobs
from bot.runtime.labeling import schedule_labeler, start_labeler
from bot.runtime.metrics import Metrics
from bot.runtime.pages import Pages
from bot.runtime.reload import CorpusReloader
from bot.store import AuditLog
from bot.telegram import TelegramDeps, TelegramOutlet, TelegramStore, announce, register
from bot.telegram.app import TelegramApp, build_application, initialize
from bot.telegram.appeals import AppealDesk, register_appeals
from bot.telegram.corrections import TelegramCorrector
from bot.telegram.digest import digest_text

log = logging.getLogger(__name__)
MODEL_PING_FRESH_SECONDS = 60.0  # /healthz reuses a successful model check this long


class Handover:
    """The Bluesky adapter's publisher: the Telegram outlet once it is up; without Telegram
    (or in a dry run) a hand-over is logged and printed instead of lost silently."""

    def __init__(self, dry_run: bool, out: TextIO) -> None:
        self.outlet: Publisher | None = None
        self.dry_run, self.out = dry_run, out

    async def hand_over(self, result: CheckResult, target: str = CHANNEL) -> None:
        if self.outlet is not None and not self.dry_run:
            await self.outlet.hand_over(result, target)
            return
        where = "the channel" if target == CHANNEL else f"review of the answer to {target}"
        if self.dry_run:
            write_handover(self.out, result, where)
        else:
            post, verdict = result.post.id, result.verdict
            log.warning("no Telegram: %s (%s) for %s dropped", post, verdict, where)


class Runtime:
    def __init__(
        self,
        config: Config,
        creds: Credentials,
        dry_run: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        embedders: Mapping[str, Embedder] | None = None,
        replay: Path | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.config, self.creds, self.dry_run, self.transport = config, creds, dry_run, transport
        self.embedders = embedders  # the models, when the caller has them loaded already
        self.replay = replay  # a JSONL feed to replay (a dry run that ends with the feed)
        self.out = out or sys.stdout  # where a dry run writes what it would send
        self.stopping = asyncio.Event()
        self.metrics = Metrics()
        self.health = Health(config.ops.health_timeout_seconds)
        self.ready = asyncio.Event()
        self.url = ""  # the ops endpoint, once listening
        self.bluesky: BlueskyBot | None = None
        self.stream: FirehoseWatcher | None = None  # the firehose or Jetstream, when read
        self.outlet: TelegramOutlet | None = None
        self._digest_from: tuple[TelegramStore, LiveChecks] | None = None
        self.corrections: Corrections | None = None
        self.live: LiveChecks | None = None
        self.labeler: Labeler | None = None
        self.appeals: AppealDesk | None = None
        self.images: ImageReader | None = None  # built by the first platform that reads images
        self.jobs = Jobs(config.schedule, self.metrics)
        self.parked = 0  # job runs cancelled at stop (their work waits for the next start)

    def stop(self) -> None:
        self.stopping.set()

    async def run(self) -> int:
        """Start everything, wait for SIGTERM (or `stop()`, or the end of a replay), then stop
        it all in reverse order of starting. 0, or 1 when a replay failed."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
                loop.add_signal_handler(sig, self.stop)
        async with contextlib.AsyncExitStack() as started:
            # The one database of the run, shared by every store and closed after them all.
            path: Path | str = ":memory:" if self.dry_run else self.config.store.path
            database = Database(path)
            started.callback(database.close)
            self.images = None  # the reader of this run's database, built by the first platform
            audit = AuditLog(database)
            started.callback(audit.close)
            checker = await asyncio.to_thread(build_checker, self.config, self.embedders)
            # One check through the models before any work (not audited): the first mention
            # answered does not pay for the models' first run.
            await asyncio.to_thread(checker.check_many, [probe_post(checker.corpus)])
            live = LiveChecks(checker, self.metrics, audit, loop, audit_all=self.replay is not None)
            started.push_async_callback(live.drain)
            self.health.add("store", audit.ping)
            self.health.add("audit", live.audit_health)
            self.health.add(
                "model",
                lambda: asyncio.to_thread(
                    live.checker.check_many, [probe_post(live.checker.corpus)]
                ),
                fresh_seconds=MODEL_PING_FRESH_SECONDS,
            )
            jobs = self.jobs
            handover = Handover(self.dry_run, self.out)
            if self.config.labeler.enabled and self.creds.labeler and not self.dry_run:
                self.labeler = await start_labeler(
                    self.config, self.creds.labeler, live, database, started, self.transport
                )
                self.health.add("labeler", self.labeler.client.com.atproto.server.get_session)
                for event in ("applied", "negated", "failed"):
                    self.metrics.count_labels(event, _reading(self.labeler.counts, event))
            if self.creds.bluesky is not None:
                await self._start_bluesky(self.creds.bluesky, live, database, handover, started)
            if self.creds.telegram is not None and not self.dry_run:
                await self._start_telegram(self.creds.telegram, live, database, handover, started)
            if self.labeler is not None:
                schedule_labeler(jobs, self.config, self.labeler, live, handover, self.appeals)
            if self.replay is not None:
                self._schedule_replay(self.replay, live)
            else:
                self._corrections(live, audit)
                reloader = CorpusReloader(self.config, live, self._alert, self.offer_corrections)
                jobs.every("corpus", self.config.schedule.corpus_seconds, reloader.check_once)
                keep = self.config.store.keep_days
                if keep > 0 and not self.dry_run:
                    track = self.config.bluesky.track_hours
                    prune = partial(prune_store, audit, keep, track)
                    jobs.every("prune", self.config.schedule.prune_seconds, prune)
                if self.config.ops.port:
                    ops = OpsServer(
                        self.health,
                        self.metrics,
                        self.config.ops.host,
                        self.config.ops.port,
                        self.creds.ops_token,
                        public=Pages(path, lambda: live.corpus, self.config.pages).register,
                    )
                    self.url = await ops.start()
                    started.push_async_callback(ops.stop)
            started.push_async_callback(self._stop_jobs, jobs)  # the first thing stopped
            jobs.start()
            self.ready.set()
            log.info("factbot running%s; SIGTERM stops it", " (dry run)" if self.dry_run else "")
            await self.stopping.wait()
            log.info("stopping: up to %gs for work in flight", self.config.schedule.stop_seconds)
        log.info("stopped cleanly (%d job run(s) parked for the next start)", self.parked)
        return 1 if self.replay is not None and jobs.failed else 0

    async def _stop_jobs(self, jobs: Jobs) -> None:
        self.parked = await jobs.stop()

    def _schedule_replay(self, feed: Path, live: LiveChecks) -> None:
        """The embedded default's source: the feed, replayed once, then the bot stops."""

        async def replay_then_stop() -> None:
            try:
                await asyncio.to_thread(replay, live, feed, self.out)
            finally:
                self.stop()

        self.jobs.once("replay", replay_then_stop)

    def _images(self, database: Database) -> ImageReader | None:
        """The image reader (bot/images), one for both platforms; the images already read are
        kept in the run's database (in memory in a dry run). Its counts go to /metrics."""
        if self.images is None:
            self.images = build_reader(self.config.images, database)
            if self.images is not None:
                for source in SOURCES:
                    self.metrics.count_images(source, _reading(self.images.counts, source))
        return self.images

    async def _start_bluesky(
        self,
        account: tuple[str, str],
        live: LiveChecks,
        database: Database,
        handover: Handover,
        started: contextlib.AsyncExitStack,
    ) -> BlueskyBot:
        cfg, schedule, jobs = self.config.bluesky, self.config.schedule, self.jobs
        bot = BlueskyBot(
            cfg,
            live,
            database,
            publisher=handover,
            transport=self.transport,
            budget=self.config.limits,
            sender=partial(WritingSender, self.out) if self.dry_run else ThreadSender,
            labels=self.labeler,
            images=self._images(database),
        )
        self.bluesky = bot
        started.push_async_callback(bot.close)
        await bot.start(*account)
        sender = bot.sender
        sent = await sender.reconcile()
        log.info("bluesky: signed in as %s; %d pending post(s) reconciled", bot.did, sent)
        self.health.add("bluesky", bot.ping)
        self.metrics.count_replies("bluesky", lambda: sender.sent)
        for kind in ("retried", "rate_limited", "failed", "budget_deferred"):
            self.metrics.count_errors(f"bluesky:{kind}", _reading(bot.calls.counts, kind))
        self.metrics.count_errors("bluesky:mention", lambda: bot.mentions.failures)
        jobs.every("mentions", schedule.mentions_seconds, bot.mentions.poll)
        jobs.every("outbox", schedule.outbox_seconds, sender.reconcile)
        jobs.every("refresh", schedule.refresh_seconds, bot.watcher.refresh_once)
        if cfg.search_queries:
            jobs.every("search", schedule.search_seconds, bot.watcher.search_once)
        if cfg.firehose or cfg.stream_mentions:
            stream = bot.stream()
            self.stream = stream
            self.metrics.count_errors("bluesky:firehose_dropped", lambda: stream.dropped)
            task = asyncio.create_task(stream.run(), name="stream")

            async def stop_stream() -> None:  # its run() flushes and saves the cursor
                await stream.stop()
                await asyncio.gather(task, return_exceptions=True)
                await bot.mention_stream.close(self.config.schedule.stop_seconds)

            started.push_async_callback(stop_stream)
            jobs.every("firehose", cfg.cursor_save_seconds, stream.flush)
        return bot

    async def _start_telegram(
        self,
        token: str,
        live: LiveChecks,
        database: Database,
        handover: Handover,
        started: contextlib.AsyncExitStack,
    ) -> TelegramApp:
        store = TelegramStore(database)
        started.callback(store.close)
        app = build_application(self.config.telegram, token)
        ports = self.bluesky.ports if self.bluesky is not None else None
        deps = TelegramDeps(
            live,
            store,
            self.config.telegram,
            resolver=ports,
            bluesky=ports,
            budget=self.config.limits,
            labels=self.labeler,
            images=self._images(database),
        )
        outlet = register(app, deps)
        self.appeals = register_appeals(app, deps, outlet)
        await initialize(app, self.config.telegram.base_url)  # TelegramStartError: one line
        started.push_async_callback(app.shutdown)
        await announce(app)
        await app.start()
        started.push_async_callback(app.stop)
        if app.updater is None:  # pragma: no cover - build_application always makes one
            raise RuntimeError("the Telegram application has no updater")
        await app.updater.start_polling()
        started.push_async_callback(app.updater.stop)
        handover.outlet = self.outlet = outlet
        sent = await outlet.reconcile()
        log.info("telegram: %d pending message(s) reconciled", sent)
        self.health.add("telegram", app.bot.get_me)
        self.metrics.count_replies("telegram", lambda: sum(outlet.sent.values()))
        jobs = self.jobs
        jobs.every("telegram-outbox", self.config.schedule.outbox_seconds, outlet.reconcile)
        self._digest_from = (store, live)
        if self.config.schedule.digest_at:
            jobs.daily("digest", self.config.schedule.digest_at, self.digest)
        log.info("telegram: polling as @%s", app.bot.username)
        return app

    async def digest(self) -> int | None:
        """Yesterday's figures (the UTC day that just ended) to the channel, once per day;
        the message id, or None when it was sent before or Telegram is not running."""
        if self.outlet is None or self._digest_from is None:
            return None
        store, live = self._digest_from
        day = (datetime.now(UTC) - timedelta(days=1)).date()
        titles = {e.id: f"{e.event}, {e.city}" for e in live.corpus.events}
        text = digest_text(await store.digest_figures(day), titles)
        return await self.outlet.publish_digest(day, text)

    def _corrections(self, live: LiveChecks, audit: AuditLog) -> None:
        """Corrections of what was published, on the platforms that run (not in a dry run)."""
        if self.dry_run:
            return
        correctors: list[Corrector] = []
        if self.bluesky is not None:
            correctors.append(BlueskyCorrector(self.bluesky.sender, self.config.reply))
        if self.labeler is not None:
            correctors.append(LabelCorrector(self.labeler))
        if self.outlet is not None:
            telegram = TelegramCorrector(
                self.outlet.bot, self.outlet.tables, self.config.reply, self.outlet.deps.clock
            )
            correctors.append(telegram)
            every = self.config.schedule.outbox_seconds
            self.jobs.every("telegram-corrections", every, telegram.reconcile)
        if not correctors:
            return
        corrections = Corrections(correctors, audit, lambda: datetime.now(UTC))
        self.corrections, self.live = corrections, live
        if self.outlet is not None:

            async def approved() -> str:
                return (await corrections.apply(live.corpus)).summary()

            self.outlet.corrections = approved

    async def offer_corrections(self) -> int | None:
        """After a corpus reload: when published outputs state facts the new corpus changed,
        one message to the operators' chat lists them, with an Approve button that applies
        them (once per corpus version). The message id; None when there is nothing to offer
        or no Telegram."""
        if self.corrections is None or self.live is None:
            return None
        corpus = self.live.corpus
        found = await self.corrections.find(corpus)
        if not found:
            return None
        lines = describe(found)
        log.warning("corpus %s: %d correction(s) pending", corpus.version[:12], len(lines))
        if self.outlet is None:
            return None
        text = (
            f"The corpus changed ({corpus.version[:12]}): {len(found)} published output(s) "
            "state facts it no longer supports. Approve posts a correction under each "
            "(factbot corrections --apply does the same).\n" + "\n".join(lines)
        )
        return await self.outlet.offer_corrections(corpus.version, text)

    async def _alert(self, key: str, text: str) -> None:
        """A message to the operators (the corpus reloader's refusals), through the Telegram
        outbox (once per key); logged either way."""
        log.warning("operator alert %s: %s", key, text)
        if self.outlet is not None:
            await self.outlet.alert(key, text)


def _reading(counts: Counter[str], key: str) -> Callable[[], float]:
    return lambda: counts[key]
