"""What the bot counts about images and labels, where operators read it: /metrics (Prometheus
text) and `factbot status`. The image reader counts how each image was read (alt text, OCR, a
near-duplicate already read, refused) and writes it to the store's `image_reads`; the live bot
shares its one SQLite `Database` with the images already read and serves the counts on /metrics.
(The labeler's counts, against Ozone, are in tests/test_labeler.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest import DATA
from runtime_support import free_port, running
from telegram_emulator import BotApiEmulator, parse_html
from test_runtime import metric

from bot import status
from bot.cli import main
from bot.config import Config, ImagesConfig, OpsConfig, ScheduleConfig, StoreConfig, TelegramConfig
from bot.images.ocr import Tesseract
from bot.images.reader import ImageInput, ImageReader
from bot.images.seen import SeenImages
from bot.models.vectors import Embedder
from bot.retention import prune
from bot.runtime.metrics import Metrics
from bot.runtime.service import Credentials, Runtime

IMAGES = DATA / "images"
USER = 501
LABELS = {
    (obj := json.loads(line))["file"]: obj
    for line in (IMAGES / "labels.jsonl").read_text("utf-8").splitlines()
    if line.strip()
}


def a_copy_of(card: str) -> str:
    """A re-encoded or cropped copy of `card` from the generated test set."""
    group = card.removesuffix(".png")
    return next(f for f, lab in LABELS.items() if lab["group"] == group and "+" in lab["kind"])


def figures(db: Path) -> status.Status:
    uri = f"{db.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        return status.read_status(conn, datetime.now(UTC), 60)


def test_the_reader_counts_how_each_image_was_read(tmp_path: Path) -> None:
    """OCR, a copy recognised by its hash, alt text with a quote, two refused images: counted in
    memory (for /metrics) and in `image_reads` (for `factbot status`)."""
    db = tmp_path / "factbot.db"
    seen = SeenImages(db)
    reader = ImageReader(Tesseract(), seen, ImagesConfig(max_bytes=2_000_000))
    card = (IMAGES / "card-L001.png").read_bytes()
    assert {"alt": 0, "ocr": 0, "seen": 0, "refused": 0} == reader.counts
    got = reader.read_all([ImageInput(card)], "post-a")
    assert ["ocr"] == [g.source for g in got]
    got = reader.read_all([ImageInput((IMAGES / a_copy_of("card-L001.png")).read_bytes())], "b")
    assert ["seen"] == [g.source for g in got]
    alt = "“We are slowing down progress in the West because of this.” — Yann LeCun"
    got = reader.read_all([ImageInput((IMAGES / "card-L002.png").read_bytes(), alt)], "c")
    assert ["alt"] == [g.source for g in got]
    refused = [ImageInput(b"not an image"), ImageInput(card + b"\0" * 2_000_000)]
    assert [] == reader.read_all(refused, "d")
    assert {"alt": 1, "ocr": 1, "seen": 1, "refused": 2} == reader.counts

    read = figures(db)
    assert {"alt": 1, "ocr": 1, "seen": 1, "refused": 2} == read.images
    assert "images:    alt text 1, OCR 1, copies already read 1, refused 2" in status.describe(read)
    assert read.images == status.to_json(read)["images"]
    seen.close()
    with contextlib.closing(sqlite3.connect(db)) as conn:  # kept `[store] keep_days`, no longer
        assert 0 == prune(conn, datetime.now(UTC), keep_days=30)["image_reads"]
        later = datetime.now(UTC) + timedelta(days=31)
        assert 5 == prune(conn, later, keep_days=30)["image_reads"]

    metrics = Metrics()
    for source in reader.counts:
        metrics.count_images(source, lambda s=source: reader.counts[s])  # type: ignore[misc]
    text = metrics.render().decode()
    assert 'factbot_images_read_total{source="refused"} 2.0' in text
    assert 'factbot_images_read_total{source="ocr"} 1.0' in text


def test_metrics_show_the_labels_applied_negated_and_failed() -> None:
    counts = {"applied": 0, "negated": 0, "failed": 0}
    metrics = Metrics()
    for event in counts:
        metrics.count_labels(event, lambda e=event: counts[e])  # type: ignore[misc]
    assert 'factbot_labels_total{event="applied"} 0.0' in metrics.render().decode()
    counts.update(applied=3, negated=1, failed=2)  # read at scrape time: the counters move
    text = metrics.render().decode()
    for event, n in counts.items():
        assert f'factbot_labels_total{{event="{event}"}} {n:.1f}' in text


@pytest.mark.telegram
@pytest.mark.filterwarnings("ignore:.*retry_after.*")
async def test_the_live_bot_counts_a_photo_read_by_ocr(
    emulator: BotApiEmulator,
    config: Config,
    embedders: dict[str, Embedder],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`factbot run` with Telegram: a quote card sent as a photo is read by OCR; the images
    already read are kept through the runtime's one `Database` (the same as the Telegram
    store's), /metrics counts the read and `factbot status` shows it."""
    db = tmp_path / "factbot.db"
    cfg = dataclasses.replace(
        config,
        store=StoreConfig(db),
        telegram=TelegramConfig(base_url=emulator.base_url, backoff_seconds=0.01),
        images=ImagesConfig(max_bytes=2_000_000),
        schedule=ScheduleConfig(corpus_seconds=3600, outbox_seconds=0.5),
        ops=OpsConfig(port=free_port()),
    )
    runtime = Runtime(cfg, Credentials(telegram=emulator.token), embedders=embedders)
    async with running(runtime):
        assert runtime.images is not None and runtime.images.seen is not None
        assert runtime.outlet is not None
        assert runtime.images.seen.database is runtime.outlet.deps.store.database
        emulator.push_photo(USER, (IMAGES / "card-L001.png").read_bytes(), "/check")
        await emulator.wait_for(lambda: bool(emulator.sent("sendMessage", chat_id=USER)), 120)
        (answer,) = emulator.sent("sendMessage", chat_id=USER)
        assert "(OCR)" in parse_html(str(answer["text"]))[0]
        async with httpx.AsyncClient(base_url=runtime.url) as http:
            text = (await http.get("/metrics")).text
        assert 1 == metric(text, "factbot_images_read_total")
        assert 'factbot_images_read_total{source="ocr"} 1.0' in text
    (tmp_path / "config.toml").write_text(f'[store]\npath = "{db}"\n', "utf-8")
    capsys.readouterr()
    assert 0 == await asyncio.to_thread(
        main, ["--config", str(tmp_path / "config.toml"), "status", "--json"]
    )
    shown = json.loads(capsys.readouterr().out)
    assert {"alt": 0, "ocr": 1, "seen": 0, "refused": 0} == shown["images"]
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert 1 == conn.execute("SELECT count(*) FROM image_seen").fetchone()[0]
