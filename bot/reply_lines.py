"""The lines a reply is built from, shared by the Bluesky and Telegram renderers."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

import regex

BLUESKY_GRAPHEMES = 300
BLUESKY_BYTES = 3000
TELEGRAM_CHARS = 4096
QUOTE_CAP = 1000  # graphemes of the verified wording shown at most
VALUE_CAP = 600  # graphemes of any other value (a post's sentence, a venue...) shown at most
CLUSTER_CAP = 32  # code points kept of one grapheme cluster (stops "zalgo" blowing the bytes)

LINK_OPEN, LINK_CLOSE = "\ue000", "\ue001"  # private-use marks around a link label while packing
DROPPED = {
    LINK_OPEN,
    LINK_CLOSE,
    *"\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
}
SENTENCE_BREAK = regex.compile(r"(?<=[.!?…][\"”’')\]»]*)\s+|(?<=[。！？])(?=\S)")
SPACES = regex.compile(r"\s+")
NUMBERING = " ({i}/{n})"


@dataclass(frozen=True)
class Seg:
    text: str
    href: str = ""
    value: bool = False  # a placeholder's value: Bluesky may shorten it to keep a line whole


Style = Literal["plain", "b", "i", "blockquote"]


@dataclass(frozen=True)
class Line:
    segs: tuple[Seg, ...]
    style: Style = "plain"
    core: bool = True  # Telegram shortens a core line rather than dropping it
    telegram_only: bool = False
    whole: bool = False  # a quotation: never split across Bluesky posts, its values shortened

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segs)


def tidy(text: str) -> str:
    """A value as a reply shows it: control, bidi-override and surrogate characters removed,
    whitespace runs made one space, each grapheme cluster kept to CLUSTER_CAP code points."""
    kept = "".join(
        c
        for c in text
        if c not in DROPPED and (c.isspace() or unicodedata.category(c) not in ("Cc", "Cs"))
    )
    spaced = SPACES.sub(" ", kept)
    return "".join(c[:CLUSTER_CAP] for c in regex.findall(r"\X", spaced))


def shown_value(text: str, cap: int = VALUE_CAP) -> str:
    clusters: list[str] = regex.findall(r"\X", tidy(text).strip())
    if len(clusters) <= cap:
        return "".join(clusters)
    return "".join(clusters[: cap - 1]).rstrip() + "…"
