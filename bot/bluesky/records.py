"""Pure conversions between Bluesky's records and factbot's domain: record keys, strong refs,
facets, post views → `Post`, bsky.app URLs ↔ at:// URIs. No network here."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from typing import Any

import regex
from atproto import models

from bot.domain import BlueskyPost, Post

POST = "app.bsky.feed.post"
_B32 = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable, as TIDs are written
_AT_URI = regex.compile(r"^at://([^/]+)/([^/]+)/([^/]+)$")
_WEB_URL = regex.compile(r"^https?://(?:www\.)?bsky\.app/profile/([^/?#]+)/post/([^/?#]+)")


def tid(key: str, micros: int | None = None) -> str:
    """A record key in TID form (13 base32-sortable characters: 53 bits of microseconds and
    10 bits of clock id). The clock id comes from `key`, so two outbox rows created in the same
    microsecond still differ; the key is stored before the write, which makes a resend after a
    crash land on the same record instead of a second one."""
    if micros is None:
        micros = time.time_ns() // 1000
    clock = int.from_bytes(hashlib.sha256(key.encode()).digest()[:2], "big") & 0x3FF
    value = ((micros & ((1 << 53) - 1)) << 10) | clock
    return "".join(_B32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def split_uri(uri: str) -> tuple[str, str, str]:
    """(repo, collection, rkey) of an at:// URI; ValueError when it is not one."""
    m = _AT_URI.match(uri)
    if not m:
        raise ValueError(f"not an at:// record URI: {uri!r}")
    return m[1], m[2], m[3]


def web_url(handle: str, uri: str) -> str:
    """The bsky.app address of the post `uri` by `handle`."""
    return f"https://bsky.app/profile/{handle}/post/{split_uri(uri)[2]}"


def parse_web_url(url: str) -> tuple[str, str] | None:
    """(handle or DID, rkey) of a bsky.app post URL, or None."""
    m = _WEB_URL.match(url.strip())
    return (m[1], m[2]) if m else None


def strong_ref(uri: str, cid: str) -> models.ComAtprotoRepoStrongRef.Main:
    return models.ComAtprotoRepoStrongRef.Main(uri=uri, cid=cid)


def facets(post: BlueskyPost) -> list[models.AppBskyRichtextFacet.Main] | None:
    """The post's links as rich-text facets (UTF-8 byte offsets, as compose made them)."""
    out = [
        models.AppBskyRichtextFacet.Main(
            features=[models.AppBskyRichtextFacet.Link(uri=link.uri)],
            index=models.AppBskyRichtextFacet.ByteSlice(
                byte_start=link.byte_start, byte_end=link.byte_end
            ),
        )
        for link in post.links
    ]
    return out or None


def reply_record(
    post: BlueskyPost,
    root: models.ComAtprotoRepoStrongRef.Main,
    parent: models.ComAtprotoRepoStrongRef.Main,
    created_at: str,
    lang: str = "en",
) -> dict[str, Any]:
    """The `app.bsky.feed.post` record of one post of a reply thread, as JSON."""
    record = models.AppBskyFeedPost.Record(
        text=post.text,
        created_at=created_at,
        facets=facets(post),
        reply=models.AppBskyFeedPost.ReplyRef(root=root, parent=parent),
        langs=[lang],
    )
    data: dict[str, Any] = record.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["$type"] = POST
    return data


def to_post(view: Any) -> Post:
    """A `Post` from an AppView post view (`app.bsky.feed.defs#postView`) or a notification:
    anything with `uri`, `author.handle` and a post `record`."""
    record = view.record
    handle = view.author.handle
    langs = getattr(record, "langs", None) or []
    return Post(
        id=view.uri,
        text=getattr(record, "text", "") or "",
        created_at=parse_time(getattr(record, "created_at", None)),
        lang=langs[0] if langs else None,
        url=web_url(handle, view.uri),
        author=handle,
    )


def declares_bot(author: Any) -> bool:
    """The account (a profile view, as in a notification or a post view) carries the `bot`
    self-label: a label "bot" set by the account itself."""
    did = getattr(author, "did", None)
    for label in getattr(author, "labels", None) or []:
        if getattr(label, "val", None) == "bot" and getattr(label, "src", did) == did:
            return True
    return False


def mentions_did(record: Any, did: str) -> bool:
    """A post record (a model, or the JSON a Jetstream event carries) has a mention facet of
    `did`."""
    for facet in _field(record, "facets") or []:
        for feature in _field(facet, "features") or []:
            if did and _field(feature, "did") == did:
                return True
    return False


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def quoted_ref(record: Any) -> tuple[str, str] | None:
    """(uri, cid) of the post that a post *record* quotes, or None."""
    embed = getattr(record, "embed", None)
    if embed is None:
        return None
    ref = getattr(embed, "record", None)
    if ref is not None and not hasattr(ref, "uri"):
        ref = getattr(ref, "record", None)  # recordWithMedia: embed.record.record
    if ref is None or not hasattr(ref, "uri"):
        return None
    return ref.uri, ref.cid


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
