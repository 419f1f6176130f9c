"""A store of real checks for the page tests: the labelled posts that the real pipeline
matches, the seed post among them, recorded by the real `Store`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from factories import SEED_TEXT, make_post

from bot.pages.record import PageCheck
from bot.pipeline import Checker
from bot.store import Store, published_checks

SEED_ID = "at://did:plc:seedauthor/app.bsky.feed.post/3seed"
SEED_URL = "https://bsky.app/profile/seed.example/post/3seed"
COPY_ID = "at://did:plc:copier/app.bsky.feed.post/3copy"


def seeded_store(checker: Checker, path: Path, extra: Sequence[str] = ()) -> list[PageCheck]:
    """The seed post (and a copy of it, posted a day later by someone else), then each of
    `extra`, recorded in a real SQLite store at `path`; the published checks read back."""
    seed = make_post(SEED_TEXT, id=SEED_ID, created_at="2026-05-12T09:00:00Z")
    seed = dataclasses.replace(seed, url=SEED_URL, author="seed.example")
    copy = make_post(SEED_TEXT, id=COPY_ID, created_at="2026-05-13T10:00:00Z")
    posts = [seed, copy] + [make_post(t, id=f"extra-{i}") for i, t in enumerate(extra)]
    results = checker.check_many(posts)
    store = Store(path)
    at = datetime(2026, 5, 13, 12, 0, tzinfo=UTC)
    for i, result in enumerate(results):
        store.record_checks(
            [result], checker.corpus.version, checker.model, at + timedelta(minutes=i)
        )
    store.close()
    return published_checks(path)
