"""Ozone's moderation API, as the labeler account: every call goes to the labeler's own PDS,
which forwards it to Ozone with a service token (`atproto-proxy: <labeler DID>#atproto_labeler`),
the way Ozone's own web UI calls it. Only the few calls factbot needs; raw JSON in and out (the
records are small and the SDK's models lag Ozone's lexicons)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from atproto import AsyncClient
from atproto_client.models.dot_dict import DotDict

from bot.bluesky.calls import Calls

LABEL_EVENT = "tools.ozone.moderation.defs#modEventLabel"
REPORT_EVENT = "tools.ozone.moderation.defs#modEventReport"
RESOLVE_APPEAL = "tools.ozone.moderation.defs#modEventResolveAppeal"
APPEAL_REASON = "com.atproto.moderation.defs#reasonAppeal"
STRONG_REF = "com.atproto.repo.strongRef"
PAGE = 100


class Ozone:
    def __init__(self, client: AsyncClient, did: str, calls: Calls) -> None:
        self.client, self.did, self.calls = client, did, calls
        self.headers = {"atproto-proxy": f"{did}#atproto_labeler"}

    async def _procedure(self, nsid: str, data: dict[str, Any]) -> Any:
        got = await self.calls(
            nsid,
            lambda: self.client.invoke_procedure(
                nsid, data=DotDict(data), input_encoding="application/json", headers=self.headers
            ),
        )
        return got.content

    async def _query(self, nsid: str, params: dict[str, Any]) -> dict[str, Any]:
        got = await self.calls(
            nsid,
            lambda: self.client.invoke_query(nsid, params=DotDict(params), headers=self.headers),
        )
        content = got.content
        return content if isinstance(content, dict) else {}

    async def emit_label(
        self,
        uri: str,
        cid: str,
        create: Sequence[str] = (),
        negate: Sequence[str] = (),
        comment: str = "",
        duration_hours: int = 0,
    ) -> int:
        """A label event on the post (create and/or negate values); Ozone's event id."""
        event: dict[str, Any] = {
            "$type": LABEL_EVENT,
            "createLabelVals": list(create),
            "negateLabelVals": list(negate),
            "comment": comment,
        }
        if duration_hours and create:
            event["durationInHours"] = duration_hours
        content = await self._procedure(
            "tools.ozone.moderation.emitEvent",
            {
                "event": event,
                "subject": {"$type": STRONG_REF, "uri": uri, "cid": cid},
                "createdBy": self.did,
                "subjectBlobCids": [],
            },
        )
        return int(content.get("id", 0)) if isinstance(content, dict) else 0

    async def resolve_appeal(self, uri: str, cid: str, comment: str) -> None:
        await self._procedure(
            "tools.ozone.moderation.emitEvent",
            {
                "event": {"$type": RESOLVE_APPEAL, "comment": comment},
                "subject": {"$type": STRONG_REF, "uri": uri, "cid": cid},
                "createdBy": self.did,
                "subjectBlobCids": [],
            },
        )

    async def labels(self, uri: str) -> dict[str, bool]:
        """This labeler's labels on `uri` as Ozone holds them now: value -> in force (False
        once negated)."""
        got = await self._query(
            "com.atproto.label.queryLabels",
            {"uriPatterns": [uri], "sources": [self.did], "limit": 50},
        )
        out: dict[str, bool] = {}
        for label in got.get("labels") or []:
            if isinstance(label, dict) and label.get("uri") == uri:
                out[str(label.get("val"))] = not label.get("neg", False)
        return out

    async def reports_after(self, last_id: int) -> list[dict[str, Any]]:
        """Report events (reports and appeals) with an id above `last_id`, oldest first.
        Ozone lists newest first: pages are read until one reaches `last_id`."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"types": [REPORT_EVENT], "limit": PAGE}
            if cursor:
                params["cursor"] = cursor
            page = await self._query("tools.ozone.moderation.queryEvents", params)
            events = [e for e in page.get("events") or [] if isinstance(e, dict)]
            fresh = [e for e in events if int(e.get("id", 0)) > last_id]
            found += fresh
            cursor = page.get("cursor")
            if not cursor or len(fresh) < len(events) or not events:
                break
        return sorted(found, key=lambda e: int(e.get("id", 0)))

    async def label_events(self, uri: str) -> list[dict[str, Any]]:
        """Every label event on `uri` (for tests and audits)."""
        page = await self._query(
            "tools.ozone.moderation.queryEvents",
            {"types": [LABEL_EVENT], "subject": uri, "limit": PAGE},
        )
        return [e for e in page.get("events") or [] if isinstance(e, dict)]
