"""A SQLite file used from one worker thread: the single writer of an adapter's tables, off the
event loop. WAL mode; the adapter's named migrations (sqlite-utils) applied at open."""

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


class WorkerDatabase:
    def __init__(self, path: Path | str, migrations: Migrations, thread_name: str) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)
        memory = str(path) == ":memory:"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Used only from the worker thread (and here, before any task is queued).
        conn = sqlite3.connect(str(path), check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        if not memory:
            self.db.enable_wal()
        migrations.apply(self.db)

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._worker, fn)

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        self.db.close()
