"""Contradiction: a post sentence that matches a verified sentence on topic but says the opposite.

Embeddings score "the open era at Meta is over" close to "There's still gonna be quite a lot of
open source coming out of Meta": same words, same topic. What the words show is read here,
deterministically, on the pair (post sentence, verified sentence it matched):

- negation: the parity of negations differs ("was never open" vs "was open"); "stopped",
  "no longer", "ceased" count as negations, so "OpenAI is no longer open" agrees with
  "OpenAI stopped being open";
- antonyms: a word of the verified sentence replaced by its opposite (open/closed, good/bad,
  ahead/behind, still/over...); with the negation above, "it's bad" agrees with "it's not good"
  and "faster, not slower" with "faster" (two flips), and "it's good" contradicts it (one flip);
- entities: a place or company of the verified sentence replaced by another ("all Chinese" /
  "all American", "out of Meta" / "out of OpenAI"), or two of them swapped around the same
  verb ("China is surpassing the US" / "the US is surpassing China");
- hardening: an absolute ("never", "always", "all", "certainly") where the verified sentence
  hedges ("kind of", "somewhere in between", "maybe", "may") and has no such absolute;
- numbers and quantities: a number in the post that the verified sentence, which gives numbers,
  does not give ("hundreds" for "thousands"), or a quantity two steps away ("thousands of
  companies" for "a handful", "only one" for "several").

A post sentence that folds several verified sentences into one ("OpenAI stopped being open,
Anthropic never was") is read, against each, in the clauses that speak of its entities.

Pure functions; English, French, Spanish and German negations, English antonyms. The word
tables are in `bot.contradiction_words`."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import regex

from bot.config import MatchConfig
from bot.contradiction_words import (
    ABSOLUTES,
    ANTONYMS,
    ENTITY_ANY_CASE,
    ENTITY_EXACT,
    FRAMING_BEFORE,
    HEDGES,
    NEGATIONS,
    NUMBER_WORDS,
    QUANTITIES,
    entity_of,
)
from bot.domain import Alignment, Sentence
from bot.lexical import STOPWORDS, tokens
from bot.match import SegmentMatch, explained_by_circulating
from bot.normalise import sentence_language

_NUMBER = regex.compile(r"\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Reason:
    kind: str  # "negation", "antonym", "entity", "hardened", "number", "quantity"
    detail: str


_BREAK = ","  # a clause boundary, kept among the words: a negation's scope stops there
_WORD_OR_BREAK = regex.compile(r"[\p{L}\p{N}]+(?:['’][\p{L}]+)?|[,;:()\u2014\u2013]")
_CLAUSE = regex.compile(r"[,;:()\u2014\u2013]")


def _words(text: str) -> list[str]:
    """Lower-cased words, with `_BREAK` for each clause boundary (comma, semicolon, dash...)."""
    found = _WORD_OR_BREAK.findall(text.lower())
    return [w.replace("’", "'") if w[0].isalnum() else _BREAK for w in found]


_PARTIAL = frozenset(
    ["as", "quite", "so", "very", "always", "necessarily"]
)  # "not as systematic", "won't be as systematic": a hedge


def _negated(words: list[str]) -> list[bool]:
    """Which words negate; "not as", "not quite", "won't be as" only soften, and are not
    counted."""
    nxt = [*words[1:], "", ""]
    return [
        (w in NEGATIONS or w.endswith("n't"))
        and nxt[i] not in _PARTIAL
        and not (nxt[i] == "be" and nxt[i + 1] in _PARTIAL)
        for i, w in enumerate(words)
    ]


def _scoped(words: list[str], other: list[str]) -> int:
    """Negations in `words` about something the `other` sentence speaks of: one of the next
    three content words after the negation stands (its first four letters) in `other`. "Nobody
    tells a researcher" and "least of all a researcher like me" negate nothing of "you don't
    tell a researcher like me" apart from the telling."""
    present = {w for w in other if w not in STOPWORDS}
    for a, b in ANTONYMS:  # "not good" speaks of what "bad" speaks of
        present |= b if present & a else set()
        present |= a if present & b else set()
    stems = {w[:4] for w in present}
    count = 0
    for i, negates in enumerate(_negated(words)):
        if not negates:
            continue
        clause = list(itertools.takewhile(lambda w: w != _BREAK, words[i + 1 :]))
        after = [w for w in clause if w not in STOPWORDS and w not in NEGATIONS][:3]
        count += any(w[:4] in stems for w in after)
    return count


def _near_negation(words: list[str], forms: frozenset[str]) -> bool:
    """Is a word of `forms` preceded, within three words, by a negation ("not good")?"""
    neg = _negated(words)
    return any(w in forms and any(neg[max(0, i - 3) : i]) for i, w in enumerate(words))


def contradiction(claimed: str, verified: str) -> Reason | None:
    """Why `claimed` (a post sentence matched to `verified`) says the opposite, or None.

    A negation counts only when it bears on something the other sentence speaks of
    (`_scoped`), so that "..., which he says is not a good thing" is no flip of a sentence that
    says nothing of good."""
    claimed = relevant(claimed, verified)
    return (
        _pair(claimed, verified, verified)
        or _swap(claimed, verified)
        or entity_swap(claimed, verified)
        or _quantity(claimed, verified)
    )


def near_miss(
    matches: Sequence[SegmentMatch], sentences: Mapping[str, Sentence], cfg: MatchConfig
) -> Alignment | None:
    """The best alignment of a post that stayed under `review` but reached `support` and says
    the opposite of its verified sentence, or None: a contradiction is never silent, not even
    a short one that the models score low ("LeCun: do research in secret and you get ahead")."""
    found = []
    for m in matches:
        a = m.verified
        verified = sentences.get(a.sentence_id)
        if verified is None or not cfg.support <= a.score < cfg.review:
            continue
        if explained_by_circulating(m, cfg):
            continue
        if (sentence_language(a.segment.text) or verified.lang) != verified.lang:
            continue
        if contradiction(a.segment.text, verified.text) is not None:
            found.append(a)
    return max(found, key=lambda a: a.score, default=None)


@functools.lru_cache(maxsize=4096)
def entities(text: str, *, claims_only: bool = False) -> tuple[tuple[int, str, str], ...]:
    """The places and companies `text` names: (position, kind, canonical name), in order.
    With `claims_only`, those named as framing (before a leading colon, "ex-Meta") are left
    out."""
    start = 0
    head, colon, _ = text.partition(":")
    if claims_only and colon and len(head.split()) <= 8:
        start = len(head) + 1
    found = []
    for pattern in (ENTITY_EXACT, ENTITY_ANY_CASE):
        for m in pattern.finditer(text, start):
            if claims_only and FRAMING_BEFORE.search(text[: m.start()]):
                continue
            found.append((m.start(), *entity_of(m.group())))
    return tuple(sorted(found))


def relevant(claimed: str, verified: str) -> str:
    """The clauses of `claimed` about what `verified` speaks of: when the verified sentence
    names an entity and a clause of the post names it too, the clauses that name only other
    entities of that kind speak of something else ("Anthropic never was open" beside "OpenAI
    stopped being open")."""
    theirs = {(k, n) for _, k, n in entities(verified)}
    if not theirs:
        return claimed
    clauses = [c for c in _CLAUSE.split(claimed) if c.strip()]
    named = [{(k, n) for _, k, n in entities(c)} for c in clauses]
    if len(clauses) < 2 or not any(n & theirs for n in named):
        return claimed
    kinds = {k for k, _ in theirs}
    kept = [
        c
        for c, n in zip(clauses, named, strict=True)
        if n & theirs or not {k for k, _ in n} & kinds
    ]
    return ", ".join(c.strip() for c in kept)


def entity_swap(claimed: str, verified: str) -> Reason | None:
    """A place or company of `verified` that `claimed` never names, where `claimed` names
    another of the same kind as its claim; or two entities named in the opposite order around
    the same content word ("China is surpassing the US")."""
    theirs = entities(verified)
    mine = entities(claimed)
    mine_claims = entities(claimed, claims_only=True)
    names_mine = {(k, n) for _, k, n in mine}
    names_theirs = {(k, n) for _, k, n in theirs}
    for kind, name in sorted(names_theirs - names_mine):
        extra = sorted(n for _, k, n in mine_claims if k == kind and (k, n) not in names_theirs)
        if extra:
            return Reason("entity", f"{name} / {extra[0]}")
    return _reversed(claimed, verified, mine, theirs)


def _reversed(
    claimed: str,
    verified: str,
    mine: tuple[tuple[int, str, str], ...],
    theirs: tuple[tuple[int, str, str], ...],
) -> Reason | None:
    """Two entities of `verified` named the other way round in `claimed` around a content word
    both sentences put between them ("A is surpassing B" / "B is surpassing A"); "A or B" /
    "B or A" has no content word between and is the same claim."""
    for (i, _, a), (j, _, b) in itertools.combinations(theirs, 2):
        if a == b:
            continue
        between = tokens(verified[i:j])
        first = {n: p for p, _, n in reversed(mine)}
        if a not in first or b not in first or first[b] >= first[a]:
            continue
        shared = between & tokens(claimed[first[b] : first[a]]) - {a, b}
        if shared:
            return Reason("entity", f"{a} {sorted(shared)[0]} {b} / reversed")
    return None


def _quantity(claimed: str, verified: str) -> Reason | None:
    """A quantity of `verified` ("a handful", "several", "quite a lot") that `claimed` replaces
    by one at least two steps away on the scale of `QUANTITIES`."""
    theirs = {level for level, p in QUANTITIES if p.search(verified)}
    mine = {level for level, p in QUANTITIES if p.search(claimed)}
    if not theirs or not mine or theirs & mine:
        return None
    if min(abs(a - b) for a in theirs for b in mine) >= 2:
        return Reason("quantity", f"{max(theirs)} / {max(mine)}")
    return None


def numbers(text: str) -> set[str]:
    """The numbers `text` gives, in digits or in words ("thousands" is "1000s")."""
    found = set(_NUMBER.findall(text))
    return found | {NUMBER_WORDS[w] for w in _words(text) if w in NUMBER_WORDS}


def _swap(claimed: str, verified: str) -> Reason | None:
    """An opposite of a verified word, sentence against sentence, not undone by a negation next
    to either word."""
    post, source = _words(claimed), _words(verified)
    for a, b in ANTONYMS:
        for mine, theirs in ((a, b), (b, a)):
            if not (set(source) & mine and set(post) & theirs and not set(post) & mine):
                continue
            if _near_negation(source, mine) == _near_negation(post, theirs):
                detail = f"{sorted(set(source) & mine)[0]} / {sorted(set(post) & theirs)[0]}"
                return Reason("antonym", detail)
    return None


def _pair(claimed: str, verified: str, whole: str) -> Reason | None:
    """`claimed` against `verified`, clause against clause; hedges are read in the `whole`
    verified sentence ("maybe not as systematic" hedges the clause before it too)."""
    post, source = _words(claimed), _words(verified)
    post_set, source_set = set(post), set(source)
    if min(len(tokens(claimed)), len(tokens(verified))) < 4:  # "Anthropic never was.": whole
        flips = sum(_negated(post)) - sum(_negated(source))
    else:
        flips = _scoped(post, source) - _scoped(source, post)
    for a, b in ANTONYMS:
        for mine, theirs in ((a, b), (b, a)):
            if not (source_set & mine and post_set & theirs):
                continue
            if _near_negation(source, mine) != _near_negation(post, theirs):
                flips += 1 if _near_negation(source, mine) else -1  # "bad" for "not good"
                break
            if post_set & mine:
                continue  # both words, neither negated: no claim of the opposite
            detail = f"{sorted(source_set & mine)[0]} / {sorted(post_set & theirs)[0]}"
            return Reason("antonym", detail)
    if flips % 2:
        return Reason("negation", "negation")
    lowered = " ".join(_words(whole))
    absolute = (post_set & ABSOLUTES) - source_set
    if absolute and any(f" {h} " in f" {lowered} " for h in HEDGES):
        return Reason("hardened", sorted(absolute)[0])
    source_numbers, post_numbers = numbers(verified), numbers(claimed)
    if source_numbers and post_numbers - source_numbers:
        return Reason("number", sorted(post_numbers - source_numbers)[0])
    return None
