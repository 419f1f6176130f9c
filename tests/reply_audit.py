"""Counting the bot's replies straight from its repository on the PDS (no AppView lag): each
mention must have exactly one reply chain, and each chain exactly its expected posts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from atproto import AsyncClient

POST = "app.bsky.feed.post"


async def bot_posts(client: AsyncClient, did: str) -> dict[str, str]:
    """Every post in the bot's repository: {uri: the uri it replies to}."""
    posts: dict[str, str] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"repo": did, "collection": POST, "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = await client.com.atproto.repo.list_records(params=params)
        for r in page.records:
            reply = getattr(r.value, "reply", None)
            posts[r.uri] = reply.parent.uri if reply is not None else ""
        if not page.cursor or not page.records:
            return posts
        cursor = page.cursor


@dataclass(frozen=True)
class Audit:
    mentions: int
    answered: int  # mentions whose chain is complete
    duplicates: int  # posts beyond one reply under any post (a mention or the bot's own)
    misses: int  # mentions with no reply or a chain shorter than expected
    posts: int  # the bot's posts under these mentions


def audit(expected: Mapping[str, int], posts: Mapping[str, str]) -> Audit:
    """`expected`: {mention uri: how many posts its reply has}."""
    children: dict[str, list[str]] = defaultdict(list)
    for uri, parent in posts.items():
        children[parent].append(uri)

    def walk(node: str) -> tuple[int, int]:
        """(posts below `node`, the longest chain below it)."""
        size = depth = 0
        for child in children.get(node, []):
            s, d = walk(child)
            size, depth = size + 1 + s, max(depth, 1 + d)
        return size, depth

    duplicates = misses = answered = total = 0
    for mention, length in expected.items():
        size, depth = walk(mention)
        total += size
        # A correct answer is one chain of exactly `length` posts: size == depth == length.
        duplicates += (size - depth) + max(0, depth - length)
        if depth >= length:
            answered += 1
        else:
            misses += 1
    return Audit(len(expected), answered, duplicates, misses, total)
