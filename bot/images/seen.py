"""The images already read, by perceptual hash, in the store's file (table `image_seen`): a
re-upload, crop or re-encode of a card already checked is recognised by a hash within
`hash_distance` bits, and its text is taken from here without OCR. And how each image was read
(`image_reads`: alt text, OCR, a copy already read, refused), for `factbot status`.

The tables are owned like every store's (`bot.database.Tables`, migration set "factbot-images"),
on the runtime's one `Database` and its worker thread. The calls are synchronous (the reader runs
on worker threads of its own): each waits for the database's worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from bot.database import Database, Tables
from bot.images.decode import hash_distance

MAX_TEXT = 5000  # characters of an image's text kept

migrations = Migrations("factbot-images")


@migrations()
def m001_seen(db: sqlite_utils.Database) -> None:
    # IF NOT EXISTS: files written before this migration set have the table already.
    db.execute(
        "CREATE TABLE IF NOT EXISTS image_seen (id INTEGER PRIMARY KEY, hash TEXT NOT NULL, "
        "source TEXT NOT NULL, text TEXT NOT NULL, post_id TEXT NOT NULL, seen_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS image_seen_hash ON image_seen (hash)")


@migrations()
def m002_reads(db: sqlite_utils.Database) -> None:
    """One row per image read: how ("alt" | "ocr" | "seen" | "refused"), for which post, when."""
    reads = db.table("image_reads")
    reads.create({"id": int, "source": str, "post_id": str, "at": str}, pk="id")
    reads.create_index(["at"])


@dataclass(frozen=True)
class Seen:
    hash: str
    source: str  # how the text was first read: "alt" | "ocr"
    text: str
    post_id: str
    distance: int  # bits from the hash asked about


def _now() -> str:
    return datetime.now(UTC).isoformat()  # as every store writes it: strings compare as times


class SeenImages(Tables):
    def __init__(self, database: Database | Path | str) -> None:
        super().__init__(database, migrations)

    def near(self, image_hash: str, max_distance: int) -> Seen | None:
        """The closest image already read within `max_distance` bits, or None."""
        best: Seen | None = None
        sql = "SELECT hash, source, text, post_id FROM image_seen"
        rows = self.database.call(lambda: self.db.execute(sql).fetchall())
        for h, source, text, post_id in rows:
            d = hash_distance(h, image_hash)
            if d <= max_distance and (best is None or d < best.distance):
                best = Seen(h, source, text, post_id, d)
        return best

    def add(self, image_hash: str, source: str, text: str, post_id: str) -> None:
        row = (image_hash, source, text[:MAX_TEXT], post_id[:300], _now())

        def insert() -> None:
            with self.db.conn:
                self.db.execute(
                    "INSERT INTO image_seen (hash, source, text, post_id, seen_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    row,
                )

        self.database.call(insert)

    def read(self, source: str, post_id: str) -> None:
        """An image was read (`source`: how), for the status figures."""
        row = (source, post_id[:300], _now())

        def insert() -> None:
            with self.db.conn:
                sql = "INSERT INTO image_reads (source, post_id, at) VALUES (?, ?, ?)"
                self.db.execute(sql, row)

        self.database.call(insert)

    def count(self) -> int:
        sql = "SELECT COUNT(*) FROM image_seen"
        return int(self.database.call(lambda: self.db.execute(sql).fetchone()[0]))
