"""A Jetstream on loopback (its v1 wire: `/subscribe?wantedCollections=...&cursor=<time_us>`,
one JSON object per event), fed by the local network's real firehose, for the tests of
`[bluesky] jetstream_url`. The local network has no Jetstream (it is a Go service of its own),
so this one does what it does for the bot: decode each commit's created records from the
PDS's `subscribeRepos`, stamp each event with a strictly increasing `time_us`, keep them in
memory, and serve them, filtered by `wantedCollections`, replayed from `cursor` then live. The
test can `drop()` every connection and keep refusing new ones (`down`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from atproto import CAR, models
from atproto_firehose import AsyncFirehoseSubscribeReposClient, parse_subscribe_repos_message
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed


class JetstreamRelay:
    def __init__(self, firehose_url: str) -> None:
        self.firehose_url = firehose_url
        self.events: list[dict[str, Any]] = []
        self.requests: list[dict[str, list[str]]] = []  # each connection's query
        self.down = False
        self.refused = 0
        self._queues: dict[ServerConnection, asyncio.Queue[dict[str, Any]]] = {}
        self._server: Server | None = None
        self._firehose: AsyncFirehoseSubscribeReposClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_us = 0
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/subscribe"

    async def start(self) -> None:
        self._firehose = AsyncFirehoseSubscribeReposClient(base_uri=self.firehose_url)
        self._task = asyncio.create_task(self._firehose.start(self._on_commit))
        self._server = await serve(self._serve, "127.0.0.1", 0)
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        for ws in list(self._queues):  # every handler ends, even one whose client left quietly
            ws.transport.abort()
        if self._server is not None:
            self._server.close()
            async with asyncio.timeout(10):
                await self._server.wait_closed()
        if self._firehose is not None:
            await self._firehose.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def drop(self) -> int:
        """Close every client connection now; how many."""
        clients = list(self._queues)
        for ws in clients:
            ws.transport.abort()
        return len(clients)

    async def _on_commit(self, message: Any) -> None:
        commit = parse_subscribe_repos_message(message)
        if not isinstance(commit, models.ComAtprotoSyncSubscribeRepos.Commit) or not commit.blocks:
            return
        car = CAR.from_bytes(commit.blocks)
        for op in commit.ops:
            if op.action != "create" or not op.cid:
                continue
            collection, rkey = op.path.split("/", 1)
            record = car.blocks.get(op.cid)
            now = max(time.time_ns() // 1000, self._last_us + 1)
            self._last_us = now
            event = {
                "did": commit.repo,
                "time_us": now,
                "kind": "commit",
                "commit": {
                    "rev": commit.rev,
                    "operation": "create",
                    "collection": collection,
                    "rkey": rkey,
                    "record": json.loads(json.dumps(record, default=str)),
                    "cid": str(op.cid),
                },
            }
            self.events.append(event)
            for queue in self._queues.values():
                queue.put_nowait(event)

    async def _serve(self, ws: ServerConnection) -> None:
        if self.down:
            self.refused += 1
            ws.transport.abort()
            return
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        self.requests.append(query)
        wanted = set(query.get("wantedCollections", []))
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues[ws] = queue
        sent = 0
        try:
            backlog = [e for e in self.events if cursor is not None and e["time_us"] > cursor]
            for event in backlog:
                sent = await self._send(ws, event, wanted, sent)
            while (event := await _next(ws, queue)) is not None:
                sent = await self._send(ws, event, wanted, sent)
        except (ConnectionClosed, OSError):  # the client went away (or was dropped)
            return
        finally:
            self._queues.pop(ws, None)
            with contextlib.suppress(Exception):
                await ws.close()

    @staticmethod
    async def _send(
        ws: ServerConnection, event: dict[str, Any], wanted: set[str], last: int
    ) -> int:
        """Send one event unless filtered out or sent already; the last time_us sent."""
        if event["time_us"] <= last:
            return last
        if not wanted or event["commit"]["collection"] in wanted:
            await ws.send(json.dumps(event))
        return int(event["time_us"])


async def _next(
    ws: ServerConnection, queue: asyncio.Queue[dict[str, Any]]
) -> dict[str, Any] | None:
    """The next event, or None once the connection has closed (by the client, a drop or stop):
    a handler waiting only on its queue would outlive its connection until some later commit,
    and the server's `wait_closed` with it (a test once hung for the whole CI run that way)."""
    get = asyncio.ensure_future(queue.get())
    closed = asyncio.ensure_future(ws.wait_closed())
    done, _ = await asyncio.wait({get, closed}, return_when=asyncio.FIRST_COMPLETED)
    for task in (get, closed):
        task.cancel()
    return get.result() if get in done else None
