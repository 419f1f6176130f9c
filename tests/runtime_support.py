"""What the runtime tests share: a config for a bot on the local network, mentions to answer and
what each one's reply should be (worked out with the same pipeline, on the same posts)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from atp_network import DEFAULT_PASSWORD, AtpNetwork, wait_for
from atproto import AsyncClient, client_utils

from bot.bluesky.records import to_post
from bot.bluesky.replies import cap_thread
from bot.config import BlueskyConfig, Config, OpsConfig, ScheduleConfig, StoreConfig
from bot.models.vectors import Embedder
from bot.pipeline import Checker
from bot.runtime.credentials import Credentials
from bot.runtime.service import Runtime

# Posts that match the corpus (short enough for one Bluesky post with a mention in front) and
# posts that match nothing; the bot answers both (answer_no_match), one reply chain each.
MATCHING = (
    "Yann LeCun at Davos: 'The best open source AI models right now come from China. "
    "Everybody in the research community is using Chinese models.'",
    "Worth remembering what LeCun actually said in Paris last December: China is going open "
    "source all the way, the best open LLMs right now are all Chinese, and that is not good.",
    "LeCun at Davos last month: 'Some people claim we can scale up current technology and get "
    "to general intelligence [...] I think that's bullshit, if you'll pardon my French.'",
)
UNRELATED = (
    "Reminder: the café at Station F closes early on Fridays",
    "Does anyone know a good bakery near the Canal Saint-Martin?",
    "The tram strike in Lyon is over, trains run normally from Monday.",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start(runtime: Runtime) -> asyncio.Task[int]:
    """`factbot run` in-process, started and ready; its task (the exit code)."""
    task = asyncio.create_task(runtime.run())
    await asyncio.wait_for(runtime.ready.wait(), 60)
    return task


@contextlib.asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[Runtime]:
    """`factbot run` in-process: started, ready, and at the end stopped, exiting 0."""
    task = await start(runtime)
    try:
        yield runtime
    finally:
        runtime.stop()
        assert 0 == await asyncio.wait_for(task, 30)


def mention_texts(n: int) -> list[str]:
    """`n` distinct texts, alternating matching and unrelated ones."""
    pool = [t for pair in zip(MATCHING, UNRELATED, strict=True) for t in pair]
    return [f"{pool[i % len(pool)]} ({i + 1})" for i in range(n)]


def runtime_config(
    base: Config,
    pds_url: str,
    firehose_url: str,
    tmp: Path,
    firehose: bool = False,
    **schedule: Any,
) -> Config:
    """The session config (its model cache) with the bot on the local network, short job
    intervals and the ops endpoint on a free loopback port."""
    timing: dict[str, Any] = {
        "mentions_seconds": 0.3,
        "outbox_seconds": 1.0,
        "corpus_seconds": 3600.0,
        "refresh_seconds": 3600.0,
        "stop_seconds": 5.0,
        **schedule,
    }
    return dataclasses.replace(
        base,
        store=StoreConfig(tmp / "factbot.db"),
        bluesky=BlueskyConfig(
            service_url=pds_url,
            session_file=tmp / "bluesky.session",
            firehose_url=firehose_url,
            backoff_seconds=0.05,
            checks_per_hour=0,
            notifications_limit=100,
            firehose=firehose,
            cursor_save_seconds=0.3,
        ),
        schedule=ScheduleConfig(**timing),
        ops=OpsConfig(port=free_port()),
    )


async def post_mentions(
    clients: Sequence[AsyncClient], bot: tuple[str, str], texts: Sequence[str]
) -> list[Any]:
    """Each text as a top-level post mentioning the bot, from the clients in turn."""
    made = []
    for i, text in enumerate(texts):
        tb = client_utils.TextBuilder().mention(f"@{bot[1]}", bot[0]).text(" " + text)
        made.append(await clients[i % len(clients)].send_post(tb))
    return made


async def expected_replies(
    client: AsyncClient, checker: Checker, uris: Sequence[str]
) -> dict[str, int] | None:
    """{mention uri: posts in its reply}, checked exactly as the bot checks a top-level
    mention (`to_post` of the post view). Every mention must get a reply: none may be a
    `review`, which goes to the operators instead. None until the AppView shows them all."""
    views: list[Any] = []
    for start in range(0, len(uris), 25):
        got = await client.app.bsky.feed.get_posts({"uris": list(uris[start : start + 25])})
        views += got.posts
    if len(views) != len(uris):
        return None
    results = checker.check_many([to_post(v) for v in views])
    review = [r.post.text for r in results if r.verdict == "review"]
    if review:
        raise AssertionError(f"these mentions would go to review, not get a reply: {review}")
    cap = BlueskyConfig().max_thread_posts  # runtime_config leaves the default
    return {r.post.id: len(cap_thread(r.reply.bluesky, cap)) for r in results}


async def await_mentions(
    users: Sequence[AsyncClient], bot: tuple[str, str], checker: Checker, n: int
) -> dict[str, int]:
    """Post `n` mentions of `bot` (did, handle) and wait until the AppView shows them all;
    {mention uri: posts its reply should have}."""
    posted = await post_mentions(users, bot, mention_texts(n))
    uris = [p.uri for p in posted]
    expected: dict[str, int] = await wait_for(
        lambda: expected_replies(users[0], checker, uris), timeout=60
    )
    return expected


@dataclasses.dataclass(frozen=True)
class LiveBot:
    """A fresh bot account on the local network, the users who mention it, and what a runtime
    answering them is made of: the session's config, checker and models, and a folder."""

    network: AtpNetwork
    account: tuple[str, str]  # (did, handle)
    users: list[AsyncClient]
    config: Config
    checker: Checker
    embedders: dict[str, Embedder]
    tmp_path: Path

    @property
    def did(self) -> str:
        return self.account[0]

    def runtime_config(self, firehose: bool = False) -> Config:
        net = self.network
        return runtime_config(
            self.config, net.pds_url, net.firehose_url, self.tmp_path, firehose=firehose
        )

    async def mentions(self, n: int) -> dict[str, int]:
        """`n` mentions of the bot, shown by the AppView; {uri: posts its reply should have}."""
        return await await_mentions(self.users, self.account, self.checker, n)

    async def start(self, cfg: Config, **kwargs: Any) -> tuple[Runtime, asyncio.Task[int]]:
        """`factbot run` in-process as this bot (`kwargs`: the Runtime's), started and ready."""
        creds = Credentials((self.account[1], DEFAULT_PASSWORD))
        runtime = Runtime(cfg, creds, embedders=self.embedders, **kwargs)
        return runtime, await start(runtime)
