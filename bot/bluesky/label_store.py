"""The labeler's tables, in the same SQLite file as the rest (its own migration set,
"factbot-labels"), used through one worker thread like every store:
- `labels`: one row per labelled post (by URI): its label, why, its state (`bot.labels.LabelState`)
  and what the check stated (for corrections). A label is written `pending` before it is emitted
  and marked `applied` after, so a crash never labels a post twice; `expires_at` (m002) is when
  Ozone lets an applied label lapse (`[labeler] expiry_days`; NULL: never);
- `label_events`: the audit trail of every label decision (label, approve, reject, negate, keep,
  retract, appeal), who made it and why;
- `label_reports`: each Ozone report or appeal handled, by Ozone's event id (once, ever).

`bot/retention.py` prunes their settled part (a label withdrawn or lapsed before the cutoff, its
audit lines, reports handled below the watermark); never a label in force, pending or awaiting,
nor an operator's decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from bot.database import Database, Tables
from bot.labels import IN_FORCE_SQL, LabelState

migrations = Migrations("factbot-labels")


@migrations()
def m001_labels(db: sqlite_utils.Database) -> None:
    db.table("labels").create(
        {
            "uri": str,  # the labelled post
            "cid": str,
            "value": str,  # altered-quote | unsourced-quote
            "why": str,  # reply | viral | report
            "verdict": str,
            "state": str,  # awaiting | pending | applied | negating | negated | dropped
            "stated": str,  # JSON (bot.corrections.Stated) or NULL
            "created_at": str,
            "applied_at": str,
            "negated_at": str,
        },
        pk="uri",
    )
    db.table("label_events").create(
        {
            "id": int,
            "uri": str,
            "value": str,
            "action": str,  # label | negate | approve | reject | keep | retract | appeal
            "actor": str,  # "factbot", an operator, or the reporter's DID
            "detail": str,
            "at": str,
        },
        pk="id",
    )
    db.table("label_reports").create(
        {"event_id": int, "kind": str, "subject": str, "status": str, "at": str},
        pk="event_id",
    )


@migrations()
def m002_expires_at(db: sqlite_utils.Database) -> None:
    db.table("labels").add_column("expires_at", str)


@dataclass(frozen=True)
class LabelRow:
    uri: str
    cid: str
    value: str
    why: str
    verdict: str
    state: LabelState
    stated: str | None


_COLUMNS = "uri, cid, value, why, verdict, state, stated"


class LabelStore(Tables):
    def __init__(self, database: Database | Path | str) -> None:
        super().__init__(database, migrations)

    async def add(
        self,
        row: LabelRow,
        now: datetime,
    ) -> LabelRow:
        """Write the label unless the post has one (in any state); the row as it stands."""

        def add() -> LabelRow:
            with self.db.conn:
                self.db.execute(
                    f"INSERT OR IGNORE INTO labels ({_COLUMNS}, created_at) "  # noqa: S608 - fixed names
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        row.uri,
                        row.cid,
                        row.value,
                        row.why,
                        row.verdict,
                        row.state,
                        row.stated,
                        now.isoformat(),
                    ],
                )
            found = self._get(row.uri)
            assert found is not None  # noqa: S101 - just written
            return found

        return await self._run(add)

    def _get(self, uri: str) -> LabelRow | None:
        got = self.db.execute(
            f"SELECT {_COLUMNS} FROM labels WHERE uri = ?",  # noqa: S608 - fixed names
            [uri],
        ).fetchone()
        return None if got is None else LabelRow(*got)

    async def get(self, uri: str) -> LabelRow | None:
        return await self._run(lambda: self._get(uri))

    async def move(
        self,
        uri: str,
        before: tuple[LabelState, ...],
        after: LabelState,
        now: datetime,
        expires_at: datetime | None = None,
    ) -> bool:
        """Move the label to `after` if it is in one of `before` (`expires_at`: when an applied
        label lapses in Ozone); whether it moved."""
        sets, values = ["state = ?"], [str(after)]
        stamp = {"applied": "applied_at", "negated": "negated_at"}.get(after)
        if stamp:
            sets.append(f"{stamp} = ?")
            values.append(now.isoformat())
        if expires_at is not None:
            sets.append("expires_at = ?")
            values.append(expires_at.isoformat())

        def move() -> bool:
            marks = ", ".join("?" for _ in before)
            with self.db.conn:
                cur = self.db.execute(
                    f"UPDATE labels SET {', '.join(sets)} WHERE uri = ? AND state IN ({marks})",  # noqa: S608 - fixed names
                    [*values, uri, *before],
                )
            return cur.rowcount > 0

        return await self._run(move)

    async def in_states(self, *states: LabelState) -> list[LabelRow]:
        def select() -> list[LabelRow]:
            marks = ", ".join("?" for _ in states)
            rows = self.db.execute(
                f"SELECT {_COLUMNS} FROM labels WHERE state IN ({marks}) ORDER BY created_at",  # noqa: S608 - fixed names
                list(states),
            ).fetchall()
            return [LabelRow(*r) for r in rows]

        return await self._run(select)

    async def in_force(self, now: datetime) -> list[LabelRow]:
        """The labels applied and not lapsed at `now` (no `expires_at`, or one still ahead)."""

        def select() -> list[LabelRow]:
            rows = self.db.execute(
                f"SELECT {_COLUMNS} FROM labels WHERE {IN_FORCE_SQL} ORDER BY created_at",  # noqa: S608 - fixed names
                [now.isoformat()],
            ).fetchall()
            return [LabelRow(*r) for r in rows]

        return await self._run(select)

    async def event(
        self, uri: str, value: str, action: str, actor: str, detail: str, now: datetime
    ) -> None:
        """One line of the audit trail."""

        def add() -> None:
            with self.db.conn:
                self.db.table("label_events").insert(
                    {
                        "uri": uri,
                        "value": value,
                        "action": action,
                        "actor": actor,
                        "detail": detail[:500],
                        "at": now.isoformat(),
                    }
                )

        await self._run(add)

    async def events(self, uri: str) -> list[tuple[str, str, str]]:
        """(action, actor, detail) of the post's label, oldest first."""

        def select() -> list[tuple[str, str, str]]:
            rows = self.db.execute(
                "SELECT action, actor, detail FROM label_events WHERE uri = ? ORDER BY id", [uri]
            ).fetchall()
            return [(str(a), str(b), str(c)) for a, b, c in rows]

        return await self._run(select)

    # --- reports and appeals ----------------------------------------------------------------

    async def claim_report(self, event_id: int, kind: str, subject: str, now: datetime) -> bool:
        """True when this Ozone event was never handled (now claimed). A claim left by a crash
        is handed out again (its effects are idempotent: a check, a label by URI)."""

        def claim() -> bool:
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO label_reports (event_id, kind, subject, status, at) "
                    "VALUES (?, ?, ?, 'claimed', ?)",
                    [event_id, kind, subject, now.isoformat()],
                )
            got = self.db.execute(
                "SELECT status FROM label_reports WHERE event_id = ?", [event_id]
            ).fetchone()
            return bool(got and got[0] == "claimed")

        return await self._run(claim)

    async def finish_report(self, event_id: int, status: str) -> None:
        def done() -> None:
            with self.db.conn:
                self.db.execute(
                    "UPDATE label_reports SET status = ? WHERE event_id = ?", [status, event_id]
                )

        await self._run(done)

    async def reports_watermark(self) -> int:
        """The Ozone event id below which every report was handled: just under the oldest
        claim a crash left unfinished, else the newest handled."""

        def get() -> int:
            open_ = self.db.execute(
                "SELECT MIN(event_id) FROM label_reports WHERE status = 'claimed'"
            ).fetchone()[0]
            if open_ is not None:
                return int(open_) - 1
            top = self.db.execute("SELECT MAX(event_id) FROM label_reports").fetchone()[0]
            return int(top or 0)

        return await self._run(get)

    async def report(self, event_id: int) -> tuple[str, str] | None:
        """(kind, subject) of a handled report or appeal."""

        def get() -> tuple[str, str] | None:
            got = self.db.execute(
                "SELECT kind, subject FROM label_reports WHERE event_id = ?", [event_id]
            ).fetchone()
            return None if got is None else (str(got[0]), str(got[1]))

        return await self._run(get)
