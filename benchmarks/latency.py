"""Mention → reply latency on the local AT Protocol network: the live bot (`Runtime`, the real
models, its scheduler) answering mentions from the event stream (`[bluesky] stream_mentions`,
the notifications poll at its default 15 s as the backstop), beside polling only at the default
interval (the baseline), in the same run, on the same network, each with a fresh bot account.

    flock /tmp/factbot-atproto.lock nice -n 10 .venv/bin/python benchmarks/latency.py
    ... benchmarks/latency.py --mentions 100 --rate 2 --users 5

The network is started as the tests start it (tests/atp_network.py). Mentions are posted at a
steady rate (`--rate` a second) from `--users` accounts in turn, half matching the corpus, half
not (each is answered). A mention's latency runs from just before its post is sent (its
creation) to the first moment the bot's reply is readable through the AppView (the bot's
author feed, read every 0.1 s); the median of each step on the way is printed too (from the
store's own times: seen and claimed, checked, sent, indexed by the AppView; and, from the
stream, delivered: decoded and offered to the bot). Before the runs, the AppView's own lag is
measured on the same network (`--lag` plain posts: from just before each is sent until the
AppView shows it, read every 0.02 s): the floor under the last step. `--jetstream` reads the
stream through a loopback Jetstream fed by the network's firehose (tests/jetstream_relay.py)
instead of the firehose itself. `lost`: mentions
with no reply readable `--grace` seconds after the last one; `duplicates`: reply posts beyond
one chain per mention, counted in the bot's own repository. The last line is one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from atp_network import DEFAULT_PASSWORD, AtpNetwork, create_account, login  # noqa: E402
from atproto import AsyncClient, client_utils  # noqa: E402
from jetstream_relay import JetstreamRelay  # noqa: E402
from reply_audit import bot_posts  # noqa: E402
from runtime_support import mention_texts  # noqa: E402

from bot.config import BlueskyConfig, Config, OpsConfig, ScheduleConfig, StoreConfig  # noqa: E402
from bot.config_load import load_config  # noqa: E402
from bot.models.embed import build_embedders  # noqa: E402
from bot.models.vectors import Embedder  # noqa: E402
from bot.runtime.service import Credentials, Runtime  # noqa: E402

READ_EVERY = 0.1  # seconds between reads of the bot's author feed


@dataclasses.dataclass
class Run:
    name: str
    sent: dict[str, float] = dataclasses.field(default_factory=dict)  # mention uri: created
    seen: dict[str, float] = dataclasses.field(default_factory=dict)  # ...: reply readable
    offered: dict[str, float] = dataclasses.field(default_factory=dict)  # ...: off the stream
    reads: list[float] = dataclasses.field(default_factory=list)  # each author feed read, s
    duplicates: int = 0
    by_stream: int = 0
    phases: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    posted: bool = False  # every mention sent
    done: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)  # ... and answered

    def latencies(self) -> list[float]:
        return sorted(self.seen[u] - t for u, t in self.sent.items() if u in self.seen)

    def figures(self) -> dict[str, Any]:
        lat = self.latencies()
        return {
            "mentions": len(self.sent),
            "p50_s": round(statistics.median(lat), 2) if lat else None,
            "p95_s": round(_pct(lat, 0.95), 2) if lat else None,
            "max_s": round(lat[-1], 2) if lat else None,
            "lost": len(self.sent) - len(lat),
            "duplicates": self.duplicates,
        }


def _pct(values: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank)."""
    return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))]


def bot_config(
    base: Config, network: AtpNetwork, tmp: Path, stream: bool, jetstream: str = ""
) -> Config:
    """The live bot on the local network, with the default schedule (mentions every 15 s)."""
    return dataclasses.replace(
        base,
        store=StoreConfig(tmp / "factbot.db"),
        bluesky=BlueskyConfig(
            service_url=network.pds_url,
            session_file=tmp / "bluesky.session",
            firehose_url=network.firehose_url,
            stream_mentions=stream,
            jetstream_url=jetstream,
            checks_per_hour=0,
            notifications_limit=100,
        ),
        schedule=dataclasses.replace(ScheduleConfig(), corpus_seconds=3600.0),
        ops=OpsConfig(port=0),
    )


async def watch_replies(reader: AsyncClient, bot_did: str, run: Run, stop: asyncio.Event) -> None:
    """Note when each mention's reply is first readable through the AppView."""
    while not stop.is_set():
        began = time.time()
        feed = await reader.app.bsky.feed.get_author_feed(
            {"actor": bot_did, "filter": "posts_with_replies", "limit": 100}
        )
        now = time.time()
        run.reads.append(now - began)
        for item in feed.feed:
            reply = getattr(item.post.record, "reply", None)
            parent = reply.parent.uri if reply is not None else None
            if parent in run.sent and parent not in run.seen:
                run.seen[parent] = now
        if run.posted and len(run.seen) == len(run.sent):
            run.done.set()
        await asyncio.sleep(READ_EVERY)


async def one_run(
    name: str,
    network: AtpNetwork,
    base: Config,
    embedders: dict[str, Embedder],
    users: list[AsyncClient],
    args: argparse.Namespace,
    stream: bool,
    jetstream: str = "",
) -> Run:
    run = Run(name)
    bot_did, bot_handle = await create_account(network.pds_url, f"b{secrets.token_hex(4)}.test")
    with tempfile.TemporaryDirectory(prefix=f"factbot-latency-{name}-") as tmp:
        cfg = bot_config(base, network, Path(tmp), stream, jetstream)
        runtime = Runtime(cfg, Credentials((bot_handle, DEFAULT_PASSWORD)), embedders=embedders)
        task = asyncio.create_task(runtime.run())
        await asyncio.wait_for(runtime.ready.wait(), 120)
        if runtime.bluesky is not None and stream:  # note when each mention comes off the stream
            offers = runtime.bluesky.mention_stream
            offer = offers.offer

            def noted(uri: str, cid: str, did: str, record: Any, gate: Any = None) -> bool:
                run.offered.setdefault(uri, time.time())
                return offer(uri, cid, did, record, gate)

            offers.offer = noted  # type: ignore[method-assign]
        if runtime.stream is not None:  # no saved cursor: the stream starts at the live tail
            while runtime.stream.seq is None:
                await users[0].send_post("warming up")
                await asyncio.sleep(0.5)
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch_replies(users[0], bot_did, run, stop))
        texts = mention_texts(args.mentions)
        start = time.time()
        for i, text in enumerate(texts):
            await asyncio.sleep(max(0.0, start + i / args.rate - time.time()))
            tb = client_utils.TextBuilder().mention(f"@{bot_handle}", bot_did).text(" " + text)
            created = time.time()
            made = await users[i % len(users)].send_post(tb)
            run.sent[made.uri] = created
        run.posted = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.done.wait(), args.grace)
        stop.set()
        await watcher
        if runtime.bluesky is not None:
            run.by_stream = runtime.bluesky.mention_stream.answered
        runtime.stop()
        await asyncio.wait_for(task, 60)
        run.phases = phases(Path(tmp) / "factbot.db", run)
    replies = Counter(
        parent for parent in (await bot_posts(users[0], bot_did)).values() if parent in run.sent
    )
    run.duplicates = sum(n - 1 for n in replies.values() if n > 1)
    return run


def phases(db: Path, run: Run) -> dict[str, list[float]]:
    """Where each answered mention's time went, from the store's own times: created → claimed
    (seen, its view read), claimed → the reply's first post written as pending (checked),
    pending → sent (written to the PDS), sent → readable through the AppView."""
    out: dict[str, list[float]] = {
        "delivered": [],
        "seen": [],
        "checked": [],
        "sent": [],
        "indexed": [],
    }
    with sqlite3.connect(db) as conn:
        claimed = dict(conn.execute("SELECT uri, claimed_at FROM bluesky_mentions"))
        first = {
            t: (c, s)
            for t, c, s in conn.execute(
                "SELECT target, created_at, sent_at FROM bluesky_outbox WHERE part = 1"
            )
        }
    for uri, created in run.sent.items():
        if uri not in claimed or uri not in first or uri not in run.seen or not first[uri][1]:
            continue
        c, p, s = (datetime.fromisoformat(x).timestamp() for x in (claimed[uri], *first[uri]))
        if uri in run.offered:
            out["delivered"].append(run.offered[uri] - created)
        for name, (a, b) in {
            "seen": (created, c),
            "checked": (c, p),
            "sent": (p, s),
            "indexed": (s, run.seen[uri]),
        }.items():
            out[name].append(b - a)
    return out


async def appview_lag(user: AsyncClient, posts: int) -> list[float]:
    """Seconds from just before each of `posts` plain posts is sent until the AppView shows it
    (getPosts every 0.02 s), sorted: the network's own indexing lag, with no bot involved."""
    lags = []
    for i in range(posts):
        created = time.time()
        made = await user.send_post(f"lag probe {i}")
        while True:
            if (await user.app.bsky.feed.get_posts({"uris": [made.uri]})).posts:
                break
            await asyncio.sleep(0.02)
        lags.append(time.time() - created)
        await asyncio.sleep(0.2)
    return sorted(lags)


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    base = load_config(None)
    embedders = build_embedders(
        list(base.model.embedders), base.model.threads, base.model.batch_size, base.model.cache_dir
    )
    network = AtpNetwork()
    network.start()
    try:
        made = [
            await create_account(network.pds_url, f"u{secrets.token_hex(4)}.test")
            for i in range(args.users)
        ]
        users = [await login(network.pds_url, handle) for _, handle in made]
        if args.lag:
            lag = await appview_lag(users[0], args.lag)
            print(
                f"  AppView lag (a plain post, sent → shown, {len(lag)} posts): "
                f"p50 {statistics.median(lag):.2f} s  p95 {_pct(lag, 0.95):.2f} s  "
                f"max {lag[-1]:.2f} s",
                flush=True,
            )
        relay = None
        if args.jetstream:
            relay = JetstreamRelay(network.firehose_url)
            await relay.start()
        runs = []
        modes = (("stream", True), ("polling", False))[: 1 if args.stream_only else 2]
        for name, stream in modes:
            via = relay.url if relay is not None and stream else ""
            run = await one_run(name, network, base, embedders, users, args, stream, via)
            runs.append(run)
            f = run.figures()
            source = "Jetstream relay" if relay is not None else "firehose"
            extra = f"  ({run.by_stream} answered from the stream: {source})" if stream else ""
            parts = "  ".join(f"{k} {statistics.median(v):.2f}" for k, v in run.phases.items() if v)
            tails = "  ".join(
                f"{k} {_pct(sorted(v), 0.95):.2f}" for k, v in run.phases.items() if v
            )
            reads = sorted(run.reads)
            print(
                f"{name:>8}: {f['mentions']} mentions  p50 {f['p50_s']} s  p95 {f['p95_s']} s  "
                f"max {f['max_s']} s  lost {f['lost']}  duplicates {f['duplicates']}{extra}\n"
                f"          median s per step: {parts}\n"
                f"          p95 s per step:    {tails}\n"
                f"          (the reply reader's getAuthorFeed: median "
                f"{statistics.median(reads):.2f} s a read, then {READ_EVERY} s)",
                flush=True,
            )
        if relay is not None:
            await relay.stop()
        for client in users:
            await client.request.close()
    finally:
        network.stop()
    baseline = runs[1].figures()["p95_s"] if len(runs) > 1 else None
    return {**runs[0].figures(), "baseline_p95_s": baseline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100)
    parser.add_argument("--rate", type=float, default=2.0, help="mentions a second")
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--grace", type=float, default=60.0, help="seconds after the last")
    parser.add_argument("--stream-only", action="store_true", help="no polling baseline")
    parser.add_argument("--verbose", action="store_true", help="log each stream answer")
    parser.add_argument("--lag", type=int, default=20, help="AppView lag probes (0: none)")
    parser.add_argument(
        "--jetstream", action="store_true", help="the stream through a loopback Jetstream"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    if args.verbose:
        logging.getLogger("bot.bluesky.mention_stream").setLevel(logging.INFO)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{args.mentions} mentions at {args.rate}/s from {args.users} accounts "
        f"(load average {load})",
        flush=True,
    )
    print(json.dumps(asyncio.run(bench(args))))


if __name__ == "__main__":
    main()
