"""Normalise a post: clean text, prose apart from links and tags, quoted spans, sentences.

`normalise` is pure and total: any string gives a `NormalisedPost`, and normalising the result's
`text` again gives the same text, prose and segments. Cleaning is NFKC, then invisible and bidi
control characters removed, quote marks unified to `"` and `'`, and whitespace collapsed (runs of
spaces to one space, line breaks kept as one `\\n`, since a line of a list is a sentence).

URLs, handles, hashtags and emoji are kept out of the prose (`bot.entities`); quoted spans are
found in the prose (`bot.quote_spans`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator

from bot.domain import NormalisedPost, Segment
from bot.entities import entities
from bot.lexical import folded
from bot.quote_spans import CJK, HAS_CJK, quote_spans

# --- cleaning -------------------------------------------------------------------------------

_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")  # keeps whitespace controls
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[^\S\n]+")
_AROUND_NEWLINES = re.compile(r" ?\n[\n ]*")
_FRENCH_QUOTE = re.compile(r"«\s*([^«»]*?)\s*»")
_GERMAN_QUOTE = re.compile(r"»\s*([^«»]*?)\s*«")
_QUOTES = str.maketrans(dict.fromkeys("“”„‟「」『』〝〞〟＂«»", '"') | dict.fromkeys("‘’‚‛ʼ", "'"))


def _squash(text: str) -> str:
    """Spaces and tabs to one space, line breaks to one `\\n`, no space at either end."""
    text = _SPACES.sub(" ", _LINE_BREAK.sub("\n", text))
    return _AROUND_NEWLINES.sub("\n", text).strip()


def _clean_once(text: str) -> str:
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = _GERMAN_QUOTE.sub(r'"\1"', _FRENCH_QUOTE.sub(r'"\1"', text))
    return _squash(text.translate(_QUOTES))


def clean(text: str) -> str:
    """The cleaned `text` of a post. Applied until nothing changes (one pass in practice), so
    that cleaning is idempotent even where NFKC meets a removed character."""
    for _ in range(4):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


_EMOJI_LEFTOVERS = re.compile("[\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f]")


def _prose(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, pos = [], 0
    for start, end in spans:
        pieces.append(text[pos:start])
        pos = end
    pieces.append(text[pos:])
    return _squash(_EMOJI_LEFTOVERS.sub("", " ".join(pieces)))


# --- sentences ---------------------------------------------------------------------------------

_TERMINATOR = re.compile(f"。+|[!?]+(?=[{CJK}])|\\.{{2,}}|[.!?؟।]+")  # NFKC made ！？ ASCII
_CLOSERS = re.compile("[\"')\\]}」』]*")
_ABBREVIATIONS = frozenset(
    {
        *("dr", "mr", "mrs", "ms", "mme", "mlle", "prof", "st", "sr", "sra", "jr", "vs", "cf"),
        *("e.g", "i.e", "approx", "incl", "ca", "viz", "al", "bzw", "usw", "z.b", "d.h", "ee"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
    }
)
_NUMBERED = frozenset(("no", "nr", "vol", "pp", "p", "art"))  # "No. 1" is not an ending
_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_OPENING_PUNCT = "([{\"'"
_LEADING = re.compile(r"(?:[\s\"]|[•‣◦▪▸►*>–—-](?=\s)|'(?![^\W\d_]))+")
_TRAILING = re.compile(r"(?:[\s\"]|(?<![^\W\d_])')+$")
_LETTER = re.compile(r"[^\W\d_]")


def _ends_sentence(line: str, start: int, end: int, next_char: str) -> bool:
    """Whether the terminator at line[start:end] ends a sentence, given the next visible char."""
    mark = line[start:end]
    if any(ch in mark for ch in "!?。؟।"):
        return True
    if len(mark) > 1:  # an ellipsis: only before a capital or a CJK character, never "[...]"
        inside_brackets = start > 0 and line[start - 1] in "[("
        return not inside_brackets and (next_char.isupper() or bool(HAS_CJK.match(next_char)))
    space = line.rfind(" ", 0, start)
    word = line[space + 1 : start].lstrip(_OPENING_PUNCT)
    lowered = word.lower()
    if lowered in _ABBREVIATIONS or _ACRONYM.fullmatch(word):
        return False
    if len(word) == 1 and word.isupper() and lowered != "i" and next_char.isupper():
        # an initial ("by Y. LeCun"), unless a capitalised word precedes it ("Station F. He")
        previous = line[line.rfind(" ", 0, max(space, 0)) + 1 : max(space, 0)]
        if not previous[:1].isupper():
            return False
    if lowered in _NUMBERED and next_char.isdigit():
        return False
    return not next_char.islower()


def _sentence_bounds(line: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the sentences of one line without line breaks."""
    start = 0
    for m in _TERMINATOR.finditer(line):
        closers = _CLOSERS.match(line, m.end())
        end = closers.end() if closers else m.end()
        if end == len(line):
            break
        cjk = m.group()[0] == "。" or bool(HAS_CJK.match(line[end]))
        if not cjk and line[end] != " ":
            continue
        after = end
        while after < len(line) and line[after] == " ":
            after += 1
        if not _ends_sentence(line, m.start(), m.end(), line[after : after + 1]):
            continue
        yield start, end
        start = end
    if start < len(line):
        yield start, len(line)


def _segments(prose: str, start: int, end: int, quoted: bool) -> Iterator[Segment]:
    line_start = start
    for line in prose[start:end].split("\n"):
        for a, b in _sentence_bounds(line):
            piece = line[a:b]
            lead = _LEADING.match(piece)
            a += lead.end() if lead else 0
            trail = _TRAILING.search(line, a, b)
            b = trail.start() if trail else b
            if a < b and _LETTER.search(line, a, b):
                yield Segment(line[a:b], quoted, line_start + a, line_start + b)
        line_start += len(line) + 1


# --- language ----------------------------------------------------------------------------------


@functools.cache
def _classifier() -> Callable[[str], tuple[str, float]]:
    import py3langid  # type: ignore[import-untyped]  # loaded on first use: it pulls in numpy

    classify: Callable[[str], tuple[str, float]] = py3langid.classify
    return classify


_TAG = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]{1,8})*")
# py3langid's varieties, named by their macrolanguage so that `[match.lang.zh]` covers a
# Chinese post it reads as Wu or Cantonese (a post of languages.jsonl came out "wuu").
_MACRO = {"wuu": "zh", "yue": "zh", "ary": "ar", "arz": "ar", "nn": "no", "uzs": "uz"}


def language(prose: str, given: str | None) -> str | None:
    """py3langid's guess on prose of three words or more (or any CJK), a variety named by its
    macrolanguage (`_MACRO`); else the given language (primary subtag, lowercase) when it is a
    valid tag; else None. A declared language is only a hint: an author's client may declare
    anything, and the text says what it is."""
    words = sum(1 for w in prose.split() if _LETTER.search(w))
    if words < 3 and not HAS_CJK.search(prose):
        declared = _given(given)
        return _MACRO.get(declared, declared) if declared else None
    guess = str(_classifier()(folded(prose))[0])
    return _MACRO.get(guess, guess)


def known_languages() -> frozenset[str]:
    """Every code `language` can give from the text (loads the detector's model)."""
    import py3langid.langid as model  # type: ignore[import-untyped]

    _classifier()("")  # py3langid builds its identifier on first use
    return frozenset(_MACRO.get(c, c) for c in model.IDENTIFIER.nb_classes)


def sentence_language(text: str) -> str | None:
    """The language of one sentence (a quoted one, say), when it is long enough to tell."""
    return language(text, None)


# --- the whole ---------------------------------------------------------------------------------


def normalise(text: str, lang: str | None = None, *, detect: bool = True) -> NormalisedPost:
    """Clean `text`, keep URLs/handles/hashtags/emoji out of the prose, blank the quoted spans
    out of the framing and cut the prose into sentences (quoted ones marked as such).

    With `detect=False` the language is left None; the pipeline guesses it (py3langid) only for
    the posts the gate admits, with `with_language`."""
    cleaned = clean(text)
    spans, urls, handles, hashtags = entities(cleaned)
    prose = _prose(cleaned, spans)
    quotes = quote_spans(prose)
    framing = list(prose)
    segments: list[Segment] = []
    pos = 0
    for start, end in quotes:
        framing[start:end] = " " * (end - start)
        closed = end - start > 1 and prose[end - 1] == prose[start]
        inner_end = end - 1 if closed else end  # a `"` left open runs to the end
        segments += _segments(prose, pos, start, quoted=False)
        segments += _segments(prose, start + 1, inner_end, quoted=True)
        pos = end
    segments += _segments(prose, pos, len(prose), quoted=False)
    return NormalisedPost(
        text=cleaned,
        prose=prose,
        framing="".join(framing),
        segments=tuple(segments),
        urls=tuple(urls),
        handles=tuple(handles),
        hashtags=tuple(hashtags),
        lang=language(prose, lang) if detect else None,
    )


def _given(lang: str | None) -> str | None:
    tag = (lang or "").strip().lower()
    return re.split(r"[-_]", tag, maxsplit=1)[0] if _TAG.fullmatch(tag) else None


def with_language(post: NormalisedPost, given: str | None) -> NormalisedPost:
    """`post` with its language (see `language`), which `normalise(detect=False)` skipped."""
    if post.lang is not None:
        return post
    return dataclasses.replace(post, lang=language(post.prose, given))
