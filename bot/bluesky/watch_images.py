"""Images of watched posts (issue 16): the searches', the firehose's and Jetstream's posts go
through the same reader (bot/images/reader.py) and the same pipeline as a mention's, bounded:

1. alt text, always (it comes with the post: no fetch);
2. the image's pixels (its thumbnail, enough for the hash) fetched, hashed and looked up among
   the images already read, only for a post that passes the pre-filter
   (`bot.images.watching.Prefilter`: a search or a viral recheck, a watched author, or a
   speaker, theme or event named in its text or alt text);
3. OCR (of the full-size image) only when no copy was read before, and at most
   `[images] watch_ocr_per_minute` images a minute (`OcrBudget`).

For the stream (`when="defer"`) steps 2 and 3 are left to the `Watcher`'s reading task: the
flush checks the post on its words and alt text at once and never waits for a fetch, a hash or
Tesseract; the task checks it again with its images' words.

An image refused (too big, corrupt, a bomb) or skipped (over the OCR rate) is logged once, with
the post; images left unread by the pre-filter are counted (`skipped`) and summed up in one line
per batch by the watcher. A streamed record names its image blobs by CID: the URLs are the
AppView CDN's (`[images] cdn_url`), or the PDS's getBlob with `bluesky_source = "pds"`."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.bluesky.images import BlueskyImages, embed_views
from bot.domain import Corpus, ImageText, Post
from bot.images.card import with_images
from bot.images.watching import OcrBudget, Prefilter

log = logging.getLogger(__name__)
# When the pixels are read: "now" (the searches and a viral recheck, low volume; and the
# `Watcher`'s reading task), or "defer" (the stream's flush: alt text only, and a post that
# passes the pre-filter is left to the reading task, so that the flush never waits for a fetch,
# a hash or Tesseract).
When = Literal["now", "defer"]


@dataclass(frozen=True)
class ImageRef:
    """One image of a watched post: its full-size URL, its thumbnail's ("" when none) and
    its alt text as the post gives it."""

    url: str
    thumb: str
    alt: str


def _http(url: Any) -> str:
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else ""


def view_refs(view: Any) -> tuple[ImageRef, ...]:
    """The images of a post view (the AppView's: searches, getPosts): its own, a
    recordWithMedia's, then the quoted post's."""
    refs = []
    for embed in embed_views(view, 0):
        for image in getattr(embed, "images", None) or []:
            full = _http(getattr(image, "fullsize", None))
            thumb = _http(getattr(image, "thumb", None))
            if full or thumb:
                refs.append(ImageRef(full or thumb, thumb, getattr(image, "alt", "") or ""))
    return tuple(refs)


def _cid(blob: Any) -> str:
    """A blob reference's CID, whether decoded from CBOR (the firehose) or JSON (Jetstream)."""
    ref = getattr(blob, "ref", None)
    link = getattr(ref, "link", ref)
    if isinstance(link, str):
        return link
    try:
        return str(blob.cid)
    except (AttributeError, ValueError, TypeError):
        return ""


def record_refs(did: str, record: Any, cdn_url: str) -> tuple[ImageRef, ...]:
    """The images of a post record from the stream: an images embed, or a recordWithMedia's
    media (a quoted post's images are not in the record; the quoted post was on the stream
    itself). URLs on the AppView's CDN, as its post views give them."""
    embed = getattr(record, "embed", None)
    embed = getattr(embed, "media", None) or embed
    refs = []
    for image in getattr(embed, "images", None) or []:
        cid = _cid(getattr(image, "image", None))
        if not cid or not cid.isalnum():
            continue
        base = f"{cdn_url.rstrip('/')}/img/%s/plain/{did}/{cid}@jpeg"
        alt = getattr(image, "alt", "") or ""
        refs.append(ImageRef(base % "feed_fullsize", base % "feed_thumbnail", alt))
    return tuple(refs)


class WatchedImages:
    """Reads the images of watched posts within the bounds above. `counts` says what became of
    every image: "alt", "seen", "ocr", "skipped:filter", "skipped:rate", "refused", "no text";
    and "deferred": stream posts left to the reading task."""

    def __init__(
        self,
        images: BlueskyImages,
        corpus: Callable[[], Corpus],
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.images, self.reader = images, images.reader
        cfg = self.reader.config
        self.prefilter = Prefilter(corpus, cfg.watch_authors)
        self.budget = (
            OcrBudget(cfg.watch_ocr_per_minute, clock)
            if clock
            else OcrBudget(cfg.watch_ocr_per_minute)
        )
        self.counts: Counter[str] = Counter()
        self.skipped = 0  # images left unread by the pre-filter since the last `take_skipped`

    def take_skipped(self) -> int:
        n, self.skipped = self.skipped, 0
        return n

    async def post_with_images(
        self, post: Post, refs: Sequence[ImageRef], author: str, source: str, when: When = "now"
    ) -> tuple[Post, bool]:
        """`post` with its images' quotes added (the words then say they came from an image);
        as it was when its images hold none, or none was read. True when an image's OCR was
        deferred (`when="defer"`): the post is to be read again with `when="now"`."""
        refs = refs[: self.reader.config.max_images]
        if not refs:
            return post, False
        alts = [self.reader.alt_text(r.alt) for r in refs]
        admission = self.prefilter.admits(post.text, [a for a, _ in alts], author, source)
        defer = admission.admitted and when == "defer"  # the reading task reads it all later
        texts: list[ImageText] = []
        for ref, (alt, from_alt) in zip(refs, alts, strict=True):
            if from_alt is not None and self.reader.transcribes(alt):
                texts.append(from_alt)
                if not defer:
                    self.counts["alt"] += 1
                if admission.admitted and not defer:  # by hash: a copy without alt is known
                    await self._remember_alt(ref, alt, post.id)
                continue
            got = None
            if not admission.admitted:
                self.counts["skipped:filter"] += 1
                self.skipped += 1
            elif not defer:
                got = await self._pixels(ref, post.id)
            if (got is None or not got.quote) and from_alt is not None:
                got = from_alt  # a description is all there is
            if got is not None:
                texts.append(got)
        if defer:
            self.counts["deferred"] += 1  # posts
        return with_images(post, texts), defer

    async def _look(self, url: str, post_id: str) -> tuple[Any, str]:
        data = await self.images.fetch(url)
        if data is None:  # fetch_image logged why
            return None, ""
        return await asyncio.to_thread(self.reader.look, data, post_id)

    async def _remember_alt(self, ref: ImageRef, alt: str, post_id: str) -> None:
        img, image_hash = await self._look(ref.thumb or ref.url, post_id)
        known = await asyncio.to_thread(self.reader.known, image_hash, post_id) if img else None
        if img is not None and known is None:
            await asyncio.to_thread(self.reader.remember, image_hash, "alt", alt, post_id)

    async def _pixels(self, ref: ImageRef, post_id: str) -> ImageText | None:
        """The thumbnail hashed and looked up; else, within the OCR budget, the full-size image
        read by OCR (remembered under the thumbnail's hash: the next copy is known)."""
        img, image_hash = await self._look(ref.thumb or ref.url, post_id)
        if img is None:
            self.counts["refused"] += 1
            return None
        known = await asyncio.to_thread(self.reader.known, image_hash, post_id)
        if known is not None:
            self.counts["seen"] += 1
            return known
        if self.reader.ocr is None:
            self.counts["no text"] += 1
            return None
        if not self.budget.take():
            self.counts["skipped:rate"] += 1
            log.info(
                "image of %s not read: [images] watch_ocr_per_minute = %d spent in the last "
                "minute (OCR skipped; alt text and copies already read only)",
                post_id[:120],
                self.budget.per_minute,
            )
            return None
        if ref.thumb and ref.url != ref.thumb:  # OCR wants every pixel; the hash did not
            data = await self.images.fetch(ref.url)
            full = await asyncio.to_thread(self.reader.open, data, post_id) if data else None
            img = full if full is not None else img
        got = await asyncio.to_thread(self.reader.ocr_text, img, image_hash, post_id)
        self.counts["ocr" if got is not None else "no text"] += 1
        return got
