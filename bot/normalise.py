"""Normalise a post: clean text, prose apart from links and tags, quoted spans, sentences.

`normalise` is pure and total: any string gives a `NormalisedPost`, and normalising the result's
`text` again gives the same text, prose and segments. Cleaning is NFKC, then invisible and bidi
control characters removed, quote marks unified to `"` and `'`, and whitespace collapsed (runs of
spaces to one space, line breaks kept as one `\\n`, since a line of a list is a sentence).

Quoted spans are found in the prose: `"` marks pair up in order; `'` marks count as quote marks
only in the place of one (an opening `'` after a space, colon, dash or bracket; a closing `'`
before a space or punctuation), so the apostrophes of "it's", "LeCun's" or "goin'" are not.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator

import emoji

from bot.domain import NormalisedPost, Segment

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


# --- URLs, handles, hashtags, emoji -----------------------------------------------------------

_NOT_URL = '\\s"<>\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef'
_TLDS = "com|org|net|edu|gov|io|ai|co|eu|fr|de|uk|es|it|jp|cn|me|tv|ly|app|dev|news|social|info"
_URL = re.compile(
    rf"\b(?:https?://|www\.)[^{_NOT_URL}]+"
    rf"|(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})/[^{_NOT_URL}]*",
    re.IGNORECASE,
)
_HANDLE = re.compile(
    r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?"
)
_HASHTAG = re.compile(r"(?<![\w#&])#(?=\w*[^\W\d_])\w+")
_EMOJI_LEFTOVERS = re.compile("[\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f]")
_BRACKETS = {")": "(", "]": "[", "}": "{"}


def _url_end(url: str) -> int:
    """Length of `url` without trailing punctuation or an unbalanced closing bracket."""
    end = len(url)
    while end:
        last = url[end - 1]
        if last in ".,;:!?'\"" or (
            last in _BRACKETS and url.count(_BRACKETS[last], 0, end) < url.count(last, 0, end)
        ):
            end -= 1
        else:
            break
    return end


@functools.cache
def _emoji_start() -> re.Pattern[str]:
    """A character that can begin an emoji (keycaps "1️⃣" hold U+20E3): text without one has no
    emoji, and the slow scan of the emoji package is skipped. Built on first use."""
    points = sorted({ord(e[0]) for e in emoji.EMOJI_DATA if not e[0].isascii()} | {0x20E3})
    ranges: list[list[int]] = []
    for p in points:
        if ranges and p == ranges[-1][1] + 1:
            ranges[-1][1] = p
        else:
            ranges.append([p, p])
    return re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]")


def _entities(text: str) -> tuple[list[tuple[int, int]], list[str], list[str], list[str]]:
    """Spans to keep out of the prose (URLs first, then handles, hashtags, emoji) and the
    URLs, handles and hashtags themselves."""
    taken = _Intervals()
    found: list[list[str]] = [[], [], []]
    for kind, pattern in enumerate((_URL, _HANDLE, _HASHTAG)):
        for m in pattern.finditer(text):
            end = m.start() + (_url_end(m.group()) if pattern is _URL else len(m.group()))
            if taken.add(m.start(), end):
                found[kind].append(text[m.start() : end])
    for e in emoji.emoji_list(text) if _emoji_start().search(text) else ():
        taken.add(e["match_start"], e["match_end"])
    return taken.spans(), found[0], found[1], found[2]


class _Intervals:
    """Disjoint spans kept sorted by start: whether a new one overlaps any is two neighbours
    looked up by bisection, not a scan of every span found so far."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, end: int) -> bool:
        """Add [start, end) if it is not empty and overlaps no span; whether it was added."""
        i = bisect.bisect_right(self.starts, start)
        if end <= start or (i and self.ends[i - 1] > start):
            return False
        if i < len(self.starts) and self.starts[i] < end:
            return False
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        return True

    def covers(self, at: int) -> bool:
        i = bisect.bisect_right(self.starts, at)
        return bool(i) and at < self.ends[i - 1]

    def spans(self) -> list[tuple[int, int]]:
        return list(zip(self.starts, self.ends, strict=True))


def _prose(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, pos = [], 0
    for start, end in spans:
        pieces.append(text[pos:start])
        pos = end
    pieces.append(text[pos:])
    return _squash(_EMOJI_LEFTOVERS.sub("", " ".join(pieces)))


# --- quoted spans ------------------------------------------------------------------------------

_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_OPENING_CONTEXT = re.compile(f'[\\s(\\[{{"—–\\-:/{_CJK}]')
_ELISION = re.compile(r"'(?:cause|cos|coz|cuz|em|til|tis|twas|n|bout|round|nuff|\d\ds?)\b", re.I)


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P") or bool(_HAS_CJK.match(ch))


def _double_spans(prose: str) -> list[tuple[int, int]]:
    """`"` marks pair in order; one opens only before a non-space; an unclosed one opens a quote
    that runs to the end of the prose."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for i, ch in enumerate(prose):
        if ch != '"':
            continue
        if open_at is not None:
            spans.append((open_at, i + 1))
            open_at = None
        elif i + 1 < len(prose) and not prose[i + 1].isspace():
            open_at = i
    if open_at is not None:
        spans.append((open_at, len(prose)))
    return spans


def _single_spans(prose: str, skip: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`'` used as quote marks, within one line. A closing `'` followed by a lowercase word
    ("goin' home", "researchers' models") is weak: a later strong one (before end, punctuation
    or a capital) closes the quote instead, unless a new quote opens first."""
    newlines = [i for i, ch in enumerate(prose) if ch == "\n"]
    skipped = _Intervals()
    for s, e in skip:
        skipped.add(s, e)
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    weak: int | None = None

    def close(at: int) -> None:
        nonlocal open_at, weak
        if open_at is not None:
            spans.append((open_at, at + 1))
        open_at, weak = None, None

    for i, ch in enumerate(prose):
        if ch != "'" or skipped.covers(i):
            continue
        prev = prose[i - 1] if i else " "
        after = prose[i + 1] if i + 1 < len(prose) else ""
        if open_at is not None and bisect.bisect(newlines, open_at) != bisect.bisect(newlines, i):
            if weak is not None:
                close(weak)
            open_at, weak = None, None
        opener = (
            bool(_OPENING_CONTEXT.match(prev))
            and after != ""
            and not after.isspace()
            and after != "'"
            and not _ELISION.match(prose, i)
        )
        closer = not prev.isspace() and (after == "" or after.isspace() or _is_punct(after))
        if open_at is None:
            if opener:
                open_at = i
        elif closer:
            j = i + 1
            while j < len(prose) and prose[j] == " ":
                j += 1
            if after == " " and j < len(prose) and prose[j].islower():
                weak = i if weak is None else weak
            else:
                close(i)
        elif opener and weak is not None:
            close(weak)
            open_at = i
    if weak is not None:
        close(weak)
    return spans


def _quote_spans(prose: str) -> list[tuple[int, int]]:
    """Non-overlapping quoted spans, marks included; an outer span swallows inner ones."""
    double = _double_spans(prose)
    spans = sorted(double + _single_spans(prose, double), key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


# --- sentences ---------------------------------------------------------------------------------

_TERMINATOR = re.compile(f"。+|[!?]+(?=[{_CJK}])|\\.{{2,}}|[.!?؟।]+")  # NFKC made ！？ ASCII
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
        return not inside_brackets and (next_char.isupper() or bool(_HAS_CJK.match(next_char)))
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
        cjk = m.group()[0] == "。" or bool(_HAS_CJK.match(line[end]))
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


def language(prose: str, given: str | None) -> str | None:
    """py3langid's guess on prose of three words or more (or any CJK); else the given language
    (primary subtag, lowercase) when it is a valid tag; else None. A declared language is only
    a hint: an author's client may declare anything, and the text says what it is."""
    words = sum(1 for w in prose.split() if _LETTER.search(w))
    if words < 3 and not _HAS_CJK.search(prose):
        return _given(given)
    return str(_classifier()(prose)[0])


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
    spans, urls, handles, hashtags = _entities(cleaned)
    prose = _prose(cleaned, spans)
    quotes = _quote_spans(prose)
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
