"""Contradiction: a post sentence that matches a verified sentence on topic but says the opposite.

Embeddings score "the open era at Meta is over" close to "There's still gonna be quite a lot of
open source coming out of Meta": same words, same topic. What the words show is read here,
deterministically, on the pair (post sentence, verified sentence it matched):

- negation: the parity of negations differs ("was never open" vs "was open"); "stopped",
  "no longer", "ceased" count as negations, so "OpenAI is no longer open" agrees with
  "OpenAI stopped being open";
- antonyms: a word of the verified sentence replaced by its opposite (open/closed, good/bad,
  ahead/behind, still/over...); with the negation above, "it's bad" agrees with "it's not good"
  (two flips), and "it's good" contradicts it (one flip);
- hardening: an absolute ("never", "always", "all", "completely") where the verified sentence
  hedges ("kind of", "somewhere in between", "maybe", "mostly") and has no such absolute;
- numbers: a number in the post that the verified sentence, which gives numbers, does not give.

Pure functions; English, French, Spanish and German negations, English antonyms."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import regex

from bot.lexical import STOPWORDS, tokens

_NUMBER = regex.compile(r"\d+(?:[.,]\d+)?")

NEGATIONS = frozenset(
    """
    not no never none nobody nothing neither nor cannot without stopped stop stops ceased
    ne pas jamais aucun aucune nunca ningún ninguna ni nicht nie niemals kein keine
    keinen
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Pairs of opposites, each side a set of word forms.
ANTONYMS: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split()))
    for a, b in (
        ("open", "closed close closing proprietary"),
        ("good", "bad"),
        ("best", "worst"),
        ("better", "worse"),
        ("more", "less fewer"),
        ("ahead overtake overtakes overtaking surpassing", "behind trailing"),
        ("accelerate accelerates accelerating faster", "slow slows slowing slower"),
        ("still", "over ended ending"),
        ("wrong", "right correct"),
        ("win winning", "lose losing lost"),
        ("dangerous", "safe harmless"),
        ("dead", "alive"),
        ("power strength", "weakness"),
        ("bullshit nonsense", "true right correct"),
        ("increasing increase rising", "decreasing decrease falling"),
    )
)
ABSOLUTES = frozenset(
    ["never", "always", "all", "none", "nobody", "completely", "totally", "entirely"]
)
HEDGES = ("kind of", "somewhere in between", "maybe", "mostly", "perhaps", "partly", "a bit")


@dataclass(frozen=True)
class Reason:
    kind: str  # "negation", "antonym", "hardened", "number"
    detail: str


_BREAK = ","  # a clause boundary, kept among the words: a negation's scope stops there
_WORD_OR_BREAK = regex.compile(r"[\p{L}\p{N}]+(?:['’][\p{L}]+)?|[,;:()\u2014\u2013]")


def _words(text: str) -> list[str]:
    """Lower-cased words, with `_BREAK` for each clause boundary (comma, semicolon, dash...)."""
    found = _WORD_OR_BREAK.findall(text.lower())
    return [w.replace("’", "'") if w[0].isalnum() else _BREAK for w in found]


_PARTIAL = frozenset(
    ["as", "quite", "so", "very", "always", "necessarily"]
)  # "not as systematic": a hedge


def _negated(words: list[str]) -> list[bool]:
    """Which words negate; "not as", "not quite" only soften, and are not counted."""
    nxt = [*words[1:], ""]
    return [
        (w in NEGATIONS or w.endswith("n't")) and n not in _PARTIAL
        for w, n in zip(words, nxt, strict=False)
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
    return _pair(claimed, verified, verified) or _swap(claimed, verified)


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
            if not (source_set & mine and post_set & theirs and not post_set & mine):
                continue
            if _near_negation(source, mine) != _near_negation(post, theirs):
                flips += 1 if _near_negation(source, mine) else -1  # "bad" for "not good"
                break
            detail = f"{sorted(source_set & mine)[0]} / {sorted(post_set & theirs)[0]}"
            return Reason("antonym", detail)
    if flips % 2:
        return Reason("negation", "negation")
    lowered = " ".join(_words(whole))
    absolute = (post_set & ABSOLUTES) - source_set
    if absolute and any(f" {h} " in f" {lowered} " for h in HEDGES):
        return Reason("hardened", sorted(absolute)[0])
    source_numbers = set(_NUMBER.findall(verified))
    post_numbers = set(_NUMBER.findall(claimed))
    if source_numbers and post_numbers - source_numbers:
        return Reason("number", sorted(post_numbers - source_numbers)[0])
    return None
