"""`factbot run` live with Telegram only, in-process, against the local Bot API emulator (real
python-telegram-bot HTTP, real SQLite file, real models): a channel card a crash left pending is
sent once at start, /check is answered through polling, a refused corpus edit reaches the
operators' chat once, the digest goes to the channel once a day, /healthz pings Telegram, and
the bot stops cleanly."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from conftest import ROOT
from runtime_support import free_port
from telegram_emulator import CHANNEL, REVIEW_CHAT, BotApiEmulator, parse_html

from bot.config import (
    Config,
    CorpusConfig,
    OpsConfig,
    ScheduleConfig,
    StoreConfig,
    TelegramConfig,
)
from bot.models.vectors import Embedder
from bot.runtime.credentials import Credentials
from bot.runtime.service import Runtime
from bot.telegram import TelegramStore

pytestmark = [pytest.mark.telegram, pytest.mark.filterwarnings("ignore:.*retry_after.*")]

OPERATOR, USER = 42, 7001


def texts(emu: BotApiEmulator, chat: int | str) -> list[str]:
    return [parse_html(str(p["text"]))[0] for p in emu.sent("sendMessage", chat_id=chat)]


async def test_live_telegram_bot(
    emulator: BotApiEmulator,
    config: Config,
    embedders: dict[str, Embedder],
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    cfg = dataclasses.replace(
        config,
        corpus=CorpusConfig(corpus),
        store=StoreConfig(tmp_path / "factbot.db"),
        telegram=TelegramConfig(
            channel=CHANNEL,
            review_chat=str(REVIEW_CHAT),
            operators=(OPERATOR,),
            base_url=emulator.base_url,
        ),
        schedule=ScheduleConfig(corpus_seconds=0.2, outbox_seconds=0.5, digest_at="06:00"),
        ops=OpsConfig(port=free_port()),
    )
    # What a crash between the claim and the send leaves behind: a card written, never sent.
    store = TelegramStore(cfg.store.path)
    card = "<b>Verified</b>: left pending by a crash"
    assert card == await store.claim_publication("post-1", CHANNEL, card, datetime.now(UTC))
    store.close()

    runtime = Runtime(cfg, Credentials(telegram=emulator.token), embedders=embedders)
    task = asyncio.create_task(runtime.run())
    await asyncio.wait_for(runtime.ready.wait(), 60)
    assert ["Verified: left pending by a crash"] == texts(emulator, CHANNEL)

    emulator.push_text(USER, "/check LeCun at Davos: the best open source models come from China")
    await emulator.wait_for(lambda: bool(emulator.sent("sendMessage", chat_id=USER)))
    assert "ai-PULSE" in texts(emulator, USER)[0]

    async with httpx.AsyncClient(base_url=runtime.url) as http:
        health = (await http.get("/healthz")).json()
    assert {"store", "audit", "model", "telegram"} == set(health["checks"])
    assert health["checks"]["telegram"]["ok"]

    event = corpus / "ai-pulse-2025.toml"
    event.write_text(event.read_text("utf-8").replace("2025-12-04", "2025-13-04"), "utf-8")
    await emulator.wait_for(lambda: bool(emulator.sent("sendMessage", chat_id=REVIEW_CHAT)))
    await asyncio.sleep(0.6)  # a few more corpus checks: the same bad files alert once
    (alert,) = texts(emulator, REVIEW_CHAT)
    assert "refused" in alert and "ai-pulse-2025.toml" in alert

    assert runtime.jobs is not None
    job = runtime.jobs.scheduler.get_job("digest")
    assert (6, 0) == (job.next_run_time.hour, job.next_run_time.minute)
    first = await runtime.digest()
    assert first is not None and await runtime.digest() is None  # once a day
    assert texts(emulator, CHANNEL)[-1].startswith("factbot, ")

    runtime.stop()
    assert 0 == await asyncio.wait_for(task, 30)
    assert 2 == len(texts(emulator, CHANNEL))  # the card and the digest, nothing twice
