"""Passage: the verified passage a post covers (issue 18).

A post that paraphrases several consecutive sentences of one quote ("OpenAI stopped being open
long ago, Anthropic never was, Google is in between") is answered with those sentences, in the
order spoken, not with the one its best sentence matched. The post's parts are its sentences and
their clauses (a paraphrase often folds two sentences into one): each part covers the verified
sentence it matches best, at `[match] support` or above, unless it is closer to a known invented
sentence. The passage is the run of covered sentences around the one the match rests on (the
anchor), inside the anchor's quote (only a quote is known to be one continuous passage:
corpus/README.md), from the first covered sentence to the last; a sentence the post skips
between two covered ones is part of it, two skipped in a row end it. It is bounded: at most
`MAX_SENTENCES` sentences and `QUOTE_CAP` characters (the most of the verified wording a reply
shows), keeping the window around the anchor that covers most.

Pure: scores in, sentences out."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass

import regex

from bot.config import MatchConfig
from bot.domain import Passage, Segment, Sentence
from bot.match import SegmentMatch, explained_by_circulating
from bot.reply_lines import QUOTE_CAP

# The most sentences a passage holds: every quote of the shipped corpus fits whole (the longest,
# S1, has 7), so a post quoting a whole verified post is still answered with all of it.
MAX_SENTENCES = 8
MAX_SKIPPED = 1  # sentences in a row the post may skip inside its passage

_CLAUSE = regex.compile(r"[,;:()\u2014\u2013]+|(?<=[.!?\u3002\uff01\uff1f\uff0c])")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")


def clause_segments(segments: Sequence[Segment], width: int = 3) -> tuple[Segment, ...]:
    """The clauses of each post sentence that has more than one (split at commas, semicolons,
    colons, dashes, brackets), and runs of up to `width` consecutive clauses (a parenthesis
    splits one source sentence: "China, on the other hand, is going open source"), each as a
    `Segment` with its offsets in the prose and its sentence's `quoted`; the whole sentence and
    runs of one word (but CJK) are left out."""
    out: list[Segment] = []
    for seg in segments:
        spans, start = [], 0
        for piece in _CLAUSE.split(seg.text):
            at = seg.text.find(piece, start)
            start = at + len(piece)
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                spans.append((at + lead, at + len(piece.rstrip())))
        seen: set[tuple[int, int]] = set()
        for i in range(len(spans)):
            for j in range(i, min(i + width, len(spans))):
                a, b = spans[i][0], spans[j][1]
                text = seg.text[a:b]
                if (a, b) in seen or text == seg.text.strip():
                    continue
                if len(text.split()) >= 2 or _CJK.search(text):
                    seen.add((a, b))
                    out.append(Segment(text, seg.quoted, seg.start + a, seg.start + b))
    return tuple(out)


@dataclass(frozen=True)
class Cover:
    """A part of the post (a sentence or a clause) that covers a verified sentence."""

    sentence_id: str
    part: Segment
    score: float


def covers(matches: Sequence[SegmentMatch], cfg: MatchConfig) -> tuple[Cover, ...]:
    """Each part's best verified sentence, when it reaches `support` and is not explained by a
    known invented sentence."""
    return tuple(
        Cover(m.verified.sentence_id, m.verified.segment, m.verified.score)
        for m in matches
        if m.verified.score >= cfg.support and not explained_by_circulating(m, cfg)
    )


def find_passage(
    quote: Sequence[Sentence],
    anchor: str,
    covered: Set[str],
    max_sentences: int = MAX_SENTENCES,
    max_chars: int = QUOTE_CAP,
) -> tuple[Sentence, ...]:
    """The passage of `quote` (sentences in the order spoken) around `anchor` that the post
    covers (`covered`: ids of sentences some part of the post covers): always the anchor, and
    only sentences of the anchor's quote; () when `anchor` is not in `quote`."""
    anchored = next((s for s in quote if s.id == anchor), None)
    if anchored is None:
        return ()
    quote = [s for s in quote if s.quote_id == anchored.quote_id]
    ids = [s.id for s in quote]
    at = ids.index(anchor)
    hits = sorted({i for i, s in enumerate(ids) if s in covered} | {at})
    # The run of covered sentences around the anchor, with at most MAX_SKIPPED between two.
    low = high = hits.index(at)
    while low > 0 and hits[low] - hits[low - 1] <= MAX_SKIPPED + 1:
        low -= 1
    while high < len(hits) - 1 and hits[high + 1] - hits[high] <= MAX_SKIPPED + 1:
        high += 1
    run = hits[low : high + 1]
    best: tuple[int, int, int] | None = None  # (covered count, -length, -start) of the window
    chosen = (at, at)
    for i, first in enumerate(run):
        for last in run[i:]:
            if not first <= at <= last or last - first + 1 > max_sentences:
                continue
            if len(" ".join(s.text for s in quote[first : last + 1])) > max_chars:
                continue
            key = (sum(1 for h in run if first <= h <= last), first - last, -first)
            if best is None or key > best:
                best, chosen = key, (first, last)
    return tuple(quote[chosen[0] : chosen[1] + 1])


def passage_of(sentences: Sequence[Sentence]) -> Passage:
    return Passage(tuple(s.id for s in sentences), " ".join(s.text for s in sentences))
