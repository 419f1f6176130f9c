"""The plain data that flows through the pipeline.

Every layer (corpus loader, normaliser, matcher, comparer, composer, store, adapters) speaks in
these frozen dataclasses; nothing passes untyped dicts between layers. JSON appears only at the
edges (`CheckResult.to_json`).

Three modules, by meaning: `corpus` (the verified records: events, sentences, sources,
speakers and their roles), `post` (a post and its normalised form) and `result` (what a check
finds and answers). Every public name is re-exported here, so `from bot.domain import X` is the
one way to import them.
"""

from __future__ import annotations

from bot.domain.corpus import (
    BASES,
    FIRST_HAND,
    POSSESSIVE,
    PRONOUNS,
    Basis,
    Circulating,
    Corpus,
    DateBasis,
    Event,
    Pronoun,
    Provenance,
    Role,
    Sentence,
    Source,
    SourceKind,
    Speaker,
    Theme,
    Unverified,
)
from bot.domain.post import ImageLayout, ImageSource, ImageText, NormalisedPost, Post, Segment
from bot.domain.result import (
    FIELDS,
    Alignment,
    BlueskyPost,
    CheckFailure,
    CheckResult,
    Discrepancy,
    Field,
    LinkFacet,
    MatchInfo,
    Passage,
    Reply,
    Scores,
    Verdict,
)

__all__ = [
    "BASES",
    "FIELDS",
    "FIRST_HAND",
    "POSSESSIVE",
    "PRONOUNS",
    "Alignment",
    "Basis",
    "BlueskyPost",
    "CheckFailure",
    "CheckResult",
    "Circulating",
    "Corpus",
    "DateBasis",
    "Discrepancy",
    "Event",
    "Field",
    "ImageLayout",
    "ImageSource",
    "ImageText",
    "LinkFacet",
    "MatchInfo",
    "NormalisedPost",
    "Passage",
    "Post",
    "Pronoun",
    "Provenance",
    "Reply",
    "Role",
    "Scores",
    "Segment",
    "Sentence",
    "Source",
    "SourceKind",
    "Speaker",
    "Theme",
    "Unverified",
    "Verdict",
]
