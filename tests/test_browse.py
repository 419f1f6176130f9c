"""`factbot browse`: Datasette over the store, read-only (immutable mode), on loopback, with
the audit tables described."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pages_support import seeded_store
from runtime_support import free_port

from bot.pipeline import Checker

ROOT = Path(__file__).resolve().parent.parent


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - loopback only
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_browse_serves_the_store_read_only_on_loopback(checker: Checker, tmp_path: Path) -> None:
    """The checks are there as JSON, the tables carry their descriptions, a write statement is
    refused and the file is byte for byte what it was."""
    db = tmp_path / "factbot.db"
    seeded_store(checker, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{db}"\n', encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "factbot"), "--config", str(config), "browse",
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until Datasette listens (it exits on error: then fail at once)
            assert proc.poll() is None, proc.communicate()
            try:
                status, versions = get(f"{base}/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert 200 == status
        assert "0.65.5" == versions["datasette"]["version"]
        status, rows = get(f"{base}/factbot/checks.json?_shape=array")
        assert 200 == status
        assert 2 == len(rows)
        assert {"match"} == {r["verdict"] for r in rows}
        assert all(json.loads(r["match"])["event_id"] == "ai-pulse-2025" for r in rows)
        status, meta = get(f"{base}/-/metadata.json")
        tables = meta["databases"]["factbot"]["tables"]
        assert {"checks", "bluesky_outbox", "telegram_reviews", "corrections"} <= set(tables)
        assert tables["checks"]["description"].startswith("One row per check")
        status, _ = get(f"{base}/factbot.json?sql=DELETE+FROM+checks")
        assert 400 == status
        status, databases = get(f"{base}/-/databases.json")
        assert [False] == [d["is_mutable"] for d in databases]  # immutable mode
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with pytest.raises(ConnectionRefusedError):  # Datasette went with it, not left orphaned
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert before == hashlib.sha256(db.read_bytes()).hexdigest()
    assert 2 == len(seeded_rows(db))


def seeded_rows(db: Path) -> list[Any]:
    import sqlite3

    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT id FROM checks").fetchall()
    finally:
        conn.close()


def test_browse_describes_only_tables_and_columns_the_store_has(tmp_path: Path) -> None:
    """Every table and column `factbot browse` describes exists in a store every migration
    built (a renamed column, `gated` → `admitted`, left a description of nothing)."""
    import sqlite_utils

    from bot import store
    from bot.bluesky import label_store, optouts
    from bot.bluesky import schema as bluesky_schema
    from bot.cli.pages import METADATA
    from bot.images import seen
    from bot.telegram import schema as telegram_schema

    db = sqlite_utils.Database(tmp_path / "factbot.db")
    for module in (store, bluesky_schema, telegram_schema, label_store, optouts, seen):
        module.migrations.apply(db)
    tables = METADATA["databases"]["factbot"]["tables"]
    for name, described in tables.items():
        assert db[name].exists(), name
        have = set(db[name].columns_dict)
        assert set(described.get("columns", {})) <= have, (name, have)
