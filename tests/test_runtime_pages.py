"""The live bot serves the check pages: `factbot run` with Telegram (the local Bot API
emulator), a /check of the seed post, then its page, the index and the feed from the bot's own
HTTP server (the one with /healthz), the page needing no token while /healthz does; the
Telegram answer links the page."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import httpx
import pytest
from conftest import PAGES_BASE
from factories import SEED_TEXT
from runtime_support import free_port
from telegram_emulator import CHANNEL, REVIEW_CHAT, BotApiEmulator

from bot.config import Config, OpsConfig, ScheduleConfig, StoreConfig, TelegramConfig
from bot.models.vectors import Embedder
from bot.runtime.service import Credentials, Runtime

pytestmark = [pytest.mark.telegram, pytest.mark.filterwarnings("ignore:.*retry_after.*")]
USER = 7001


async def test_live_bot_serves_the_page_of_a_check(
    emulator: BotApiEmulator,
    one_post_config: Config,
    embedders: dict[str, Embedder],
    tmp_path: Path,
) -> None:
    cfg = dataclasses.replace(
        one_post_config,
        store=StoreConfig(tmp_path / "factbot.db"),
        telegram=TelegramConfig(
            channel=CHANNEL, review_chat=str(REVIEW_CHAT), operators=(42,),
            base_url=emulator.base_url,
        ),
        schedule=ScheduleConfig(corpus_seconds=3600, outbox_seconds=0.5),
        ops=OpsConfig(port=free_port()),
    )  # fmt: skip
    creds = Credentials(telegram=emulator.token, ops_token="s3cret")  # noqa: S106
    runtime = Runtime(cfg, creds, embedders=embedders)
    task = asyncio.create_task(runtime.run())
    await asyncio.wait_for(runtime.ready.wait(), 60)
    try:
        emulator.push_text(USER, "/check " + SEED_TEXT)
        await emulator.wait_for(lambda: bool(emulator.sent("sendMessage", chat_id=USER)))
        (answer,) = emulator.sent("sendMessage", chat_id=USER)
        links = [p for p in answer["text"].split('"') if p.startswith(PAGES_BASE)]
        assert 1 == len(links)
        pid = links[0].removeprefix(f"{PAGES_BASE}/checks/").removesuffix(".html")
        async with httpx.AsyncClient(base_url=runtime.url) as http:
            for _ in range(100):  # the audit row is written off the loop, after the answer
                page = await http.get(f"/checks/{pid}.html")
                if page.status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert 200 == page.status_code
            assert "Not recent" not in page.text  # the page words it its own way
            assert "The post places it at “Davos”" in page.text
            assert '"@type": "ClaimReview"' in page.text
            index = await http.get("/checks/")
            assert f'href="{pid}.html"' in index.text
            assert 200 == (await http.get("/checks/feed.atom")).status_code
            assert 401 == (await http.get("/healthz")).status_code
    finally:
        runtime.stop()
        assert 0 == await asyncio.wait_for(task, 30)
