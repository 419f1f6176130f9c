"""A SQLite file used from one worker thread: the single writer of the whole file, off the event
loop. Every `WorkerDatabase` on the same file in one process shares one connection and one
worker thread (the audit trail, the Telegram and the Bluesky tables alike), so statements never
race for the write lock. WAL mode, so readers (`factbot status`) never block it; each store's
named migrations (sqlite-utils) are applied at open, on the worker."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import sqlite_utils
from sqlite_utils import Migrations

T = TypeVar("T")


class _Shared:
    """One file's connection and worker thread, counted by the stores that use them."""

    def __init__(self, path: str) -> None:
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        memory = path == ":memory:"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Used only from the worker thread (and here, before any task is queued).
        conn = sqlite3.connect(path, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        if not memory:
            self.db.enable_wal()
        self.users = 0


_files: dict[str, _Shared] = {}
_files_lock = threading.Lock()


def _key(path: Path | str) -> str:
    return ":memory:" if str(path) == ":memory:" else str(Path(path).resolve())


class WorkerDatabase:
    def __init__(self, path: Path | str, migrations: Migrations) -> None:
        key = _key(path)
        with _files_lock:
            # ":memory:" is one database per connection: never shared.
            shared = _Shared(key) if key == ":memory:" else _files.get(key) or _Shared(key)
            if key != ":memory:":
                _files[key] = shared
            shared.users += 1
        self._key, self._shared, self._closed = key, shared, False
        self.db = shared.db
        shared.worker.submit(migrations.apply, self.db).result()

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._shared.worker, fn)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the file's worker (for code that shares this file: the limits, the
        prune job)."""
        return await self._run(fn)

    def migrate(self, migrations: Migrations) -> None:
        """Apply another named migration set to this file, on the worker (at start-up)."""
        self._shared.worker.submit(migrations.apply, self.db).result()

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

        await self._run(probe)

    def close(self) -> None:
        with _files_lock:
            if self._closed:
                return
            self._closed = True
            shared = self._shared
            shared.users -= 1
            if shared.users > 0:
                return
            if _files.get(self._key) is shared:
                del _files[self._key]
        shared.worker.shutdown(wait=True)
        shared.db.close()
