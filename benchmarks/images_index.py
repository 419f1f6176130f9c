"""`SeenImages.near` (issue 16: a copy of an image already read) at 1k, 10k and 100k stored
hashes: the index it uses (bot/images/hash_index.py: every hash in memory, XOR and popcount in
numpy) beside the full scan it replaced (every row read from SQLite and compared in Python) and
beside multi-index hashing (16 bands of 16 bits; within 56 bits, some band is within 3 bits:
697 values probed per band, the candidates then compared), all in the same run, on the same
SQLite file and the same queries (half near copies of stored hashes, half random hashes):

    nice -n 10 .venv/bin/python benchmarks/images_index.py
    nice -n 10 .venv/bin/python benchmarks/images_index.py --sizes 1000,10000 --queries 100

Every lookup's answer is checked against the full scan's (a mismatch stops the run)."""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import ImagesConfig  # noqa: E402
from bot.images.decode import HASH_VERSION, hash_distance  # noqa: E402
from bot.images.seen import SeenImages  # noqa: E402

BANDS, BAND_BITS = 16, 16


def flip(h: str, bits: int, rng: random.Random) -> str:
    v = int(h, 16)
    for b in rng.sample(range(256), bits):
        v ^= 1 << b
    return f"{v:064x}"


class MultiIndex:
    """Multi-index hashing in memory: a dict per 16-bit band; a query probes every value
    within floor(d / 16) bits of each of its bands (pigeonhole), then compares the candidates."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        self.hashes = dict(rows)
        self.tables: list[dict[int, list[int]]] = [defaultdict(list) for _ in range(BANDS)]
        for row_id, h in rows:
            for band, value in enumerate(self.bands(h)):
                self.tables[band][value].append(row_id)
        self.masks: dict[int, list[int]] = {}
        self.candidates = 0

    @staticmethod
    def bands(h: str) -> list[int]:
        v = int(h, 16)
        return [(v >> (BAND_BITS * i)) & 0xFFFF for i in range(BANDS)]

    def _masks(self, radius: int) -> list[int]:
        if radius not in self.masks:
            self.masks[radius] = [
                sum(1 << b for b in bits)
                for k in range(radius + 1)
                for bits in itertools.combinations(range(BAND_BITS), k)
            ]
        return self.masks[radius]

    def near(self, h: str, d: int) -> tuple[int, int] | None:
        masks = self._masks(d // BANDS)
        found: set[int] = set()
        for table, value in zip(self.tables, self.bands(h), strict=True):
            for m in masks:
                found.update(table.get(value ^ m, ()))
        self.candidates += len(found)
        hits = [(hash_distance(self.hashes[i], h), i) for i in found]
        best = min((x for x in hits if x[0] <= d), default=None)
        return None if best is None else (best[1], best[0])


def timed(fn, queries: list[str]) -> tuple[float, list[object]]:  # type: ignore[no-untyped-def]
    out, t = [], time.perf_counter()
    for q in queries:
        out.append(fn(q))
    return (time.perf_counter() - t) * 1000 / len(queries), out


def run(n: int, queries: int, d: int, rng: random.Random) -> tuple[str, ...]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "factbot.db"
        SeenImages(path).close()  # the tables, migrated
        stored = [f"{rng.getrandbits(256):064x}" for _ in range(n)]
        conn = sqlite3.connect(path)
        with conn:
            conn.executemany(
                "INSERT INTO image_seen (hash, source, text, post_id, seen_at, version) "
                "VALUES (?, 'ocr', 'words', ?, '2026-05-12T09:00:00+00:00', ?)",
                [(h, f"post-{i}", HASH_VERSION) for i, h in enumerate(stored)],
            )
        conn.close()
        qs = [flip(rng.choice(stored), rng.randint(0, d + 8), rng) for _ in range(queries // 2)]
        qs += [f"{rng.getrandbits(256):064x}" for _ in range(queries - len(qs))]
        rng.shuffle(qs)
        seen = SeenImages(path)
        scan_ms, scanned = timed(lambda q: seen.scan(q, d), qs)
        t = time.perf_counter()
        first = seen.near(qs[0], d)  # fills the index from the table
        cold_ms = (time.perf_counter() - t) * 1000
        index_ms, indexed = timed(lambda q: seen.near(q, d), qs)
        rows = seen.database.call(
            lambda: seen.db.execute("SELECT id, hash FROM image_seen").fetchall()
        )
        mih = MultiIndex(rows)
        mih_ms, mihs = timed(lambda q: mih.near(q, d), qs)
        seen.close()
    assert first == scanned[0] and indexed == scanned, "the index and the full scan disagree"
    expect = [None if s is None else (s.hash, s.distance) for s in scanned]  # type: ignore[attr-defined]
    got = [None if m is None else (mih.hashes[m[0]], m[1]) for m in mihs]  # type: ignore[index]
    assert got == expect, "multi-index hashing and the full scan disagree"
    hits = sum(s is not None for s in scanned)
    return (
        f"{n:,}",
        f"{scan_ms:.2f}",
        f"{index_ms:.3f}",
        f"{cold_ms:.1f}",
        f"{mih_ms:.2f}",
        f"{mih.candidates / len(qs) / n:.1%}",
        f"{hits}/{len(qs)}",
        f"{scan_ms / index_ms:.0f}x",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    d = ImagesConfig().hash_distance
    rng = random.Random(args.seed)  # noqa: S311 (test data, not secrets)
    head = (
        "stored hashes",
        "full scan ms/lookup (before)",
        "index ms/lookup",
        "index first lookup ms (load)",
        "multi-index ms/lookup",
        "MIH candidates/rows",
        "copies found",
        "scan/index",
    )
    rows = [run(int(n), args.queries, d, rng) for n in args.sizes.split(",")]
    print(f"within {d} bits of 256; {args.queries} lookups a size; answers identical: yes")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
