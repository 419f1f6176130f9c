"""The bot's handlers, registered with one `register(app, deps)`.

Private chats: /start, /help, /about, /check <text or bsky.app post URL>, plain text
(treated as /check), and a photo (a quote card or a screenshot; its caption is the context),
each check limited per user. The review chat: Approve / Reject presses,
honoured only from `telegram.operators`. One error handler logs and tells the review chat."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import regex
from telegram import CallbackQuery, Message, Update, User
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.domain import CheckResult, Corpus, Post
from bot.limits import BUSY_NOTICE, Admit, Limits, limit_notice
from bot.logs import Redact, secrets_from
from bot.ports import ResolveError
from bot.telegram.app import TelegramApp
from bot.telegram.cards import brief, channel_card, esc, fit, footer
from bot.telegram.deps import TelegramDeps
from bot.telegram.photos import photo_post
from bot.telegram.publish import CALLBACK, CORRECTIONS_CALLBACK, TelegramOutlet, chat_id

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
_CHECK = regex.compile(r"^/check(?:@\w+)?\s*")  # a photo's caption may start with /check
BSKY_POST = regex.compile(r"^https://bsky\.app/profile/[^/\s]+/post/[A-Za-z0-9]+/?$")


def help_text(corpus: Corpus) -> str:
    """/start and /help: what to send, for the corpus's speakers (speakers.toml)."""
    names = [s.name for s in corpus.speakers]
    who = " or ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " or " + names[-1]
    return (
        f"Send me a quote attributed to {esc(who) or 'a speaker I cover'}, or a Bluesky post's "
        "link, and I answer with the closest verified wording: where and when it was said, the "
        "source, how sure that wording is (the speaker's words from a recording or their own "
        "post, a reporter's quote, a translation), and what the post changed.\n\n"
        "/check <i>text</i> — check a quote (plain text works too)\n"
        "/check <i>https://bsky.app/profile/…/post/…</i> — check a Bluesky post\n"
        "A photo of a quote card or a screenshot — I read its text (the caption is context)\n"
        "/about — what I know and my limits"
    )


def about_text(corpus: Corpus, per_hour: int) -> str:
    speakers = ", ".join(s.name for s in corpus.speakers) or "nobody yet"
    limit = f" You can ask for {per_hour} checks an hour." if per_hour > 0 else ""
    return (
        "<b>factbot</b> answers viral paraphrases with the closest verified wording, and says "
        "how sure it is.\n\n"
        f"I know {len(corpus.events)} verified events "
        f"({sum(len(e.sentences) for e in corpus.events)} sentences) of: {esc(speakers)}.\n\n"
        "<b>Limits.</b> I only know what is in my verified corpus: when I find nothing, that "
        "does not mean a quote is false, only that I can't vouch for it. Matching is automatic "
        "and can be wrong; borderline matches are checked by an operator before I publish "
        f"them.{limit}"
    )


async def operator(query: CallbackQuery, deps: TelegramDeps, what: str) -> User | None:
    """Who pressed a button, when they are one of `[telegram] operators`; anyone else is told
    that only operators can do `what`, and gets None."""
    if query.from_user.id in deps.config.operators:
        return query.from_user
    await query.answer(f"Only operators can {what}.", show_alert=True)
    return None


async def decided(query: CallbackQuery, footer_html: str) -> None:
    """The pressed message, its buttons gone, with who decided what on top."""
    message = query.message
    if isinstance(message, Message) and message.text:
        await message.edit_text(fit([footer_html], message.text_html, []), reply_markup=None)


class Handlers:
    def __init__(self, deps: TelegramDeps, outlet: TelegramOutlet) -> None:
        self.deps, self.outlet = deps, outlet
        self.limits = Limits(deps.store, "telegram", deps.config.checks_per_hour, deps.budget)

    async def start(self, update: Update, context: Context) -> None:
        if update.effective_message:
            await update.effective_message.reply_text(help_text(self.deps.checker.corpus))

    async def about(self, update: Update, context: Context) -> None:
        if update.effective_message:
            text = about_text(self.deps.checker.corpus, self.deps.config.checks_per_hour)
            await update.effective_message.reply_text(text)

    async def check_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        parts = message.text.split(maxsplit=1)
        await self._check(message, parts[1].strip() if len(parts) > 1 else "")

    async def check_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await self._check(message, message.text.strip())

    async def check_photo(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None and message.photo and self.deps.images is not None:
            caption = _CHECK.sub("", (message.caption or "").strip())
            await self._check(message, caption, photo=True)

    async def _check(self, message: Message, text: str, photo: bool = False) -> None:
        if not text and not photo:
            await message.reply_text("Send /check followed by the quote or a bsky.app link.")
            return
        user = message.from_user.id if message.from_user else message.chat.id
        request = f"telegram:{message.chat.id}:{message.message_id}"
        admit = await self.limits.admit(str(user), request, self.deps.clock())
        if admit is Admit.NOTICE:
            await message.reply_text(esc(limit_notice(self.deps.config.checks_per_hour)))
        elif admit is Admit.BUSY:
            await message.reply_text(esc(BUSY_NOTICE))
        if admit is not Admit.YES:
            return
        if BSKY_POST.match(text):
            await self._check_url(message, text)
            return
        post = Post(
            id=f"telegram:{message.chat.id}:{message.message_id}",
            text=text,
            created_at=message.date,
        )
        if photo and self.deps.images is not None:
            post = await photo_post(message, post, self.deps.images)
            if post.image is None and not text:
                await message.reply_text("I found no quote in this image. Send it as text?")
                return
        result = await self._run(post)
        await message.reply_text(result.reply.telegram)

    async def _check_url(self, message: Message, url: str) -> None:
        resolver = self.deps.resolver
        if resolver is None:
            await message.reply_text("I can't read Bluesky links right now; paste the text.")
            return
        try:
            post = await resolver.resolve(url)
        except ResolveError as exc:
            await message.reply_text(esc(f"I could not read that post: {brief(str(exc), 200)}"))
            return
        result = await self._run(post)
        await message.reply_text(channel_card(result))

    async def _run(self, post: Post) -> CheckResult:
        """The pipeline is CPU-bound: it runs on a worker thread, never on the event loop."""
        return await asyncio.to_thread(self.deps.checker.check, post)

    async def press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        user = await operator(query, self.deps, "decide reviews")
        if user is None:
            return
        match = regex.match(CALLBACK, query.data)
        if match is None:
            await query.answer("Unknown button.")
            return
        decided = await self.outlet.decide(
            int(match[2]), str(match[1]), user.id, user.full_name or str(user.id)
        )
        await query.answer(decided.text)

    async def press_corrections(self, update: Update, context: Context) -> None:
        """Approve on an offer of corrections (after a corpus reload): operators only; applies
        every pending correction (the same code path as `factbot corrections --apply`)."""
        query = update.callback_query
        if query is None:
            return
        user = await operator(query, self.deps, "apply corrections")
        if user is None:
            return
        if self.outlet.corrections is None:
            await query.answer("Corrections cannot be applied by this bot.", show_alert=True)
            return
        done = await self.outlet.corrections()
        await query.answer(brief(done, 200))
        name = user.full_name or str(user.id)
        await decided(query, footer("Approved", name, user.id, self.deps.clock(), done))

    async def error(self, update: object, context: Context) -> None:
        """The one error handler: log it, and tell the operators (briefly, no secrets)."""
        err = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("error while handling update %s", update_id, exc_info=err)
        chat = self.deps.config.review_chat
        if not chat or err is None:
            return
        # Not a log record, so not filtered by the log handler: redacted here, before the cut.
        message = Redact([context.bot.token, *secrets_from(os.environ)]).redact(str(err))
        text = (
            f"<b>Error</b> while handling update {update_id}: "
            f"<code>{esc(type(err).__name__)}: {esc(brief(message, 300))}</code>"
        )
        try:
            await context.bot.send_message(chat_id(chat), text)
        except Exception:
            log.exception("could not tell the review chat about the error")


def register(app: TelegramApp, deps: TelegramDeps) -> TelegramOutlet:
    """Add every handler to `app`; the outlet is what feed watchers hand results to."""
    outlet = TelegramOutlet(app.bot, deps)
    h = Handlers(deps, outlet)
    private = filters.ChatType.PRIVATE
    handlers: list[Any] = [
        CommandHandler(["start", "help"], h.start, filters=private),
        CommandHandler("about", h.about, filters=private),
        CommandHandler("check", h.check_command, filters=private),
        MessageHandler(filters.TEXT & ~filters.COMMAND & private, h.check_text),
        MessageHandler(filters.PHOTO & private, h.check_photo),
        CallbackQueryHandler(h.press, pattern=CALLBACK),
        CallbackQueryHandler(h.press_corrections, pattern=CORRECTIONS_CALLBACK),
    ]
    app.add_handlers(handlers)
    app.add_error_handler(h.error)
    return outlet
