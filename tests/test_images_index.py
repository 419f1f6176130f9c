"""The images already read (`SeenImages`, issue 16): `near` through the index in memory finds
exactly what a scan of every row finds, follows rows another process adds and retention
deletes, and never compares a hash of another version; and the CDN's thumbnail of an image
hashes within `hash_distance` of its full size (the watchers hash the one, mentions the other).
Real SQLite files, real images from tests/data/images/."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from conftest import DATA
from images_support import cdn_rendition
from PIL import Image

from bot.config import ImagesConfig
from bot.images.decode import hash_distance, open_image, perceptual_hash
from bot.images.hash_index import HashIndex
from bot.images.seen import SeenImages

IMAGES = DATA / "images"
D = ImagesConfig().hash_distance


def flip(h: str, bits: int, rng: random.Random) -> str:
    v = int(h, 16)
    for b in rng.sample(range(256), bits):
        v ^= 1 << b
    return f"{v:064x}"


def test_the_index_finds_exactly_what_the_full_scan_finds(tmp_path: Path) -> None:
    rng = random.Random(16)  # noqa: S311 - reproducible test data
    seen = SeenImages(tmp_path / "f.db")
    stored = [f"{rng.getrandbits(256):064x}" for _ in range(300)]
    # Near copies among the stored hashes too: several rows within reach of one query.
    stored += [flip(stored[i], rng.randint(1, D), rng) for i in range(0, 300, 5)]
    for i, h in enumerate(stored):
        seen.add(h, "ocr", f"text {i}", f"post-{i}")
    queries = [flip(rng.choice(stored), k, rng) for k in range(D - 4, D + 5) for _ in range(8)]
    queries += [flip(rng.choice(stored), rng.randint(0, D), rng) for _ in range(40)]
    queries += [f"{rng.getrandbits(256):064x}" for _ in range(40)] + stored[:10]
    found = 0
    for q in queries:
        for d in (D, 12, 100):
            near = seen.near(q, d)
            assert near == seen.scan(q, d), (q, d)
            within = {hash_distance(h, q) for h in stored if hash_distance(h, q) <= d}
            got = {dist for _, dist in seen.index.within(q, d)}
            assert got == within
            found += near is not None and d == D
    assert 40 < found < len(queries) - 40  # both hits and misses, at the edge of the threshold
    seen.close()


def test_rows_added_by_another_writer_and_rows_pruned_are_followed(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    reader, writer = SeenImages(path), SeenImages(path)
    a, b = "0" * 64, "0" * 60 + "000f"  # 4 bits apart
    writer.add(b, "ocr", "the copy", "post-b")
    assert reader.near(a, D) is not None and reader.near(a, D).post_id == "post-b"  # type: ignore[union-attr]
    writer.add(a, "ocr", "the card", "post-a")  # after the reader's index was filled
    got = reader.near(a, D)
    assert got is not None and (got.post_id, got.distance) == ("post-a", 0)
    with sqlite3.connect(path) as conn:  # what retention does: the oldest rows go
        conn.execute("DELETE FROM image_seen WHERE post_id = 'post-b'")
    got = reader.near(b, D)
    assert got is not None and (got.post_id, got.distance) == ("post-a", 4)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM image_seen WHERE post_id = 'post-a'")
    assert reader.near(a, D) is None and len(reader.index) == 0
    reader.close()
    writer.close()


def test_the_index_leaves_out_a_malformed_hash_and_drops_rows() -> None:
    index = HashIndex()
    index.add([(1, "f" * 64), (2, "not a hash"), (3, "z" * 64), (4, "0" * 64)])
    assert len(index) == 2 and index.last_id == 4
    assert index.within("f" * 64, 0) == [(1, 0)]
    assert index.within("0" * 64, 256) == [(4, 0), (1, 256)]
    index.drop([4])
    assert index.within("0" * 64, 256) == [(1, 256)]
    index.drop_below(2)
    assert len(index) == 0


def test_hashes_of_the_first_version_are_never_compared(tmp_path: Path) -> None:
    """A file written before m003 (version 1 hashes, the table made by m001 before the
    migration set existed): its rows become version 1, and are not matched."""
    path = tmp_path / "old.db"
    h = perceptual_hash(open_image((IMAGES / "card-L001.png").read_bytes(), 40_000_000))
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE image_seen (id INTEGER PRIMARY KEY, hash TEXT NOT NULL, "
            "source TEXT NOT NULL, text TEXT NOT NULL, post_id TEXT NOT NULL, "
            "seen_at TEXT NOT NULL)"
        )
        conn.execute(
            "INSERT INTO image_seen (hash, source, text, post_id, seen_at) "
            "VALUES (?, 'ocr', 'old words', 'old-post', '2026-05-01T00:00:00+00:00')",
            [h],
        )
    seen = SeenImages(path)
    with sqlite3.connect(path) as conn:
        assert [(1,)] == conn.execute("SELECT version FROM image_seen").fetchall()
    assert seen.near(h, D) is None and seen.scan(h, D) is None
    seen.add(h, "ocr", "new words", "new-post")
    got = seen.near(h, D)
    assert got is not None and (got.text, got.distance) == ("new words", 0)
    seen.close()


def test_the_cdn_thumbnail_hashes_like_the_full_size_image() -> None:
    """Every image of the test set against its thumbnail (JPEG, at most 1000 px, quality 80);
    and two cards drawn at a phone's size, whose CDN full size (JPEG, 2000 px) and thumbnail
    differ in size too. card-L088-crop's were 58 bits apart with the hash of version 1."""
    far = []
    for path in sorted(IMAGES.glob("*.*")):
        if path.suffix == ".jsonl":
            continue
        img = open_image(path.read_bytes(), 40_000_000)
        thumb = open_image(cdn_rendition(img, 1000, 80), 40_000_000)
        far.append((hash_distance(perceptual_hash(img), perceptual_hash(thumb)), path.name))
    assert len(far) > 80 and max(far)[0] <= D, max(far)
    for name in ("card-L088-crop.png", "card-L088-noise.jpg"):
        img = open_image((IMAGES / name).read_bytes(), 40_000_000)
        big = img.resize((img.width * 12 // 5, img.height * 12 // 5), Image.Resampling.LANCZOS)
        full = open_image(cdn_rendition(big, 2000, 90), 40_000_000)
        thumb = open_image(cdn_rendition(big, 1000, 80), 40_000_000)
        assert max(full.size) > 1000 >= max(thumb.size)
        assert hash_distance(perceptual_hash(full), perceptual_hash(thumb)) <= D, name
