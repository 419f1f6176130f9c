"""The SQLite file, used from one worker thread: the single writer of the whole file, off the
event loop. The runtime (the composition root) opens one `Database` and hands it to every store
(the audit trail, the Bluesky and the Telegram tables alike), so statements never race for the
write lock; it closes the database after the stores. WAL mode, so readers (`factbot status`)
never block it. Each store (`Tables`) applies its own named migrations (sqlite-utils) when it is
built, on the worker."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import sqlite_utils
from sqlite_utils import Migrations

T = TypeVar("T")


class Database:
    """One file (or ":memory:"), one connection, one worker thread."""

    def __init__(self, path: Path | str) -> None:
        memory = str(path) == ":memory:"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        # Used only from the worker thread (and here, before any task is queued).
        conn = sqlite3.connect(path, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        if not memory:
            self.db.enable_wal()
        self.closed = False

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the worker."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, fn)

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the worker and wait for it, from a thread that is neither the worker nor
        the event loop's (the image reader's threads, a one-shot command)."""
        return self.worker.submit(fn).result()

    def migrate(self, migrations: Migrations) -> None:
        """Apply a named migration set, on the worker (at start-up: it blocks until done)."""
        self.call(lambda: migrations.apply(self.db))

    async def ping(self) -> None:
        """A round trip to the file through the worker (the health check): it takes the write
        lock and lets it go, so a file locked by another process fails it, as writes would."""

        def probe() -> None:
            conn = self.db.conn
            if conn.in_transaction:  # pragma: no cover - every write commits before returning
                conn.execute("SELECT 1").fetchone()
                return
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")

        await self.run(probe)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.worker.shutdown(wait=True)
        self.db.close()


class Tables:
    """The base of a store: the tables one part of factbot owns in the `Database`, created by
    its migrations. Given the runtime's `Database`, the store shares it and `close()` leaves it
    open (the runtime closes it); given a path (a one-shot command, a test), the store opens a
    database of its own and closes it."""

    def __init__(self, database: Database | Path | str, migrations: Migrations) -> None:
        self._owned = not isinstance(database, Database)
        self.database = database if isinstance(database, Database) else Database(database)
        self.db = self.database.db
        self.database.migrate(migrations)

    async def _run(self, fn: Callable[[], T]) -> T:
        return await self.database.run(fn)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the database's worker (for code that shares this file: the limits, the
        prune job)."""
        return await self.database.run(fn)

    def migrate(self, migrations: Migrations) -> None:
        """Apply another named migration set to this file, on the worker (at start-up)."""
        self.database.migrate(migrations)

    async def ping(self) -> None:
        await self.database.ping()

    def close(self) -> None:
        if self._owned:
            self.database.close()
