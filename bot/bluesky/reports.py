"""Reports to the labeler, read from Ozone's event log (`tools.ozone.moderation.queryEvents`).

A report on a post (`com.atproto.moderation.createReport`, sent to the labeler) is a request:
the post is checked like a mention, without tagging anyone or replying, and labelled if the
check earns it (a `review` goes to the operators first). An appeal of one of factbot's labels
(a report with reason `reasonAppeal`) goes to the operators' chat with Keep / Retract. Each event
is handled once, ever (`label_reports`, by Ozone's event id)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.bluesky.labeler import Labeler
from bot.bluesky.ozone import APPEAL_REASON
from bot.bluesky.records import to_post
from bot.labels import Appeal, AppealSink
from bot.pipeline import Checks
from bot.ports import CHANNEL, Publisher

log = logging.getLogger(__name__)
COMMENT_MAX = 1000  # characters of a report's comment kept (it is the reporter's text)


class Reports:
    def __init__(
        self,
        labeler: Labeler,
        checker: Checks,
        publisher: Publisher | None = None,
        appeals: AppealSink | None = None,
    ) -> None:
        self.labeler, self.checker = labeler, checker
        self.publisher, self.appeals = publisher, appeals
        self.handled = 0

    async def poll(self) -> int:
        """Handle every report and appeal Ozone received since the last one handled; how many."""
        ozone, store = self.labeler._ozone(), self.labeler.store
        events = await ozone.reports_after(await store.reports_watermark())
        done = 0
        for event in events:
            eid = int(event.get("id", 0))
            body: dict[str, Any] = event.get("event") or {}
            subject: dict[str, Any] = event.get("subject") or {}
            uri = str(subject.get("uri") or "")
            kind = "appeal" if body.get("reportType") == APPEAL_REASON else "report"
            if not await store.claim_report(eid, kind, uri, self.labeler.clock()):
                continue
            status = "skipped:not a post"
            if event.get("createdBy") == self.labeler.did:
                status = "skipped:own event"
            elif "/app.bsky.feed.post/" in uri:
                comment = str(body.get("comment") or "")[:COMMENT_MAX]
                if kind == "appeal":
                    status = await self._appeal(eid, uri, comment)
                else:
                    status = await self._request(uri)
            await store.finish_report(eid, status)
            done += 1
        self.handled += done
        return done

    async def _request(self, uri: str) -> str:
        client = self.labeler.client
        got = await self.labeler.calls(
            "getPosts", lambda: client.app.bsky.feed.get_posts({"uris": [uri]})
        )
        views = {v.uri: v for v in got.posts}
        view = views.get(uri)
        if view is None:
            return "skipped:deleted"
        result = (await asyncio.to_thread(self.checker.check_many, [to_post(view)]))[0]
        await self.labeler.checked(result, uri, view.cid, "report")
        if result.verdict == "review" and self.publisher is not None:
            await self.publisher.hand_over(result, CHANNEL)  # an operator's Approve labels it
        log.info("labeler: report on %s checked (%s)", uri, result.verdict)
        return f"checked:{result.verdict}"

    async def _appeal(self, eid: int, uri: str, comment: str) -> str:
        row = await self.labeler.store.get(uri)
        if row is None or row.state != "applied":
            return "skipped:no label in force"
        now = self.labeler.clock()
        await self.labeler.store.event(uri, row.value, "appeal", "reporter", comment, now)
        if self.appeals is None:
            log.warning("labeler: appeal %d of %s but no operators' chat", eid, uri)
            return "appeal:no operators"
        await self.appeals.appeal(Appeal(str(eid), uri, row.value, comment))
        return "appeal:sent"
