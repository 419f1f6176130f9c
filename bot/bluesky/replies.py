"""Sending a reply thread through the outbox.

Each post of a reply is written to `bluesky_outbox` as pending — with a record key and the exact
record — before it is sent, and marked sent with its URI after. Sending first looks the record
key up in the bot's own repository: a post that was written just before a crash is found there
and not written again, so a restart (or a retried timeout) never gives a second reply, and a
pending post is never lost. The thread's root stays fixed; each post's parent is the one before.

A reply is at most `[bluesky] max_thread_posts` posts (`cap_thread`, applied by the callers to
the composed thread): the last one kept ends with a "more…" line. A write the budget has no
room for raises `BudgetSpent`; what is left stays pending for a later run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import regex
from atproto import AsyncClient, models
from atproto_client.exceptions import BadRequestError

from bot.bluesky.calls import CREATE, BudgetSpent, Calls, Clock
from bot.bluesky.records import POST, reply_record, strong_ref, tid
from bot.bluesky.store import BlueskyStore, OutboxRow
from bot.compose import graphemes
from bot.domain import BlueskyPost

log = logging.getLogger(__name__)
Ref = Any  # models.ComAtprotoRepoStrongRef.Main (the SDK has no type information)
MORE = "more…"
MAX_GRAPHEMES, MAX_BYTES = 300, 3000
_NUMBERED = regex.compile(r" \((\d+)/(\d+)\)$")


def cap_thread(thread: Sequence[BlueskyPost], max_posts: int) -> tuple[BlueskyPost, ...]:
    """At most `max_posts` posts (0: no cap). A longer thread keeps its first posts whole, the
    last kept one ending with a "more…" line (a post is dropped rather than cut, so no quote is
    ever split); the " (i/n)" numbering is redone for the posts kept. Each post stays within
    300 graphemes and 3000 bytes, and its link facets stay on its own bytes."""
    if max_posts <= 0 or len(thread) <= max_posts:
        return tuple(thread)
    bodies = [_unnumbered(p.text, len(thread)) for p in thread]
    for last in range(max_posts, 1, -1):
        tail = f"{bodies[last - 1]}\n{MORE} ({last}/{last})"
        if graphemes(tail) <= MAX_GRAPHEMES and len(tail.encode()) <= MAX_BYTES:
            kept = _renumbered(thread, bodies, last - 1)
            return (*kept, BlueskyPost(tail, thread[last - 1].links))
    kept = _renumbered(thread, bodies, max_posts - 1)  # every post full: "more…" alone
    return (*kept, BlueskyPost(f"{MORE} ({max_posts}/{max_posts})"))


def _unnumbered(text: str, n: int) -> str:
    m = _NUMBERED.search(text)
    return text[: m.start()] if m and int(m[2]) == n else text


def _renumbered(
    thread: Sequence[BlueskyPost], bodies: Sequence[str], keep: int
) -> tuple[BlueskyPost, ...]:
    n = keep + 1
    return tuple(BlueskyPost(f"{bodies[i]} ({i + 1}/{n})", thread[i].links) for i in range(keep))


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
            fresh = row is None
            if row is None:
                now = self.clock()
                created = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
                record = reply_record(post, root, parent, created, lang)
                row = await self.store.add_pending(key, target, part, tid(key), record, now)
            uri, cid = await self._ensure(row, f"reply {part}/{len(thread)}", fresh)
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
            try:
                await self._ensure(row, f"pending reply {row.part}")
            except BudgetSpent as spent:
                log.info("bluesky: %s; the rest waits for a later run", spent)
                break
            done += 1
        return done

    async def deliver(self, row: OutboxRow, what: str) -> tuple[str, str]:
        """Any outbox row (a correction's post, say), exactly as a reply's posts are sent."""
        return await self._ensure(row, what)

    async def _ensure(self, row: OutboxRow, what: str, fresh: bool = False) -> tuple[str, str]:
        """The row's (uri, cid): from the outbox when it is marked sent, else delivered now.
        A `fresh` row (made pending by this very call, its record key new) is written without
        looking it up first, unless the first write failed (it may have landed)."""
        async with self._lock:
            current = await self.store.outbox_row(row.key) or row
            if current.status == "sent" and current.uri and current.cid:
                return current.uri, current.cid
            tries = 0

            async def deliver() -> tuple[str, str]:
                nonlocal tries
                tries += 1
                return await self._deliver(current, look=tries > 1 or not fresh)

            uri, cid = await self.calls(what, deliver, points=CREATE)
            await self.store.mark_sent(current.key, uri, cid, self.clock())
            return uri, cid

    async def _deliver(self, row: OutboxRow, look: bool = True) -> tuple[str, str]:
        """Write the row's record under its key, unless it is in the repository already."""
        found = await self._lookup(row.rkey) if look else None
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
