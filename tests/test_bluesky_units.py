"""The Bluesky adapter's pure parts, without a network: record keys, facets, the write budget,
the retry and rate-limit policy, and the [bluesky] configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    RateLimitExceededError,
    RequestException,
)
from atproto_client.request import Response
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.bluesky.app import restore_budget
from bot.bluesky.calls import CREATE, BudgetSpent, Calls, WriteBudget
from bot.bluesky.client import credentials
from bot.bluesky.records import (
    parse_web_url,
    reply_record,
    split_uri,
    strong_ref,
    tid,
    web_url,
)
from bot.bluesky.replies import cap_thread
from bot.bluesky.store import BlueskyStore
from bot.compose import graphemes
from bot.config import BlueskyConfig, ConfigError
from bot.config_load import load_config
from bot.domain import BlueskyPost, LinkFacet

T0 = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def test_tid_is_a_valid_sortable_record_key_that_differs_by_key() -> None:
    a, b = (
        tid("bluesky|m1|reply:1", 1_700_000_000_000_000),
        tid("bluesky|m1|reply:2", 1_700_000_000_000_000),
    )
    later = tid("bluesky|m1|reply:1", 1_700_000_000_000_001)
    for key in (a, b, later):
        assert len(key) == 13 and set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")
        assert key[0] in "234567abcdefghij"  # the top bit is 0
    assert a != b  # same microsecond, different outbox rows
    assert a < later  # time order is string order
    assert tid("k", 5) == tid("k", 5)


def test_uris_and_web_urls() -> None:
    uri = "at://did:plc:abc/app.bsky.feed.post/3kabc"
    assert split_uri(uri) == ("did:plc:abc", "app.bsky.feed.post", "3kabc")
    assert web_url("alice.test", uri) == "https://bsky.app/profile/alice.test/post/3kabc"
    assert parse_web_url("https://bsky.app/profile/alice.test/post/3kabc?x=1") == (
        "alice.test",
        "3kabc",
    )
    assert parse_web_url("https://example.com/profile/a/post/b") is None
    with pytest.raises(ValueError, match="not an at:// record URI"):
        split_uri("https://bsky.app/x")


def test_reply_record_carries_refs_and_link_facets() -> None:
    text = "Source: Sifted — ai-PULSE"
    start = len(b"Source: ")
    end = start + len(b"Sifted")
    post = BlueskyPost(text, (LinkFacet(start, end, "https://sifted.eu/x"),))
    root = strong_ref("at://did:plc:a/app.bsky.feed.post/1", "bafyroot")
    parent = strong_ref("at://did:plc:b/app.bsky.feed.post/2", "bafyparent")
    record = reply_record(post, root, parent, "2026-05-12T09:00:00.000Z")
    assert record["$type"] == "app.bsky.feed.post"
    assert record["reply"]["root"]["uri"].endswith("/1")
    assert record["reply"]["parent"]["cid"] == "bafyparent"
    [facet] = record["facets"]
    assert (facet["index"]["byteStart"], facet["index"]["byteEnd"]) == (start, end)
    assert facet["features"][0]["uri"] == "https://sifted.eu/x"
    assert text.encode()[start:end].decode() == "Sifted"


def test_write_budget_holds_writes_below_the_hourly_points() -> None:
    budget = WriteBudget(per_hour=10)
    for i in range(3):
        assert budget.room_in(CREATE, T0 + timedelta(minutes=i)) == 0
        budget.spend(CREATE, T0 + timedelta(minutes=i))
    wait = budget.room_in(CREATE, T0 + timedelta(minutes=3))  # 9 spent: 3 more would be 12
    assert wait == pytest.approx(57 * 60)  # until the first write leaves the hour
    assert budget.room_in(CREATE, T0 + timedelta(minutes=61)) == 0


def _error(cls: type[Exception], status: int, headers: dict[str, str] | None = None) -> Exception:
    return cls(Response(success=False, status_code=status, content=None, headers=headers or {}))


class FakeTime:
    def __init__(self) -> None:
        self.now = T0
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


async def test_calls_wait_out_a_429_until_its_reset_and_retry_transient_errors() -> None:
    time = FakeTime()
    calls = Calls(BlueskyConfig(backoff_seconds=1.0, max_retries=3), time.clock, time.sleep)
    reset = int((T0 + timedelta(seconds=30)).timestamp())
    errors: list[Exception] = [
        _error(RateLimitExceededError, 429, {"ratelimit-reset": str(reset)}),
        _error(RequestException, 503),
        InvokeTimeoutError(),
    ]

    async def flaky() -> str:
        if errors:
            raise errors.pop(0)
        return "ok"

    assert await calls("listNotifications", flaky) == "ok"
    assert time.slept[0] == pytest.approx(30.5)  # until the reset, not a guess
    assert 1.0 <= time.slept[1] <= 1.5 and 2.0 <= time.slept[2] <= 3.0  # backoff doubles
    assert calls.counts["rate_limited"] == 1 and calls.counts["retried"] == 2


async def test_a_429_with_a_far_reset_defers_instead_of_sleeping_in_the_job() -> None:
    """Bluesky's daily limit answers 429 with a reset hours away: in a job the call raises
    BudgetSpent (the work is left for a later run) instead of sleeping until then; at
    start-up it is waited out."""
    time = FakeTime()
    calls = Calls(BlueskyConfig(), time.clock, time.sleep)
    reset = int((T0 + timedelta(hours=5)).timestamp())

    async def limited() -> str:
        raise _error(RateLimitExceededError, 429, {"ratelimit-reset": str(reset)})

    with pytest.raises(BudgetSpent) as spent:
        await calls("createRecord", limited)
    assert [] == time.slept
    assert pytest.approx(5 * 3600, abs=1) == spent.value.wait
    assert 1 == calls.counts["budget_deferred"]

    # Start-up (log-in, the bot label) has nothing to leave for later: it waits it out.
    calls.defer_long_waits = False
    answers = [_error(RateLimitExceededError, 429, {"ratelimit-reset": str(reset)})]

    async def once_limited() -> str:
        if answers:
            raise answers.pop()
        return "ok"

    assert "ok" == await calls("createSession", once_limited)
    assert [pytest.approx(5 * 3600 + 0.5, abs=1)] == time.slept


async def test_calls_give_up_after_max_retries_and_never_retry_a_bad_request() -> None:
    time = FakeTime()
    calls = Calls(BlueskyConfig(max_retries=2), time.clock, time.sleep)
    attempts = 0

    async def down() -> None:
        nonlocal attempts
        attempts += 1
        raise _error(RequestException, 500)

    with pytest.raises(RequestException):
        await calls("getPosts", down)
    assert attempts == 3

    async def bad() -> None:
        raise _error(BadRequestError, 400)

    with pytest.raises(BadRequestError):
        await calls("createRecord", bad)
    assert calls.counts["failed"] == 2


async def test_calls_defer_a_write_the_budget_has_no_room_for_instead_of_sleeping() -> None:
    """A spent budget raises BudgetSpent at once (the job leaves the work pending) instead of
    sleeping inside the job for up to an hour; the write is not made, and fits again later."""
    time = FakeTime()
    calls = Calls(BlueskyConfig(write_points_per_hour=6), time.clock, time.sleep)
    written = 0

    async def write() -> str:
        nonlocal written
        written += 1
        return "written"

    for _ in range(2):
        await calls("createRecord", write, points=CREATE)
    with pytest.raises(BudgetSpent) as spent:
        await calls("createRecord", write, points=CREATE)
    assert [] == time.slept
    assert 2 == written
    assert pytest.approx(3600) == spent.value.wait
    assert 1 == calls.counts["budget_deferred"]
    assert pytest.approx(3600) == calls.room_in(CREATE)
    time.now += timedelta(hours=1)
    assert "written" == await calls("createRecord", write, points=CREATE)


def test_write_budget_holds_writes_below_the_daily_points() -> None:
    """With room in every hour, the daily points still bound the writes: the next write waits
    until the first of the day leaves the 24 hours."""
    budget = WriteBudget(per_hour=1000, per_day=9)
    for h in range(3):
        assert 0 == budget.room_in(CREATE, T0 + timedelta(hours=h))
        budget.spend(CREATE, T0 + timedelta(hours=h))
    assert pytest.approx(21 * 3600) == budget.room_in(CREATE, T0 + timedelta(hours=3))
    assert 0 == budget.room_in(CREATE, T0 + timedelta(hours=24))
    assert 0 == WriteBudget(per_hour=0, per_day=0).room_in(10**6, T0)  # 0: no budget


def test_a_long_thread_is_cut_to_max_posts_with_a_more_line() -> None:
    """cap_thread keeps the first posts whole and renumbered, ends the last with "more…",
    keeps each post within 300 graphemes, its link facets on its own bytes, and leaves a
    thread within the cap alone."""
    link = "Source: sifted.eu"
    start = len(b"Source: ")
    thread = [
        BlueskyPost(f"{link} (1/5)", (LinkFacet(start, start + 9, "https://sifted.eu/x"),)),
        *(BlueskyPost(f"{chr(97 + i) * 280} ({i + 2}/5)") for i in range(3)),
        BlueskyPost("short end (5/5)"),
    ]
    capped = cap_thread(thread, 3)
    assert [
        f"{link} (1/3)",
        f"{'a' * 280} (2/3)",
        f"{'b' * 280}\nmore… (3/3)",
    ] == [p.text for p in capped]
    assert thread[0].links == capped[0].links
    for p in capped:
        assert graphemes(p.text) <= 300 and len(p.text.encode()) <= 3000
        for f in p.links:
            assert "sifted.eu" == p.text.encode()[f.byte_start : f.byte_end].decode()
    assert tuple(thread[:3]) == cap_thread(thread[:3], 3)
    assert tuple(thread) == cap_thread(thread, 0)


def test_cap_keeps_the_last_post_when_the_more_line_fits_and_never_cuts_one() -> None:
    """The "more…" line goes on the last kept post when it fits; when every post is full, the
    last place holds "more…" alone: no post is ever cut (a quote is never split)."""
    short = [BlueskyPost(f"line {i} ({i}/4)") for i in range(1, 5)]
    assert ("line 1 (1/2)", "line 2\nmore… (2/2)") == tuple(p.text for p in cap_thread(short, 2))
    full = [BlueskyPost(f"{'x' * 294} ({i}/4)") for i in range(1, 5)]
    capped = cap_thread(full, 3)
    assert (f"{'x' * 294} (1/3)", f"{'x' * 294} (2/3)", "more… (3/3)") == tuple(
        p.text for p in capped
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('service_url = "bsky.social"', "service_url = 'bsky.social': expected an http(s) URL"),
        ("notifications_limit = 500", "notifications_limit = 500: expected a whole number"),
        ("write_points_per_hour = 6000", "expected at most 5000"),
        ("checks_per_hour = -1", "[bluesky] checks_per_hour = -1: expected a number >= 0"),
        ('search_queries = "LeCun"', "search_queries = 'LeCun': expected a list of strings"),
        ("viral_likes = 1.5", "viral_likes = 1.5: expected a whole number"),
        ("write_points_per_day = 40000", "expected at most 35000 (Bluesky's own limit a day)"),
        ("max_thread_posts = 1", "max_thread_posts = 1: expected 0 (no cap) or at least 2"),
        (
            'unrelated_parent = "reply"',
            "unrelated_parent = 'reply': expected one of ['silent', 'own_text', 'answer']",
        ),
    ],
)
def test_bluesky_config_errors_name_the_key_and_what_was_expected(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[bluesky]\n{toml}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_bluesky_config_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[bluesky]\nsession_file = "state/bot.session"\nsearch_queries = ["LeCun"]\n')
    config = load_config(path).bluesky
    assert config.session_file == tmp_path / "state" / "bot.session"
    assert config.search_queries == ("LeCun",)


def test_credentials_come_from_the_environment_only() -> None:
    assert credentials({}) is None
    assert credentials({"BLUESKY_HANDLE": "factbot.test"}) is None  # no password: no login
    env = {"BLUESKY_HANDLE": " factbot.test ", "BLUESKY_APP_PASSWORD": "abcd-efgh"}
    assert credentials(env) == ("factbot.test", "abcd-efgh")


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(min_size=1, max_size=294), min_size=1, max_size=8),
    max_posts=st.integers(min_value=2, max_value=5),
)
def test_a_capped_thread_is_always_within_the_limits(texts: list[str], max_posts: int) -> None:
    """Any thread of valid posts, capped: at most max_posts posts, each within 300 graphemes
    and 3000 bytes; a cut thread ends with "more… (k/k)"; the kept posts' own words are
    unchanged (a post is dropped, never cut)."""
    texts = [t for t in texts if graphemes(t) <= 290 and len(t.encode()) <= 2990] or ["x"]
    n = len(texts)
    thread = [BlueskyPost(f"{t} ({i}/{n})" if n > 1 else t) for i, t in enumerate(texts, 1)]
    capped = cap_thread(thread, max_posts)
    assert len(capped) <= max_posts
    for p in capped:
        assert graphemes(p.text) <= 300 and len(p.text.encode()) <= 3000
    if n <= max_posts:
        assert tuple(thread) == capped
        return
    k = len(capped)
    assert capped[-1].text.endswith(f"more… ({k}/{k})")
    for i, p in enumerate(capped[:-1]):
        assert f"{texts[i]} ({i + 1}/{k})" == p.text


async def test_a_restart_counts_the_last_days_posts_against_the_write_budget(
    tmp_path: Path,
) -> None:
    """At start the write budget is restored from the outbox: posts sent in the last day
    count (a restart does not reset the daily budget), older and pending ones do not."""
    store = BlueskyStore(tmp_path / "f.db")
    for i, hours in enumerate((30, 20, 0.5)):
        at = T0 - timedelta(hours=hours)
        await store.add_pending(f"k{i}", "at://m", i + 1, "rkey", {"text": "x"}, at)
        await store.mark_sent(f"k{i}", f"at://r{i}", "cid", at)
    await store.add_pending("k9", "at://m", 9, "rkey", {"text": "x"}, T0)  # not sent
    time = FakeTime()
    calls = Calls(
        BlueskyConfig(write_points_per_hour=6, write_points_per_day=9), time.clock, time.sleep
    )
    assert 2 == await restore_budget(calls, store, T0)
    assert 0 == calls.room_in(CREATE)  # 6 of the day's 9 points, 3 of the hour's 6
    calls.budget.spend(CREATE, T0)
    assert pytest.approx(4 * 3600) == calls.room_in(CREATE)  # until the 20 h old post is a day
    store.close()
