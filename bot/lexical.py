"""Lexical evidence beside the embedding score: which content words of a verified sentence a
post actually repeats. Pure functions; CJK text is compared as character bigrams."""

from __future__ import annotations

import itertools
from difflib import SequenceMatcher

import regex

_WORD = regex.compile(r"[\p{L}\p{N}]+(?:'[\p{L}]+)?")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")

STOPWORDS = frozenset(
    """
    a an the and or but if of to in on at by for with from as is are was were be been being
    it its it's this that these those there here so do does did not no yes i you he she we
    they me him her us them my your his our their what which who whom whose when where why
    how all any both each few more most other some such only own same than too very can will
    just don should now about into over after before again further then once up down out off
    also kind of going gonna really quite lot lots bit say says said one get got us ve ll re
    s t m d le la les un une des de du et ou mais est sont à au aux en dans pour par sur
    avec que qui ce cette ces il elle ils elles nous vous je tu on pas ne plus très el los
    las unos unas y o pero es son en por para con que se su sus lo al del muy no der die das
    ein eine und oder aber ist sind im in zu mit von für auf den dem des nicht sehr auch es
    wir sie er ich
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def tokens(text: str) -> frozenset[str]:
    """Content words, lower-cased, possessive 's and plural s dropped; CJK as bigrams."""
    out: set[str] = set()
    lowered = text.lower()
    for word in _WORD.findall(lowered):
        if _CJK.search(word):
            chars = [c for c in word if _CJK.match(c)]
            out.update(a + b for a, b in itertools.pairwise(chars))
            if len(chars) == 1:
                out.add(chars[0])
            continue
        word = word.removesuffix("'s")
        if word in STOPWORDS or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.add(word)
    return frozenset(out)


EVIDENCE_WORDS = 4  # a verified sentence with fewer content words gives weaker evidence


def containment(post: frozenset[str], verified: frozenset[str]) -> float:
    """The share of the verified sentence's content words that the post repeats (0..1)."""
    if not verified:
        return 0.0
    return len(post & verified) / len(verified)


def evidence(post: frozenset[str], verified: frozenset[str]) -> float:
    """Shared wording either way round — the post repeats the verified sentence, or quotes a
    fragment of a longer one — discounted for very few words: repeating both words of
    "Anthropic never was." is weaker evidence than repeating eight words of a long sentence."""
    shared = len(post & verified)
    if not shared:
        return 0.0
    whole = shared / len(verified) * min(1.0, len(verified) / EVIDENCE_WORDS)
    fragment = shared / len(post) * min(1.0, len(post) / EVIDENCE_WORDS)
    return max(whole, fragment)


_RUN_WORD = regex.compile(r"[\p{L}\p{N}]+")


def verbatim_share(quoted: str, verified: str) -> float:
    """The share of the quoted words that stand, in the same order, in the verified sentence
    (0..1). A faithful fragment of a longer sentence scores 1; a rewording scores low."""
    a = _RUN_WORD.findall(quoted.lower())
    b = _RUN_WORD.findall(verified.lower())
    if not a:
        return 0.0
    blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks if block.size >= 2) / len(a)


_CASED = regex.compile(r"\p{Lu}|\p{Ll}")
_SHOUTED_SHARE = 0.6  # of a sentence's cased letters in capitals: the sentence is shouted


def folded(text: str) -> str:
    """`text` as the models should read it: a sentence written in capitals ("OPEN SOURCE IS
    OVER") lower-cased, its first letter kept as a capital, so that it reads like its plain
    twin (the models are case-sensitive and score shouting far from the same words). A sentence
    in ordinary case, acronyms and all, is left alone. The post's own text is never changed:
    this is only what is embedded."""
    cased = _CASED.findall(text)
    upper = sum(1 for c in cased if c.isupper())
    if len(cased) < 4 or upper < _SHOUTED_SHARE * len(cased):
        return text
    lowered = text.lower()
    first = _CASED.search(lowered)
    if first is None:
        return lowered
    i = first.start()
    return lowered[:i] + lowered[i].upper() + lowered[i + 1 :]
