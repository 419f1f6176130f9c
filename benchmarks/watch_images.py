"""Watched posts' images (issue 16): posts per second through the watcher path (the firehose's
`arrived` -> buffer -> `flush` -> `Watcher.consider` -> the real pipeline) with images off (the
baseline, as before) and on, and what the images cost: fetches, hashes, OCR runs.

    nice -n 10 .venv/bin/python benchmarks/watch_images.py [--posts 3000] [--image-share 0.3]

The stream: unrelated posts (the CheckThat! 2022 tweets), `--relevant` of them (3 %) the
labelled image posts' captions (tests/data/images/labels.jsonl: "Yann LeCun at ai-PULSE ...")
with their card; `--image-share` of the others carry one image drawn from the 89 test images
(cards, screenshots, copies, images with no quote), a quarter with a descriptive alt text.
Every post's image is its own blob (a CID of its own) served by a real HTTP server on loopback
in the AppView CDN's layout: `feed_thumbnail` (long side 1000 px, JPEG q80) and
`feed_fullsize` (long side 2000 px, JPEG q90), the presets Bluesky's CDN serves. Posts are
flushed 250 at a time (the firehose job's batch).

Runs, in one process, with the checker loaded once, each on a fresh SQLite file:
- off: no image reader on the watchers (the baseline: what factbot did before);
- on: the defaults (alt text always; thumbnail hash and OCR behind the pre-filter; OCR at most
  [images] watch_ocr_per_minute = 6 a minute);
- hash-all: every post's image fetched and hashed (every author watched), no OCR: what hashing
  every image of the stream would cost (why the hash is behind the pre-filter too).
Also the thumbnail against the full-size image: bytes, ms to decode and hash, and how far apart
their hashes are (a thumbnail's hash must find the full image's copies). The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from aiohttp import web  # noqa: E402
from atproto import models  # noqa: E402
from atproto_client.models.blob_ref import BlobRef, IpldLink  # noqa: E402
from PIL import Image  # noqa: E402

from bot.bluesky.firehose import FirehoseWatcher  # noqa: E402
from bot.bluesky.images import BlueskyImages  # noqa: E402
from bot.bluesky.store import BlueskyStore  # noqa: E402
from bot.bluesky.watch import Watcher  # noqa: E402
from bot.bluesky.watch_images import WatchedImages  # noqa: E402
from bot.config import BlueskyConfig, Config, ImagesConfig  # noqa: E402
from bot.images.decode import hash_distance, open_image, perceptual_hash  # noqa: E402
from bot.images.ocr import Tesseract  # noqa: E402
from bot.images.reader import ImageReader  # noqa: E402
from bot.images.seen import SeenImages  # noqa: E402
from bot.pipeline import Checker, build_checker  # noqa: E402

IMAGES = ROOT / "tests" / "data" / "images"
SHARED = ROOT.parent / "shared" / "data" / "checkthat-2022-task2a-en"
if not SHARED.exists():
    SHARED = Path("/work/shared/data/checkthat-2022-task2a-en")
BATCH = 250
ALTS = ("A screenshot", "Photo of a crowd at a conference", "A chart", "meme")


def resized(data: bytes, side: int, quality: int) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    scale = side / max(img.size)
    size = (round(img.width * scale), round(img.height * scale))
    img = img.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


class CountingOcr:
    def __init__(self) -> None:
        self.inner, self.calls, self.seconds, self.name = Tesseract(), 0, 0.0, "tesseract"

    def read(self, img: Image.Image) -> str:
        self.calls += 1
        t = time.perf_counter()
        try:
            return self.inner.read(img)
        finally:
            self.seconds += time.perf_counter() - t


def stream(posts: int, relevant: float, share: float, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible stream, not a secret
    with open(SHARED / "train_queries.tsv", encoding="utf-8") as f:
        tweets = [row[1] for row in csv.reader(f, delimiter="\t") if len(row) > 1]
    labels = [json.loads(x) for x in (IMAGES / "labels.jsonl").read_text("utf-8").splitlines()]
    cards = [x for x in labels if x["context"] and x["kind"] == "card"]
    files = sorted(p.name for p in IMAGES.iterdir() if p.suffix in (".png", ".jpg"))
    out = []
    for i in range(posts):
        if rng.random() < relevant:
            card = rng.choice(cards)
            out.append({"text": card["context"], "image": card["file"], "alt": "", "kind": "rel"})
            continue
        image = rng.choice(files) if rng.random() < share else None
        alt = rng.choice(ALTS) if image and rng.random() < 0.25 else ""
        out.append({"text": tweets[i % len(tweets)][:300], "image": image, "alt": alt, "kind": "x"})
    return out


class Cdn:
    def __init__(self, posts: list[dict[str, Any]]) -> None:
        raw = {name: (IMAGES / name).read_bytes() for name in {p["image"] for p in posts} - {None}}
        self.thumb = {n: resized(d, 1000, 80) for n, d in raw.items()}
        self.full = {n: resized(d, 2000, 90) for n, d in raw.items()}
        self.by_cid: dict[str, str] = {}
        self.asked: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()

    async def image(self, request: web.Request) -> web.Response:
        preset, cid = request.match_info["preset"], request.match_info["cid"]
        name = self.by_cid[cid]
        body = (self.thumb if preset == "feed_thumbnail" else self.full)[name]
        self.asked[preset] += 1
        self.bytes[preset] += len(body)
        return web.Response(body=body, content_type="image/jpeg")

    async def start(self) -> tuple[str, web.AppRunner]:
        app = web.Application()
        app.add_routes([web.get("/img/{preset}/plain/{did}/{cid}@jpeg", self.image)])
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}", runner


def record(post: dict[str, Any], cid: str) -> models.AppBskyFeedPost.Record:
    embed = None
    if post["image"]:
        blob = BlobRef(mime_type="image/jpeg", size=1, ref=IpldLink(link=cid))
        embed = models.AppBskyEmbedImages.Main(
            images=[models.AppBskyEmbedImages.Image(alt=post["alt"], image=blob)]
        )
    return models.AppBskyFeedPost.Record(
        text=post["text"], created_at="2026-05-12T09:00:00Z", embed=embed
    )


async def run(
    mode: str, checker: Checker, posts: list[dict[str, Any]], cdn: Cdn, url: str
) -> dict[str, Any]:
    cdn.asked.clear()
    cdn.bytes.clear()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "factbot.db"
        dids = [f"did:plc:author{i % 500}" for i in range(len(posts))]
        watched: WatchedImages | None = None
        ocr = CountingOcr()
        fetcher = None
        if mode != "off":
            config = ImagesConfig(cdn_url=url)
            if mode == "hash-all":
                config = replace(config, watch_ocr_per_minute=0, watch_authors=tuple(set(dids)))
            fetcher = BlueskyImages(ImageReader(ocr, SeenImages(db), config), "http://127.0.0.1:9")
            watched = WatchedImages(fetcher, lambda: checker.corpus)
        store = BlueskyStore(db)
        now = lambda: __import__("datetime").datetime(2026, 5, 12, 9)  # noqa: E731
        watcher = Watcher(None, checker, store, None, BlueskyConfig(), now, images=watched)  # type: ignore[arg-type]
        hose = FirehoseWatcher(watcher, url="ws://127.0.0.1:9", cap=10 * BATCH)
        records = []
        for i, post in enumerate(posts):
            cid = f"bafkrei{mode.replace('-', '')}{i:07d}"
            cdn.by_cid[cid] = post["image"] or ""
            uri = f"at://{dids[i]}/app.bsky.feed.post/p{i}"
            records.append((uri, cid, dids[i], record(post, cid)))
        cpu, t = time.process_time(), time.perf_counter()
        for i, (uri, cid, did, rec) in enumerate(records):
            hose.arrived(uri, cid, did, rec)
            if (i + 1) % BATCH == 0:
                await hose.flush()
        await hose.flush()
        wall = time.perf_counter() - t
        await watcher.idle()  # the deferred OCR, off the flush
        total, cpu = time.perf_counter() - t, time.process_time() - cpu
        rows = await store.watched()
        rel = {r["uri"] for r in rows if posts[int(r["uri"].rsplit("p", 1)[1])]["kind"] == "rel"}
        store.close()
        if fetcher is not None:
            await fetcher.close()
    counts = dict(watched.counts) if watched else {}
    return {
        "mode": mode,
        "posts": len(posts),
        "seconds": round(wall, 1),
        "posts_per_s": round(len(posts) / wall, 1),
        "seconds_until_images_read": round(total, 1),
        "cpu_s": round(cpu, 1),
        "tracked": len(rows),
        "relevant_tracked": len(rel),
        "ocr_calls": ocr.calls,
        "ocr_s": round(ocr.seconds, 1),
        "thumb_fetches": cdn.asked["feed_thumbnail"],
        "full_fetches": cdn.asked["feed_fullsize"],
        "kb_fetched": round(sum(cdn.bytes.values()) / 1000),
        "images": counts,
    }


def thumbnails(cdn: Cdn) -> dict[str, float]:
    """Per image: bytes and ms to decode and hash, thumbnail against full size; hash distance."""
    t_ms = f_ms = 0.0
    dist = []
    for name in cdn.thumb:
        t = time.perf_counter()
        th = perceptual_hash(open_image(cdn.thumb[name], 40_000_000))
        t_ms += time.perf_counter() - t
        t = time.perf_counter()
        fh = perceptual_hash(open_image(cdn.full[name], 40_000_000))
        f_ms += time.perf_counter() - t
        dist.append(hash_distance(th, fh))
    n = len(cdn.thumb)
    return {
        "images": n,
        "thumb_kb": round(sum(map(len, cdn.thumb.values())) / n / 1000, 1),
        "full_kb": round(sum(map(len, cdn.full.values())) / n / 1000, 1),
        "thumb_ms": round(1000 * t_ms / n, 1),
        "full_ms": round(1000 * f_ms / n, 1),
        "distance_max": max(dist),
        "distance_mean": round(sum(dist) / n, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--relevant", type=float, default=0.03)
    parser.add_argument("--image-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--modes", default="off,on,hash-all")
    args = parser.parse_args()
    t = time.perf_counter()
    checker = build_checker(Config())
    print(f"checker loaded in {time.perf_counter() - t:.1f} s", flush=True)
    posts = stream(args.posts, args.relevant, args.image_share, args.seed)
    cdn = Cdn(posts)
    url, runner = await cdn.start()
    with_images = sum(1 for p in posts if p["image"])
    rel = sum(1 for p in posts if p["kind"] == "rel")
    print(f"stream: {len(posts)} posts, {with_images} with an image, {rel} captioned cards")
    results = []
    for mode in args.modes.split(","):
        got = await run(mode, checker, posts, cdn, url)
        results.append(got)
        print(json.dumps(got), flush=True)
    await runner.cleanup()
    thumbs = thumbnails(cdn)
    print()
    print(
        "| run | posts/s (flushes) | s until images read | CPU s | OCR runs (s) "
        "| thumbnails / full fetched (kB) | cards tracked |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['mode']} | {r['posts_per_s']} | {r['seconds_until_images_read']} "
            f"| {r['cpu_s']} | {r['ocr_calls']} "
            f"({r['ocr_s']}) | {r['thumb_fetches']} / {r['full_fetches']} ({r['kb_fetched']}) "
            f"| {r['relevant_tracked']} of {rel} |"
        )
    print()
    print(f"thumbnail vs full size: {json.dumps(thumbs)}")
    print(json.dumps({"runs": results, "thumbnails": thumbs}))


if __name__ == "__main__":
    asyncio.run(main())
