"""Retention of the labeler's tables against the real Ozone of the local AT Protocol network and
a real SQLite file: the prune job removes a withdrawn label's row and its audit lines once past
`[store] keep_days`, keeps the label in force however old it is, and a labeler started again on
the pruned file does not label that post a second time."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from atp_network import AtpNetwork, wait_for
from atproto import AsyncClient
from factories import make_post
from test_bluesky import VIRAL, post
from test_labeler import (
    appview_labels,
    created_label_events,
    indexed,
    label_gone,
    label_shown,
    now,
    start_labeler,
)

from bot.pipeline import Checker
from bot.retention import prune
from bot.status import read_status

pytestmark = pytest.mark.atproto


def figures(db: Path) -> tuple[int, int, int]:
    """`factbot status`'s labels now: in force, not yet accepted by Ozone, awaiting."""
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        got = read_status(conn, now(), 60)
    finally:
        conn.close()
    return got.labels_in_force, got.labels_unsent, got.labels_awaiting


async def test_pruning_drops_withdrawn_labels_and_never_lets_a_post_be_labelled_twice(
    atp_network: AtpNetwork,
    bot_and_users: tuple[tuple[str, str], list[AsyncClient]],
    checker: Checker,
    tmp_path: Path,
) -> None:
    """Two misquotes labelled through Ozone, one withdrawn. Pruned 200 days later (keep_days
    90): the withdrawn label's row and lines go, the label in force stays. A labeler started
    again on the file checks the live post again: nothing is emitted, Ozone's own log still holds
    one label event for it, and the AppView still shows that one label."""
    _, users = bot_and_users
    db = tmp_path / "factbot.db"
    live = await post(users[0], VIRAL)
    gone = await post(users[1], f"{VIRAL} Share this.")
    results = {p.uri: checker.check(make_post(VIRAL, id=p.uri)) for p in (live, gone)}
    for p in (live, gone):  # the AppView shows them (and then their labels)
        await wait_for(lambda u=p.uri: indexed(users[0], u), timeout=30)
    labeler = await start_labeler(atp_network, checker, tmp_path)
    try:
        for p in (live, gone):
            state = await labeler.consider(results[p.uri], p.uri, p.cid, "viral", None)
            assert "applied" == state
        await label_shown(atp_network, gone.uri, labeler.did)
        assert await labeler.withdraw(gone.uri, "corpus correction", "corpus v2 changed: date")
        await label_gone(atp_network, gone.uri, labeler.did)
        assert (1, 0, 0) == figures(db)
    finally:
        await labeler.close()  # the bot stops

    conn = sqlite3.connect(db)
    try:
        done = prune(conn, now() + timedelta(days=200), 90)
        assert (1, 2) == (done["labels"], done["label_events"])  # its "label" and "negate"
        assert [(live.uri, "applied")] == list(conn.execute("SELECT uri, state FROM labels"))
        assert {live.uri} == {r[0] for r in conn.execute("SELECT uri FROM label_events")}
    finally:
        conn.close()
    assert (1, 0, 0) == figures(db)  # the label in force is still counted

    again = await start_labeler(atp_network, checker, tmp_path)  # the bot started again
    try:
        assert 0 == await again.reconcile()
        state = await again.consider(results[live.uri], live.uri, live.cid, "viral", None)
        assert "applied" == state
        assert 0 == again.emitted
        assert 1 == len(await created_label_events(again, live.uri))
        shown = await label_shown(atp_network, live.uri, again.did)
        assert ["altered-quote"] == [x["val"] for x in shown]
        assert [] == await appview_labels(atp_network, live.uri, None)
    finally:
        await again.close()
