"""The Bluesky tables of corrections (`m003_stated` in `bot/bluesky/store.py`), on the
store's worker: what each reply stated (`bluesky_stated`, written before it is sent) and each
correction posted under it (`bluesky_corrections`; its post goes through `bluesky_outbox` like
any reply post)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.bluesky.store import BlueskyStore, OutboxRow, outbox_of
from bot.corrections import Change, Output, Stated


class StatedTables:
    def __init__(self, store: BlueskyStore) -> None:
        self.store, self.db = store, store.db

    async def record_stated(self, target: str, stated: Stated, now: datetime) -> None:
        """What the reply to `target` states, written before it is sent (the first one kept)."""

        def put() -> None:
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO bluesky_stated (target, corpus_version, stated, "
                    "created_at) VALUES (?, ?, ?, ?)",
                    [target, stated.corpus_version, stated.to_json(), now.isoformat()],
                )

        await self.store._run(put)

    async def outputs(self) -> list[Output]:
        """Every reply sent in full that stated facts, with what it states now: the facts of
        its last correction (written, whether or not posted yet), else its own."""

        def read() -> list[Output]:
            rows = self.db.execute(
                "SELECT s.target, COALESCE((SELECT c.stated FROM bluesky_corrections c "
                "WHERE c.target = s.target ORDER BY c.id DESC LIMIT 1), s.stated) "
                "FROM bluesky_stated s WHERE EXISTS (SELECT 1 FROM bluesky_outbox o "
                "WHERE o.target = s.target AND o.key LIKE 'bluesky|%|reply:%') "
                "AND NOT EXISTS (SELECT 1 FROM bluesky_outbox o WHERE o.target = s.target "
                "AND o.key LIKE 'bluesky|%|reply:%' AND o.status != 'sent') ORDER BY s.created_at"
            ).fetchall()
            return [Output("bluesky", "reply", t, Stated.from_json(j)) for t, j in rows]

        return await self.store._run(read)

    async def thread_tail(self, target: str) -> tuple[OutboxRow, OutboxRow]:
        """(the first, the last) post the bot sent under `target`: its reply's first part
        (whose record holds the thread's root) and the last post, a reply part or an earlier
        correction."""

        def read() -> tuple[OutboxRow, OutboxRow]:
            parts = [
                outbox_of(r)
                for r in self.db["bluesky_outbox"].rows_where(
                    "target = ? AND key LIKE 'bluesky|%|reply:%' AND status = 'sent'",
                    [target],
                    order_by="part",
                )
            ]
            fixes = [
                outbox_of(r)
                for r in self.db.query(
                    "SELECT o.* FROM bluesky_corrections c JOIN bluesky_outbox o ON o.key = c.key "
                    "WHERE c.target = ? AND o.status = 'sent' ORDER BY c.id",
                    [target],
                )
            ]
            return parts[0], (fixes or parts)[-1]

        return await self.store._run(read)

    async def add_correction(
        self,
        key: str,
        target: str,
        rkey: str,
        record: dict[str, Any],
        stated: Stated,
        changes: Sequence[Change],
        now: datetime,
    ) -> OutboxRow:
        """The correction post written as pending in the outbox, and the correction itself, in
        one transaction (once per key: an existing row is returned unchanged)."""

        def add() -> OutboxRow:
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO bluesky_outbox (key, target, part, rkey, record, "
                    "status, created_at) VALUES (?, ?, 0, ?, ?, 'pending', ?)",
                    [key, target, rkey, json.dumps(record), now.isoformat()],
                )
                self.db.execute(
                    "INSERT OR IGNORE INTO bluesky_corrections (key, target, stated, changes, "
                    "created_at) VALUES (?, ?, ?, ?, ?)",
                    [
                        key,
                        target,
                        stated.to_json(),
                        json.dumps([c.to_json() for c in changes], ensure_ascii=False),
                        now.isoformat(),
                    ],
                )
            return outbox_of(next(self.db["bluesky_outbox"].rows_where("key = ?", [key])))

        return await self.store._run(add)
