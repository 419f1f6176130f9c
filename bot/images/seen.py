"""The images already read, by perceptual hash, in SQLite (the store's file, table
`image_seen`): a re-upload, crop or re-encode of a card already checked is recognised by a hash
within `hash_distance` bits, and its text is taken from here without OCR. Synchronous and one
connection per call, so it can be used from the worker threads that read images."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.images.decode import hash_distance

MAX_TEXT = 5000  # characters of an image's text kept

_SCHEMA = """
CREATE TABLE IF NOT EXISTS image_seen (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    post_id TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS image_seen_hash ON image_seen (hash);
"""


@dataclass(frozen=True)
class Seen:
    hash: str
    source: str  # how the text was first read: "alt" | "ocr"
    text: str
    post_id: str
    distance: int  # bits from the hash asked about


class SeenImages:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def near(self, image_hash: str, max_distance: int) -> Seen | None:
        """The closest image already read within `max_distance` bits, or None."""
        best: Seen | None = None
        with self._connect() as db:
            rows = db.execute("SELECT hash, source, text, post_id FROM image_seen").fetchall()
        for h, source, text, post_id in rows:
            d = hash_distance(h, image_hash)
            if d <= max_distance and (best is None or d < best.distance):
                best = Seen(h, source, text, post_id, d)
        return best

    def add(self, image_hash: str, source: str, text: str, post_id: str) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as db:
            db.execute(
                "INSERT INTO image_seen (hash, source, text, post_id, seen_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (image_hash, source, text[:MAX_TEXT], post_id[:300], now),
            )

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM image_seen").fetchone()[0])
