"""The tests written for the Bluesky thread run it with `[reply] bluesky_max_posts = 3` (the
default is one post: tests/test_one_post.py), their assertions unchanged."""

from __future__ import annotations

from collections.abc import Sequence

from bot.compose import ReplyTexts, compose_reply
from bot.domain import Discrepancy, MatchInfo, Reply, Verdict

THREAD_POSTS = 3
DEFAULT = ReplyTexts()


def compose_thread(
    verdict: Verdict,
    match: MatchInfo | None,
    discrepancies: Sequence[Discrepancy],
    texts: ReplyTexts = DEFAULT,
    cut: bool = False,
    page: str = "",
) -> Reply:
    """`compose_reply` with the Bluesky reply as a thread."""
    return compose_reply(verdict, match, discrepancies, texts, cut, page, THREAD_POSTS)
