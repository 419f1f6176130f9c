"""The abuse bounds in a real SQLite file, with an injected clock: the per-account limit, the
global hourly and daily budget of answers across platforms, and their survival of a restart
(`bot/limits.py`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.bluesky.store import BlueskyStore
from bot.config import LimitsConfig
from bot.limits import Admit, Counts, Limits, decide
from bot.telegram.store import TelegramStore

T0 = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
NO_BUDGET = LimitsConfig(answers_per_hour=0, answers_per_day=0)


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


async def test_an_account_gets_n_an_hour_then_one_notice_then_silence(tmp_path: Path) -> None:
    """N checks in the hour, then one notice, then silence until the oldest check is an hour
    old; other accounts are not affected; a limit of 0 never refuses."""
    store = BlueskyStore(tmp_path / "f.db")
    limits = Limits(store, "bluesky", 2, NO_BUDGET)
    at = [minutes(m) for m in (0, 1, 2, 3, 60)]
    got = [await limits.admit("did:a", f"r{i}", t) for i, t in enumerate(at)]
    assert [Admit.YES, Admit.YES, Admit.NOTICE, Admit.SILENT, Admit.YES] == got
    assert Admit.YES == await limits.admit("did:b", "rb", at[3])
    unlimited = Limits(store, "bluesky", 0, NO_BUDGET)
    assert {Admit.YES} == {await unlimited.admit("did:c", f"c{i}", T0) for i in range(50)}
    store.close()


async def test_a_restart_forgives_nobody(tmp_path: Path) -> None:
    """The counts and the notice live in the file: a new process (new store, new Limits)
    refuses the account that used its hour, and does not tell it twice."""
    path = tmp_path / "f.db"
    store = TelegramStore(path)
    limits = Limits(store, "telegram", 1, NO_BUDGET)
    assert Admit.YES == await limits.admit("500", "telegram:500:1", minutes(0))
    assert Admit.NOTICE == await limits.admit("500", "telegram:500:2", minutes(1))
    store.close()

    again = TelegramStore(path)
    limits = Limits(again, "telegram", 1, NO_BUDGET)
    assert Admit.SILENT == await limits.admit("500", "telegram:500:3", minutes(2))
    assert Admit.YES == await limits.admit("500", "telegram:500:4", minutes(61))
    again.close()


async def test_a_retried_request_is_admitted_again_and_counted_once(tmp_path: Path) -> None:
    """A mention handled again (a crash, a deferred round) is still admitted, and does not
    use up a second check of its account."""
    store = BlueskyStore(tmp_path / "f.db")
    limits = Limits(store, "bluesky", 2, NO_BUDGET)
    for m in range(3):
        assert Admit.YES == await limits.admit("did:a", "at://mention/1", minutes(m))
    assert Admit.YES == await limits.admit("did:a", "at://mention/2", minutes(4))
    assert Admit.NOTICE == await limits.admit("did:a", "at://mention/3", minutes(5))
    store.close()


async def test_the_hourly_budget_is_shared_by_every_account_of_both_platforms(
    tmp_path: Path,
) -> None:
    """answers_per_hour counts Bluesky and Telegram answers together, whoever asked; past it
    each account is told once (BUSY) and then silent, until the hour frees up."""
    path = tmp_path / "f.db"
    budget = LimitsConfig(answers_per_hour=3, answers_per_day=0)
    bluesky = Limits(BlueskyStore(path), "bluesky", 10, budget)
    telegram = Limits(TelegramStore(path), "telegram", 10, budget)
    assert Admit.YES == await bluesky.admit("did:a", "m1", minutes(0))
    assert Admit.YES == await telegram.admit("1", "t1", minutes(1))
    assert Admit.YES == await bluesky.admit("did:b", "m2", minutes(2))
    assert Admit.BUSY == await telegram.admit("2", "t2", minutes(3))
    assert Admit.BUSY == await bluesky.admit("did:c", "m3", minutes(3))
    assert Admit.SILENT == await telegram.admit("2", "t3", minutes(4))
    assert Admit.YES == await telegram.admit("2", "t4", minutes(60))  # the first left the hour
    assert Admit.BUSY == await bluesky.admit("did:d", "m4", minutes(60.5))
    bluesky.db.close()
    telegram.db.close()


async def test_the_daily_budget_holds_when_every_hour_has_room(tmp_path: Path) -> None:
    """answers_per_day: 4 answers spread over hours fill the day; the next waits until the
    first is a day old, however empty the hour is."""
    store = BlueskyStore(tmp_path / "f.db")
    limits = Limits(store, "bluesky", 10, LimitsConfig(answers_per_hour=100, answers_per_day=4))
    for h in range(4):
        assert Admit.YES == await limits.admit(f"did:{h}", f"m{h}", T0 + timedelta(hours=h))
    assert Admit.BUSY == await limits.admit("did:x", "mx", T0 + timedelta(hours=5))
    assert Admit.BUSY == await limits.admit("did:y", "my", T0 + timedelta(hours=23, minutes=59))
    assert Admit.YES == await limits.admit("did:y", "my2", T0 + timedelta(hours=24))
    store.close()


def test_decide_refuses_the_account_first_and_counts_no_limit_as_zero() -> None:
    """The pure rule: an account over its limit gets the limit notice (not BUSY) even when the
    budget is spent too; 0 means no limit; a retry is always admitted."""
    spent = Counts(account=5, hour=10, day=10, told_at=None)
    budget = LimitsConfig(answers_per_hour=10, answers_per_day=0)
    assert Admit.NOTICE == decide(spent, 5, budget, T0)
    assert Admit.BUSY == decide(spent, 0, budget, T0)
    assert Admit.YES == decide(spent, 0, NO_BUDGET, T0)
    told = Counts(account=0, hour=10, day=10, told_at=minutes(-59))
    assert Admit.SILENT == decide(told, 5, budget, T0)
    assert Admit.BUSY == decide(Counts(0, 10, 10, minutes(-60)), 5, budget, T0)
    assert Admit.YES == decide(Counts(9, 99, 99, None, already=True), 5, budget, T0)
