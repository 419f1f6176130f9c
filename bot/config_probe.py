"""Bounds and probes behind the config's validation (`bot/config.py` raises the errors).

Every number has an upper bound: a duration beyond a day (seconds), a year (hours) or ten
years (days), a retry count beyond 20 (the backoff doubles each time), or any number beyond a
billion is a typo, and some would overflow the scheduler's or asyncio's arithmetic. The store and
the cache folder are tried at load, so that a path the process cannot use is a config error
(exit 2) rather than a traceback at the first write."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

INT_MAX = 1_000_000_000  # any whole number; durations and retries have tighter bounds
FLOAT_MAX = 1e9
SECONDS_MAX = 86_400.0  # a day
HOURS_MAX = 8_760.0  # a year
DAYS_MAX = 3_650  # ten years
RETRIES_MAX = 20


def bound_problem(key: str, value: Any) -> str | None:
    """What is wrong with `value` for a duration or retry key (by its name), or None."""
    if key.endswith("_seconds") or key == "misfire_grace_time":
        bound, what = SECONDS_MAX, " seconds (a day)"
    elif key.endswith("_hours"):
        bound, what = HOURS_MAX, " hours (a year)"
    elif key.endswith("retries"):
        bound, what = RETRIES_MAX, ""
    else:
        return None
    return f"expected at most {bound:g}{what}" if value > bound else None


def probe_paths(store: Path, cache: Path) -> str | None:
    """Each folder, or the nearest of its parents that exists (the folders are made when first
    used: a refused config leaves nothing behind), must be a folder a file can be written and
    removed in; an existing store file must be an SQLite database (opened read-only: a running
    bot may hold it). The problem as 'key = "value": what', or None."""
    for key, value, folder in (
        ("[store] path", store, store.parent),
        ("[model] cache_dir", cache, cache),
    ):
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        try:
            if existing is None or not existing.is_dir():
                raise NotADirectoryError(f"{existing} is not a folder")
            with tempfile.TemporaryFile(dir=existing):
                pass
        except OSError as exc:
            return f'{key} = "{value}": cannot write there ({exc.strerror or exc})'
    if store.is_dir():
        return f'[store] path = "{store}": a folder, expected a database file'
    if store.exists():
        try:
            conn = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                conn.close()
        except (sqlite3.Error, OSError) as exc:
            return f'[store] path = "{store}": not a usable SQLite database ({exc})'
    return None
