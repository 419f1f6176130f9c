"""What a check finds and answers: the alignments of a post's segments to the corpus, the
verified passage it covers, the discrepancies, the scores, the reply, and the `CheckResult` that
carries them to every outlet (JSON only at the edge, `CheckResult.to_json`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bot.domain.corpus import Basis, Pronoun, Source, SourceKind
from bot.domain.post import Post, Segment

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
