"""Hostile input through the real pipeline and the JSONL reader (audit F4, F5, F7, F12): nothing
a post carries stops a run or takes its batch down; every answer prints as UTF-8 and every check
is stored; a post's work is bounded; a declared language is only a hint. The Bluesky watchers'
batches: tests/test_watch_batches.py."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from conftest import SEED_TEXT
from factories import make_post

from bot.compare import date_discrepancies
from bot.config import CompareConfig, Config
from bot.domain import CheckFailure, CheckResult, Corpus, Post
from bot.feed import check_lines, open_feed
from bot.inputs import clean_post
from bot.models.vectors import Embedder, Matrix
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
    assert result.scores.cut is True and 5000 == len(result.post.text)
    cut = "This post is long: I checked only its beginning."
    assert cut in result.reply.bluesky[-1].text and cut in result.reply.telegram
    short = small.check(make_post(SEED_TEXT))
    assert not short.scores.cut and cut not in short.reply.telegram


def test_a_declared_language_does_not_change_the_discrepancies(checker: Checker) -> None:
    """The same English text declared en, fr or nonsense gives the same verdict and the same
    discrepancies: the text's own language is compared with the source's."""
    text = 'Yann LeCun said at Davos: "The best open source AI models right now come from China."'
    results = [checker.check(make_post(text, lang=lang)) for lang in ("en", "fr", "q" * 99)]
    found = [[(d.field, d.claimed) for d in r.discrepancies] for r in results]
    assert found[0] == found[1] == found[2]
    assert "reworded" in [f for f, _ in found[0]]
    assert results[0].score == results[1].score


def test_date_windows_are_clamped_at_the_ends_of_the_calendar(checker: Checker) -> None:
    """Compare's date window cannot overflow: "yesterday" said on 2 Jan of year 1 (a date that
    reaches compare unchecked) is named as a date change, and a tolerance wider than the
    calendar covers every date instead of raising OverflowError."""
    event = checker.corpus.events[0]
    year_one = datetime(1, 1, 2, tzinfo=UTC)
    found = date_discrepancies("yesterday", year_one, event, CompareConfig())
    assert ["date"] == [d.field for d in found]
    assert [] == date_discrepancies(
        "yesterday", year_one, event, CompareConfig(date_tolerance_days=10**10)
    )
