"""Sending: the channel card (once per post, ever), the operators' review, their decision.

`TelegramOutlet.hand_over(result)` is what the feed watchers call: a `match` becomes a channel
card, a `review` waits for an operator, a `no_match` is dropped. A review that came from a
Bluesky mention is published, on approval, through the `BlueskyPublisher` port."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import BlueskyPost, CheckResult
from bot.telegram.cards import channel_card, decided_card, decision_footer, review_card
from bot.telegram.ports import TelegramDeps
from bot.telegram.store import thread_to_json

log = logging.getLogger(__name__)

CHANNEL = "channel"
APPROVE, REJECT = "approve", "reject"
CALLBACK = r"^review:(approve|reject):(\d+)$"


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
        return await self._to_channel(result.post.id, channel_card(result))

    async def _to_channel(self, post_id: str, card: str) -> int | None:
        channel = self.deps.config.channel
        if not channel:
            return None
        if not await self.deps.store.claim_publication(post_id, channel, self.deps.clock()):
            log.info("post %s already published to the channel", post_id)
            return None
        try:
            message = await self.bot.send_message(chat_id(channel), card)
        except Exception:
            await self.deps.store.release_publication(post_id)
            raise
        await self.deps.store.mark_published(post_id, message.message_id)
        return message.message_id

    async def submit_review(self, result: CheckResult, target: str = CHANNEL) -> int | None:
        """Send a `review` result to the operators with Approve / Reject; the review's id, or
        None when there is no review chat or this post is already under review."""
        chat = self.deps.config.review_chat
        if not chat:
            return None
        text = review_card(result, target)
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
        message = await self.bot.send_message(
            chat_id(chat), text, reply_markup=review_buttons(review_id)
        )
        await self.deps.store.set_review_message(review_id, message.message_id)
        return review_id

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
            await self._publish(review.target, review.post_id, review.card, review.bluesky)
        footer = decision_footer(decision, operator, operator_id, now)
        if review.message_id is not None:
            await self.bot.edit_message_text(
                decided_card(review.review_html, footer),
                chat_id=chat_id(review.chat_id),
                message_id=review.message_id,
                reply_markup=None,
            )
        done = "Approved and published." if decision == APPROVE else "Rejected."
        return Decided(Outcome.DONE, done)

    async def _publish(
        self, target: str, post_id: str, card: str, thread: Sequence[BlueskyPost]
    ) -> None:
        if target == CHANNEL:
            await self._to_channel(post_id, card)
            return
        if self.deps.bluesky is None:
            raise RuntimeError("a Bluesky review was approved but no Bluesky publisher is set")
        await self.deps.bluesky.reply(target, thread)
