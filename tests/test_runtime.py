"""`factbot run` live, in-process, against the local AT Protocol network with the real models:
the scheduler answers mentions, /healthz and /metrics answer on loopback, a pending reply left
by a crash is reconciled at start, the bot stops cleanly; and with 20 % of all HTTP calls
spoiled (timeouts, resets, 5xx, answers lost after the write) every mention is still answered
exactly once and the errors show in /metrics."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from atp_network import AtpNetwork, wait_for
from atproto import AsyncClient
from faults import RandomFaults
from reply_audit import audit, bot_posts
from runtime_support import MATCHING, LiveBot

from bot.config import Config
from bot.models.vectors import Embedder
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto


def metric(text: str, name: str) -> float:
    """The sum of a metric's samples in Prometheus text (every label set)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in (" ", "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def until_answered(
    client: AsyncClient, did: str, expected: dict[str, int], within: float
) -> Any:
    async def done() -> Any:
        got = audit(expected, await bot_posts(client, did))
        return got if got.answered == got.mentions else None

    return await wait_for(done, timeout=within, interval=0.5)


@pytest.fixture
def live(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    config: Config,
    checker: Checker,
    embedders: dict[str, Embedder],
    tmp_path: Path,
) -> LiveBot:
    bot, users = bot_and_users
    return LiveBot(atp_network, bot, users, config, checker, embedders, tmp_path)


async def test_live_bot_answers_mentions_serves_health_and_stops_cleanly(live: LiveBot) -> None:
    cfg = live.runtime_config(firehose=True)
    users, bot_did, tmp_path = live.users, live.did, live.tmp_path
    expected = await live.mentions(6)
    runtime, task = await live.start(cfg)
    answered = await until_answered(users[0], bot_did, expected, within=60)
    assert (answered.duplicates, answered.misses) == (0, 0)

    async with httpx.AsyncClient(base_url=runtime.url) as http:
        health = await http.get("/healthz")
        metrics = (await http.get("/metrics")).text
    assert 200 == health.status_code
    checks = health.json()["checks"]
    assert {"store", "audit", "model", "bluesky"} == set(checks)
    assert all(c["ok"] for c in checks.values())
    assert answered.posts == metric(metrics, "factbot_replies_sent_total")
    assert 3 == metric(metrics, "factbot_posts_matched_total")
    assert 6 <= metric(metrics, "factbot_posts_seen_total")
    assert 1 <= metric(metrics, "factbot_check_seconds_count")

    # The firehose runs beside the jobs: a matching post (no mention) is tracked by its flush
    # job, and never answered.
    viral = await users[1].send_post(MATCHING[0])

    async def tracked() -> bool:
        with sqlite3.connect(f"file:{tmp_path / 'factbot.db'}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT uri FROM bluesky_watched").fetchall()
        return (viral.uri,) in rows

    await wait_for(tracked, timeout=30, interval=0.2)

    runtime.stop()
    assert 0 == await asyncio.wait_for(task, 30)
    assert 1 <= runtime.jobs.runs["prune"] and "prune" not in runtime.jobs.failed  # retention
    # The audit trail has every check, written through the file's single writer.
    with sqlite3.connect(tmp_path / "factbot.db") as db:
        verdicts = dict(db.execute("SELECT verdict, count(*) FROM checks GROUP BY verdict"))
        statuses = dict(db.execute("SELECT status, count(*) FROM bluesky_mentions GROUP BY status"))
        cursor = db.execute("SELECT value FROM bluesky_state WHERE name = 'firehose.cursor'")
        saved = cursor.fetchone()
    assert 4 == verdicts["match"]  # three mentions and the watched post
    assert {"replied": 6} == statuses
    assert saved is not None and int(saved[0]) > 0  # the cursor is saved at stop
    assert viral.uri not in (await bot_posts(users[0], bot_did)).values()  # never answered

    # After the stop the endpoint is gone (a failing dependency's 503 is in the unit tests).
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(base_url=runtime.url) as http:
            await http.get("/healthz")


async def test_every_mention_answered_once_with_a_fifth_of_calls_failing(live: LiveBot) -> None:
    users, bot_did = live.users, live.did
    expected = await live.mentions(30)
    faults = RandomFaults(rate=0.2, seed=20261130)
    runtime, task = await live.start(live.runtime_config(), transport=faults)
    answered = await until_answered(users[0], bot_did, expected, within=120)
    async with httpx.AsyncClient(base_url=runtime.url) as http:
        metrics = (await http.get("/metrics")).text
    runtime.stop()
    assert 0 == await asyncio.wait_for(task, 30)
    assert not task.cancelled()

    final = audit(expected, await bot_posts(users[0], bot_did))
    print(  # noqa: T201 - the figures for the closing note (pytest -s)
        f"\nfault test: {faults.calls} HTTP calls, {sum(faults.injected.values())} spoiled "
        f"{dict(faults.injected)}; {final.mentions} mentions, {final.answered} answered, "
        f"{final.duplicates} duplicates, {final.misses} misses, {final.posts} reply posts; "
        f"errors in /metrics: {metric(metrics, 'factbot_errors_total'):.0f}"
    )
    assert (30, 0, 0) == (final.answered, final.duplicates, final.misses)
    assert answered.posts == final.posts
    injected = sum(faults.injected.values())
    assert injected >= 0.1 * faults.calls  # the faults really were injected
    # Every spoiled call was retried (or failed and was counted): none went unseen.
    assert metric(metrics, "factbot_errors_total") >= injected


async def test_dry_run_prints_the_replies_and_writes_nothing(
    live: LiveBot, capsys: pytest.CaptureFixture[str]
) -> None:
    users, bot_did, tmp_path = live.users, live.did, live.tmp_path
    expected = await live.mentions(2)
    runtime, task = await live.start(live.runtime_config(), dry_run=True)

    out: list[str] = []

    async def printed() -> bool:
        out.append(capsys.readouterr().out)
        return all(f"to {uri}:" in "".join(out) for uri in expected)

    await wait_for(printed, timeout=60, interval=0.2)
    runtime.stop()
    assert 0 == await asyncio.wait_for(task, 30)
    text = "".join(out)
    assert "[dry run] reply 1/" in text and "ai-PULSE" in text
    assert {} == await bot_posts(users[0], bot_did)  # nothing was written
    assert not (tmp_path / "factbot.db").exists()  # state kept in memory only


def test_a_refused_login_is_a_clear_error(atp_network: AtpNetwork, tmp_path: Path) -> None:
    """Wrong Bluesky credentials: one line saying so, exit 1, the password nowhere."""
    (tmp_path / "config.toml").write_text(
        f'[bluesky]\nservice_url = "{atp_network.pds_url}"\n[ops]\nport = 0\n', encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLUESKY_", "TELEGRAM_"))}
    secret = "wrong-password-7f3a"  # noqa: S105 - a wrong password, on purpose
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", "config.toml", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "BLUESKY_HANDLE": "nobody.test", "BLUESKY_APP_PASSWORD": secret},
        timeout=300,
        check=False,
    )
    assert 1 == proc.returncode, proc.stderr
    assert "factbot run: Bluesky refused the login for nobody.test" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert secret not in proc.stderr + proc.stdout
