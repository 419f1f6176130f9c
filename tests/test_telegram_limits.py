"""The abuse bounds of the Telegram adapter through python-telegram-bot's real HTTP stack against
the Bot API emulator: the per-user limit survives a restart, and the global budget of answers
(shared with Bluesky, `[limits]`) tells a user once that the bot is busy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import Update
from telegram_emulator import CHANNEL, REVIEW_CHAT, BotApiEmulator
from test_telegram import MAY_12, OPERATOR, USER, reply_to, visible

from bot.config import LimitsConfig, TelegramConfig
from bot.limits import BUSY_NOTICE, Admit, Limits
from bot.pipeline import Checker
from bot.telegram import TelegramDeps, TelegramStore, build_application, register

pytestmark = [
    pytest.mark.telegram,
    pytest.mark.filterwarnings("ignore:.*retry_after.*"),
]


@asynccontextmanager
async def running(
    emulator: BotApiEmulator, checker: Checker, db: Path, per_hour: int, budget: LimitsConfig
) -> AsyncIterator[TelegramStore]:
    """The Telegram bot as `main()` runs it, polling the emulator, its tables in `db`."""
    config = TelegramConfig(
        channel=CHANNEL,
        review_chat=str(REVIEW_CHAT),
        operators=(OPERATOR,),
        base_url=emulator.base_url,
        checks_per_hour=per_hour,
        backoff_seconds=0.01,
    )
    app = build_application(config, token=emulator.token)
    store = TelegramStore(db)
    register(app, TelegramDeps(checker, store, config, budget=budget))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=timedelta(seconds=1), allowed_updates=Update.ALL_TYPES)
    try:
        yield store
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        store.close()


NO_BUDGET = LimitsConfig(answers_per_hour=0, answers_per_day=0)


async def test_a_restart_does_not_forgive_the_per_user_limit(
    emulator: BotApiEmulator, checker: Checker, tmp_path: Path
) -> None:
    """checks_per_hour = 1: the user's first check is answered; after a restart (a new
    application and store on the same file) the next gets the notice, not an answer."""
    db = tmp_path / "factbot.db"
    async with running(emulator, checker, db, 1, NO_BUDGET):
        first = await reply_to(emulator, USER, "hello number 1")
        assert "could not find" in visible(first)
    async with running(emulator, checker, db, 1, NO_BUDGET):
        second = await reply_to(emulator, USER, "hello number 2")
        assert visible(second).startswith("You have reached the limit of 1 checks an hour.")


async def test_the_global_budget_tells_each_user_once_that_the_bot_is_busy(
    emulator: BotApiEmulator, checker: Checker, tmp_path: Path
) -> None:
    """answers_per_hour = 2, counted over every account and platform (one answer already
    went to a Bluesky account): one Telegram user is answered, the next is told once that the
    bot is busy, then silence; its own per-user limit (5) is far away."""
    db = tmp_path / "factbot.db"
    budget = LimitsConfig(answers_per_hour=2, answers_per_day=0)
    async with running(emulator, checker, db, 5, budget) as store:
        bluesky = Limits(store, "bluesky", 10, budget)
        assert Admit.YES == await bluesky.admit("did:plc:someone", "at://m/1", datetime.now(UTC))
        answered = await reply_to(emulator, USER, "hello")
        assert "could not find" in visible(answered)
        for n in range(3):
            emulator.push_text(USER + 1, f"hello number {n}", date=MAY_12)
        last = await reply_to(emulator, USER + 2, "and me?")
        assert BUSY_NOTICE == visible(last)
        texts = [visible(p) for p in emulator.sent("sendMessage", chat_id=USER + 1)]
        assert [BUSY_NOTICE] == texts
