"""The runtime's parts without a network: the scheduler's jobs (a failing job is counted and
runs again; stop parks a job that will not finish), the corpus reloader (a good edit is loaded
with the models already in memory, a bad one refused with an alert and the old corpus kept),
/metrics and /healthz on loopback, and `factbot run`'s config errors (exit 2)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import ROOT
from runtime_support import free_port

from bot.config import Config, CorpusConfig, ScheduleConfig, StoreConfig
from bot.domain import Post
from bot.models.vectors import Embedder
from bot.pipeline import build_checker
from bot.runtime.checks import LiveChecks
from bot.runtime.health import Health, OpsServer
from bot.runtime.jobs import Jobs
from bot.runtime.metrics import Metrics
from bot.runtime.reload import CorpusReloader
from bot.store import AuditLog

FAST = ScheduleConfig(stop_seconds=0.5, misfire_grace_time=5.0)


async def test_a_failing_job_is_counted_and_runs_again() -> None:
    metrics = Metrics()
    jobs = Jobs(FAST, metrics)
    runs, thrice = 0, asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs == 3:
            thrice.set()
        raise RuntimeError("the PDS said no")

    jobs.every("flaky", 0.05, flaky)
    jobs.start()
    await asyncio.wait_for(thrice.wait(), 10)
    assert 0 == await jobs.stop()
    assert metrics.job_errors["flaky"] >= 3
    assert 'factbot_errors_total{kind="job:flaky"}' in metrics.render().decode()


async def test_a_failing_one_shot_job_is_not_said_to_run_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The replay is a one-shot job: its failure is counted, and the log does not promise a
    next run that never comes."""
    metrics = Metrics()
    jobs = Jobs(FAST, metrics)
    done = asyncio.Event()

    async def replay() -> None:
        done.set()
        raise RuntimeError("the feed broke")

    jobs.once("replay", replay)
    jobs.start()
    await asyncio.wait_for(done.wait(), 10)
    assert 0 == await jobs.stop()
    assert {"replay"} == jobs.failed
    assert "job replay failed; it was to run once and does not run again" in caplog.text
    assert "runs again" not in caplog.text


async def test_stop_waits_for_a_job_in_flight_and_parks_one_that_will_not_finish() -> None:
    jobs = Jobs(FAST, Metrics())
    finished, started = [], asyncio.Event()

    async def quick() -> None:
        started.set()
        await asyncio.sleep(0.1)
        finished.append("quick")

    jobs.every("quick", 60, quick)
    jobs.start()
    await started.wait()
    assert 0 == await jobs.stop()  # finishes within stop_seconds
    assert ["quick"] == finished

    jobs = Jobs(FAST, Metrics())
    started.clear()

    async def stuck() -> None:
        started.set()
        await asyncio.sleep(3600)

    jobs.every("stuck", 60, stuck)
    jobs.start()
    await started.wait()
    assert 1 == await jobs.stop()  # cancelled after stop_seconds: parked
    assert not jobs.running


async def test_overlapping_runs_are_not_started(caplog: pytest.LogCaptureFixture) -> None:
    """max_instances = 1: a slow run is not overlapped by the next one."""
    jobs = Jobs(FAST, Metrics())
    active, most = 0, 0

    async def slow() -> None:
        nonlocal active, most
        active += 1
        most = max(most, active)
        await asyncio.sleep(0.3)
        active -= 1

    jobs.every("slow", 0.05, slow)
    jobs.start()
    await asyncio.sleep(0.8)
    await jobs.stop()
    assert 1 == most
    assert jobs.runs["slow"] >= 2


@pytest.fixture
async def live_corpus(
    tmp_path: Path, config: Config, embedders: dict[str, Embedder]
) -> tuple[Config, LiveChecks, AuditLog]:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    cfg = dataclasses.replace(
        config, corpus=CorpusConfig(corpus), store=StoreConfig(tmp_path / "factbot.db")
    )
    audit = AuditLog(cfg.store.path)
    checker = build_checker(cfg, embedders)
    return cfg, LiveChecks(checker, Metrics(), audit, asyncio.get_running_loop()), audit


async def test_the_live_process_reads_a_large_corpus_cache_into_the_page_cache(
    tmp_path: Path, config: Config, embedders: dict[str, Embedder]
) -> None:
    """Above ann_above a candidate's row is a random read of the cache files: the live checks
    start reading them all into the page cache (a thread), again when the checker is swapped;
    a corpus searched exactly, held in memory, needs none."""
    model = dataclasses.replace(config.model, ann_above=10, cache_dir=tmp_path / "cache")
    cfg = dataclasses.replace(config, model=model, store=StoreConfig(tmp_path / "factbot.db"))
    audit = AuditLog(cfg.store.path)
    live = LiveChecks(build_checker(cfg, embedders), Metrics(), audit, asyncio.get_running_loop())
    files = live.checker.matcher.index.files
    assert len(files) == len(model.embedders) + 1 + 6  # vectors, the index, the columns
    assert all(f.is_relative_to(tmp_path / "cache") for f in files)
    assert live.prefetch is not None and live.prefetch.wait(60)
    assert live.prefetch.bytes == sum(f.stat().st_size for f in files)
    live.swap(build_checker(config, embedders))  # the bundled corpus: exact search
    assert live.prefetch is None
    await live.drain()
    audit.close()


async def test_corpus_edits_are_reloaded_and_a_bad_corpus_is_refused_with_an_alert(
    live_corpus: tuple[Config, LiveChecks, AuditLog],
) -> None:
    cfg, live, audit = live_corpus
    alerts: list[tuple[str, str]] = []

    async def alert(key: str, text: str) -> None:
        alerts.append((key, text))

    reloader = CorpusReloader(cfg, live, alert)
    first = live.corpus.version
    assert "unchanged" == await reloader.check_once()

    event = cfg.corpus.path / "ai-pulse-2025.toml"
    good = event.read_text(encoding="utf-8")
    event.write_text(good.replace("2025-12-04", "2025-13-04"), encoding="utf-8")
    assert "refused" == await reloader.check_once()
    assert first == live.corpus.version  # the old corpus stays
    assert 1 == len(alerts)
    assert "refused" in alerts[0][1]
    assert "\nai-pulse-2025.toml:" in alerts[0][1]  # the file, within the corpus
    assert str(cfg.corpus.path) not in alerts[0][1]  # never the server's paths
    assert str(cfg.corpus.path.parent) not in alerts[0][1]
    assert "unchanged" == await reloader.check_once()  # the same bad files: no second alert
    assert 1 == len(alerts)

    event.write_text(good.replace("Station F", "Station F (Paris)", 1), encoding="utf-8")
    assert "reloaded" == await reloader.check_once()
    assert first != live.corpus.version
    # The new checker answers, with the models that were already loaded.
    result = live.check(Post("p1", "LeCun at Davos: the best open source models come from China"))
    assert result.verdict in ("match", "review")
    await live.drain()
    audit.close()


async def test_metrics_and_health_on_loopback(
    live_corpus: tuple[Config, LiveChecks, AuditLog],
) -> None:
    _, live, audit = live_corpus
    live.check_many(
        [
            Post("a", "Yann LeCun: the best open source AI models right now come from China."),
            Post("b", "Lovely weather in Lyon today"),
        ]
    )
    health = Health(timeout=0.5)
    health.add("store", audit.ping)

    async def hung() -> None:
        await asyncio.sleep(5)

    server = OpsServer(health, live.metrics, "127.0.0.1", free_port())
    url = await server.start()
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            ok = await http.get("/healthz")
            text = (await http.get("/metrics")).text
            health.add("bluesky", hung)
            failing = await http.get("/healthz")
    finally:
        await server.stop()
    assert 200 == ok.status_code and {"store"} == set(ok.json()["checks"])
    assert 503 == failing.status_code
    checks = failing.json()["checks"]
    assert checks["store"]["ok"] and not checks["bluesky"]["ok"]
    assert "no answer within 0.5 s" == checks["bluesky"]["error"]
    assert "factbot_posts_seen_total 2.0" in text
    assert "factbot_posts_gated_total 1.0" in text
    assert "factbot_check_seconds_count 1.0" in text
    await live.drain()
    rows = list(audit.db["checks"].rows)
    assert ["a"] == [
        r["post_id"] for r in rows
    ]  # live, a post the gate turned away is counted only
    audit.close()


def run_cli(tmp_path: Path, config: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BLUESKY_", "TELEGRAM_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", "config.toml", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), **env},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("config", "env", "message"),
    [
        (
            '[schedule]\ndigest_at = "07:30"\n',
            {},
            "missing key [telegram] channel: expected the channel the digest goes to, needed "
            "by [schedule] digest_at = '07:30'",
        ),
        (
            '[telegram]\nchannel = "@factbot"\n',
            {"TELEGRAM_BOT_TOKEN": "123:not-a-real-token"},
            "missing key [telegram] review_chat: expected the operators' chat",
        ),
        (
            "[schedule]\nmentions_seconds = 'often'\n",
            {},
            "[schedule] mentions_seconds = 'often': expected a number",
        ),
        ("[schedule]\nmention_seconds = 15\n", {}, "[schedule] unknown key 'mention_seconds'"),
        (
            "[match]\nmatch = 0.5\nreview = 0.7\n",
            {},
            "[match] review = 0.7: expected review <= match (0.5)",
        ),
        ('[ops]\nlog_format = "xml"\n', {}, "[ops] log_format = 'xml': expected \"text\""),
        (
            '[ops]\nhost = "0.0.0.0"\n',
            {"TELEGRAM_BOT_TOKEN": "123:not-a-real-token"},
            "[ops] host = '0.0.0.0' is not loopback: set FACTBOT_OPS_TOKEN",
        ),
    ],
)
def test_run_refuses_a_bad_config_with_exit_2(
    tmp_path: Path, config: str, env: dict[str, str], message: str
) -> None:
    proc = run_cli(tmp_path, config, **env)
    assert 2 == proc.returncode, proc.stderr
    assert f"factbot: config error: config.toml: {message}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "123:not-a-real-token" not in proc.stderr + proc.stdout
    assert not (tmp_path / ".factbot").exists()  # refused before anything was written


LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def lock_in_another_process(path: Path) -> subprocess.Popen[str]:
    """A process holding `path`'s write lock until a line is written to its stdin."""
    return subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def audit_errors(metrics: Metrics) -> float:
    for line in metrics.render().decode().splitlines():
        if line.startswith('factbot_errors_total{kind="audit"}'):
            return float(line.split()[-1])
    return -1.0


async def test_a_refused_audit_write_is_logged_counted_retried_and_fails_healthz(
    live_corpus: tuple[Config, LiveChecks, AuditLog], caplog: pytest.LogCaptureFixture
) -> None:
    """Another process holds the SQLite file's write lock (BEGIN IMMEDIATE) while a live check
    is recorded: the refusal is logged and counted in /metrics, /healthz fails, and once the
    lock is let go the retry records the row and /healthz passes again."""
    cfg, live, audit = live_corpus
    health = Health(timeout=1.0)
    health.add("store", audit.ping)
    health.add("audit", live.audit_health)
    assert (await health.check())[0]
    assert 0.0 == audit_errors(live.metrics)
    locker = lock_in_another_process(cfg.store.path)
    try:
        assert locker.stdout is not None and "locked" == locker.stdout.readline().strip()
        post = Post(
            "locked", "Yann LeCun: the best open source AI models right now come from China."
        )
        result = await asyncio.to_thread(live.check, post)
        assert result.admitted
        async with asyncio.timeout(60):
            # the count changes on the store's worker thread: a short poll is simplest here
            while audit_errors(live.metrics) < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        ok, report = await health.check()
        assert not ok
        assert not report["audit"]["ok"]
        assert "database is locked" in report["audit"]["error"]
        assert not report["store"]["ok"]  # the write probe cannot take the lock either
        assert "the store refused 1 check(s) (OperationalError: database is locked)" in caplog.text
    finally:
        assert locker.stdin is not None
        locker.stdin.write("\n")
        locker.stdin.flush()
        locker.wait(timeout=30)
    async with asyncio.timeout(60):  # the retry, on its own, without a stop
        while live.refused:  # noqa: ASYNC110 - set and cleared by the retrying write
            await asyncio.sleep(0.2)
    assert ["locked"] == [r["post_id"] for r in audit.db["checks"].rows]
    ok, report = await health.check()
    assert ok, report
    assert audit_errors(live.metrics) >= 1
    await live.drain()
    audit.close()


async def test_a_flood_of_healthz_runs_one_model_check(
    live_corpus: tuple[Config, LiveChecks, AuditLog],
) -> None:
    """40 concurrent GET /healthz: the model is checked once (pings run one at a time and a
    success is reused for a minute), every answer is 200."""
    _, live, audit = live_corpus
    checks = 0

    def model_check() -> None:
        nonlocal checks
        checks += 1
        live.checker.check_many([Post("healthz", "Yann LeCun on open source AI models")])

    health = Health(timeout=30.0)
    health.add("store", audit.ping)
    health.add("model", lambda: asyncio.to_thread(model_check), fresh_seconds=60.0)
    server = OpsServer(health, live.metrics, "127.0.0.1", free_port())
    url = await server.start()
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            answers = await asyncio.gather(*(http.get("/healthz") for _ in range(40)))
            again = await http.get("/healthz")
    finally:
        await server.stop()
    assert [200] * 40 == [a.status_code for a in answers]
    assert 1 == checks, f"{checks} model checks for 41 requests"
    assert 1 == health.runs["model"]
    assert again.json()["checks"]["model"]["cached"]
    audit.close()


async def test_with_a_token_the_ops_endpoints_need_it(
    live_corpus: tuple[Config, LiveChecks, AuditLog],
) -> None:
    _, live, audit = live_corpus
    health = Health(timeout=5.0)
    health.add("store", audit.ping)
    server = OpsServer(health, live.metrics, "127.0.0.1", free_port(), token="s3cret-ops-token")  # noqa: S106
    url = await server.start()
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            for path in ("/healthz", "/metrics"):
                assert 401 == (await http.get(path)).status_code
                wrong = {"Authorization": "Bearer nope"}
                assert 401 == (await http.get(path, headers=wrong)).status_code
                right = {"Authorization": "Bearer s3cret-ops-token"}
                assert 200 == (await http.get(path, headers=right)).status_code
    finally:
        await server.stop()
    audit.close()
