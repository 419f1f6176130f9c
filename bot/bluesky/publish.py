"""The ports the Telegram adapter uses (`bot/ports.py`): `resolve` a bsky.app URL to a
post for /check, and `reply` under a mention once an operator approved a review."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from atproto import AsyncClient
from atproto_client.exceptions import AtProtocolError

from bot.bluesky.calls import Calls
from bot.bluesky.records import parse_web_url, strong_ref, to_post
from bot.bluesky.replies import ThreadSender, cap_thread
from bot.bluesky.stated import StatedTables
from bot.corrections import Stated
from bot.domain import BlueskyPost, Post
from bot.ports import ResolveError


class BlueskyPorts:
    def __init__(
        self, client: AsyncClient, sender: ThreadSender, calls: Calls, max_posts: int = 0
    ) -> None:
        self.client, self.sender, self.calls, self.max_posts = client, sender, calls, max_posts

    async def resolve(self, url: str) -> Post:
        parsed = parse_web_url(url)
        if parsed is None:
            raise ResolveError("That is not a bsky.app post address.")
        actor, rkey = parsed
        try:
            did = actor
            if not actor.startswith("did:"):
                got: Any = await self.calls(
                    "resolveHandle",
                    partial(self.client.com.atproto.identity.resolve_handle, {"handle": actor}),
                )
                did = got.did
            uri = f"at://{did}/app.bsky.feed.post/{rkey}"
            views = await self._posts([uri])
        except AtProtocolError as exc:
            raise ResolveError("I could not fetch that post from Bluesky.") from exc
        if not views:
            raise ResolveError("That post does not exist, or is not visible to me.")
        return to_post(views[0])

    async def reply(
        self, mention: str, thread: Sequence[BlueskyPost], stated: Stated | None = None
    ) -> str:
        views = await self._posts([mention])
        if not views:
            raise ResolveError("The mention is gone; nothing was published.")
        view = views[0]
        parent = strong_ref(view.uri, view.cid)
        reply = getattr(view.record, "reply", None)
        root = strong_ref(reply.root.uri, reply.root.cid) if reply is not None else parent
        if stated is not None:  # what the reply states, kept for corrections
            await StatedTables(self.sender.store).record_stated(
                mention, stated, self.sender.clock()
            )
        uris = await self.sender.send(mention, root, parent, cap_thread(thread, self.max_posts))
        return uris[0]

    async def _posts(self, uris: list[str]) -> list[Any]:
        got: Any = await self.calls(
            "getPosts", partial(self.client.app.bsky.feed.get_posts, {"uris": uris})
        )
        return list(got.posts)
