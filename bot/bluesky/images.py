"""A Bluesky post's images, read for the pipeline: the images of an `app.bsky.embed.images`
embed, of a `recordWithMedia` embed, and of the post it quotes (one level), from the AppView's
post view (its `fullsize` URL and `alt` text). Each image is fetched within `[images]`
max_bytes and timeout_seconds from that URL, else as the blob itself from the PDS
(`com.atproto.sync.getBlob`, with the DID and CID the URL names); `[images] bluesky_source =
"pds"` asks the PDS only (the local network's AppView names a CDN that does not exist),
then read by `bot.images.reader` (alt text, a copy already read, else OCR) in a worker thread:
OCR is CPU-bound."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

import httpx
import regex

from bot.domain import Post
from bot.images.card import with_images
from bot.images.fetch import fetch_image
from bot.images.reader import ImageInput, ImageReader

# The AppView's image URLs: <cdn>/img/<preset>/plain/<did>/<cid>@<format>
_IMG_URL = regex.compile(r"/plain/(did:[a-z0-9]+:[A-Za-z0-9._:%-]+)/([a-z2-7]{20,})(?:@\w+)?$")


def blob_url(pds_url: str, url: str) -> str | None:
    """The PDS's getBlob URL for the blob an AppView image URL shows, or None."""
    m = _IMG_URL.search(url)
    if m is None:
        return None
    query = urlencode({"did": m[1], "cid": m[2]})
    return f"{pds_url.rstrip('/')}/xrpc/com.atproto.sync.getBlob?{query}"


def image_refs(view: Any, depth: int = 0) -> list[tuple[str, str]]:
    """(fullsize url, alt) of every image a post view shows: its own, then the quoted post's."""
    refs: list[tuple[str, str]] = []
    for embed in embed_views(view, depth):
        for image in getattr(embed, "images", None) or []:
            url = getattr(image, "fullsize", None) or getattr(image, "thumb", None)
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                refs.append((url, getattr(image, "alt", "") or ""))
    return refs


def embed_views(view: Any, depth: int) -> list[Any]:
    """The embed views of a post view (`embed`) or of a quoted record view (`embeds`): an
    images view as it is; a recordWithMedia view's media, then its record; a record view's
    quoted post (only one level down: a quote of a quote is not followed)."""
    found = [getattr(view, "embed", None), *(getattr(view, "embeds", None) or [])]
    out: list[Any] = []
    for embed in found:
        if embed is None:
            continue
        media = getattr(embed, "media", None)
        if media is not None:
            out.append(media)
        elif getattr(embed, "images", None) is not None:
            out.append(embed)
        quoted = getattr(embed, "record", None)
        quoted = getattr(quoted, "record", quoted)  # recordWithMedia: record.record
        if quoted is not None and depth == 0 and hasattr(quoted, "embeds"):
            out += embed_views(quoted, depth + 1)
    return out


class BlueskyImages:
    def __init__(
        self,
        reader: ImageReader,
        pds_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.reader, self.pds_url = reader, pds_url
        self.http = httpx.AsyncClient(transport=transport) if transport else httpx.AsyncClient()

    async def post_with_images(self, post: Post, view: Any) -> Post:
        """`post` with its images' quotes added (`bot.images.card.with_images`)."""
        cfg = self.reader.config
        refs = image_refs(view)[: cfg.max_images]
        if not refs:
            return post
        datas = await asyncio.gather(*(self.fetch(url) for url, _ in refs))
        inputs = [ImageInput(d, alt) for d, (_, alt) in zip(datas, refs, strict=True)]
        texts = await asyncio.to_thread(self.reader.read_all, inputs, post.id)
        return with_images(post, texts)

    async def fetch(self, url: str) -> bytes | None:
        cfg = self.reader.config
        data = None
        if cfg.bluesky_source == "cdn":
            data = await fetch_image(self.http, url, cfg.max_bytes, cfg.timeout_seconds)
        blob = blob_url(self.pds_url, url) if data is None else None
        if blob is not None:
            data = await fetch_image(self.http, blob, cfg.max_bytes, cfg.timeout_seconds)
        return data

    async def close(self) -> None:
        await self.http.aclose()
