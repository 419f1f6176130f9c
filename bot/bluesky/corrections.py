"""Correcting a reply already posted on Bluesky: a short post in the same thread, under the
bot's last post there (its reply's last part, or its previous correction).

The post goes through the reply outbox: written as pending (with its record key, its record and
the correction it carries) in one transaction before it is sent, looked up by record key before
any write. Its key is fixed by the corrected facts, so asking again for the same correction, or
after a crash, finds the same row and never posts twice; a pending one is sent by the
outbox's `reconcile` like any reply post."""

from __future__ import annotations

from datetime import date

from bot.bluesky.records import reply_record, strong_ref, tid
from bot.bluesky.replies import ThreadSender
from bot.bluesky.stated import StatedTables
from bot.compose import ReplyTexts
from bot.corrections import Found, Output, after, bluesky_correction, correction_lines
from bot.domain import BlueskyPost, Corpus


def correction_key(found: Found, corpus: Corpus) -> str:
    """(platform, target, kind): the kind names the facts the reply states once corrected."""
    return f"bluesky|{found.output.id}|correction:{after(found.output.stated, corpus).digest()}"


class BlueskyCorrector:
    platform = "bluesky"

    def __init__(self, sender: ThreadSender, texts: ReplyTexts) -> None:
        self.sender, self.texts = sender, texts
        self.tables = StatedTables(sender.store)

    async def outputs(self) -> list[Output]:
        return await self.tables.outputs()

    def key(self, found: Found, corpus: Corpus) -> str:
        return correction_key(found, corpus)

    async def reconcile(self) -> int:
        return await self.sender.reconcile()

    async def apply(self, found: Found, corpus: Corpus, day: date) -> str:
        """Post the correction (once); its at:// URI."""
        store, target = self.tables, found.output.id
        key = self.key(found, corpus)
        row = await self.sender.store.outbox_row(key)
        if row is None:
            first, last = await store.thread_tail(target)
            root = first.record["reply"]["root"]
            text = bluesky_correction(correction_lines(found.changes, day, self.texts))
            created = self.sender.clock().isoformat(timespec="milliseconds")
            record = reply_record(
                BlueskyPost(text),
                strong_ref(root["uri"], root["cid"]),
                strong_ref(str(last.uri), str(last.cid)),
                created.replace("+00:00", "Z"),
            )
            new = after(found.output.stated, corpus)
            row = await store.add_correction(
                key, target, tid(key), record, new, found.changes, self.sender.clock()
            )
        uri, _ = await self.sender.deliver(row, "correction")
        return uri
