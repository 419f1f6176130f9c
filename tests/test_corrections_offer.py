"""The live bot offers corrections after a corpus reload (Telegram only, in-process, against
the Bot API emulator, real models, one real SQLite file): a channel card and a pending review
stated the seed event's date; the corpus is edited while the bot runs; the reload sends the
operators one message with an Approve button; a non-operator's press changes nothing; the
operator's press edits the card and the review once each (the review keeps its buttons); a
second press does nothing. Approving the review afterwards publishes a card that states what
the review stated, and that card is the next correction due."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, SEED_TEXT
from factories import make_post
from runtime_support import free_port
from telegram_emulator import CHANNEL, CHANNEL_ID, REVIEW_CHAT, BotApiEmulator

from bot.compose import human_date
from bot.config import Config, CorpusConfig, OpsConfig, ScheduleConfig, StoreConfig, TelegramConfig
from bot.models.vectors import Embedder
from bot.pipeline import Checker
from bot.runtime.credentials import Credentials
from bot.runtime.service import Runtime
from bot.telegram import TelegramDeps, TelegramOutlet, TelegramStore, build_application

pytestmark = [pytest.mark.telegram, pytest.mark.filterwarnings("ignore:.*retry_after.*")]

OPERATOR, STRANGER = 42, 7001


def buttons(emu: BotApiEmulator, chat: int, message_id: int) -> dict[str, str]:
    markup = emu.messages[(chat, message_id)].get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def test_a_reload_offers_corrections_and_an_operator_applies_them(
    emulator: BotApiEmulator,
    config: Config,
    embedders: dict[str, Embedder],
    checker: Checker,
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    telegram = TelegramConfig(
        channel=CHANNEL,
        review_chat=str(REVIEW_CHAT),
        operators=(OPERATOR,),
        base_url=emulator.base_url,
    )
    cfg = dataclasses.replace(
        config,
        corpus=CorpusConfig(corpus),
        store=StoreConfig(tmp_path / "factbot.db"),
        telegram=telegram,
        schedule=ScheduleConfig(corpus_seconds=0.2, outbox_seconds=0.5),
        ops=OpsConfig(port=free_port()),
    )
    # Published before this run: a channel card, and a review still waiting for a decision.
    seed = checker.check(make_post(SEED_TEXT, id="at://viral/seed"))
    short = checker.check(make_post("LeCun: 'Anthropic never was.'", id="at://short/1"))
    assert seed.match is not None and short.match is not None
    assert ("match", "review") == (seed.verdict, short.verdict)
    assert seed.match.event_id == short.match.event_id
    app = build_application(telegram, token=emulator.token)
    await app.initialize()
    store = TelegramStore(cfg.store.path)
    outlet = TelegramOutlet(app.bot, TelegramDeps(checker, store, telegram))
    card = await outlet.publish_card(seed)
    review_id = await outlet.submit_review(short)
    assert card is not None and review_id is not None
    review = await store.review(review_id)
    assert review is not None and review.message_id is not None
    await app.shutdown()
    store.close()

    runtime = Runtime(cfg, Credentials(telegram=emulator.token), embedders=embedders)
    task = asyncio.create_task(runtime.run())
    await asyncio.wait_for(runtime.ready.wait(), 60)
    offers_before = len(emulator.sent("sendMessage", chat_id=REVIEW_CHAT))

    event = checker.corpus.event(seed.match.event_id)
    new_day = date.fromordinal(event.date.toordinal() + 1)
    path = corpus / Path(event.path).name
    text = path.read_text("utf-8")
    path.write_text(text.replace(f"date = {event.date}", f"date = {new_day}", 1), "utf-8")
    await emulator.wait_for(
        lambda: len(emulator.sent("sendMessage", chat_id=REVIEW_CHAT)) > offers_before
    )
    await asyncio.sleep(0.6)  # a few more corpus checks: one offer per corpus version
    offers = emulator.sent("sendMessage", chat_id=REVIEW_CHAT)[offers_before:]
    assert 1 == len(offers)
    offer_id = max(m for chat, m in emulator.messages if chat == REVIEW_CHAT)
    offer = emulator.messages[(REVIEW_CHAT, offer_id)]
    assert offer["text"].startswith("Corrections")
    assert "telegram card at://viral/seed: date:" in offer["text"]
    assert f"telegram review {review_id}: date:" in offer["text"]
    (data,) = buttons(emulator, REVIEW_CHAT, offer_id).values()

    emulator.push_press(STRANGER, REVIEW_CHAT, offer_id, data)
    await emulator.wait_for(lambda: bool(emulator.sent("answerCallbackQuery")))
    (refused,) = emulator.sent("answerCallbackQuery")
    assert "Only operators can apply corrections." == refused["text"]
    assert [] == emulator.sent("editMessageText")

    emulator.push_press(OPERATOR, REVIEW_CHAT, offer_id, data)
    await emulator.wait_for(
        lambda: "Approved by" in emulator.messages[(REVIEW_CHAT, offer_id)]["text"]
    )
    assert "2 published output(s) corrected." == emulator.sent("answerCallbackQuery")[1]["text"]
    line = f"date was {human_date(event.date)}, is {human_date(new_day)}"
    card_text = emulator.messages[(CHANNEL_ID, card)]["text"]
    review_message = emulator.messages[(REVIEW_CHAT, review.message_id)]
    assert 1 == card_text.count(line) and 1 == review_message["text"].count(line)
    assert {"Approve", "Reject"} == set(buttons(emulator, REVIEW_CHAT, review.message_id))
    assert {} == buttons(emulator, REVIEW_CHAT, offer_id)
    edited = sorted(e["message_id"] for e in emulator.sent("editMessageText"))
    assert sorted([card, review.message_id, offer_id]) == edited

    emulator.push_press(OPERATOR, REVIEW_CHAT, offer_id, data)  # a stale button, pressed again
    await emulator.wait_for(lambda: len(emulator.sent("answerCallbackQuery")) == 3)
    assert "Nothing to correct." == emulator.sent("answerCallbackQuery")[2]["text"]
    assert 3 == len(emulator.sent("editMessageText"))

    # The review approved now: its decided text keeps the correction; the card it publishes
    # states what the review stated, so it is the next correction due.
    approve = buttons(emulator, REVIEW_CHAT, review.message_id)["Approve"]
    emulator.push_press(OPERATOR, REVIEW_CHAT, review.message_id, approve)
    await emulator.wait_for(
        lambda: emulator.messages[(REVIEW_CHAT, review.message_id)]["text"].startswith("Approved")
    )
    decided = emulator.messages[(REVIEW_CHAT, review.message_id)]["text"]
    assert 1 == decided.count(line)
    assert runtime.corrections is not None and runtime.live is not None
    (due,) = await runtime.corrections.find(runtime.live.corpus)
    assert ("telegram", "card", "at://short/1") == (
        due.output.platform,
        due.output.kind,
        due.output.id,
    )

    runtime.stop()
    assert 0 == await asyncio.wait_for(task, 30)
