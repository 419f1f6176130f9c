"""An image's text, the cheapest way first: its alt text when that transcribes a quote (quote
marks, or an attribution line: a description of the picture does not stand in for it); else the
text of a near-duplicate already read (perceptual hash, `seen`); else OCR. Every image read is
hashed and remembered. A refused image (too big, corrupt, a decompression bomb) or an OCR
failure is one log line and no text: the post is then checked on its own words."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import regex
from PIL import Image

from bot.config import ImagesConfig
from bot.database import Database
from bot.domain import ImageSource, ImageText
from bot.images.card import split_text
from bot.images.decode import ImageRefused, open_image, perceptual_hash
from bot.images.seen import SeenImages
from bot.inputs import clean_text

log = logging.getLogger(__name__)
SOURCES = ("alt", "ocr", "seen", "refused")  # how an image was read (`ImageReader.counts`)


class Ocr(Protocol):
    name: str

    def read(self, img: Image.Image) -> str: ...


_QUOTE_MARKS = regex.compile(r"[\"“”«»„「」『』]")
_DASH_LINE = regex.compile(r"(?m)(?:^|\s)[—–―]\s*\S")


def _transcribes(alt: str) -> bool:
    """Alt text that transcribes a quote card (quote marks, or a "— Name" line), not one that
    describes a picture ("A man on a stage"): only the first stands in for OCR."""
    return bool(_QUOTE_MARKS.search(alt) or _DASH_LINE.search(alt))


@dataclass(frozen=True)
class ImageInput:
    """One image of a post: its bytes (None when it could not be fetched) and its alt text."""

    data: bytes | None
    alt: str = ""


@dataclass
class ImageReader:
    ocr: Ocr | None
    seen: SeenImages | None
    config: ImagesConfig
    # Images read by this process, by where the text came from ("alt", "ocr", "seen": a copy
    # already read) and images refused (/metrics); also written to `image_reads` when kept.
    counts: Counter[str] = field(default_factory=lambda: Counter(dict.fromkeys(SOURCES, 0)))

    def _tally(self, source: str, post_id: str) -> None:
        self.counts[source] += 1
        if self.seen is not None:
            self.seen.read(source, post_id)

    def read(self, image: ImageInput, post_id: str = "") -> ImageText | None:
        got = self._read(image, post_id)
        if got is not None:
            self._tally(got.source, post_id)
        return got

    def _read(self, image: ImageInput, post_id: str) -> ImageText | None:
        alt, from_alt = self.alt_text(image.alt)
        img, image_hash = self.look(image.data, post_id)
        if from_alt is not None and _transcribes(alt):
            if image_hash:
                self.remember(image_hash, "alt", alt, post_id)
            return split_text(alt, "alt", image_hash)
        got = self._read_pixels(img, image_hash, post_id)
        if (got is None or not got.quote) and from_alt is not None:
            return split_text(alt, "alt", image_hash)  # a description is all there is
        return got

    # The steps of `read`, for the watchers (bot/bluesky/watch_images.py), which fetch the
    # pixels only when a post passes their pre-filter and ration OCR.

    def alt_text(self, alt: str) -> tuple[str, ImageText | None]:
        """The alt text cleaned and capped, and its split when it holds a quote (else None)."""
        cleaned = clean_text(alt or "")[: self.config.max_alt_chars]
        got = split_text(cleaned, "alt") if cleaned.strip() else None
        return cleaned, got if got is not None and got.quote else None

    @staticmethod
    def transcribes(alt: str) -> bool:
        """The alt text transcribes a quote card (it stands in for OCR)."""
        return _transcribes(alt)

    def look(self, data: bytes | None, post_id: str) -> tuple[Image.Image | None, str]:
        """The image opened within bounds and its perceptual hash; (None, "") when refused
        (logged once, here)."""
        img = self.open(data, post_id)
        return img, perceptual_hash(img) if img is not None else ""

    def open(self, data: bytes | None, post_id: str) -> Image.Image | None:
        """The image opened within bounds (no hash); None when refused (logged once, here)."""
        return self._open(data, post_id)

    def remember(self, image_hash: str, source: str, text: str, post_id: str) -> None:
        if self.seen is not None:
            self.seen.add(image_hash, source, text, post_id)

    def known(self, image_hash: str, post_id: str) -> ImageText | None:
        """The text of a copy already read (within `hash_distance` bits), without OCR."""
        if self.seen is None or not image_hash:
            return None
        near = self.seen.near(image_hash, self.config.hash_distance)
        if near is None:
            return None
        if post_id and near.post_id == post_id[:300]:  # this post's own image, read before
            source: ImageSource = "alt" if near.source == "alt" else "ocr"
            return split_text(near.text, source, image_hash)
        log.info(
            "image of %s: a copy of one read for %s (%d bits apart): no OCR",
            post_id[:120],
            near.post_id[:120],
            near.distance,
        )
        return split_text(near.text, "seen", image_hash)

    def ocr_text(self, img: Image.Image, image_hash: str, post_id: str) -> ImageText | None:
        """OCR, remembered under `image_hash`; None when there is no OCR or it failed."""
        if self.ocr is None:
            return None
        try:
            text = clean_text(self.ocr.read(img))
        except Exception as exc:  # OCR is best effort: the post is still checked
            log.warning("image of %s: OCR failed (%s: %s)", post_id[:120], type(exc).__name__, exc)
            return None
        self.remember(image_hash, "ocr", text, post_id)
        return split_text(text, "ocr", image_hash)

    def _read_pixels(
        self, img: Image.Image | None, image_hash: str, post_id: str
    ) -> ImageText | None:
        """A copy already read, else OCR."""
        if img is None:
            return None
        return self.known(image_hash, post_id) or self.ocr_text(img, image_hash, post_id)

    def read_all(self, images: Sequence[ImageInput], post_id: str = "") -> list[ImageText]:
        out = []
        for image in images[: self.config.max_images]:
            got = self.read(image, post_id)
            if got is not None:
                out.append(got)
        return out

    def _open(self, data: bytes | None, post_id: str) -> Image.Image | None:
        if data is None:
            return None
        if len(data) > self.config.max_bytes:
            self._tally("refused", post_id)
            log.warning(
                "image of %s refused: %d bytes (more than [images] max_bytes %d)",
                post_id[:120],
                len(data),
                self.config.max_bytes,
            )
            return None
        try:
            return open_image(data, self.config.max_pixels)
        except ImageRefused as exc:
            self._tally("refused", post_id)
            log.warning("image of %s refused: %s", post_id[:120], exc)
            return None


def build_reader(config: ImagesConfig, store: Database | Path | str | None) -> ImageReader | None:
    """The reader the adapters use, or None when images are off. `store`: the runtime's
    `Database` (or a file's path, for a one-shot command) that keeps the images read; None keeps
    none. No Tesseract: alt text and near-duplicates still work, and one warning says why there
    is no OCR."""
    if not config.enabled:
        return None
    from bot.images.ocr import OcrUnavailable, Tesseract

    ocr: Ocr | None
    try:
        ocr = Tesseract(config.ocr_languages, config.ocr_timeout_seconds)
    except OcrUnavailable as exc:
        log.warning("images: no OCR (%s); alt text and known images only", exc)
        ocr = None
    seen = SeenImages(store) if store is not None else None
    return ImageReader(ocr, seen, config)
