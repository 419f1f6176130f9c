"""Labels survive crashes: `factbot run` as a subprocess (the real CLI, models and Ozone) with
`[labeler] enabled` answers mentions that quote LeCun, labelling each post that earns a label,
while it is SIGKILLed at random points and restarted (once stopped with SIGTERM mid-work). In
the end every post that earns a label has it, and Ozone's own event log shows exactly one
label event per post: nothing labelled twice, nothing missed. The seed is printed (`-s`);
FACTBOT_CRASH_SEED replays one."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest
from atp_network import AtpNetwork, wait_for
from atproto import AsyncClient
from atproto_client.models.dot_dict import DotDict
from runtime_support import post_mentions
from test_crash import crash_seed, one_run, start_bot, write_config
from test_labeler import LABELER_HANDLE, LABELER_PASSWORD, created_label_events

from bot.bluesky.labeler import Labeler
from bot.bluesky.records import to_post
from bot.config import BlueskyConfig, Config, LabelerConfig
from bot.labels import label_for
from bot.pipeline import Checker

pytestmark = pytest.mark.atproto

POSTS = 24
PLAN = ("early", "kill", "kill", "term", "kill")
QUOTES = (
    "Yann LeCun at Davos: 'The best open source AI models right now come from China. "
    "Everybody in the research community is using Chinese models.'",
    "LeCun at Davos last month: 'Some people claim we can scale up current technology and get "
    "to general intelligence [...] I think that's bullshit, if you'll pardon my French.'",
    "Reminder: the café at Station F closes early on Fridays",
)


async def ozone_labels(ozone_url: str, labeler: str, uris: list[str]) -> dict[str, str]:
    """{post: label value} for the labels in force, as Ozone serves them to anyone."""
    client = AsyncClient(base_url=ozone_url)
    try:
        got = await client.invoke_query(
            "com.atproto.label.queryLabels",
            params=DotDict({"uriPatterns": uris, "sources": [labeler], "limit": 250}),
        )
    finally:
        await client.request.close()
    assert isinstance(got.content, dict)
    return {x["uri"]: x["val"] for x in got.content["labels"] if not x.get("neg")}


async def test_sigkill_never_labels_a_post_twice(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    config: Config,
    checker: Checker,
    tmp_path: Path,
) -> None:
    seed, rng = crash_seed()
    bot, users = bot_and_users
    texts = [f"{QUOTES[i % len(QUOTES)]} ({i + 1})" for i in range(POSTS)]
    posted = await post_mentions(users, bot, texts)
    uris = [p.uri for p in posted]

    async def views() -> list[Any] | None:
        got = await users[0].app.bsky.feed.get_posts({"uris": uris[:25]})
        return list(got.posts) if len(got.posts) == len(uris) else None

    shown = await wait_for(views, timeout=60)
    expected = {v.uri: label_for(checker.check(to_post(v))) for v in shown}
    wanted = {u: v for u, v in expected.items() if v is not None}
    assert 10 <= len(wanted) < POSTS  # most quote LeCun; the café post earns nothing

    cfg = tmp_path / "config.toml"
    write_config(cfg, config, atp_network.pds_url)
    with cfg.open("a", encoding="utf-8") as f:
        f.write(
            f'\n[labeler]\nenabled = true\nservice_url = "{atp_network.pds_url}"\n'
            'session_file = "labeler.session"\nreports_seconds = 3600.0\n'
        )
    env = {"LABELER_HANDLE": LABELER_HANDLE, "LABELER_APP_PASSWORD": LABELER_PASSWORD}
    log = tmp_path / "bot.log"
    ozone = str(atp_network.info["ozone"])
    watcher = Labeler(
        LabelerConfig(service_url=atp_network.pds_url, session_file=tmp_path / "test.session"),
        BlueskyConfig(backoff_seconds=0.05),
        ":memory:",
    )
    labeler_did = await watcher.start(LABELER_HANDLE, LABELER_PASSWORD)

    async def labelled() -> int:
        return len(await ozone_labels(ozone, labeler_did, uris))

    kills = terms = 0
    per_run: list[int] = []
    try:
        for how in PLAN:
            before = await labelled()
            runs = _started(log)

            async def mid_work(before: int = before, runs: int = runs) -> None:
                await wait_for(lambda: _more(labelled, before), timeout=120, interval=0.1)
                # Mid-work means this run's runtime is up: a label of the run before can
                # reach Ozone's queries late, while this process is still importing.
                await wait_for(lambda: _running(log, runs), timeout=120, interval=0.1)

            code = await one_run(how, rng, lambda: start_bot(cfg, bot[1], log, env), mid_work, 2.0)
            if how == "term":
                assert 0 == code, log.read_text(encoding="utf-8")[-3000:]
                terms += 1
            else:
                kills += 1
            per_run.append(await labelled() - before)
            if await labelled() == len(wanted):
                break

        before = await labelled()
        runs = _started(log)
        proc = start_bot(cfg, bot[1], log, env)
        try:
            await wait_for(lambda: _all(labelled, len(wanted)), timeout=300, interval=0.5)
            # every label may be in already: the SIGTERM must still find the runtime up
            await wait_for(lambda: _running(log, runs), timeout=120, interval=0.1)
            # the last mentions' labels are in; let the run finish what it started
            await asyncio.sleep(1.0)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(proc.wait, 60)
        per_run.append(await labelled() - before)

        final = await ozone_labels(ozone, labeler_did, uris)
        events = {u: len(await created_label_events(watcher, u)) for u in uris}
    finally:
        await watcher.close()
    twice = sorted(u for u, n in events.items() if n > 1)
    print(  # noqa: T201 - the figures for the report (pytest -s)
        f"\nlabeler crash test (seed {seed}): {kills} SIGKILLs, {terms} SIGTERM mid-work; "
        f"labels per run {per_run}; {len(final)} labelled of {len(wanted)} expected, "
        f"{len(twice)} labelled twice, {sum(events.values())} label events in Ozone"
    )
    assert wanted == final
    assert [] == twice
    assert {u: (1 if u in wanted else 0) for u in uris} == events
    assert 0 == code, log.read_text(encoding="utf-8")[-3000:]


def _started(log: Path) -> int:
    """How many runs logged that the runtime is up ("factbot running")."""
    if not log.exists():
        return 0
    return log.read_text(encoding="utf-8", errors="replace").count("factbot running")


async def _running(log: Path, runs_before: int) -> bool:
    return _started(log) > runs_before


async def _more(count: Any, before: int) -> bool:
    return bool(await count() > before)


async def _all(count: Any, n: int) -> bool:
    return bool(await count() >= n)
