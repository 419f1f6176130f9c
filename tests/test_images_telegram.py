"""A photo sent to the bot in a private chat, through python-telegram-bot's real HTTP stack
against the Bot API emulator (getFile, then the file's download), read by the real Tesseract
and checked by the real pipeline: a quote card gets the card; an oversized photo and a photo
with no quote are answered without OCR crashing anything."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import DATA
from telegram import Update
from telegram_emulator import BotApiEmulator, parse_html

from bot.config import ImagesConfig, TelegramConfig
from bot.images.ocr import Tesseract
from bot.images.reader import ImageReader
from bot.images.seen import SeenImages
from bot.pipeline import Checker
from bot.store import Store
from bot.telegram import TelegramDeps, TelegramStore, announce, build_application, register
from bot.telegram.app import file_url

pytestmark = [pytest.mark.telegram, pytest.mark.filterwarnings("ignore:.*retry_after.*")]

USER = 501
IMAGES = DATA / "images"


@pytest.fixture
async def emu(
    emulator: BotApiEmulator, checker: Checker, tmp_path: Path
) -> AsyncIterator[BotApiEmulator]:
    db = tmp_path / "factbot.db"
    Store(db).close()
    config = TelegramConfig(base_url=emulator.base_url, checks_per_hour=10, backoff_seconds=0.01)
    app = build_application(config, token=emulator.token)
    store = TelegramStore(db)
    reader = ImageReader(Tesseract(), SeenImages(db), ImagesConfig(max_bytes=2_000_000))
    register(app, TelegramDeps(checker, store, config, images=reader))
    await app.initialize()
    await announce(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=timedelta(seconds=1), allowed_updates=Update.ALL_TYPES)
    yield emulator
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    store.close()


async def answer(emu: BotApiEmulator, data: bytes, caption: str = "", **kw: int) -> str:
    before = len(emu.sent("sendMessage", chat_id=USER))
    emu.push_photo(USER, data, caption, **kw)
    await emu.wait_for(lambda: len(emu.sent("sendMessage", chat_id=USER)) > before, within=120)
    return parse_html(str(emu.sent("sendMessage", chat_id=USER)[before]["text"]))[0]


def test_the_file_url_is_the_bot_apis() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


async def test_a_quote_card_photo_with_check_gets_the_verified_wording(
    emu: BotApiEmulator,
) -> None:
    text = await answer(emu, (IMAGES / "card-L001.png").read_bytes(), "/check LeCun at Davos?")
    assert "So the best open source models at the moment in the LLM world are all Chinese" in text
    assert "ai-PULSE" in text and "Davos" in text
    assert "The words I checked are the image's, as I read them (OCR)." in text
    assert emu.sent("getFile")  # fetched through the Bot API's getFile


async def test_an_oversized_photo_or_one_without_a_quote_is_answered_plainly(
    emu: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    big = await answer(emu, (IMAGES / "card-L002.png").read_bytes(), declared_size=50_000_000)
    assert big == "I found no quote in this image. Send it as text?"
    assert "more than [images] max_bytes" in caplog.text
    assert not emu.sent("getFile")  # refused from its declared size: never downloaded
    none = await answer(emu, (IMAGES / "none-1.png").read_bytes())
    assert none == "I found no quote in this image. Send it as text?"
    junk = await answer(emu, b"not an image at all")
    assert junk == "I found no quote in this image. Send it as text?"
    assert "not a readable image" in caplog.text
