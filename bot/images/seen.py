"""The images already read, by perceptual hash, in the store's file (table `image_seen`): a
re-upload, crop or re-encode of a card already checked is recognised by a hash within
`hash_distance` bits, and its text is taken from here without OCR. And how each image was read
(`image_reads`: alt text, OCR, a copy already read, refused), for `factbot status`.

Each hash is stored with the version of `perceptual_hash` that computed it (`version`, m003):
only hashes of the current version are compared (rows written before m003 are version 1, and
are left to age out with retention). Lookups go through an index in memory (`HashIndex`),
filled from the table on the first lookup and then with the rows added since (by id, from any
process writing the file); a row deleted meanwhile (retention) is dropped when it is found.

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
from bot.images.decode import HASH_VERSION, hash_distance
from bot.images.hash_index import HashIndex

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


@migrations()
def m003_hash_version(db: sqlite_utils.Database) -> None:
    """The version of the hash of each row: those already there are version 1."""
    db.execute("ALTER TABLE image_seen ADD COLUMN version INTEGER NOT NULL DEFAULT 1")


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
        self.index = HashIndex()  # used on the database's worker thread only

    def near(self, image_hash: str, max_distance: int) -> Seen | None:
        """The closest image already read within `max_distance` bits (of the current hash
        version), or None; of two as close, the first read."""
        return self.database.call(lambda: self._near(image_hash, max_distance))

    def _near(self, image_hash: str, max_distance: int) -> Seen | None:
        self._catch_up()
        for row_id, distance in self.index.within(image_hash, max_distance):
            sql = "SELECT hash, source, text, post_id FROM image_seen WHERE id = ?"
            row = self.db.execute(sql, [row_id]).fetchone()
            if row is None:  # deleted since it was indexed
                self.index.drop([row_id])
                continue
            return Seen(row[0], row[1], row[2], row[3], distance)
        return None

    def _catch_up(self) -> None:
        """The index given the rows added since it last looked, and rid of the rows pruned
        from the start of the table."""
        first = self.db.execute("SELECT MIN(id) FROM image_seen").fetchone()[0]
        self.index.drop_below(first if first is not None else self.index.last_id + 1)
        rows = self.db.execute(
            "SELECT id, hash FROM image_seen WHERE id > ? AND version = ? ORDER BY id",
            [self.index.last_id, HASH_VERSION],
        ).fetchall()
        self.index.add(rows)

    def scan(self, image_hash: str, max_distance: int) -> Seen | None:
        """`near` by reading and comparing every row (how it was done before the index): the
        reference the tests and benchmarks/images_index.py hold the index to."""
        best: Seen | None = None
        sql = "SELECT hash, source, text, post_id FROM image_seen WHERE version = ? ORDER BY id"
        rows = self.database.call(lambda: self.db.execute(sql, [HASH_VERSION]).fetchall())
        for h, source, text, post_id in rows:
            d = hash_distance(h, image_hash)
            if d <= max_distance and (best is None or d < best.distance):
                best = Seen(h, source, text, post_id, d)
        return best

    def add(self, image_hash: str, source: str, text: str, post_id: str) -> None:
        row = (image_hash, source, text[:MAX_TEXT], post_id[:300], _now(), HASH_VERSION)

        def insert() -> None:
            with self.db.conn:
                self.db.execute(
                    "INSERT INTO image_seen (hash, source, text, post_id, seen_at, version) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
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
