"""Generated posts and JSONL lines for benchmarks/fuzz.py: viral-shaped posts built from the
corpus (its sentences, reworded or invented, its speakers, venues and dates) and hostile ones
(quote marks, emoji and ZWJ sequences, controls, bidi marks, lone surrogates, huge or odd ids,
year-1 and year-9999 dates, odd languages, long texts). Every post is bounded by `max_chars`,
so a run's time grows with the number of posts, not with one post's size."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from bot.domain import Corpus, Post

COMMENT = [
    "Nobody is talking about this.",
    "This is huge.",
    "Read that again.",
    "Wow. Just wow.",
    "He is not wrong",
    "thread 🧵👇",
    "Big if true",
    "the West is done",
    "and the open source community will never recover from this",
    "Source? Trust me bro.",
    "🚨🚨🚨 BREAKING 🚨🚨🚨",
    "Apprenez-en plus ici.",
    "Das ist unglaublich.",
    "这是真的吗？",
]
OTHER_NAMES = ["Sam Altman", "Elon Musk", "Demis Hassabis", "Geoffrey Hinton", "Jensen Huang"]
INTROS = ["{name} just said", "{name} at {venue}:", "{name} on {date}:", "BREAKING: {name}",
          "According to {name},", "{name} admitted", "Said this on stage at {venue}"]  # fmt: skip
QUOTES = [("“", "”"), ('"', '"'), ("'", "'"), ("«", "»"), ("„", "“"), ("「", "」"), ("", "")]
ODD = [
    "\u200d", "\u202e", "\u2066", "\ufeff", "\x00", "\x07", "\x1b[31m", "\u0301" * 40,
    "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "👍🏽", "🇫🇷", "1️⃣", "\ue000", "\ue001",
    "<b>", "</a>", "&amp;", "&", "<", ">", "\u2028", "\r\n", "\t", "@lecun.bsky.social",
    "https://example.com/x?y=1", "#AI", "evil.com", "x@victim", "…", ". lowercase", "\ud800",
    "\udfff", "\U0001f600" * 8,
]  # fmt: skip
LANGS = [None, None, None, "en", "fr", "de", "zh", "xx-YY", "q" * 1000, "\x00", "en\ud800", ""]
IDS = ["9" * 5000, "\ud83d", "", " ", "x" * 10_000, "id\x00", "🙂", "-1", "1e999", "\u202eid"]


class PostMaker:
    """`post(i)` gives the i-th generated post; the same seed gives the same posts."""

    def __init__(self, corpus: Corpus, seed: int, max_chars: int = 1000) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
        self.max_chars = max_chars
        self.sentences = [s.text for s in corpus.sentences()]
        self.invented = [c.text for c in corpus.circulating]
        speakers = [n for s in corpus.speakers for n in (s.name, *s.aliases)]
        self.names = speakers * 3 + OTHER_NAMES
        self.venues = [v for e in corpus.events for v in (e.event, e.venue, e.city) if v]
        self.days = [e.date for e in corpus.events]

    def post(self, i: int) -> Post:
        r = self.rng
        kind = r.random()
        if kind < 0.55:
            text = self.viral()
        elif kind < 0.70:
            text = self.crafted()
        elif kind < 0.82:
            text = self.noise()
        elif kind < 0.95:
            text = self.hostile(self.viral())
        else:
            text = self.long()
        return Post(
            id=self.post_id(i),
            text=text[: self.max_chars] or "x",
            created_at=self.created_at(),
            lang=r.choice(LANGS) if r.random() < 0.3 else None,
        )

    def post_id(self, i: int) -> str:
        return self.rng.choice(IDS) if self.rng.random() < 0.03 else f"fuzz-{i}"

    def created_at(self) -> datetime | None:
        r = self.rng
        roll = r.random()
        if roll < 0.2:
            return None
        if roll < 0.23:  # the edges of datetime: year 1 (F4) and year 9999
            return r.choice([datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC)])
        base = datetime(2026, 5, 12, 9, tzinfo=UTC) + timedelta(days=r.randint(-900, 300))
        offset = timezone(timedelta(minutes=r.choice([0, 0, 60, -300, 345, 840, -720])))
        return base.astimezone(offset)

    def quote(self, text: str) -> str:
        opening, closing = self.rng.choice(QUOTES)
        return f"{opening}{text}{closing}"

    def sentence(self) -> str:
        """A verified sentence, often reworded; sometimes an invented one."""
        r = self.rng
        text = r.choice(self.invented if r.random() < 0.2 else self.sentences)
        words = text.split()
        for _ in range(r.choice([0, 0, 1, 2, 4])):
            op, at = r.random(), r.randrange(len(words)) if words else 0
            if not words:
                break
            if op < 0.35:
                del words[at]
            elif op < 0.7:
                words.insert(at, r.choice(["really", "totally", "never", "all", "Chinese"]))
            else:
                words[at] = words[at].upper()
        return " ".join(words) or text

    def viral(self) -> str:
        r = self.rng
        name = r.choice(self.names)
        intro = r.choice(INTROS).format(
            name=name, venue=r.choice(self.venues), date=self._date_words()
        )
        quotes = " ".join(self.quote(self.sentence()) for _ in range(r.choice([1, 1, 1, 2, 3])))
        tail = " ".join(r.choice(COMMENT) for _ in range(r.randint(0, 3)))
        return f"{intro} {quotes} {tail}".strip()

    def crafted(self) -> str:
        """An attacker's post: a real quote, then an invented one that is long and cut with
        ". lowercase" so that a reply would split it where the attacker wants."""
        r = self.rng
        invented = " ".join(r.choice(COMMENT).rstrip(".") for _ in range(r.randint(2, 8)))
        cut = r.choice([". ", "! ", "? ", "… ", "\n", " "])
        attack = "yann lecun admits that the results of his own lab were invented"
        return f"{r.choice(self.names)}: {self.quote(self.sentence())} “{invented}{cut}{attack}”"

    def noise(self) -> str:
        r = self.rng
        parts = [r.choice(COMMENT + ODD) for _ in range(r.randint(1, 30))]
        return r.choice(["", " ", "\n"]).join(parts)

    def hostile(self, text: str) -> str:
        r = self.rng
        chars = list(text)
        for _ in range(r.randint(1, 12)):
            chars.insert(r.randint(0, len(chars)), r.choice(ODD))
        if r.random() < 0.1:  # a run of ZWJ sequences (quadratic in the normaliser: F5)
            chars.append("👨\u200d👩\u200d👧\u200d👦" * r.randint(10, 200))
        return "".join(chars)

    def long(self) -> str:
        parts: list[str] = []
        while sum(map(len, parts)) < self.max_chars:
            parts.append(self.viral())
        return " ".join(parts)

    def _date_words(self) -> str:
        r = self.rng
        day = r.choice(self.days)
        return r.choice(
            [day.isoformat(), f"{day.day} {day:%B}", "yesterday", "last week", "in January",
             "Dec. 4", "this morning", f"{day.year}", "0001-01-01"]
        )  # fmt: skip


def jsonl_line(maker: PostMaker, i: int) -> str:
    """One line of a JSONL feed: mostly a valid post, sometimes a broken or hostile line."""
    r = maker.rng
    roll = r.random()
    if roll < 0.03:
        return "[" * r.choice([100, 5000, 100_000])
    if roll < 0.05:
        return '{"id": ' + "9" * r.choice([4301, 5000]) + ', "text": "Yann LeCun said hi"}'
    if roll < 0.07:  # invalid UTF-8, read as the CLI reads stdin (surrogateescape)
        raw = json.dumps({"id": f"l{i}", "text": "Yann LeCun said "}).encode()
        return (raw[:-2] + b"\xff\xfe" + raw[-2:]).decode("utf-8", "surrogateescape")
    if roll < 0.09:
        return r.choice(
            ["\ufeff{}", "null", "42", '"text"', "{", '{"text": ""}', '{"text": 5}',
             '{"text": "x", "id": null}', '{"text": "x", "lang": 1}', '{"text": "x", "id": 1.5}',
             '{"text": "x", "created_at": "garbage"}', '{"text": "x", "id": true}']
        )  # fmt: skip
    post = maker.post(i)
    obj: dict[str, Any] = {"id": post.id, "text": post.text}
    if r.random() < 0.03:
        obj["id"] = r.choice([10**30, -(10**20), 7, 0])
    if post.created_at is not None:
        obj["created_at"] = post.created_at.isoformat()
    if post.lang is not None:
        obj["lang"] = post.lang
    return json.dumps(obj, ensure_ascii=r.random() < 0.5)
