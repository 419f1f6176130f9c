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
from bot.telegram.store import TelegramStore

SEED_ID = "at://did:plc:seedauthor/app.bsky.feed.post/3seed"
SEED_URL = "https://bsky.app/profile/seed.example/post/3seed"
COPY_ID = "at://did:plc:copier/app.bsky.feed.post/3copy"
REVIEWED = "LeCun: 'Anthropic never was.'"  # a real borderline case (labelled L089)
REVIEW_ID = "at://did:plc:borderline/app.bsky.feed.post/3kreview"
APPROVED_AT = datetime(2026, 5, 15, 8, 30, tzinfo=UTC)


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


async def approved_review(checker: Checker, path: Path) -> list[PageCheck]:
    """The seeded store at `path`, plus a `review` (REVIEWED, checked on 13 May) that an
    operator approved on APPROVED_AT through the Telegram adapter's store; the published checks
    read back (the review's page exists only from the approval)."""
    seeded_store(checker, path)
    post = make_post(REVIEWED, id=REVIEW_ID, created_at="2026-05-13T08:00:00Z")
    result = checker.check(post)
    assert "review" == result.verdict
    audit = Store(path)
    at = datetime(2026, 5, 13, 13, tzinfo=UTC)
    audit.record_checks([result], checker.corpus.version, checker.model, at)
    audit.close()
    assert REVIEW_ID not in [c.post.id for c in published_checks(path)]  # waits for an operator
    store = TelegramStore(path)
    try:
        review_id = await store.add_review(
            {"post_id": REVIEW_ID, "verdict": "review", "score": result.score, "target": "",
             "card": "", "bluesky": "[]", "review_html": "", "chat_id": "-100",
             "created_at": at.isoformat()}
        )  # fmt: skip
        review = await store.review(review_id) if review_id is not None else None
        assert review is not None
        assert await store.decide(review, "approve", 42, "Ana (42)", APPROVED_AT)
    finally:
        store.close()
    return published_checks(path)
