"""A post as the pipeline receives it (its text, the words of its image) and its normalised
form (`bot.normalise`): the prose split into segments, what was quoted, what frames it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

# Where an image's words came from (bot/images): its alt text, OCR, or an image already read
# whose perceptual hash this one is near ("seen": a re-upload, a crop, a re-encode).
ImageSource = Literal["alt", "ocr", "seen"]
ImageLayout = Literal["card", "screenshot", "none"]


@dataclass(frozen=True)
class ImageText:
    """The text of one image of a post, split into the quote and the line attributing it
    (`bot.images.card.split_text`); `hash` is the image's perceptual hash (hex), if known."""

    source: ImageSource
    text: str
    quote: str
    attribution: str
    layout: ImageLayout
    hash: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "quote": self.quote,
            "attribution": self.attribution,
            "layout": self.layout,
        }


@dataclass(frozen=True)
class Post:
    id: str
    text: str
    created_at: datetime | None = None
    lang: str | None = None
    url: str | None = None
    author: str | None = None
    image: ImageText | None = None  # the words checked include this image's (bot/images)


@dataclass(frozen=True)
class Segment:
    """A sentence of the post's prose. `quoted` is True when the post presents it as a quote
    (inside quote marks); `start`/`end` are offsets into `NormalisedPost.prose`."""

    text: str
    quoted: bool
    start: int
    end: int


@dataclass(frozen=True)
class NormalisedPost:
    text: str  # NFKC, controls removed, quote marks unified
    prose: str  # `text` without URLs, handles, hashtags and emoji
    framing: str  # `prose` with the quoted spans blanked out: who said it, where, when
    segments: tuple[Segment, ...]
    urls: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    lang: str | None = None
