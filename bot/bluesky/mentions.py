"""Answering mentions: poll notifications, decide what to check, reply in the thread.

A notification is handled once, ever (its URI is claimed in SQLite; `is_read` is never
trusted). The time for `updateSeen` is taken before listing. What is checked: the post the
mention replies to (its parent), else the post it quotes, else the mention's own text. The
reply goes under the mention (parent) in the mention's thread (root), through the outbox.
Skipped: the bot's own posts, replies and quotes that do not mention the bot, threads where
replies are disabled (threadgate), authors who block the bot (or whom it blocks) or asked it to
stop (`stop` in a mention: both kept, they get nothing more), accounts that declare
themselves bots (the `bot` self-label), and, by default, a mention under somebody else's post
that matches nothing verified (`[bluesky] unrelated_parent`: nobody can make the bot reply
under any post). A `review` goes to the operators instead of being published. Each account's
checks and every platform's answers are limited (`bot/limits.py`, kept in SQLite); a reply is
at most `max_thread_posts` posts. When the write budget is spent the round stops: the mention
stays claimed and is answered by a later run (no job sleeps waiting for the budget)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal

from atproto import AsyncClient

from bot.bluesky.calls import CREATE, BudgetSpent, Calls, Clock
from bot.bluesky.etiquette import thread_allows
from bot.bluesky.images import BlueskyImages
from bot.bluesky.optouts import OptOuts
from bot.bluesky.records import (
    declares_bot,
    mentions_did,
    parse_time,
    quoted_ref,
    strong_ref,
    to_post,
)
from bot.bluesky.replies import Ref, ThreadSender, cap_thread
from bot.bluesky.stated import StatedTables
from bot.bluesky.store import Answered, BlueskyStore
from bot.config import BlueskyConfig, LimitsConfig
from bot.corrections import stated
from bot.domain import BlueskyPost, CheckResult, Post, Verdict
from bot.labels import Labelling, wants_stop
from bot.limits import Admit, Limits, limit_notice
from bot.pipeline import Checks
from bot.ports import Publisher

log = logging.getLogger(__name__)
REASONS = ["mention", "reply", "quote"]
WATERMARK = "notifications.indexed_at"
IN_FLIGHT: Literal["in flight"] = "in flight"  # answered now by another task (the stream's)
# A round's outcome for one notification: answered (or skipped) and stored as such; its answer
# failed (retried next round, or given up); deferred (the write budget is spent: it stays
# claimed); a duplicate (another round claimed it first: not reported); or in flight (another
# task of this process is answering it: not reported, and the watermark waits behind it).
Status = Answered | Literal["failed", "deferred", "duplicate", "in flight"]


@dataclass(frozen=True)
class Outcome:
    uri: str  # the notification's post
    status: Status
    verdict: Verdict | Literal[""] = ""
    replies: tuple[str, ...] = ()
    retry: bool = False  # failed, and handed out again by a later round


@dataclass(frozen=True)
class Known:
    """What a mention from the stream comes with, read before it is handled (in parallel, and
    without waiting for the AppView to index the mention itself): the post views the answer
    needs (the mention's own, built from the event's record; the post it answers or quotes;
    its thread's root), whether the thread's gate lets the bot reply, and, for a top-level
    mention, its own text's check, started as the event arrived (the text is the record's)."""

    views: Mapping[str, Any]
    thread_open: bool
    checked: Awaitable[CheckResult] | None = None  # a top-level mention's check, under way


@dataclass(frozen=True)
class Answer:
    """How a claimed mention was answered (or why not): what its row records."""

    status: Answered
    verdict: Verdict | Literal[""] = ""
    replies: tuple[str, ...] = ()


class Mentions:
    def __init__(
        self,
        client: AsyncClient,
        did: str,
        checker: Checks,
        store: BlueskyStore,
        calls: Calls,
        config: BlueskyConfig,
        clock: Clock,
        reviewer: Publisher | None = None,
        budget: LimitsConfig | None = None,
        sender: ThreadSender | None = None,
        labels: Labelling | None = None,
        images: BlueskyImages | None = None,
    ) -> None:
        self.client, self.did, self.checker, self.store = client, did, checker, store
        self.labels = labels  # the labeler: a checked post it answers may earn a label
        self.optouts = OptOuts(store)  # who blocked the bot or asked it to stop
        self.images = images  # the posts' images read too (bot/images), when given
        self.calls, self.config, self.clock, self.reviewer = calls, config, clock, reviewer
        self.sender = sender or ThreadSender(client, did, store, calls, clock)
        self.limits = Limits(store, "bluesky", config.checks_per_hour, budget or LimitsConfig())
        self.stated = StatedTables(store)  # what each reply stated, for corrections
        self.failures = 0  # mentions whose answer failed this round (retried next round)
        self.deferred = 0  # rounds cut short because the write budget was spent
        self.in_flight: set[str] = set()  # mentions being answered now, by the poll or stream
        self._checking = asyncio.Lock()

    async def poll(self) -> list[Outcome]:
        """One round: list what is new, answer each in order, then mark them seen. With no room
        in the write budget for one post, or when it runs out mid-round, the round stops and
        what is left waits for a later run."""
        wait = self.calls.room_in(CREATE)
        if wait > 0:
            self.deferred += 1
            self.calls.counts["budget_deferred"] += 1
            log.info("bluesky: write budget spent; mentions wait %.0f s for a later run", wait)
            return []
        seen_at = self.client.get_current_time_iso()  # before listing: nothing slips between
        watermark = await self.store.get_state(WATERMARK)
        try:
            notes = await self._list(watermark)
        except BudgetSpent as spent:  # a 429 with a far reset: the next run lists again
            self.deferred += 1
            log.info("bluesky: %s; mentions wait for a later run", spent)
            return []
        outcomes, newest, held = [], watermark, False
        cutoff = self._backlog_cutoff() if watermark is None else None
        for note in notes:
            indexed = parse_time(note.indexed_at)
            if cutoff is not None and indexed is not None and indexed < cutoff:
                outcome = await self._skip(note, "skipped:before the first start")
            else:
                outcome = await self.attempt(note)
            if outcome.status == "deferred":  # not a failure: the mention stays claimed
                outcomes.append(outcome)
                break
            # The watermark never passes a mention that still needs an answer: one that failed
            # (and is retried) or one the stream is answering right now (it may yet fail).
            held = held or outcome.retry or outcome.status == IN_FLIGHT
            if outcome.status not in ("duplicate", IN_FLIGHT):
                outcomes.append(outcome)
            if not held:
                newest = note.indexed_at
        if newest and newest != watermark:
            await self.store.set_state(WATERMARK, newest, self.clock())
        if notes:
            await self.calls(
                "updateSeen",
                lambda: self.client.app.bsky.notification.update_seen({"seen_at": seen_at}),
            )
        return outcomes

    async def _skip(self, note: Any, status: Answered) -> Outcome:
        """Record a notification as handled without answering it (so it is never answered)."""
        now = self.clock()
        if not await self.store.claim_mention(
            note.uri, note.reason, note.author.did, note.indexed_at, now
        ):
            return Outcome(note.uri, "duplicate")
        await self.store.finish_mention(note.uri, status, now)
        return Outcome(note.uri, status)

    def _backlog_cutoff(self) -> datetime | None:
        """On the very first poll (no watermark yet), mentions older than `backlog_hours` are
        not answered: a new deployment on an account with history must not reply to all of
        it at once."""
        hours = self.config.backlog_hours
        return self.clock() - timedelta(hours=hours) if hours else None

    async def _list(self, watermark: str | None) -> list[Any]:
        """Notifications at or after the watermark, oldest first (all pages)."""
        notes: list[Any] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"reasons": REASONS, "limit": self.config.notifications_limit}
            if cursor:
                params["cursor"] = cursor
            page = await self.calls(
                "listNotifications",
                partial(self.client.app.bsky.notification.list_notifications, params=params),
            )
            fresh = [
                n for n in page.notifications if watermark is None or n.indexed_at >= watermark
            ]
            notes += fresh
            if not page.cursor or len(fresh) < len(page.notifications) or not page.notifications:
                break
            cursor = page.cursor
        return sorted({n.uri: n for n in notes}.values(), key=lambda n: n.indexed_at)

    async def attempt(self, note: Any) -> Outcome:
        """`handle` one mention (the poll's and the stream's way in): a spent write budget
        defers it (it stays claimed), a failure is counted, and retried by a later round until
        `max_attempts`."""
        try:
            return await self.handle(note)
        except BudgetSpent as spent:  # a 429 with a far reset: not a failure
            self.deferred += 1
            log.info("bluesky: %s; mention %s waits for a later run", spent, note.uri)
            return Outcome(note.uri, "deferred")
        except Exception:
            self.failures += 1
            limit = self.config.max_attempts
            if await self.store.mention_failed(note.uri, self.clock(), limit):
                log.exception("bluesky: mention %s failed %d times; given up", note.uri, limit)
                return Outcome(note.uri, "failed")
            log.exception("bluesky: mention %s failed; it is retried next round", note.uri)
            return Outcome(note.uri, "failed", retry=True)

    async def handle(self, note: Any) -> Outcome:
        """Claim the mention, answer it, record how. One task at a time per mention: while the
        stream answers one, the poll gets IN_FLIGHT (a claim left by a crash is handed out
        again, so the store alone cannot tell a live claim from a dead one)."""
        author = note.author.did
        if author == self.did:
            return Outcome(note.uri, "skipped:own post")
        if note.reason != "mention" and not mentions_did(note.record, self.did):
            return Outcome(note.uri, "skipped:not addressed to the bot")
        if note.uri in self.in_flight:
            return Outcome(note.uri, IN_FLIGHT)
        self.in_flight.add(note.uri)
        try:
            if not await self.store.claim_mention(
                note.uri, note.reason, author, note.indexed_at, self.clock()
            ):
                return Outcome(note.uri, "duplicate")
            answer = await self._opted_out(note) or await self._answer(note)
            await self.store.finish_mention(
                note.uri, answer.status, self.clock(), verdict=answer.verdict
            )
            return Outcome(note.uri, answer.status, answer.verdict, answer.replies)
        finally:
            self.in_flight.discard(note.uri)

    async def _opted_out(self, note: Any) -> Answer | None:
        """An author who blocked the bot or asked it to stop (`stop` in a mention) gets nothing
        more, ever (kept in SQLite)."""
        author, now = note.author.did, self.clock()
        viewer = note.author.viewer
        if viewer is not None and (viewer.blocked_by or viewer.blocking):
            await self.optouts.add(author, "block", now)
            return Answer("skipped:blocked")
        if await self.optouts.why(author) is not None:
            return Answer("skipped:opted out")
        if wants_stop(getattr(note.record, "text", "") or ""):
            await self.optouts.add(author, "stop", now)
            log.info("bluesky: %s asked the bot to stop; nothing more for them", author)
            return Answer("skipped:asked to stop")
        return None

    async def _answer(self, note: Any) -> Answer:
        viewer = note.author.viewer
        if viewer is not None and (viewer.blocked_by or viewer.blocking):
            return Answer("skipped:blocked")
        target_uri = self.target_uri(note.record)
        known: Known | None = getattr(note, "known", None)  # read already (a stream mention)
        uris = [note.uri, *([target_uri] if target_uri else [])]
        views = dict(known.views) if known is not None else await self.posts(uris)
        mention_view = views.get(note.uri)
        if mention_view is None:
            return Answer("skipped:deleted")
        if mention_view.viewer is not None and mention_view.viewer.reply_disabled:
            return Answer("skipped:replies disabled")
        if declares_bot(note.author) or declares_bot(mention_view.author):
            return Answer("skipped:bot account")  # no bot-to-bot ping-pong
        if known is not None:
            thread_open = known.thread_open
        else:
            thread_open = await thread_allows(self.client, self.calls, note.record, self.did)
        if not thread_open:
            return Answer("skipped:replies disabled")
        root, parent = self._refs(note)
        admit = await self.limits.admit(note.author.did, note.uri, self.clock())
        if admit is Admit.BUSY:  # the global budget: no notice (it would be a post too)
            return Answer("skipped:answer budget spent")
        if admit is not Admit.YES:
            if admit is Admit.NOTICE:
                notice = BlueskyPost(limit_notice(self.config.checks_per_hour))
                sent = await self.sender.send(note.uri, root, parent, [notice])
                return Answer("limited", replies=tuple(sent))
            return Answer("limited")
        target = views.get(target_uri) if target_uri else None
        if target is not None and target.author.did == self.did:
            target = None  # a mention under the bot's own reply: check what the user wrote
        post = to_post(target) if target is not None else to_post(note)
        if self.images is not None:
            shown = target if target is not None else mention_view
            post = await self.images.post_with_images(post, shown)
        early = known.checked if known is not None and target_uri is None else None
        if early is not None:  # checked as the event arrived, by DID: now named as polled
            result = await early
            result = replace(result, post=replace(result.post, url=post.url, author=post.author))
        else:
            result = await self.check(post)
        if result.verdict == "no_match" and self._under_someone_else(note, target):
            mode = self.config.unrelated_parent
            if mode == "own_text":
                result = await self.check(to_post(note))
            if mode != "answer" and result.verdict == "no_match":
                return Answer("skipped:unrelated post", "no_match")
        checked = mention_view if result.post.id == note.uri or target is None else target
        answer = await self._respond(note, result, root, parent)
        if self.labels is not None and answer.status in ("replied", "review"):
            await self.labels.checked(result, checked.uri, checked.cid, "reply")
        return answer

    def _under_someone_else(self, note: Any, target: Any) -> bool:
        """The mention replies to a post its author did not write (a third party's)."""
        if target is None or getattr(note.record, "reply", None) is None:
            return False
        return bool(target.uri == note.record.reply.parent.uri) and bool(
            target.author.did != note.author.did
        )

    async def check(self, post: Post) -> CheckResult:
        """The one pipeline, off the event loop (the models are CPU-bound); one check at a time
        (the models use every core already: mentions answered at once from the stream would
        only slow each other's checks down, and the first in would wait for the last)."""
        async with self._checking:
            results = await asyncio.to_thread(self.checker.check_many, [post])
        return results[0]

    async def _respond(self, note: Any, result: CheckResult, root: Ref, parent: Ref) -> Answer:
        verdict = result.verdict
        if verdict == "review":
            if self.reviewer is not None:
                await self.reviewer.hand_over(result, note.uri)
            else:
                log.warning("bluesky: %s needs review but no reviewer is configured", note.uri)
            return Answer("review", verdict)
        if verdict == "no_match" and not self.config.answer_no_match:
            return Answer("skipped:no match", verdict)
        facts = stated(result, self.checker.corpus)
        if facts is not None:  # what the reply states, kept for corrections
            await self.stated.record_stated(note.uri, facts, self.clock())
        thread = cap_thread(result.reply.bluesky, self.config.max_thread_posts)
        sent = await self.sender.send(note.uri, root, parent, thread)
        return Answer("replied", verdict, tuple(sent))

    def target_uri(self, record: Any) -> str | None:
        reply = getattr(record, "reply", None)
        if reply is not None:
            return str(reply.parent.uri)
        ref = quoted_ref(record)
        return ref[0] if ref else None

    def _refs(self, note: Any) -> tuple[Ref, Ref]:
        """(root, parent) for the reply: the mention's own root, or the mention itself."""
        parent = strong_ref(note.uri, note.cid)
        reply = getattr(note.record, "reply", None)
        root = strong_ref(reply.root.uri, reply.root.cid) if reply is not None else parent
        return root, parent

    async def posts(self, uris: Sequence[str]) -> dict[str, Any]:
        got = await self.calls(
            "getPosts", lambda: self.client.app.bsky.feed.get_posts({"uris": list(uris)})
        )
        return {p.uri: p for p in got.posts}
