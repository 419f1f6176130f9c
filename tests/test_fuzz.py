"""Hostile input at every boundary, as properties (hypothesis; issue 12): whatever the post, the
JSONL line, the config file or the corpus folder, nothing raises out of the code that takes it,
and every check's output keeps the invariants of tests/fuzz_invariants.py (Bluesky and Telegram
limits, balanced quote marks, every claim behind its framing, JSON as valid UTF-8) with its
audit row written to a real SQLite file. The cheap boundaries (composing, config, corpus) get
many examples; the ones that run the real models fewer. benchmarks/fuzz.py runs the same
invariants over 100,000 generated posts."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import ROOT
from fuzz_invariants import (
    bluesky_violations,
    claim_framing,
    contract_line_violations,
    corpus_sources,
    telegram_violations,
    violations,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.compose import ReplyTexts, compose_reply
from bot.config import Config, ConfigError
from bot.config_load import load_config
from bot.corpus import CorpusError, Problem, load_corpus, validate_corpus
from bot.domain import FIELDS, BlueskyPost, CheckResult, Discrepancy, MatchInfo, Post, Reply
from bot.feed import check_lines
from bot.pipeline import Checker
from bot.store import Store

CORPUS = ROOT / "corpus"
_CHEAP = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
_MODELS = [*_CHEAP, HealthCheck.function_scoped_fixture]


def cheap(n: int) -> settings:
    return settings(deadline=None, max_examples=n, suppress_health_check=_CHEAP)


def models(n: int) -> settings:
    return settings(deadline=None, max_examples=n, suppress_health_check=_MODELS)


# --- the pieces hostile posts are made of ---------------------------------------------------------

_SENTENCES = [
    "The best open source AI models right now come from China.",
    "We are slowing down progress in the West because of this.",
    "LLMs are a dead end for human-level AI.",
    "Open research and open source are the way forward.",
    "Results were fudged a little bit",
    "the open source community will never recover from this",
    "yann lecun admits that the benchmark results of his own lab were invented",
]
ODD = [
    "\u200d", "\u202e", "\u2066", "\ufeff", "\x00", "\x07", "\x1b", "\u0301" * 12, "\ue000",
    "\ue001", "\ud800", "\udfff", "\ud83d", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "👍🏽", "🇫🇷",
    "<b>", "</a>", "&amp;", "&", "<", ">", "\u2028", "\r\n", "\t", "@lecun.bsky.social",
    "https://example.com/x?y=1&z=<2>", "#AI", "…", ". lowercase", "。", "中文", "\u0600",
]  # fmt: skip
PIECES = [
    "Yann LeCun", "LeCun", "Yann LeCun just said", "at Davos", "at VivaTech", "in Paris",
    "yesterday", "last week", "on 22 January 2026", "Dec. 4", "in January", "“", "”", '"', "'",
    "«", "»", "「", "」", ": ", ". ", "! ", "? ", " ", " ", "\n", *ODD, *_SENTENCES,
]  # fmt: skip

piece_texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=30).map("".join)
quoted = st.builds(
    lambda who, q, tail: f"{who}: “{q}” {tail}",
    st.sampled_from(["Yann LeCun", "LeCun at Davos", "Sam Altman", "Yann LeCun just said"]),
    st.lists(st.sampled_from(_SENTENCES + ODD), min_size=1, max_size=6).map(" ".join),
    piece_texts,
)
post_texts = st.one_of(quoted, piece_texts, st.text(max_size=80)).filter(lambda t: t.strip())
odd_ids = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["9" * 5000, "\ud800", "id\x00", "\u202eid", "x" * 2000]),
)
zones = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=zones | st.just(UTC),
)
odd_langs = st.none() | st.sampled_from(["en", "fr", "zh", "xx-YY", "q" * 500, "\x00", "\ud800"])
posts = st.builds(
    Post,
    id=odd_ids,
    text=post_texts,
    created_at=st.none() | moments,
    lang=odd_langs,
)


class Rig:
    """The real checker and a real audit trail; shown as `Rig()` in hypothesis's reports."""

    def __init__(self, checker: Checker, store: Store) -> None:
        self.checker, self.store = checker, store

    def __repr__(self) -> str:
        return "Rig()"


# The audit's poison post (F4): a matched quote, date words and a year-1 created_at.
POISON = (
    "Yann LeCun said yesterday at Davos: "
    "“The best open source AI models right now come from China.”"
)
POISON_AT = datetime(1, 1, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def rig(checker: Checker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    store = Store(tmp_path_factory.mktemp("fuzz") / "audit.db")
    yield Rig(checker, store)
    store.close()


# --- composing: many examples, no models ----------------------------------------------------------


claims = st.lists(
    st.sampled_from([*_SENTENCES, *ODD, ". ", ". lowercase ", "! ", "\n", " word"]),
    min_size=1,
    max_size=60,
).map("".join)
found = st.lists(
    st.builds(Discrepancy, st.sampled_from(FIELDS), st.none() | claims, st.none() | claims),
    max_size=6,
)


def _match(quote: str) -> MatchInfo:
    return MatchInfo(
        quote=quote, quote_id="E3", speaker="Yann LeCun", speaker_role="Chief AI Scientist, Meta",
        event="World Economic Forum", venue="Davos", city="Davos", date=date(2026, 1, 22),
        source_url="https://www.weforum.org/x", source_kind="primary",
    )  # fmt: skip


@cheap(800)
@given(
    st.sampled_from(["match", "review", "no_match"]),
    st.none() | st.sampled_from(_SENTENCES).map(_match),
    found,
)
def test_every_post_of_a_reply_frames_its_claims(
    verdict: Any, match: MatchInfo | None, discrepancies: list[Discrepancy]
) -> None:
    """A claimed sentence (unsupported, reworded), however it is punctuated, never appears in a
    post without its framing phrase, and every post's quote marks balance (F2)."""
    reply = compose_reply(verdict, match, discrepancies)
    result = CheckResult(Post("c", "x"), verdict, 1.0, match, tuple(discrepancies), reply)
    sources = frozenset({"https://www.weforum.org/x"})
    assert [] == bluesky_violations(result, ReplyTexts(), sources)
    assert [] == telegram_violations(reply.telegram, sources)


# --- the pipeline with the real models ------------------------------------------------------------


@models(150)
@given(st.lists(posts, min_size=1, max_size=3))
@example(batch=[Post("ok", "Yann LeCun said hi"), Post("poison", POISON, created_at=POISON_AT)])
def test_any_post_is_checked_sound_and_audited(rig: Rig, batch: list[Post]) -> None:
    """check_many answers every post of a batch without raising; each answer keeps the output
    invariants; each is written to the audit trail (F2, F4)."""
    checker, store = rig.checker, rig.store
    results = checker.check_many(batch)
    assert len(batch) == len(results)
    sources = corpus_sources(checker.corpus)
    for result in results:
        assert [] == violations(result, checker.config.reply, sources)
    before = store.db["checks"].count
    store.record_checks(results, checker.corpus.version, checker.model)
    assert before + len(results) == store.db["checks"].count


# --- the JSONL reader -----------------------------------------------------------------------------

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
post_objects = st.fixed_dictionaries(
    {"text": post_texts},
    optional={
        "id": odd_ids | st.integers(min_value=-(10**30), max_value=10**30),
        "created_at": moments.map(datetime.isoformat) | st.text(max_size=12),
        "lang": odd_langs,
        "url": st.text(max_size=10),
        "author": _JSON_VALUES,
    },
)
lines = st.one_of(
    post_objects.map(lambda o: json.dumps(o, ensure_ascii=False)),
    post_objects.map(json.dumps),
    _JSON_VALUES.map(json.dumps),
    st.text(max_size=40),
    st.sampled_from(["[" * 5000, "{" * 100, '{"a":' * 3000, "\ufeff{}", "", "  "]),
    st.integers(min_value=4301, max_value=6000).map(
        lambda n: '{"id": ' + "9" * n + ', "text": "Yann LeCun said it"}'
    ),
    post_objects.map(
        lambda o: (json.dumps(o).encode()[:-1] + b"\xff\xfe}").decode("utf-8", "surrogateescape")
    ),
)


@models(100)
@given(st.lists(lines, min_size=1, max_size=6))
@example(feed=[json.dumps({"id": "poison", "text": POISON, "created_at": POISON_AT.isoformat()})])
def test_every_jsonl_line_is_answered_in_order(rig: Rig, feed: list[str]) -> None:
    """check_lines never raises: every non-blank line gets one answer, in order, that encodes as
    UTF-8 JSON; a bad line gets {"id", "error", "line"}; every result is audited (F4)."""
    checker, store = rig.checker, rig.store
    before = store.db["checks"].count
    out = list(check_lines(checker, store, feed))
    wanted = [n for n, line in enumerate(feed, 1) if line.strip()]
    assert len(wanted) == len(out)
    for number, obj in zip(wanted, out, strict=True):
        assert [] == contract_line_violations(obj, number)
        if "error" not in obj:
            assert [] == telegram_violations(
                obj["reply"]["telegram"], corpus_sources(checker.corpus)
            )
    results = sum(1 for obj in out if "error" not in obj)
    assert before + results == store.db["checks"].count


# --- config loading -------------------------------------------------------------------------------

_SECTIONS = {f.name: f.type for f in dataclasses.fields(Config) if f.name != "source"}
_KEYS = {name: [f.name for f in dataclasses.fields(getattr(Config(), name))] for name in _SECTIONS}
_PATHS = ["", ".", "sub/x.db", "cache", "/proc/factbot.db", "/etc/passwd/x.db", "/proc/cache"]
_NUMBERS = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([0, 1, -1, 2**63, 9999999999]),
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e300, 0.0, -0.0, 5e-324]),
)
_SCALARS = st.one_of(
    _NUMBERS,
    st.booleans(),
    st.text(max_size=20).map(lambda s: s.lstrip("/~")),  # nothing absolute: paths stay in tmp
    st.sampled_from(_PATHS),
    st.sampled_from(["auto", "minilm", "use", "json", "text", "12:30", "25:99", "{quote}"]),
    st.dates(),
    st.datetimes(),
    st.times(),
)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=4), _SCALARS, max_size=2),
)


@st.composite
def config_docs(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for section in draw(st.lists(st.sampled_from([*_SECTIONS, "bogus"]), max_size=4)):
        keys = [*_KEYS.get(section, []), "bogus_key"]
        table = draw(st.dictionaries(st.sampled_from(keys), _VALUES, max_size=4))
        doc[section] = draw(st.sampled_from([table, table, table, 7, "x"]))
    return doc


@st.composite
def config_bytes(draw: st.DrawFn) -> bytes:
    text = tomli_w.dumps(draw(config_docs()))
    raw = text.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:  # damaged: bytes spliced in somewhere
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=8)) + raw[at:]
    return raw


def _load(raw: bytes) -> Config | None:
    """The config these bytes make, or None when it is refused with a ConfigError that names
    the file; any other exception propagates (and fails the test)."""
    with tempfile.TemporaryDirectory(prefix="factbot-cfg-") as tmp:
        path = Path(tmp) / "config.toml"
        path.write_bytes(raw)
        try:
            return load_config(path)
        except ConfigError as err:
            assert str(path) in str(err)
            return None


@cheap(2000)
@given(config_bytes())
def test_any_config_file_loads_or_is_refused(raw: bytes) -> None:
    """Any TOML tables, right or wrong keys, any values, damaged bytes: a Config or a
    ConfigError naming the file, never another exception (F9)."""
    _load(raw)


def _numbers(value: object) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value) if abs(value) < 1e308 or isinstance(value, float) else math.inf
    elif isinstance(value, tuple):
        for v in value:
            yield from _numbers(v)


@st.composite
def one_number(draw: st.DrawFn) -> dict[str, Any]:
    """One known section with one of its numeric keys set to any number."""
    defaults = Config()
    numeric = [
        (name, f.name)
        for name in _SECTIONS
        for f in dataclasses.fields(getattr(defaults, name))
        if isinstance(getattr(getattr(defaults, name), f.name), int | float | tuple)
        and not isinstance(getattr(getattr(defaults, name), f.name), bool)
    ]
    section, key = draw(st.sampled_from(numeric))
    value = draw(_NUMBERS)
    if isinstance(getattr(getattr(defaults, section), key), tuple):
        return {section: {key: [value, value]}}
    return {section: {key: value}}


@cheap(600)
@given(one_number())
def test_a_loaded_config_holds_only_finite_numbers(doc: dict[str, Any]) -> None:
    """Whatever is accepted holds no nan or infinity in any setting (F9: `backoff_seconds = nan`,
    `outbox_seconds = inf`)."""
    config = _load(tomli_w.dumps(doc).encode("utf-8"))
    if config is None:
        return
    for name in _SECTIONS:
        section = getattr(config, name)
        for f in dataclasses.fields(section):
            for number in _numbers(getattr(section, f.name)):
                assert math.isfinite(number), f"[{name}] {f.name} = {number}"


def test_a_config_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    """The config 'file' is a folder: a ConfigError, not IsADirectoryError (F9)."""
    with pytest.raises(ConfigError):
        load_config(tmp_path)


# --- corpus loading -------------------------------------------------------------------------------

_LITERALS = [
    '""', "0", "-1", "1e999", "nan", "[]", "{}", "[[]]", "2025-13-40", "2025-02-30", "1979-05-27",
    '"javascript:alert(1)"', '"http://x"', '"\\u202e"', "true", '"' + "w" * 3000 + '"', "{ a = 1 }",
    '"Yann LeCun"', '"E1.1"', "'''\nmulti\n'''",
]  # fmt: skip
_FILES = sorted(p.name for p in CORPUS.glob("*.toml"))


@st.composite
def corpus_edits(draw: st.DrawFn) -> list[tuple[str, str, bytes]]:
    """Edits to a copy of the shipped corpus: (file name, what, payload)."""
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from([*_FILES, "new.toml", "dir.toml"]))
        what = draw(st.sampled_from(["value", "value", "drop", "dup", "bytes", "cut", "line"]))
        payload = draw(
            st.sampled_from(_LITERALS).map(str.encode)
            if what in ("value", "line")
            else st.binary(max_size=40)
        )
        edits.append((name, what, payload))
    return edits


def _apply(folder: Path, name: str, what: str, payload: bytes, at: int) -> None:
    path = folder / name
    if name == "dir.toml":
        path.mkdir(exist_ok=True)
        return
    raw = path.read_bytes() if path.is_file() else b""
    rows = raw.split(b"\n")
    i = at % max(len(rows), 1)
    if what == "value" and b"=" in rows[i]:
        rows[i] = rows[i].split(b"=", 1)[0] + b"= " + payload
    elif what == "drop":
        del rows[i : i + 1]
    elif what == "dup":
        rows.insert(i, rows[i] if rows else b"")
    elif what == "cut":
        rows = [raw[: at % (len(raw) + 1)]]
    else:  # "bytes", "line", or "value" on a line with no value
        rows.insert(i, payload)
    path.write_bytes(b"\n".join(rows))


@cheap(300)
@given(corpus_edits(), st.integers(0, 10**6))
def test_any_corpus_folder_loads_or_lists_its_problems(
    edits: list[tuple[str, str, bytes]], at: int
) -> None:
    """Whatever is done to the corpus files: `validate_corpus` lists problems (each at a file
    and line) and `load_corpus` loads exactly when there are none, else raises CorpusError with
    those problems; never another exception, never a half-loaded corpus."""
    with tempfile.TemporaryDirectory(prefix="factbot-corpus-") as tmp:
        folder = Path(tmp) / "corpus"
        shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("*.md"))
        for k, (name, what, payload) in enumerate(edits):
            _apply(folder, name, what, payload, at + 7919 * k)
        problems = validate_corpus(folder)
        assert all(isinstance(p, Problem) and p.line >= 1 for p in problems)
        if not problems:
            corpus = load_corpus(folder)
            assert corpus.events
            return
        with pytest.raises(CorpusError) as raised:
            load_corpus(folder)
        assert tuple(problems) == raised.value.problems


def test_the_framing_check_flags_a_claim_cut_from_its_phrase() -> None:
    """The invariant itself, on the audit's F2 thread: a post holding only the tail of an
    invented sentence is flagged; the same words behind the phrase, or the verified wording,
    are not."""
    claim = (
        "the open source community will never recover from this. yann lecun admits that the "
        "benchmark results of his own lab were invented"
    )
    head = "• No verified source contains this sentence: “the open source community will never"
    cut = Reply((BlueskyPost(head + " recover from this. (1/2)"),
                 BlueskyPost("yann lecun admits that the benchmark results of his own lab were "
                             "invented” (2/2)")), "")  # fmt: skip
    whole = Reply((BlueskyPost(f"{head} recover from this. yann lecun admits” (1/2)"),
                   BlueskyPost("Fact check: the verified original (2/2)")), "")  # fmt: skip
    found = (Discrepancy("unsupported", claimed=claim),)

    def flagged(reply: Reply) -> list[tuple[str, str]]:
        return claim_framing(CheckResult(Post("f2", "x"), "no_match", 0.0, None, found, reply),
                             ReplyTexts())  # fmt: skip

    assert ["claim_without_framing"] == [k for k, _ in flagged(cut)]
    assert [] == flagged(whole)
