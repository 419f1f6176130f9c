"""The SQLite store, through sqlite-utils: an audit trail of every check.

Schema changes are named migrations (sqlite-utils' `Migrations`), each applied once inside a
transaction. WAL mode, so readers (`factbot status`, the tuning tool) never block the writer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

from bot.corrections import Found
from bot.database import Database, Tables
from bot.domain import CheckResult
from bot.pages.record import PageCheck, from_row, match_to_json

migrations = Migrations("factbot")


@migrations()
def m001_checks(db: sqlite_utils.Database) -> None:
    checks = db.table("checks")
    checks.create(
        {
            "id": int,
            "post_id": str,
            "post_text": str,
            "post_created_at": str,
            "post_url": str,
            "post_author": str,
            "checked_at": str,
            "corpus_version": str,
            "model": str,
            "verdict": str,
            "score": float,
            "quote_id": str,
            "event_id": str,
            "scores": str,  # JSON: embedding, lexical, gate decision, best sentence id
            "discrepancies": str,  # JSON list, as in the check contract
            "reply": str,  # JSON: {"bluesky": [...], "telegram": "..."}
        },
        pk="id",
    )
    checks.create_index(["post_id"])
    checks.create_index(["checked_at"])


@migrations()
def m002_gated(db: sqlite_utils.Database) -> None:
    # 1: the models scored the post; 0: the gate turned it away first (NULL in older rows).
    db.table("checks").add_column("gated", int)


@migrations()
def m003_corrections(db: sqlite_utils.Database) -> None:
    """The audit trail of corrections: one row per changed fact of each corrected output."""
    table = db.table("corrections")
    table.create(
        {
            "id": int,
            "key": str,  # the correction's outbox key
            "platform": str,  # "bluesky" | "telegram"
            "kind": str,  # "reply" | "card" | "review"
            "output_id": str,
            "field": str,
            "sentence_id": str,
            "old": str,
            "new": str,  # null: it left the verified corpus
            "stated_version": str,  # the corpus the output was published from
            "corpus_version": str,  # the corpus it is corrected to
            "corrected_at": str,
        },
        pk="id",
        not_null={"key", "field"},
        defaults={"sentence_id": ""},
    )
    table.create_index(["key", "field", "sentence_id"], unique=True)


@migrations()
def m004_admitted(db: sqlite_utils.Database) -> None:
    # The m002 column, named for what its 1 means: the gate admitted the post (no table copy).
    db.execute("ALTER TABLE checks RENAME COLUMN gated TO admitted")


@migrations()
def m005_match(db: sqlite_utils.Database) -> None:
    """The whole match as JSON (`bot.pages.record.match_to_json`): what a check page is built
    from (NULL for no match, and in rows older than this). Skipped when the column is there
    (a store written by this branch before its migration was renumbered)."""
    if "match" not in db.table("checks").columns_dict:
        db.table("checks").add_column("match", str)


class Store:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(path)
        if str(path) != ":memory:":
            self.db.enable_wal()
        migrations.apply(self.db)

    def record_checks(
        self,
        results: Sequence[CheckResult],
        corpus_version: str,
        model: str,
        at: datetime | None = None,
    ) -> None:
        """Append one audit row per check (checked `at`, default now), in one transaction."""
        _insert(self.db, results, corpus_version, model, at)

    def checks(self) -> Iterator[dict[str, Any]]:
        yield from self.db["checks"].rows_where(order_by="id")

    def close(self) -> None:
        self.db.close()


class AuditLog(Tables):
    """The audit trail for the live bot: the same table, written on the file's one worker."""

    def __init__(self, database: Database | Path | str) -> None:
        super().__init__(database, migrations)

    async def record(
        self,
        results: Sequence[CheckResult],
        corpus_version: str,
        model: str,
        at: datetime | None = None,
    ) -> None:
        if results:
            await self._run(lambda: _insert(self.db, results, corpus_version, model, at))

    async def record_correction(
        self, key: str, found: Found, corpus_version: str, now: datetime
    ) -> None:
        """One row per change of `found`, once per correction key (written before it is sent,
        so a crash between the two leaves the row, and a retry adds none)."""
        rows = [
            {
                "key": key,
                "platform": found.output.platform,
                "kind": found.output.kind,
                "output_id": found.output.id,
                "field": change.field,
                "sentence_id": change.sentence_id,
                "old": change.old,
                "new": change.new,
                "stated_version": found.output.stated.corpus_version,
                "corpus_version": corpus_version,
                "corrected_at": now.isoformat(),
            }
            for change in found.changes
        ]

        def insert() -> None:
            with self.db.conn:
                self.db.table("corrections").insert_all(rows, ignore=True)

        await self._run(insert)

    async def corrections(self) -> list[dict[str, Any]]:
        return await self._run(lambda: list(self.db["corrections"].rows_where(order_by="id")))


def _insert(
    db: sqlite_utils.Database,
    results: Sequence[CheckResult],
    corpus_version: str,
    model: str,
    at: datetime | None,
) -> None:
    """One audit row per check (checked `at`, default now), in one transaction."""
    now = (at or datetime.now(UTC)).isoformat()
    with db.conn:
        db.table("checks").insert_all([_row(r, corpus_version, model, now) for r in results])


def _row(r: CheckResult, corpus_version: str, model: str, now: str) -> dict[str, Any]:
    contract = r.to_json()
    return {
        "post_id": r.post.id,
        "post_text": r.post.text,
        "post_created_at": r.post.created_at.isoformat() if r.post.created_at else None,
        "post_url": r.post.url,
        "post_author": r.post.author,
        "checked_at": now,
        "corpus_version": corpus_version,
        "model": model,
        "verdict": r.verdict,
        "score": r.score,
        "admitted": int(r.admitted),
        "quote_id": r.match.quote_id if r.match else None,
        "event_id": r.match.event_id if r.match else None,
        "scores": json.dumps(r.scores.to_json(), ensure_ascii=False),
        "discrepancies": json.dumps(contract["discrepancies"], ensure_ascii=False),
        "reply": json.dumps(contract["reply"], ensure_ascii=False),
        "match": match_to_json(r.match) if r.match else None,
    }


# A review's page appears once an operator approved it: the first approval of the post in the
# Telegram adapter's decisions (read here, never written), as `approved_at`.
_PUBLISHED = (
    "SELECT c.*, a.approved_at FROM checks c LEFT JOIN ("
    " SELECT post_id, MIN(decided_at) AS approved_at FROM telegram_decisions"
    " WHERE decision = 'approve' GROUP BY post_id) a ON a.post_id = c.post_id"
    " WHERE c.verdict = 'match' OR (c.verdict = 'review' AND a.approved_at IS NOT NULL)"
    " ORDER BY c.id"
)
_MATCHES = "SELECT * FROM checks WHERE verdict = 'match' ORDER BY id"  # no Telegram tables yet


def published_checks(db_path: Path | str) -> list[PageCheck]:
    """Every published check in the store, oldest first: the matches, and the reviews an
    operator approved; [] with no store or no checks yet. The file is opened read-only, so
    this runs beside the live bot."""
    path = Path(db_path)
    if not path.exists():
        return []
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "checks" not in tables:
            return []
        rows = conn.execute(_PUBLISHED if "telegram_decisions" in tables else _MATCHES)
        return [c for c in (from_row(dict(r)) for r in rows) if c is not None]
