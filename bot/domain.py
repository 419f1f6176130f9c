"""The plain data that flows through the pipeline.

Every layer (corpus loader, normaliser, matcher, comparer, composer, store, adapters) speaks in
these frozen dataclasses; nothing passes untyped dicts between layers. JSON appears only at the
edges (`CheckResult.to_json`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

SourceKind = Literal["primary", "secondary"]
# What a verified sentence's wording rests on (corpus/README.md): the speaker's voice (a video,
# audio, or an organiser's transcript of it), a text he wrote, a reporter's verbatim quote, or
# someone's translation of what he said in another language.
Basis = Literal["recording", "own_text", "reported", "translation"]
BASES: tuple[Basis, ...] = ("recording", "own_text", "reported", "translation")
FIRST_HAND: frozenset[Basis] = frozenset({"recording", "own_text"})  # his words, first hand
Verdict = Literal["match", "review", "no_match"]
Field = Literal[
    "venue", "date", "speaker", "speaker_role", "omitted", "unsupported", "reworded", "contradicted"
]
FIELDS: tuple[Field, ...] = (
    "venue",
    "date",
    "speaker",
    "speaker_role",
    "omitted",
    "unsupported",
    "reworded",
    "contradicted",
)


# --- the verified corpus -------------------------------------------------------------------


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


# --- a post and its normalised form ---------------------------------------------------------


# Where an image's words came from (bot/images): its alt text, OCR, or an image already read
# whose perceptual hash this one is near ("seen": a re-upload, a crop, a re-encode).
ImageSource = Literal["alt", "ocr", "seen"]
ImageLayout = Literal["card", "screenshot", "none"]


@dataclass(frozen=True)
class ImageText:
    """The text of one image of a post, split into the quote and the line attributing it
    (`bot.images.card.split_text`); `hash` is the image's perceptual hash (hex), if known."""

    source: ImageSource
    text: str
    quote: str
    attribution: str
    layout: ImageLayout
    hash: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "quote": self.quote,
            "attribution": self.attribution,
            "layout": self.layout,
        }


@dataclass(frozen=True)
class Post:
    id: str
    text: str
    created_at: datetime | None = None
    lang: str | None = None
    url: str | None = None
    author: str | None = None
    image: ImageText | None = None  # the words checked include this image's (bot/images)


@dataclass(frozen=True)
class Segment:
    """A sentence of the post's prose. `quoted` is True when the post presents it as a quote
    (inside quote marks); `start`/`end` are offsets into `NormalisedPost.prose`."""

    text: str
    quoted: bool
    start: int
    end: int


@dataclass(frozen=True)
class NormalisedPost:
    text: str  # NFKC, controls removed, quote marks unified
    prose: str  # `text` without URLs, handles, hashtags and emoji
    framing: str  # `prose` with the quoted spans blanked out: who said it, where, when
    segments: tuple[Segment, ...]
    urls: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    lang: str | None = None


# --- matching and the result ----------------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    """The best corpus sentence for one segment of the post."""

    segment: Segment
    sentence_id: str  # a verified Sentence.id, or a Circulating.id
    circulating: bool
    score: float  # the combined score that the thresholds apply to
    embedding: float  # cosine similarity
    lexical: float  # share of the sentence's content words found in the segment


@dataclass(frozen=True)
class Discrepancy:
    field: Field
    claimed: str | None = None
    verified: str | None = None

    def to_json(self) -> dict[str, str]:
        out: dict[str, str] = {"field": self.field}
        if self.claimed is not None:
            out["claimed"] = self.claimed
        if self.verified is not None:
            out["verified"] = self.verified
        return out


@dataclass(frozen=True)
class Passage:
    """The verified passage a post covers (`bot.passage`): consecutive sentences of one quote,
    in the order spoken, from the first the post covers to the last (a sentence the post skips
    in between is part of it). One sentence for a post that covers one."""

    sentence_ids: tuple[str, ...]
    text: str  # the sentences joined with spaces

    def to_json(self) -> dict[str, Any]:
        return {"sentence_ids": list(self.sentence_ids), "text": self.text}


@dataclass(frozen=True)
class MatchInfo:
    quote: str
    quote_id: str
    speaker: str
    speaker_role: str
    event: str
    venue: str
    city: str
    date: date
    source_url: str
    source_kind: SourceKind
    event_id: str = ""
    publisher: str = ""
    # How sure the quote is (corpus/README.md): the basis of its sentences, the sources that
    # carry them, and whether any of them is disputed. Defaults: the weakest claim.
    basis: Basis = "reported"
    sources: tuple[Source, ...] = ()
    lang: str = ""  # the language of the quote as shown
    translated_from: str = ""
    disputed: bool = False
    dispute_note: str = ""
    # The verified sentences the quote is made of, in order (what a correction compares).
    sentence_ids: tuple[str, ...] = ()
    pronoun: Pronoun = "they"  # the speaker's, for "his words" / "her words" in replies
    # The verified passage the post covers (None: not known, as in a check recorded before
    # passages); `quote` is it plus the closing sentence the post dropped, if any.
    passage: Passage | None = None

    @property
    def is_passage(self) -> bool:
        """True when the post covers two or more consecutive verified sentences."""
        return self.passage is not None and len(self.passage.sentence_ids) > 1

    def to_json(self) -> dict[str, Any]:
        passage = {"passage": self.passage.to_json()} if self.is_passage and self.passage else {}
        return {
            "quote": self.quote,
            "quote_id": self.quote_id,
            "speaker": self.speaker,
            "speaker_role": self.speaker_role,
            "event": self.event,
            "venue": self.venue,
            "city": self.city,
            "date": self.date.isoformat(),
            "source_url": self.source_url,
            "source_kind": self.source_kind,
            "basis": self.basis,
            "sources": [
                {"publisher": s.publisher, "url": s.url, "kind": s.kind} for s in self.sources
            ],
            "disputed": self.disputed,
            **passage,
        }


@dataclass(frozen=True)
class LinkFacet:
    """A link in a Bluesky post, as UTF-8 byte offsets into the post's text."""

    byte_start: int
    byte_end: int
    uri: str


@dataclass(frozen=True)
class BlueskyPost:
    text: str
    links: tuple[LinkFacet, ...] = ()


@dataclass(frozen=True)
class Reply:
    bluesky: tuple[BlueskyPost, ...]
    telegram: str


@dataclass(frozen=True)
class Scores:
    """How a check decided, beside its verdict and score: the gate's reason ("gate off" when
    it is off), whether the post was cut to its bounds and, when a verified sentence was the
    best match, its id, its two scores and whether it is disputed. The audit trail stores it
    as the `scores` column's JSON (`to_json`)."""

    gate: str = ""
    cut: bool = False
    sentence_id: str = ""  # "": no verified sentence matched
    embedding: float = 0.0  # cosine similarity of the best match
    lexical: float = 0.0  # share of its content words found in the post
    disputed: bool = False

    def to_json(self) -> dict[str, str | float | bool]:
        out: dict[str, str | float | bool] = {"gate": self.gate}
        if self.sentence_id:
            out |= {
                "embedding": self.embedding,
                "lexical": self.lexical,
                "sentence_id": self.sentence_id,
                "disputed": self.disputed,
            }
        if self.cut:
            out["cut"] = True
        return out


@dataclass(frozen=True)
class CheckResult:
    post: Post
    verdict: Verdict
    score: float
    match: MatchInfo | None
    discrepancies: tuple[Discrepancy, ...]
    reply: Reply
    alignments: tuple[Alignment, ...] = ()
    admitted: bool = True  # False: the gate turned the post away before the model saw it
    corpus_version: str = ""  # the corpus the check ran on (what a published output records)
    scores: Scores = Scores()

    def to_json(self) -> dict[str, Any]:
        """The contract of `factbot check --jsonl` (docs/SPEC.md)."""
        return {
            "id": self.post.id,
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "match": self.match.to_json() if self.match else None,
            "discrepancies": [d.to_json() for d in self.discrepancies],
            "reply": {
                "bluesky": [p.text for p in self.reply.bluesky],
                "telegram": self.reply.telegram,
            },
            **({"image": self.post.image.to_json()} if self.post.image else {}),
        }


@dataclass(frozen=True)
class CheckFailure:
    """A post the pipeline raised on, even checked on its own (`bot.pipeline.check_each`): the
    caller answers or logs `error` and goes on with the rest of its batch."""

    post: Post
    error: str
