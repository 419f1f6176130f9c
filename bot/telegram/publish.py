"""Sending: the channel card (once per post, ever), the operators' review, their decision,
operator alerts and the daily digest.

`TelegramOutlet.hand_over(result)` is what the feed watchers call: a `match` becomes a channel
card, a `review` waits for an operator, a `no_match` is dropped. A review that came from a
Bluesky mention is published, on approval, through the `BlueskyPublisher` port.

Every message the bot initiates goes through the outbox (`bot/telegram/store.py`): written as
pending with its exact text before the send, marked sent with Telegram's message id after.
`reconcile()` sends what is still pending: at start (a crash) and from a periodic job (a send
that failed). The Bot API cannot look a message up by our key, so a crash in the instant
between Telegram accepting a message and the mark repeats that one message on the next start:
we choose sending twice over never sending. Within the process, a message's key is held while
it is sent, so a reconcile and a publish never send the same row together."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.corrections import Stated, stated
from bot.domain import BlueskyPost, CheckResult
from bot.telegram.cards import (
    alert_text,
    channel_card,
    decided_card,
    decision_footer,
    review_card,
)
from bot.telegram.deps import TelegramDeps
from bot.telegram.edits import CorrectionTables
from bot.telegram.store import (
    ALERT,
    CARD,
    DIGEST,
    OFFER,
    REVIEW,
    Kind,
    Pending,
    card_key,
    review_key,
    thread_to_json,
)

log = logging.getLogger(__name__)

CHANNEL = "channel"
APPROVE, REJECT = "approve", "reject"
CALLBACK = r"^review:(approve|reject):(\d+)$"
CORRECTIONS_CALLBACK = r"^corrections:approve:([0-9a-f]{1,16})$"
CORRECTIONS_HEADING = "Corrections"
MAX_ATTEMPTS = 5  # failed sends of one message before reconcile leaves it to the operators


def chat_id(value: str) -> int | str:
    """One form per chat: a numeric id as an int, a "@username" as it is written."""
    return int(value) if value.lstrip("-").isdigit() else value


def review_buttons(review_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Approve", callback_data=f"review:{APPROVE}:{review_id}"),
                InlineKeyboardButton("Reject", callback_data=f"review:{REJECT}:{review_id}"),
            ]
        ]
    )


def corrections_button(version: str) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton("Approve", callback_data=f"corrections:approve:{version}")
    return InlineKeyboardMarkup([[button]])


class Outcome(Enum):
    DONE = "done"
    UNKNOWN = "unknown"  # no such review
    ALREADY = "already"  # decided before


@dataclass(frozen=True)
class Decided:
    outcome: Outcome
    text: str  # what the pressing operator is told


class TelegramOutlet:
    def __init__(self, bot: Bot, deps: TelegramDeps) -> None:
        self.bot, self.deps = bot, deps
        self.sent: Counter[str] = Counter()  # messages Telegram accepted, by kind (/metrics)
        self._sending: set[str] = set()  # idempotency keys being sent now, in this process
        self.tables = CorrectionTables(deps.store)
        # Applies the pending corrections when an operator approves an offer (set by the
        # runtime, which holds both platforms): what to tell the operator.
        self.corrections: Callable[[], Awaitable[str]] | None = None

    async def hand_over(self, result: CheckResult, target: str = CHANNEL) -> None:
        """A checked viral post from a feed watcher (`target` "channel") or a Bluesky mention
        (`target` its at:// URI, only ever a `review`: a mention's `match` is answered by the
        Bluesky adapter itself)."""
        if result.verdict == "review":
            await self.submit_review(result, target)
        elif result.verdict == "match" and target == CHANNEL:
            await self.publish_card(result)

    async def publish_card(self, result: CheckResult) -> int | None:
        """The channel message's id; None when there is no channel or the post was published
        before (in this run or any earlier one)."""
        facts = stated(result, self.deps.checker.corpus)
        return await self._to_channel(result.post.id, channel_card(result), facts)

    async def _to_channel(self, post_id: str, card: str, facts: Stated | None) -> int | None:
        """Claim the post with its card, send, mark. A post claimed before but never marked
        (a failed send, a crash) is sent now with the card written then. What the card states
        is recorded first (for corrections)."""
        channel = self.deps.config.channel
        if not channel:
            return None
        store = self.deps.store
        key = card_key(post_id)
        with self._holding(key) as mine:
            if not mine:  # being sent right now, by reconcile or another hand-over
                return None
            if facts is not None:
                await self.tables.record_stated(key, facts, self.deps.clock())
            text = await store.claim_publication(post_id, channel, card, self.deps.clock())
            if text is None:
                log.info("post %s already published to the channel", post_id)
                return None
            return await self._send(Pending(CARD, key, post_id, channel, text))

    async def submit_review(self, result: CheckResult, target: str = CHANNEL) -> int | None:
        """Send a `review` result to the operators with Approve / Reject; the review's id, or
        None when there is no review chat or this post is already under review."""
        chat = self.deps.config.review_chat
        if not chat:
            return None
        text = review_card(result, target)
        key = review_key(result.post.id)
        with self._holding(key) as mine:
            if not mine:
                return None
            facts = stated(result, self.deps.checker.corpus)
            if facts is not None:
                await self.tables.record_stated(key, facts, self.deps.clock())
            review_id = await self.deps.store.add_review(
                {
                    "post_id": result.post.id,
                    "verdict": result.verdict,
                    "score": result.score,
                    "target": target,
                    "card": channel_card(result),
                    "bluesky": thread_to_json(result.reply.bluesky),
                    "review_html": text,
                    "chat_id": chat,
                    "created_at": self.deps.clock().isoformat(),
                }
            )
            if review_id is None:
                return None
            await self._send(Pending(REVIEW, key, str(review_id), chat, text))
            return review_id

    async def alert(self, key: str, text: str) -> int | None:
        """Tell the operators (the review chat) something needs them, e.g. a corpus reload
        refused with its problems. Sent once per `key`: the same alert again (the same bad
        corpus version) is not repeated. The message id; None when there is no review chat or
        this alert was sent before. `text` is plain text; it is escaped here."""
        chat = self.deps.config.review_chat
        if not chat:
            return None
        return await self._once(ALERT, f"{ALERT}:{key}", chat, alert_text(text))

    async def publish_digest(self, day: date, text: str) -> int | None:
        """The daily digest (HTML, from `bot.telegram.digest.digest_text`) to the channel, once
        per day. The message id; None when there is no channel or that day's was sent."""
        channel = self.deps.config.channel
        if not channel:
            return None
        return await self._once(DIGEST, f"{DIGEST}:{day.isoformat()}", channel, text)

    async def _once(self, kind: Kind, key: str, chat: str, text: str) -> int | None:
        """An alert or digest through the outbox: written (once) before the send. A key written
        before but never sent is sent now, with the text written then."""
        store = self.deps.store
        with self._holding(key) as mine:
            if not mine:
                return None
            written = await store.add_message(kind, key, chat, text, self.deps.clock())
            if written is None:
                log.info("%s already sent", key)
                return None
            return await self._send(Pending(kind, key, key, chat, written))

    async def reconcile(self) -> int:
        """Send every outbox message written but never marked sent: channel cards still
        claimed, reviews without a message, alerts and digests still pending. Called at start
        and by the periodic outbox job; returns how many were sent now.

        A row is pending after a crash between the write and the mark, or after a send that
        raised. In the first case Telegram may already have the message (the crash came after
        it accepted it, before the mark): the Bot API cannot look a message up by our key, so
        that message is sent a second time. We accept that rare repeat rather than risk never
        sending it. A message that failed `MAX_ATTEMPTS` times (Telegram refuses its HTML, the
        chat is gone) is left in its table with its last error, for an operator."""
        done = 0
        for item in await self.deps.store.pending(MAX_ATTEMPTS):
            with self._holding(item.key) as mine:
                # read again under the key: a publish may have sent it since the list was read
                if not mine or not await self.deps.store.is_pending(item):
                    continue
                try:
                    await self._send(item)
                except Exception:
                    log.exception("outbox: %s not sent; it stays pending", item.key)
                    continue
                done += 1
        if done:
            log.info("outbox: %d pending message(s) sent", done)
        return done

    @contextlib.contextmanager
    def _holding(self, key: str) -> Iterator[bool]:
        """Hold `key` while its message is written and sent; False if it is already held.
        (The event loop switches only at an await, so the test and the add are one step.)"""
        if key in self._sending:
            yield False
            return
        self._sending.add(key)
        try:
            yield True
        finally:
            self._sending.discard(key)

    async def _send(self, item: Pending) -> int:
        """Send a pending row and mark it; on failure count the attempt, keep the row pending
        (reconcile sends it later) and raise."""
        markup = None
        if item.kind == REVIEW:
            markup = review_buttons(int(item.ref))
        elif item.kind == OFFER:
            markup = corrections_button(item.key.split(":", 1)[1])
        try:
            message = await self.bot.send_message(
                chat_id(item.chat_id), item.text, reply_markup=markup
            )
        except Exception as exc:
            await self.deps.store.send_failed(item, f"{type(exc).__name__}: {exc}")
            raise
        self.sent[item.kind] += 1
        await self.deps.store.mark_sent(item, message.message_id, self.deps.clock())
        return message.message_id

    async def decide(
        self, review_id: int, decision: str, operator_id: int, operator: str
    ) -> Decided:
        """An operator's press (the caller has checked that they are one): record it, publish
        on approval, and edit the review message to say who decided and when."""
        store = self.deps.store
        review = await store.review(review_id)
        if review is None:
            return Decided(Outcome.UNKNOWN, "This review is no longer known.")
        now = self.deps.clock()
        if not await store.decide(review, decision, operator_id, operator, now):
            return Decided(Outcome.ALREADY, "Another operator has already decided this one.")
        if decision == APPROVE:
            facts = await self.tables.stated(review_key(review.post_id))
            await self._publish(review.target, review.post_id, review.card, review.bluesky, facts)
        footer = decision_footer(decision, operator, operator_id, now)
        if review.message_id is not None:
            await self.bot.edit_message_text(
                decided_card(await self.tables.review_text(review), footer),
                chat_id=chat_id(review.chat_id),
                message_id=review.message_id,
                reply_markup=None,
            )
        done = "Approved and published." if decision == APPROVE else "Rejected."
        return Decided(Outcome.DONE, done)

    async def _publish(
        self,
        target: str,
        post_id: str,
        card: str,
        thread: Sequence[BlueskyPost],
        facts: Stated | None,
    ) -> None:
        """Publish an approved review; it states what the review stated when it was written."""
        if target == CHANNEL:
            await self._to_channel(post_id, card, facts)
            return
        if self.deps.bluesky is None:
            raise RuntimeError("a Bluesky review was approved but no Bluesky publisher is set")
        await self.deps.bluesky.reply(target, thread, facts)

    async def offer_corrections(self, version: str, text: str) -> int | None:
        """Offer the operators (the review chat) the corrections a new corpus calls for, with
        an Approve button; once per corpus version. `text` is plain text; escaped here."""
        chat = self.deps.config.review_chat
        if not chat:
            return None
        key = f"{OFFER}:{version[:16]}"
        return await self._once(OFFER, key, chat, alert_text(text, CORRECTIONS_HEADING))
