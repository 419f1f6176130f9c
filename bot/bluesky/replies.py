"""Sending a reply thread through the outbox.

Each post of a reply is written to `bluesky_outbox` as pending — with a record key and the exact
record — before it is sent, and marked sent with its URI after. Sending first looks the record
key up in the bot's own repository: a post that was written just before a crash is found there
and not written again, so a restart (or a retried timeout) never gives a second reply, and a
pending post is never lost. The thread's root stays fixed; each post's parent is the one before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial
from typing import Any

from atproto import AsyncClient, models
from atproto_client.exceptions import BadRequestError

from bot.bluesky.calls import CREATE, Calls, Clock
from bot.bluesky.records import POST, reply_record, strong_ref, tid
from bot.bluesky.store import BlueskyStore, OutboxRow
from bot.domain import BlueskyPost

Ref = Any  # models.ComAtprotoRepoStrongRef.Main (the SDK has no type information)


def outbox_key(target: str, part: int) -> str:
    """The idempotency key of one post of the reply to `target`: (platform, target, kind)."""
    return f"bluesky|{target}|reply:{part}"


class ThreadSender:
    def __init__(
        self, client: AsyncClient, did: str, store: BlueskyStore, calls: Calls, clock: Clock
    ) -> None:
        self.client, self.did, self.store, self.calls, self.clock = client, did, store, calls, clock
        self.sent = 0  # posts written by this process (for /metrics)
        # One post at a time: the outbox job and a mention's answer never deliver the same row
        # at once (each looks the record key up first, under this lock).
        self._lock = asyncio.Lock()

    async def send(
        self, target: str, root: Ref, parent: Ref, thread: Sequence[BlueskyPost], lang: str = "en"
    ) -> list[str]:
        """Post `thread` as replies under `parent` (the mention `target`), in order; the URIs.
        Calling it again for the same target sends only what was not sent before."""
        uris = []
        for part, post in enumerate(thread, 1):
            key = outbox_key(target, part)
            row = await self.store.outbox_row(key)
            if row is None:
                now = self.clock()
                created = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
                record = reply_record(post, root, parent, created, lang)
                row = await self.store.add_pending(key, target, part, tid(key), record, now)
            uri, cid = await self._ensure(row, f"reply {part}/{len(thread)}")
            parent = strong_ref(uri, cid)
            uris.append(uri)
        return uris

    async def reconcile(self) -> int:
        """Deliver every post still pending (left by a crash, or by a call that failed for
        good), each looked up first; how many were found or written. At start and on the
        outbox job. The rest of an unfinished thread follows when its mention is handled
        again (its claim is still open, so the next poll hands it out)."""
        done = 0
        for row in await self.store.pending_outbox():
            await self._ensure(row, f"pending reply {row.part}")
            done += 1
        return done

    async def deliver(self, row: OutboxRow, what: str) -> tuple[str, str]:
        """Any outbox row (a correction's post, say), exactly as a reply's posts are sent."""
        return await self._ensure(row, what)

    async def _ensure(self, row: OutboxRow, what: str) -> tuple[str, str]:
        """The row's (uri, cid): from the outbox when it is marked sent, else delivered now."""
        async with self._lock:
            current = await self.store.outbox_row(row.key) or row
            if current.status == "sent" and current.uri and current.cid:
                return current.uri, current.cid
            uri, cid = await self.calls(what, partial(self._deliver, current), points=CREATE)
            await self.store.mark_sent(current.key, uri, cid, self.clock())
            return uri, cid

    async def _deliver(self, row: OutboxRow) -> tuple[str, str]:
        """Write the row's record under its key, unless it is in the repository already."""
        found = await self._lookup(row.rkey)
        if found is not None:
            return found
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self.did, collection=POST, rkey=row.rkey, record=row.record
        )
        made: Any = await self.client.com.atproto.repo.create_record(data)
        self.sent += 1
        return str(made.uri), str(made.cid)

    async def _lookup(self, rkey: str) -> tuple[str, str] | None:
        params = models.ComAtprotoRepoGetRecord.Params(repo=self.did, collection=POST, rkey=rkey)
        try:
            got: Any = await self.client.com.atproto.repo.get_record(params)
        except BadRequestError:  # RecordNotFound
            return None
        return str(got.uri), str(got.cid)
