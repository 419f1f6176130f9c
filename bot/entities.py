"""What the normaliser keeps out of a post's prose: URLs, handles, hashtags and emoji, each
span taken once (URLs first; a handle inside a URL is the URL's)."""

from __future__ import annotations

import bisect
import functools
import re

import emoji

NOTURL = '\\s"<>\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef'
TLDS = "com|org|net|edu|gov|io|ai|co|eu|fr|de|uk|es|it|jp|cn|me|tv|ly|app|dev|news|social|info"
URL = re.compile(
    rf"\b(?:https?://|www\.)[^{NOTURL}]+"
    rf"|(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{TLDS})/[^{NOTURL}]*",
    re.IGNORECASE,
)
HANDLE = re.compile(
    r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?"
)
HASHTAG = re.compile(r"(?<![\w#&])#(?=\w*[^\W\d_])\w+")
BRACKETS = {")": "(", "]": "[", "}": "{"}


def url_end(url: str) -> int:
    """Length of `url` without trailing punctuation or an unbalanced closing bracket."""
    end = len(url)
    while end:
        last = url[end - 1]
        if last in ".,;:!?'\"" or (
            last in BRACKETS and url.count(BRACKETS[last], 0, end) < url.count(last, 0, end)
        ):
            end -= 1
        else:
            break
    return end


@functools.cache
def emoji_start() -> re.Pattern[str]:
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


def entities(text: str) -> tuple[list[tuple[int, int]], list[str], list[str], list[str]]:
    """Spans to keep out of the prose (URLs first, then handles, hashtags, emoji) and the
    URLs, handles and hashtags themselves."""
    taken = Intervals()
    found: list[list[str]] = [[], [], []]
    for kind, pattern in enumerate((URL, HANDLE, HASHTAG)):
        for m in pattern.finditer(text):
            end = m.start() + (url_end(m.group()) if pattern is URL else len(m.group()))
            if taken.add(m.start(), end):
                found[kind].append(text[m.start() : end])
    for e in emoji.emoji_list(text) if emoji_start().search(text) else ():
        taken.add(e["match_start"], e["match_end"])
    return taken.spans(), found[0], found[1], found[2]


class Intervals:
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
