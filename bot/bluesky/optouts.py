"""Accounts that blocked the bot or asked it to stop (`stop` in a mention): they get nothing
more from it, across restarts (`bluesky_optouts`, its own migration set in the shared file)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal, TypeVar

import sqlite_utils
from sqlite_utils import Migrations

from bot.database import Tables

migrations = Migrations("factbot-optouts")
OptOut = Literal["block", "stop"]
T = TypeVar("T")


@migrations()
def m001_optouts(db: sqlite_utils.Database) -> None:
    db.table("bluesky_optouts").create({"did": str, "why": str, "at": str}, pk="did")


class OptOuts:
    """On the Bluesky store's own file and worker (its migrations applied there)."""

    def __init__(self, store: Tables) -> None:
        store.migrate(migrations)
        self.store, self.db = store, store.db

    async def _run(self, fn: Callable[[], T]) -> T:
        return await self.store.run(fn)

    async def add(self, did: str, why: OptOut, now: datetime) -> None:
        def add() -> None:
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO bluesky_optouts (did, why, at) VALUES (?, ?, ?)",
                    [did, why, now.isoformat()],
                )

        await self._run(add)

    async def why(self, did: str) -> str | None:
        """Why the account opted out ("block" or "stop"), or None."""

        def get() -> str | None:
            row = self.db.execute("SELECT why FROM bluesky_optouts WHERE did = ?", [did])
            got = row.fetchone()
            return None if got is None else str(got[0])

        return await self._run(get)
