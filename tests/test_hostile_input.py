"""Hostile input through the real pipeline, the JSONL reader and the firehose buffer (audit F4,
F5, F7): nothing a post carries stops a run, takes its batch down or moves a cursor past posts
that were never checked; a post's work is bounded; a declared language is only a hint."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils
from conftest import SEED_TEXT
from factories import make_post

from bot.bluesky.firehose import CURSOR, FirehoseWatcher
from bot.bluesky.store import BlueskyStore
from bot.bluesky.watch import Incoming, Watcher
from bot.compare import _date
from bot.config import BlueskyConfig, CompareConfig, Config
from bot.domain import CheckFailure, CheckResult, Corpus, Post
from bot.embed import Embedder, Matrix
from bot.feed import check_lines, open_feed
from bot.inputs import clean_post
from bot.pipeline import Checker, build_checker, check_each
from bot.store import Store

# A matched quote, date words in the framing and a year-1 created_at: compare's date window
# overflowed (OverflowError) and took the whole batch with it.
YEAR_ONE = {
    "id": "year-1",
    "text": "Yesterday LeCun said: 'So the best open source models at the moment in the LLM world "
    "are all Chinese.'",
    "created_at": "0001-01-02T00:00:00Z",
}
GOOD = {"id": "good", "text": SEED_TEXT, "created_at": "2026-05-12T09:00:00Z"}


class Poisoned:
    """The real checker, except that any batch holding a post with id "poison" raises, as a
    bug in some stage would: what an adapter must survive."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self.batches: list[list[str]] = []

    @property
    def corpus(self) -> Corpus:
        return self.checker.corpus

    @property
    def model(self) -> str:
        return self.checker.model

    def check(self, post: Post) -> CheckResult:
        return self.check_many([post])[0]

    def check_many(self, posts: Sequence[Post]) -> list[CheckResult]:
        self.batches.append([p.id for p in posts])
        if any(p.id == "poison" for p in posts):
            raise RuntimeError("a stage broke on this post")
        return self.checker.check_many(posts)


def answers(checker: Checker | Poisoned, lines: list[str], store: Store | None = None) -> list:
    return list(check_lines(checker, store, lines))


# --- the pipeline's own batch --------------------------------------------------------------


def test_year_one_created_at_does_not_take_the_batch(checker: Checker) -> None:
    """A post dated year 1 next to good ones: every post gets its result (the date is ignored
    as absurd, and the date window is clamped), none raises."""
    posts = [
        make_post(GOOD["text"], id="a"),
        Post("b", YEAR_ONE["text"], datetime(1, 1, 2, tzinfo=UTC)),
        make_post(GOOD["text"], id="c"),
    ]
    results = checker.check_many(posts)
    assert ["a", "b", "c"] == [r.post.id for r in results]
    assert ["match", "match", "match"] == [r.verdict for r in results]


def test_check_each_answers_every_post_when_one_raises(checker: Checker) -> None:
    """One post that makes the pipeline raise is answered with a CheckFailure; the others are
    checked (each on its own once the batch failed)."""
    poisoned = Poisoned(checker)
    posts = [make_post(SEED_TEXT, id="a"), make_post("x", id="poison"), make_post("Hi", id="b")]
    out = check_each(poisoned, posts)
    assert [CheckResult, CheckFailure, CheckResult] == [type(o) for o in out]
    assert ["a", "poison", "b"] == [o.post.id for o in out]
    assert isinstance(out[1], CheckFailure) and "a stage broke" in out[1].error
    assert [["a", "poison", "b"], ["a"], ["poison"], ["b"]] == poisoned.batches


def test_boundary_cleaning_makes_every_string_storable() -> None:
    """Lone surrogates become U+FFFD, controls go, a bad lang tag and an absurd date are
    dropped, a huge id is cut: what is left can be written to SQLite and printed as UTF-8."""
    post = Post(
        "\ud800" + "i" * 1000,
        "LeCun \ud83d said \x00 hi\x1b",
        datetime(1, 1, 1, tzinfo=UTC),
        "q" * 10_000,
        "https://x/\udcff",
        "a\x07b",
    )
    cleaned = clean_post(post)
    assert Post(
        "\ufffd" + "i" * 255, "LeCun \ufffd said  hi", None, None, "https://x/\ufffd", "ab"
    ) == (cleaned)
    for value in (cleaned.id, cleaned.text, cleaned.url or "", cleaned.author or ""):
        value.encode("utf-8")


# --- the JSONL reader ---------------------------------------------------------------------------


def hostile_lines() -> list[str]:
    return [
        json.dumps(GOOD),
        "[" * 100_000,
        '{"id": "deep", "text": ' + '{"a": ' * 5_000 + "1" + "}" * 5_000 + "}",
        '{"id": ' + "9" * 5_000 + ', "text": "LeCun"}',
        '{"id": "\\ud800", "text": "Yann LeCun said hello"}',
        '{"id": "surrogate-text", "text": "LeCun \\udfff said the best models are Chinese"}',
        json.dumps(YEAR_ONE),
        json.dumps({"id": True, "text": "LeCun"}),
        json.dumps({"id": "long", "text": "LeCun"}).replace('"long"', '"' + "i" * 300 + '"'),
        json.dumps({"id": 7, "text": "LeCun", "lang": "x" * 10_000}),
        json.dumps({"id": "ctl", "text": "\x00\x1b \u0085 "}),
        json.dumps({**GOOD, "id": "last"}),
    ]


def test_every_bad_line_is_answered_and_the_run_goes_on(checker: Checker, tmp_path: Path) -> None:
    """Deep nesting, a 5,000-digit number, surrogates in the id or text (made U+FFFD), a year-1
    date (refused), a boolean or over-long id: each line gets its answer in order, the good ones
    their result, every answer prints as UTF-8, and every result is in the audit trail."""
    store = Store(tmp_path / "audit.db")
    out = answers(checker, hostile_lines(), store)
    assert list(range(1, 13)) == [o.get("line", i + 1) for i, o in enumerate(out)]
    ids = [o["id"] for o in out]
    assert ["good", None, None, None, "\ufffd", "surrogate-text", "year-1"] == ids[:7]
    assert [None, None, "7", "ctl", "last"] == ids[7:]
    checked = [o["id"] for o in out if "verdict" in o]
    assert ["good", "\ufffd", "surrogate-text", "7", "last"] == checked
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert "nested too deeply" in errors[2] and "nested too deeply" in errors[3]
    assert "4300" in errors[4]
    assert "is not between 1990 and 2100" in errors[7]
    assert '"id" must be a string or a whole number' in errors[8]
    assert '"id" is longer than 256' in errors[9]
    assert '"text" must be a non-empty string' in errors[11]
    for o in out:
        json.dumps(o, ensure_ascii=False).encode("utf-8")
    rows = list(sqlite_utils.Database(tmp_path / "audit.db")["checks"].rows)
    assert checked == [r["post_id"] for r in rows]


def test_a_file_with_a_bom_and_bytes_that_are_not_utf8(checker: Checker, tmp_path: Path) -> None:
    """A UTF-8 BOM is skipped; a line with a byte that is not UTF-8 is answered with an error
    and the lines around it are checked."""
    feed = tmp_path / "feed.jsonl"
    good = json.dumps(GOOD).encode()
    feed.write_bytes(b"\xef\xbb\xbf" + good + b'\n{"id": "bad", "text": "LeCun \xff\xfe"}\n' + good)
    with open_feed(feed) as lines:
        out = answers(checker, list(lines))
    assert ["good", None, "good"] == [o["id"] for o in out]
    assert "line 2: not valid UTF-8" == out[1]["error"]
    assert "match" == out[0]["verdict"] == out[2]["verdict"]


def test_a_post_that_raises_is_answered_and_the_batch_goes_on(checker: Checker) -> None:
    """A post the pipeline raises on gets `{"id", "error", "line"}`; the rest of its batch is
    answered as usual."""
    lines = [json.dumps(GOOD), json.dumps({"id": "poison", "text": "x"}), json.dumps(GOOD)]
    out = answers(Poisoned(checker), lines)
    assert ["match", None, "match"] == [o.get("verdict") for o in out]
    assert {"id": "poison", "line": 2} == {k: out[1][k] for k in ("id", "line")}
    assert "could not be checked: RuntimeError: a stage broke" in out[1]["error"]


# --- the firehose and the search watcher --------------------------------------------------------


def now() -> datetime:
    return datetime(2026, 5, 12, 9, tzinfo=UTC)


def incoming(post_id: str, text: str) -> Incoming:
    uri = f"at://did:plc:x/app.bsky.feed.post/{post_id}"
    return Incoming(uri, "cid", Post(post_id, text, now()), "did:plc:x")


async def firehose(checks: Poisoned | Checker, tmp_path: Path) -> FirehoseWatcher:
    store = BlueskyStore(tmp_path / "bluesky.db")
    watcher = Watcher(None, checks, store, None, BlueskyConfig(), now)  # type: ignore[arg-type]
    return FirehoseWatcher(watcher, url="ws://127.0.0.1:9")


async def test_a_poison_post_on_the_firehose_does_not_drop_its_batch(
    checker: Checker, tmp_path: Path
) -> None:
    """The matching posts buffered with a poison one are tracked, and the cursor is saved past
    them all (the poison post was checked, and failed, on its own)."""
    hose = await firehose(Poisoned(checker), tmp_path)
    hose.pending = [incoming("a", SEED_TEXT), incoming("poison", "x"), incoming("b", SEED_TEXT)]
    hose.seq = 41
    await hose.flush()
    watched = sorted(r["uri"].rsplit("/", 1)[1] for r in await hose.watcher.store.watched())
    assert ["a", "b"] == watched
    assert "41" == await hose.watcher.store.get_state(CURSOR)
    assert [] == hose.pending
    hose.watcher.store.close()


async def test_a_failed_flush_keeps_its_posts_and_its_cursor(
    checker: Checker, tmp_path: Path
) -> None:
    """When the flush fails (here the store refuses writes), its posts go back to the front of
    the buffer and the cursor is not moved, so none of them is skipped."""
    hose = await firehose(checker, tmp_path)
    await hose.watcher.store.set_state(CURSOR, "10", now())
    buffered = [incoming("a", SEED_TEXT), incoming("b", "lovely weather")]
    hose.pending, hose.seq = list(buffered), 42

    async def refused(*args: object) -> bool:
        raise OSError("disk full")

    hose.watcher.store.watch = refused  # type: ignore[method-assign]
    arrived = incoming("c", "later")
    with pytest.raises(OSError, match="disk full"):
        await hose.flush()
    hose.pending.append(arrived)
    assert [*buffered, arrived] == hose.pending
    assert "10" == await hose.watcher.store.get_state(CURSOR)
    hose.watcher.store.close()


# --- bounds (F5) and language (F7) ----------------------------------------------------------------


class Counting:
    """A real embedder that counts the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.texts = inner, inner.name, 0

    def encode(self, texts: Sequence[str]) -> Matrix:
        self.texts += len(texts)
        return self.inner.encode(texts)


def test_a_huge_post_is_cut_and_its_work_bounded(
    config: Config, embedders: dict[str, Embedder]
) -> None:
    """A 120 KB post: at most max_segments sentences and twice as many clauses are embedded,
    the reply says the post was cut, and the result carries only the part checked."""
    counting = {name: Counting(e) for name, e in embedders.items()}
    match = dataclasses.replace(config.match, max_chars=5000, max_segments=20)
    small = build_checker(dataclasses.replace(config, match=match), counting)
    for c in counting.values():
        c.texts = 0
    text = ("Yann LeCun said the best open source models are Chinese. " * 2100)[:120_000]
    result = small.check(make_post(text))
    assert all(c.texts <= 20 + 2 * 20 for c in counting.values())
    assert result.extra.get("cut") is True and 5000 == len(result.post.text)
    cut = "This post is long: I checked only its beginning."
    assert cut in result.reply.bluesky[-1].text and cut in result.reply.telegram
    short = small.check(make_post(SEED_TEXT))
    assert "cut" not in short.extra and cut not in short.reply.telegram


def test_a_declared_language_does_not_change_the_discrepancies(checker: Checker) -> None:
    """The same English text declared en, fr or nonsense gives the same verdict and the same
    discrepancies: the text's own language is compared with the source's."""
    text = 'Yann LeCun said at Davos: "The best open source AI models right now come from China."'
    results = [checker.check(make_post(text, lang=lang)) for lang in ("en", "fr", "q" * 99)]
    found = [[(d.field, d.claimed) for d in r.discrepancies] for r in results]
    assert found[0] == found[1] == found[2]
    assert "reworded" in [f for f, _ in found[0]]
    assert results[0].score == results[1].score


class Searches:
    """A hand-written stand-in for the AppView's searchPosts (the local network's search cannot
    return a post chosen to break the pipeline): the same views every time."""

    def __init__(self, views: list[SimpleNamespace]) -> None:
        self.views = views
        self.app = SimpleNamespace(
            bsky=SimpleNamespace(feed=SimpleNamespace(search_posts=self.search))
        )

    async def search(self, params: dict[str, object]) -> SimpleNamespace:
        return SimpleNamespace(posts=self.views)


def view(rkey: str, text: str, indexed_at: str) -> SimpleNamespace:
    record = SimpleNamespace(text=text, created_at="2026-05-12T09:00:00Z", langs=["en"])
    return SimpleNamespace(
        uri=f"at://did:plc:x/app.bsky.feed.post/{rkey}",
        cid="cid",
        record=record,
        author=SimpleNamespace(did="did:plc:x", handle="x.test"),
        indexed_at=indexed_at,
        like_count=0,
        repost_count=0,
        quote_count=0,
    )


async def test_a_poison_post_in_a_search_does_not_stop_the_query(
    checker: Checker, tmp_path: Path
) -> None:
    """A search whose results hold a post the pipeline raises on: the others are tracked and
    the query's watermark moves to the newest result, instead of the query failing again and
    again until the post scrolls out of the results."""
    store = BlueskyStore(tmp_path / "bluesky.db")
    views = [
        view("a", SEED_TEXT, "2026-05-12T09:00:01Z"),
        view("poison", "x", "2026-05-12T09:00:02Z"),
        view("b", SEED_TEXT, "2026-05-12T09:00:03Z"),
    ]

    async def calls(what: str, fn: Callable[[], Awaitable[Any]], points: int = 0) -> Any:
        return await fn()

    config = BlueskyConfig(search_queries=("LeCun",))
    client = Searches(views)
    watcher = Watcher(client, PoisonedByUri(checker), store, calls, config, now)  # type: ignore[arg-type]
    assert 3 == await watcher.search_once()
    watched = sorted(r["uri"].rsplit("/", 1)[1] for r in await store.watched())
    assert ["a", "b"] == watched
    assert "2026-05-12T09:00:03Z" == await store.get_state("search:LeCun")
    store.close()


class PoisonedByUri(Poisoned):
    """`Poisoned`, keyed on the post's at:// URI (the id a Bluesky post gets)."""

    def check_many(self, posts: Sequence[Post]) -> list[CheckResult]:
        if any(p.id.endswith("/poison") for p in posts):
            raise RuntimeError("a stage broke on this post")
        return self.checker.check_many(posts)


def test_date_windows_are_clamped_at_the_ends_of_the_calendar(checker: Checker) -> None:
    """Compare's date window cannot overflow: "yesterday" said on 2 Jan of year 1 (a date that
    reaches compare unchecked) is named as a date change, and a tolerance wider than the
    calendar covers every date instead of raising OverflowError."""
    event = checker.corpus.events[0]
    year_one = datetime(1, 1, 2, tzinfo=UTC)
    found = _date("yesterday", year_one, event, CompareConfig())
    assert ["date"] == [d.field for d in found]
    assert [] == _date("yesterday", year_one, event, CompareConfig(date_tolerance_days=10**10))
