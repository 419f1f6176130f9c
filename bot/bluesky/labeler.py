"""factbot's labeler: its label definitions published as the account's `app.bsky.labeler.service`
record (`factbot labeler setup`), and labels put on checked posts through Ozone (`ozone.py`).

A post gets at most one label, ever (its URI is the key in `labels`). The label is written as
`pending` before Ozone is asked, and marked `applied` after; a `review` waits as `awaiting` until
an operator approves it. After a crash, `reconcile()` asks Ozone whether each pending label is
there before emitting it, so a SIGKILL between the two never labels twice. Withdrawing (a corpus
correction, an operator's Retract) is the same dance with a negation. Every step is a line of
the audit trail (`label_events`)."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from atproto import AsyncClient, models
from atproto_client.exceptions import BadRequestError
from atproto_client.request import AsyncRequest

from bot.bluesky.calls import UPDATE, Calls, Clock, utc_now
from bot.bluesky.client import Session
from bot.bluesky.label_store import LabelRow, LabelStore
from bot.bluesky.ozone import Ozone
from bot.config import BlueskyConfig, LabelerConfig
from bot.corrections import Stated, stated
from bot.database import Database
from bot.domain import CheckResult, Corpus
from bot.labels import (
    SERVICE,
    LabelState,
    Why,
    definitions,
    label_for,
    needs_approval,
    same_policies,
    service_record,
)

log = logging.getLogger(__name__)
FACTBOT = "factbot"
Setup = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class SetupOutcome:
    did: str
    outcome: Setup
    values: tuple[str, ...]


def labeler_credentials(environ: Mapping[str, str]) -> tuple[str, str] | None:
    handle = environ.get("LABELER_HANDLE", "").strip()
    password = environ.get("LABELER_APP_PASSWORD", "")
    return (handle, password) if handle and password else None


class Labeler:
    def __init__(
        self,
        config: LabelerConfig,
        retry: BlueskyConfig,
        store_path: Database | Path | str,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = utc_now,
        corpus: Callable[[], Corpus] | None = None,
    ) -> None:
        self.config, self.clock, self.corpus = config, clock, corpus
        kwargs: dict[str, Any] = {"timeout": httpx.Timeout(config.timeout_seconds)}
        if transport is not None:
            kwargs["transport"] = transport
        self.client = AsyncClient(base_url=config.service_url, request=AsyncRequest(**kwargs))
        self.session = Session(self.client, config.session_file)
        self.calls = Calls(retry, clock)
        self.store = LabelStore(store_path)
        self.did = ""
        self.ozone: Ozone | None = None
        self.emitted = 0  # label events sent to Ozone by this process (/metrics, tests)
        # By this process: labels applied, negated, and label events Ozone refused or never
        # answered (each failed attempt; the row stays pending for reconcile). /metrics.
        self.counts: Counter[str] = Counter({"applied": 0, "negated": 0, "failed": 0})
        # Posts whose label event is being sent now: the reconcile job, running beside the
        # mentions job, must not send the same one again meanwhile.
        self._sending: set[str] = set()

    async def start(self, handle: str, password: str) -> str:
        self.did = await self.session.start(handle, password, self.calls)
        self.ozone = Ozone(self.client, self.did, self.calls)
        return self.did

    def _ozone(self) -> Ozone:
        if self.ozone is None:
            raise RuntimeError("the labeler has not started")
        return self.ozone

    async def close(self) -> None:
        await self.client.request.close()
        self.session.close()
        self.store.close()

    # --- the label definitions ------------------------------------------------------------

    async def setup(self) -> SetupOutcome:
        """Publish the label definitions as the `app.bsky.labeler.service` record (rkey
        `self`); a record that already declares them is left as it is."""
        defs = definitions(self.config.pages_url)
        created = self.clock().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        wanted = service_record(defs, created)
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=self.did, collection=SERVICE, rkey="self"
        )
        try:
            got = await self.calls(
                "getRecord labeler",
                lambda: self.client.invoke_query("com.atproto.repo.getRecord", params=params),
            )
            content = got.content if isinstance(got.content, dict) else {}
            current, swap = content.get("value"), content.get("cid")
        except BadRequestError:  # RecordNotFound
            current, swap = None, None
        values = tuple(d.identifier for d in defs)
        if same_policies(current, wanted):
            return SetupOutcome(self.did, "unchanged", values)
        data = models.ComAtprotoRepoPutRecord.Data(
            repo=self.did, collection=SERVICE, rkey="self", record=wanted, swap_record=swap
        )
        await self.calls(
            "putRecord labeler",
            lambda: self.client.invoke_procedure(
                "com.atproto.repo.putRecord", data=data, input_encoding="application/json"
            ),
            points=UPDATE,
        )
        return SetupOutcome(self.did, "created" if current is None else "updated", values)

    # --- labelling --------------------------------------------------------------------------

    async def checked(self, result: CheckResult, uri: str, cid: str, why: Why) -> None:
        """`bot.labels.Labelling`: what a check earns, recorded with the facts it states (for
        corrections). A failure is logged: the answer it follows has gone out already."""
        try:
            facts = stated(result, self.corpus()) if self.corpus is not None else None
            await self.consider(result, uri, cid, why, facts)
        except Exception:
            log.exception("labeler: %s not labelled now; reconcile retries a pending label", uri)

    async def consider(
        self, result: CheckResult, uri: str, cid: str, why: Why, facts: Stated | None
    ) -> LabelState | None:
        """Label the post `uri` if its check earns a label: now (a `match`, when `[labeler]
        auto_verdicts` lists it), or once an operator approves (a `review`). The label's state,
        or None when the post gets none. A post labelled before keeps its first label."""
        approval = needs_approval(result, self.config.auto_verdicts)
        value = label_for(result)
        if approval is None or value is None or not self.config.enabled:
            return None
        state: LabelState = "awaiting" if approval else "pending"
        row = LabelRow(
            uri, cid, value, why, result.verdict, state, facts.to_json() if facts else None
        )
        now = self.clock()
        existing = await self.store.get(uri)
        if existing is not None:
            return existing.state
        row = await self.store.add(row, now)
        detail = f"{why}: {result.verdict} {result.score:.2f}"
        await self.store.event(uri, value, "await" if approval else "label", FACTBOT, detail, now)
        if row.state == "pending":
            await self._emit(row)
        return (await self.store.get(uri) or row).state

    async def approved(self, post_id: str, operator: str = "operator") -> None:
        """An operator approved the review of `post_id`: its awaiting label is emitted."""
        now = self.clock()
        if await self.store.move(post_id, ("awaiting",), "pending", now):
            row = await self.store.get(post_id)
            if row is not None:
                await self.store.event(post_id, row.value, "approve", operator, "review", now)
                await self._emit(row)

    async def rejected(self, post_id: str, operator: str = "operator") -> None:
        now = self.clock()
        if await self.store.move(post_id, ("awaiting",), "dropped", now):
            row = await self.store.get(post_id)
            value = row.value if row else ""
            await self.store.event(post_id, value, "reject", operator, "review", now)

    async def withdraw(self, uri: str, actor: str, detail: str) -> bool:
        """Negate the post's label (a corrected check, an operator's Retract); False when it
        has no label in force."""
        now = self.clock()
        if not await self.store.move(uri, ("applied", "pending"), "negating", now):
            row = await self.store.get(uri)
            return row is not None and row.state in ("negating", "negated")
        row = await self.store.get(uri)
        if row is None:  # pragma: no cover - just moved
            return False
        await self.store.event(uri, row.value, "negate", actor, detail, now)
        await self._emit(row)
        return True

    @contextlib.contextmanager
    def _holding(self, uri: str) -> Iterator[bool]:
        """Hold `uri` while its event is sent; False when it is held already. (The event loop
        switches only at an await, so the test and the add are one step.)"""
        if uri in self._sending:
            yield False
            return
        self._sending.add(uri)
        try:
            yield True
        finally:
            self._sending.discard(uri)

    async def _emit(self, row: LabelRow) -> None:
        """Send the label's pending event to Ozone and mark it done (unless another task is
        sending it right now: then that one finishes it; or has finished it since `row` was
        read)."""
        with self._holding(row.uri) as mine:
            fresh = await self.store.get(row.uri) if mine else None  # read again, held
            if fresh is not None and fresh.state in ("pending", "negating"):
                await self._send(fresh)

    async def _send(self, row: LabelRow) -> None:
        ozone, now = self._ozone(), self.clock()
        negate = row.state == "negating"
        try:
            if negate:
                await ozone.emit_label(row.uri, row.cid, negate=[row.value], comment="withdrawn")
            else:
                await ozone.emit_label(
                    row.uri,
                    row.cid,
                    create=[row.value],
                    comment=f"factbot {row.why}: {row.verdict}",
                    duration_hours=self.config.expiry_days * 24,
                )
        except Exception:
            self.counts["failed"] += 1
            raise
        self.emitted += 1
        if negate:
            self.counts["negated"] += 1
            await self.store.move(row.uri, ("negating",), "negated", now)
            log.info("labeler: withdrew %s from %s", row.value, row.uri)
            return
        self.counts["applied"] += 1
        await self.store.move(row.uri, ("pending",), "applied", now, self._expires(now))
        log.info("labeler: labelled %s %s (%s)", row.uri, row.value, row.why)

    def _expires(self, applied: datetime) -> datetime | None:
        """When a label applied at `applied` lapses in Ozone (`expiry_days`; None: never).
        Retention prunes a lapsed label's row, never one in force."""
        days = self.config.expiry_days
        return applied + timedelta(days=days) if days > 0 else None

    async def reconcile(self) -> int:
        """Finish what a crash or a failed call left half done. Ozone is asked first: a label
        it already holds (or no longer holds, for a negation) is only marked. How many rows
        were finished."""
        done = 0
        for listed in await self.store.in_states("pending", "negating"):
            with self._holding(listed.uri) as mine:
                row = await self.store.get(listed.uri) if mine else None
                if row is None or row.state not in ("pending", "negating"):
                    continue  # being sent by another task, or finished since the list
                try:
                    held = (await self._ozone().labels(row.uri)).get(row.value, False)
                    now = self.clock()
                    if row.state == "pending" and held:
                        await self.store.move(
                            row.uri, ("pending",), "applied", now, self._expires(now)
                        )
                    elif row.state == "negating" and not held:
                        await self.store.move(row.uri, ("negating",), "negated", now)
                    else:
                        await self._send(row)
                except Exception:
                    log.exception(
                        "labeler: %s (%s) not finished; retried later", row.uri, row.state
                    )
                    continue
                done += 1
        return done

    # --- appeals ----------------------------------------------------------------------------

    async def decide_appeal(self, appeal_id: str, keep: bool, operator: str) -> str:
        """`bot.labels.LabelDesk`: an operator kept or retracted an appealed label. The appeal
        is resolved in Ozone either way; what to tell the operator."""
        found = await self.store.report(int(appeal_id)) if appeal_id.isdigit() else None
        if found is None or found[0] != "appeal":
            return "This appeal is no longer known."
        row = await self.store.get(found[1])
        if row is None:
            return "This post has no factbot label."
        now = self.clock()
        if keep:
            await self.store.event(row.uri, row.value, "keep", operator, f"appeal {appeal_id}", now)
            said = "Label kept."
        else:
            await self.store.event(
                row.uri, row.value, "retract", operator, f"appeal {appeal_id}", now
            )
            await self.withdraw(row.uri, operator, f"retracted on appeal {appeal_id}")
            said = "Label retracted."
        await self._ozone().resolve_appeal(row.uri, row.cid, f"{said} ({operator})")
        return said
