"""A photo sent to the bot in a private chat (its caption, with or without /check, is the
context): the largest size Telegram offers, refused above `[images] max_bytes` from its
declared size, downloaded within `timeout_seconds`, then read by `bot.images.reader` (a known
copy, else OCR) in a worker thread. Nothing here raises on a bad photo: it gives no text, and
the handler says so."""

from __future__ import annotations

import asyncio
import logging

from telegram import Message

from bot.domain import Post
from bot.images.card import with_images
from bot.images.reader import ImageInput, ImageReader

log = logging.getLogger(__name__)


async def photo_post(message: Message, post: Post, reader: ImageReader) -> Post:
    """`post` with the photo's quote added (unchanged when the photo gives none)."""
    cfg = reader.config
    if not message.photo:
        return post
    size = message.photo[-1]
    if size.file_size is not None and size.file_size > cfg.max_bytes:
        log.warning(
            "photo of %s refused: %d bytes (more than [images] max_bytes %d)",
            post.id,
            size.file_size,
            cfg.max_bytes,
        )
        return post
    try:
        async with asyncio.timeout(cfg.timeout_seconds):
            file = await size.get_file()
            data = bytes(await file.download_as_bytearray())
    except TimeoutError:
        log.warning("photo of %s not fetched within %.1f s", post.id, cfg.timeout_seconds)
        return post
    except Exception as exc:  # a Telegram error: the photo is skipped, the text still checked
        log.warning("photo of %s not fetched: %s: %s", post.id, type(exc).__name__, exc)
        return post
    texts = await asyncio.to_thread(reader.read_all, [ImageInput(data)], post.id)
    return with_images(post, texts)
