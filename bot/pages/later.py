"""What the corpus says now that a published check stated otherwise: the page's "corrected
since" lines. The fields are those a correction compares (`bot.corrections.STATED_FIELDS`), read
off the match the check published; the quote is compared as a whole (the verified sentences it
was made of, joined as the check joined them). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.corrections import STATED_FIELDS
from bot.domain import Corpus, MatchInfo


@dataclass(frozen=True)
class Later:
    label: str  # "date", "venue", "quoted wording", "event"
    old: str
    new: str | None  # None: no longer in the verified corpus


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.isoformat() if isinstance(value, date) else str(value)


def later_changes(match: MatchInfo, corpus: Corpus) -> tuple[Later, ...]:
    """Each stated fact the corpus `corpus` no longer holds, old and new value."""
    event = next((e for e in corpus.events if e.id == match.event_id), None)
    if event is None:
        return (Later("event", match.event, None),)
    by_id = {s.id: s for s in event.sentences}
    kept = [by_id[i] for i in match.sentence_ids if i in by_id]
    out: list[Later] = []
    if match.sentence_ids:
        now = " ".join(s.text for s in kept)
        if len(kept) < len(match.sentence_ids) or now != match.quote:
            out.append(Later("quoted wording", match.quote, now or None))
    for f in STATED_FIELDS:
        if f.name in ("basis", "disputed") and not kept:
            continue
        old, new = _text(f.published(match)), _text(f.now(event, kept))
        if old != new:
            out.append(Later(f.label, old, new))
    return tuple(out)
