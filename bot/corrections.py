"""Corrections: what a published output stated, and what changed in the corpus since.

Every reply, channel card and review the bot publishes records a `Stated` snapshot: the corpus
version, the event and each of its stated fields, and the quoted sentences with their texts.
After a corpus change, `changes(stated, corpus)` lists what no longer holds (a field's old and
new value; a quoted sentence whose text changed, or that left the verified set), and
`correction_lines` words it with the `[reply]` templates. Pure: no clock, no I/O; the adapters
(`bot/bluesky/corrections.py`, `bot/telegram/corrections.py`) store and send."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bot.compose import ReplyTexts, human_date, render_line
from bot.domain import CheckResult, Corpus, Event, MatchInfo, Sentence
from bot.reply_bluesky import graphemes
from bot.reply_lines import BLUESKY_GRAPHEMES, shown_value

VALUE_CAP = 80  # graphemes of an old or new value shown in a correction


@dataclass(frozen=True)
class StatedField:
    """One fact a reply states about its event: its value in the match that was published, and
    its value in the corpus now. Adding a field to `STATED_FIELDS` is all a new one needs."""

    name: str
    label: str  # how a correction names it
    published: Callable[[MatchInfo], object]
    now: Callable[[Event, Sequence[Sentence]], object]


STATED_FIELDS: tuple[StatedField, ...] = (
    StatedField("event", "event", lambda m: m.event, lambda e, s: e.event),
    StatedField("venue", "venue", lambda m: m.venue, lambda e, s: e.venue),
    StatedField("city", "city", lambda m: m.city, lambda e, s: e.city),
    StatedField("date", "date", lambda m: m.date, lambda e, s: e.date),
    StatedField("speaker_role", "role", lambda m: m.speaker_role, lambda e, s: e.speaker_role),
    StatedField("source_url", "source", lambda m: m.source_url, lambda e, s: e.quote_source(s).url),
    StatedField(
        "basis", "basis", lambda m: m.basis, lambda e, s: s[0].provenance.basis if s else ""
    ),
    StatedField(
        "disputed",
        "disputed wording",
        lambda m: m.disputed,
        lambda e, s: any(x.provenance.disputed for x in s),
    ),
)
# Fields read off the quoted sentences: not compared once none of them is left (the withdrawn
# sentences are the correction then).
FROM_SENTENCES = frozenset({"basis", "disputed"})
SENTENCE_LABEL = "quoted sentence"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.isoformat() if isinstance(value, date) else str(value)


@dataclass(frozen=True)
class Stated:
    """The facts one published output stated."""

    corpus_version: str
    event_id: str
    fields: tuple[tuple[str, str], ...]  # (StatedField.name, value as text), in STATED_FIELDS order
    sentences: tuple[tuple[str, str], ...]  # (sentence id, its text), in quote order

    def field(self, name: str) -> str | None:
        return dict(self.fields).get(name)

    def facts(self) -> str:
        """The facts alone as canonical JSON (no corpus version): equal facts, equal text."""
        body = {"event_id": self.event_id, "fields": self.fields, "sentences": self.sentences}
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    def digest(self) -> str:
        return hashlib.sha256(self.facts().encode()).hexdigest()[:16]

    def to_json(self) -> str:
        return json.dumps(
            {
                "corpus_version": self.corpus_version,
                "event_id": self.event_id,
                "fields": dict(self.fields),
                "sentences": [list(s) for s in self.sentences],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> Stated:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            corpus_version=str(data["corpus_version"]),
            event_id=str(data["event_id"]),
            fields=tuple((str(k), str(v)) for k, v in data["fields"].items()),
            sentences=tuple((str(i), str(t)) for i, t in data["sentences"]),
        )


def stated(result: CheckResult, corpus: Corpus) -> Stated | None:
    """What publishing `result` states; None when it states no verified fact (no match). The
    sentence texts are read from `corpus`, the one the check ran on."""
    match = result.match
    if match is None or not match.event_id:
        return None
    texts = {s.id: s.text for s in corpus.sentences()}
    return Stated(
        corpus_version=result.corpus_version or corpus.version,
        event_id=match.event_id,
        fields=tuple((f.name, _value(f.published(match))) for f in STATED_FIELDS),
        sentences=tuple((i, texts.get(i, "")) for i in match.sentence_ids),
    )


@dataclass(frozen=True)
class Change:
    """One stated fact that no longer holds. `field` is a StatedField name, or "sentence"
    (then `sentence_id` names it); `new` is None when it left the verified corpus."""

    field: str
    old: str
    new: str | None
    sentence_id: str = ""

    @property
    def label(self) -> str:
        if self.field == "sentence":
            return SENTENCE_LABEL
        return next((f.label for f in STATED_FIELDS if f.name == self.field), self.field)

    def to_json(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {"field": self.field, "old": self.old, "new": self.new}
        if self.sentence_id:
            out["sentence_id"] = self.sentence_id
        return out


def _event(corpus: Corpus, event_id: str) -> Event | None:
    return next((e for e in corpus.events if e.id == event_id), None)


def changes(before: Stated, corpus: Corpus) -> tuple[Change, ...]:
    """What `before` stated that `corpus` no longer says: quoted sentences first, then fields.
    A field the snapshot did not record (added to STATED_FIELDS later) is not compared."""
    event = _event(corpus, before.event_id)
    if event is None:
        if not before.fields and not before.sentences:  # corrected already: it said so
            return ()
        return (Change("event", before.field("event") or before.event_id, None),)
    verified = {s.id: s for s in corpus.sentences()}
    out: list[Change] = []
    for sentence_id, text in before.sentences:
        now = verified.get(sentence_id)
        if now is None:
            out.append(Change("sentence", text, None, sentence_id))
        elif now.text != text:
            out.append(Change("sentence", text, now.text, sentence_id))
    kept = [verified[i] for i, _ in before.sentences if i in verified]
    for f in STATED_FIELDS:
        old = before.field(f.name)
        new = _value(f.now(event, kept))
        if old is not None and old != new and (kept or f.name not in FROM_SENTENCES):
            out.append(Change(f.name, old, new))
    return tuple(out)


def after(before: Stated, corpus: Corpus) -> Stated:
    """What the output states once corrected: the corpus's values now (sentences that left the
    verified set dropped). Only meaningful when the event is still there."""
    event = _event(corpus, before.event_id)
    if event is None:
        return Stated(corpus.version, before.event_id, (), ())
    verified = {s.id: s for s in corpus.sentences()}
    kept = [verified[i] for i, _ in before.sentences if i in verified]
    return Stated(
        corpus_version=corpus.version,
        event_id=event.id,
        fields=tuple(
            (f.name, _value(f.now(event, kept))) for f in STATED_FIELDS if before.field(f.name)
        ),
        sentences=tuple((s.id, s.text) for s in kept),
    )


def _shown(change: Change, value: str) -> str:
    if change.field == "date":
        with contextlib.suppress(ValueError):
            value = human_date(date.fromisoformat(value))
    text = shown_value(value, VALUE_CAP)
    return f"“{text}”" if change.field == "sentence" else text


def correction_lines(found: Sequence[Change], day: date, texts: ReplyTexts) -> list[str]:
    """One plain-text line per change, from the `corrected` / `corrected_withdrawn` templates."""
    lines = []
    for change in found:
        values = {
            "date": human_date(day),
            "field": change.label,
            "old": _shown(change, change.old),
            "new": _shown(change, change.new) if change.new is not None else "",
        }
        name = "corrected" if change.new is not None else "corrected_withdrawn"
        lines.append(render_line(texts, name, values))
    return [line for line in lines if line.strip()]


def bluesky_correction(lines: Sequence[str], more: str = "…") -> str:
    """The lines as one Bluesky post within 300 graphemes: whole lines from the end are left
    out (with `more` marking the cut) until it fits, and a lone line too long is cut."""
    kept = list(lines)
    while kept:
        text = "\n".join(kept + ([more] if len(kept) < len(lines) else []))
        if graphemes(text) <= BLUESKY_GRAPHEMES:
            return text
        if len(kept) == 1:
            return shown_value(kept[0], BLUESKY_GRAPHEMES)
        kept.pop()
    return ""


Platform = Literal["bluesky", "telegram"]
Kind = Literal["reply", "card", "review", "label"]


@dataclass(frozen=True)
class Output:
    """A published output and what it states now (its last correction's facts, if any).
    `id`: the mention's at:// URI (a Bluesky reply), the post id (a channel card), the review
    id (a review card)."""

    platform: Platform
    kind: Kind
    id: str
    stated: Stated


@dataclass(frozen=True)
class Found:
    """An output whose stated facts changed, and how."""

    output: Output
    changes: tuple[Change, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.output.platform,
            "kind": self.output.kind,
            "id": self.output.id,
            "corpus_version": self.output.stated.corpus_version,
            "changes": [c.to_json() for c in self.changes],
        }


def pending(outputs: Sequence[Output], corpus: Corpus) -> list[Found]:
    """Every output whose stated facts `corpus` no longer supports."""
    found = [Found(o, changes(o.stated, corpus)) for o in outputs]
    return [f for f in found if f.changes]


def _arrow(change: Change) -> str:
    new = "(no longer verified)" if change.new is None else repr(change.new)
    where = f" {change.sentence_id}" if change.sentence_id else ""
    return f"{change.label}{where}: {change.old!r} -> {new}"


def describe(found: Sequence[Found]) -> list[str]:
    """One line per change: output, platform, field, old -> new (for a terminal or a chat)."""
    return [
        f"{f.output.platform} {f.output.kind} {f.output.id}: {_arrow(c)}"
        for f in found
        for c in f.changes
    ]
