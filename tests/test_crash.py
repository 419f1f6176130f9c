"""Crash safety: `factbot run` as a subprocess (the real CLI, the real models) answers 200
mentions on the local AT Protocol network while it is SIGKILLed at random points — during
start-up and mid-work — and restarted each time, and once stopped with SIGTERM mid-work (exit 0,
work in flight parked); the last run is stopped with SIGTERM and must exit 0. Every mention must
end with exactly one complete reply chain: no duplicate, no miss.

The random points come from a seed printed with the figures (`pytest -s`); FACTBOT_CRASH_SEED
replays one."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from atp_network import DEFAULT_PASSWORD, AtpNetwork, wait_for
from atproto import AsyncClient
from reply_audit import audit, bot_posts
from runtime_support import await_mentions, free_port

from bot.config import PROJECT_ROOT, Config
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto

MENTIONS = 200
# How each run but the last ends: SIGKILL at a random moment of start-up ("early"), SIGKILL at a
# random moment mid-work ("kill"), SIGTERM mid-work ("term": must exit 0 and park what is left).
PLAN = ("early", "kill", "kill", "kill", "term", "early", "kill")


def write_config(path: Path, config: Config, pds_url: str) -> None:
    """A config file as an operator would write one (only the keys that differ)."""
    path.write_text(
        f"""
[store]
path = "factbot.db"

[model]
cache_dir = "{config.model.cache_dir}"

[bluesky]
service_url = "{pds_url}"
session_file = "bluesky.session"
backoff_seconds = 0.05
checks_per_hour = 0
notifications_limit = 100

[reply]
# the replies the test expects are the session checker's (`config`): the thread
bluesky_max_posts = {config.reply.bluesky_max_posts}

[schedule]
mentions_seconds = 0.3
outbox_seconds = 1.0
corpus_seconds = 3600.0
refresh_seconds = 3600.0
stop_seconds = 2.0

[ops]
port = {free_port()}
""",
        encoding="utf-8",
    )


def start_bot(
    config: Path, handle: str, log: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env |= {"BLUESKY_HANDLE": handle, "BLUESKY_APP_PASSWORD": DEFAULT_PASSWORD}
    env |= extra or {}
    env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(config), "-v", "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def crash_seed() -> tuple[int, random.Random]:
    """The seed of the random points (FACTBOT_CRASH_SEED replays one) and its generator."""
    seed = int(os.environ.get("FACTBOT_CRASH_SEED", time.time_ns() % 1_000_000))
    return seed, random.Random(seed)  # noqa: S311 - when to kill, not a secret


async def one_run(
    how: str,
    rng: random.Random,
    start: Callable[[], subprocess.Popen[bytes]],
    mid_work: Callable[[], Awaitable[object]],
    later: float = 3.0,
) -> int:
    """One run of the bot (`start()`) ended as `how` says: SIGKILL at a random moment of
    start-up ("early"); or once `mid_work()` returns, a random moment up to `later` seconds
    after, SIGKILL ("kill") or SIGTERM ("term"). The exit code."""
    proc = start()
    try:
        if how == "early":  # anywhere in start-up: imports, models, login, reconcile, polls
            await asyncio.sleep(rng.uniform(0.5, 6.0))
        else:  # past the model load and into the work, then a random moment later
            await mid_work()
            await asyncio.sleep(rng.uniform(0.0, later))
    finally:
        proc.send_signal(signal.SIGTERM if how == "term" else signal.SIGKILL)
        code = await asyncio.to_thread(proc.wait, 60)
    return code


async def test_sigkill_at_random_points_never_duplicates_or_loses_a_reply(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    config: Config,
    checker: Checker,
    tmp_path: Path,
) -> None:
    seed, rng = crash_seed()
    bot, users = bot_and_users
    bot_did, bot_handle = bot
    expected = await await_mentions(users, bot, checker, MENTIONS)
    cfg = tmp_path / "config.toml"
    write_config(cfg, config, atp_network.pds_url)
    log = tmp_path / "bot.log"

    async def written() -> int:
        return len(await bot_posts(users[0], bot_did))

    kills = early = terms = 0
    per_run: list[int] = []
    for how in PLAN:
        before = await written()
        code = await one_run(
            how,
            rng,
            lambda: start_bot(cfg, bot_handle, log),
            lambda b=before: wait_for(lambda: _more(written, b), timeout=120, interval=0.1),
        )
        if how == "term":
            assert 0 == code, log.read_text(encoding="utf-8")[-3000:]  # a clean stop mid-work
            terms += 1
        else:
            kills, early = kills + 1, early + (how == "early")
        per_run.append(await written() - before)
        if audit(expected, await bot_posts(users[0], bot_did)).misses == 0:
            break  # everything answered already: no mid-work point left

    before = await written()
    bot = start_bot(cfg, bot_handle, log)
    try:

        async def finished() -> bool:
            return audit(expected, await bot_posts(users[0], bot_did)).misses == 0

        await wait_for(finished, timeout=300, interval=0.5)
    finally:
        bot.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(bot.wait, 60)
    per_run.append(await written() - before)
    final = audit(expected, await bot_posts(users[0], bot_did))
    print(  # noqa: T201 - the figures for the closing note (pytest -s)
        f"\ncrash test (seed {seed}): {kills} SIGKILLs ({early} during start-up), {terms} "
        f"SIGTERM mid-work, then SIGTERM at the end; posts written per run {per_run}; "
        f"{final.mentions} mentions, {final.answered} answered, {final.duplicates} duplicates, "
        f"{final.misses} misses, {final.posts} reply posts (expected "
        f"{sum(expected.values())})"
    )
    assert kills - early >= 3, f"only {kills - early} kills landed mid-work"
    assert (MENTIONS, 0, 0) == (final.answered, final.duplicates, final.misses)
    assert sum(expected.values()) == final.posts
    assert 0 == code, log.read_text(encoding="utf-8")[-3000:]
    assert "stopped cleanly" in log.read_text(encoding="utf-8")


async def _more(written: Any, before: int) -> bool:
    return bool(await written() > before)
