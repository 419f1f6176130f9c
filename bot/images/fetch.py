"""Download one image within bounds: at most `max_bytes` (a larger Content-Length is refused
before reading, and the body is cut off as soon as it passes the limit) and `timeout` seconds
in all. Any failure is one log line and None: the post is then checked without that image."""

from __future__ import annotations

import asyncio
import logging

import httpx

log = logging.getLogger(__name__)


class TooLarge(Exception):
    pass


async def fetch_image(
    client: httpx.AsyncClient, url: str, max_bytes: int, seconds: float
) -> bytes | None:
    try:
        async with asyncio.timeout(seconds):
            return await _get(client, url, max_bytes)
    except TimeoutError:
        log.warning("image %s refused: not fetched within %.1f s", url[:200], seconds)
    except TooLarge as exc:
        log.warning("image %s refused: %s (more than %d bytes)", url[:200], exc, max_bytes)
    except (httpx.HTTPError, OSError, ValueError) as exc:
        log.warning("image %s not fetched: %s: %s", url[:200], type(exc).__name__, exc)
    return None


async def _get(client: httpx.AsyncClient, url: str, max_bytes: int) -> bytes:
    async with client.stream("GET", url, follow_redirects=True) as response:
        response.raise_for_status()
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise TooLarge(f"Content-Length {declared}")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(f"{size} bytes read so far")
            chunks.append(chunk)
    return b"".join(chunks)
