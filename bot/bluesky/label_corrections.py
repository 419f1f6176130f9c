"""Withdrawing a label the corpus no longer supports: the labels' side of the corrections
machinery (`bot/runtime/corrections.py`). Each label in force records what its check stated;
when a corpus change contradicts it, `apply` negates the label in Ozone (once: the row moves to
`negating` before the call and `negated` after; `reconcile` finishes one a crash interrupted)."""

from __future__ import annotations

from datetime import date, datetime

from bot.bluesky.label_store import LabelStore
from bot.bluesky.labeler import Labeler
from bot.corrections import Found, Output, Stated
from bot.domain import Corpus


async def label_outputs(store: LabelStore, now: datetime) -> list[Output]:
    """Every label in force at `now` that records what its check stated (a label Ozone has let
    lapse is not withdrawn again)."""
    rows = await store.in_force(now)
    return [Output("bluesky", "label", r.uri, Stated.from_json(r.stated)) for r in rows if r.stated]


class LabelCorrector:
    platform = "bluesky"

    def __init__(self, labeler: Labeler) -> None:
        self.labeler = labeler

    async def outputs(self) -> list[Output]:
        return await label_outputs(self.labeler.store, self.labeler.clock())

    def key(self, found: Found, corpus: Corpus) -> str:
        return f"bluesky|{found.output.id}|label:withdrawn"

    async def reconcile(self) -> int:
        return await self.labeler.reconcile()

    async def apply(self, found: Found, corpus: Corpus, day: date) -> bool:
        fields = ", ".join(sorted({c.label for c in found.changes}))
        detail = f"corpus {corpus.version[:12]} changed: {fields}"
        return await self.labeler.withdraw(found.output.id, "corpus correction", detail)
