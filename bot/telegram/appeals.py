"""Appeals of factbot's Bluesky labels, in the operators' chat: one message per appeal (through
the outbox, once per appeal id) with Approve (keep) / Retract buttons that only
`[telegram] operators` may press; the decision goes to the labeler through the `LabelDesk` port
(`bot/labels.py`), and the message is edited to say who decided and what was done."""

from __future__ import annotations

import logging

import regex
from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.labels import Appeal
from bot.telegram.app import TelegramApp
from bot.telegram.cards import brief, defang, esc, fit, footer
from bot.telegram.deps import TelegramDeps
from bot.telegram.handlers import Context, decided, operator
from bot.telegram.publish import APPEAL_CALLBACK, TelegramOutlet
from bot.telegram.store import APPEAL

log = logging.getLogger(__name__)
COMMENT_CAP = 500


def appeal_text(appeal: Appeal) -> str:
    """The operators' message: the post, the label and the appellant's words (escaped, cut,
    unclickable)."""
    comment = brief(appeal.comment, COMMENT_CAP) if appeal.comment.strip() else "(no comment)"
    return fit(
        ["<b>Appeal of a label</b>"],
        "\n".join(
            [
                f"Label: <code>{esc(appeal.value)}</code>",
                f"Post: <code>{esc(appeal.subject)}</code>",
                "Appeal: " + defang(esc(comment)),
                "Approve keeps the label; Retract withdraws it.",
            ]
        ),
        [],
    )


class AppealDesk:
    """`bot.labels.AppealSink`, and the buttons' handler."""

    def __init__(self, deps: TelegramDeps, outlet: TelegramOutlet) -> None:
        self.deps, self.outlet = deps, outlet

    async def appeal(self, appeal: Appeal) -> None:
        chat = self.deps.config.review_chat
        if not chat:
            log.warning("appeal %s of %s: no review chat", appeal.id, appeal.subject)
            return
        await self.outlet._once(APPEAL, f"{APPEAL}:{appeal.id}", chat, appeal_text(appeal))

    async def press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        user = await operator(query, self.deps, "decide appeals")
        if user is None:
            return
        match = regex.match(APPEAL_CALLBACK, query.data)
        desk = self.deps.labels
        if match is None or desk is None:
            await query.answer("Appeals cannot be decided by this bot.", show_alert=True)
            return
        name = user.full_name or str(user.id)
        done = await desk.decide_appeal(match[2], match[1] == "keep", f"{name} ({user.id})")
        await query.answer(brief(done, 200))
        await decided(query, footer(done, name, user.id, self.deps.clock()))


def register_appeals(app: TelegramApp, deps: TelegramDeps, outlet: TelegramOutlet) -> AppealDesk:
    desk = AppealDesk(deps, outlet)
    app.add_handler(CallbackQueryHandler(desk.press, pattern=APPEAL_CALLBACK))
    return desk
