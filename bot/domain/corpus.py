"""The verified corpus as records: events and their sentences, the sources and what each
sentence's wording rests on, the speakers with their roles over time and their themes, the
quotes that circulate without a source. `bot.corpus` builds them from the TOML files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

SourceKind = Literal["primary", "secondary"]
# What a verified sentence's wording rests on (corpus/README.md): the speaker's voice (a video,
# audio, or an organiser's transcript of it), a text he wrote, a reporter's verbatim quote, or
# someone's translation of what he said in another language.
Basis = Literal["recording", "own_text", "reported", "translation"]
BASES: tuple[Basis, ...] = ("recording", "own_text", "reported", "translation")
FIRST_HAND: frozenset[Basis] = frozenset({"recording", "own_text"})  # his words, first hand


@dataclass(frozen=True)
class Source:
    url: str
    publisher: str
    kind: SourceKind
    note: str = ""


@dataclass(frozen=True)
class Provenance:
    """What one sentence's wording rests on. `sources` are the urls of the event's [[sources]]
    that carry this wording; a `translation` names the language it was `translated_from` and,
    when the corpus holds it, the original sentence's id (`translation_of`). A `disputed`
    sentence (a probable mis-transcription, sources that conflict) never publishes on its own."""

    basis: Basis = "reported"
    sources: tuple[str, ...] = ()
    translated_from: str = ""
    translation_of: str = ""
    disputed: bool = False
    dispute_note: str = ""


@dataclass(frozen=True)
class Sentence:
    """One verified sentence. `id` is globally unique ("E3.2"); `quote_id` groups the sentences
    of one continuous quote ("E3"); `position` orders the sentences within their event, so that
    the sentence just before or after a quoted one can be named when a post drops it."""

    id: str
    quote_id: str
    event_id: str
    position: int
    text: str
    lang: str
    provenance: Provenance = Provenance()


@dataclass(frozen=True)
class Unverified:
    """Wording attributed to the speaker at an event that no source checked so far settles (an
    AI-written summary, an unretrievable page, a back-translation). Kept in the event file as a
    record with its reason; never indexed, matched or shown as his words."""

    id: str
    text: str
    lang: str
    reason: str


@dataclass(frozen=True)
class DateBasis:
    """What an event's date rests on: one of its sources (a url of its [[sources]]) and how that
    source gives the date ("transcript header", "LinkedIn activity-ID timestamp", ...)."""

    source: str
    how: str


@dataclass(frozen=True)
class Event:
    """A verified occasion on which the speaker said something: a talk, an interview, a post."""

    id: str
    speaker: str
    speaker_role: str
    event: str
    venue: str
    city: str
    country: str
    date: date
    organiser: str
    sources: tuple[Source, ...]
    sentences: tuple[Sentence, ...]
    venue_aliases: tuple[str, ...] = ()
    date_note: str = ""
    path: str = ""
    date_basis: DateBasis | None = None
    unverified: tuple[Unverified, ...] = ()

    def source(self, url: str) -> Source | None:
        for source in self.sources:
            if source.url == url:
                return source
        return None

    def quote_sources(self, quote: Sequence[Sentence]) -> tuple[Source, ...]:
        """The event's sources that carry the quoted sentences, in the order first named."""
        urls = dict.fromkeys(u for s in quote for u in s.provenance.sources)
        return tuple(src for u in urls if (src := self.source(u)) is not None)

    def quote_source(self, quote: Sequence[Sentence]) -> Source:
        """The source a reply links for the quote: the first primary source that carries its
        sentences, else the first that does, else the event's primary source."""
        sources = self.quote_sources(quote)
        primary = next((s for s in sources if s.kind == "primary"), None)
        return primary or (sources[0] if sources else self.primary_source)

    @property
    def primary_source(self) -> Source:
        """The primary source when there is one, else the first listed."""
        for source in self.sources:
            if source.kind == "primary":
                return source
        return self.sources[0]

    @property
    def place(self) -> str:
        """ "ai-PULSE 2025, Station F, Paris" — the words a reply uses for where it was said."""
        parts = [self.event]
        for part in (self.venue, self.city):
            if part and all(part.lower() not in p.lower() for p in parts):
                parts.append(part)
        return ", ".join(parts)


@dataclass(frozen=True)
class Circulating:
    """A sentence that circulates as a quote but that no verified source contains."""

    id: str
    text: str
    lang: str
    attributed_to: str
    note: str
    seen_at: tuple[str, ...] = ()
    paraphrase_of: str = ""  # a verified or circulating id it rewords: recorded, not indexed


@dataclass(frozen=True)
class Role:
    """A title the speaker held. `held_on` is the last date on which a source confirms it;
    `ended_by` the first date by which a source shows it was over (None: still held, or
    unknown). Between the two the record is silent, and no role claim is judged there.

    What signals it in a post (corpus/README.md): `org_words`, the names posts use for the
    organisation ("Meta", "Facebook", "FAIR"); `signals`, the title families of
    `bot.gazetteer_titles` that name it in any language ("Chief AI Scientist", "Founder"); and
    `title_words`, its own title words when no family has them ("Executive Chairman"). A role
    with none of them is never claimed from a post."""

    title: str
    org: str
    start: date | None
    held_on: date | None
    ended_by: date | None
    also: tuple[str, ...] = ()  # other words for the same role ("Founder" for a co-founder)
    org_words: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    title_words: tuple[str, ...] = ()

    def titled(self, title: str) -> bool:
        names = (self.title, *self.also, *self.signals, *self.title_words)
        return title.lower() in {t.lower() for t in names}


@dataclass(frozen=True)
class Theme:
    """A theme of the speaker's quotes, for the gate: one concept however it is written.
    `words` match in any case; `as_written` only in their own case ("Meta", not "meta")."""

    name: str
    words: tuple[str, ...] = ()
    as_written: tuple[str, ...] = ()


Pronoun = Literal["he", "she", "they"]
PRONOUNS: tuple[Pronoun, ...] = ("he", "she", "they")
POSSESSIVE: dict[Pronoun, str] = {"he": "his", "she": "her", "they": "their"}


@dataclass(frozen=True)
class Speaker:
    """Someone the corpus quotes: every name a post may use (any script), the titles held over
    time, the themes of the quotes (the gate's key phrases) and the pronoun replies use."""

    name: str
    aliases: tuple[str, ...]
    roles: tuple[Role, ...]
    themes: tuple[Theme, ...] = ()
    pronoun: Pronoun = "they"


@dataclass(frozen=True)
class Corpus:
    events: tuple[Event, ...]
    circulating: tuple[Circulating, ...]
    speakers: tuple[Speaker, ...]
    version: str  # a hash of every corpus file's bytes: the index cache key

    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for e in self.events for s in e.sentences)

    def event(self, event_id: str) -> Event:
        for e in self.events:
            if e.id == event_id:
                return e
        raise KeyError(event_id)

    def speaker(self, name: str) -> Speaker | None:
        for s in self.speakers:
            if s.name == name:
                return s
        return None
