"""schema.org ClaimReview for a check page (JSON-LD), as fact-check aggregators read it.

The claim reviewed is the wording the post attributes to the speaker; the review is by the
operator's organisation (`[pages] organisation`, `organisation_url`). `itemReviewed` is a `Claim`
whose `appearance` lists every post seen carrying the same claim (the checks of the store that
matched the same verified quote and got the same rating: an accurate post and a misquote of
one quote make two claims), the earliest as `firstAppearance`. The rating's `alternateName` is
the verdict in words.

A `review` (a borderline match) is published only once an operator approved it: its review says
so in the rating's `ratingExplanation` (schema.org's "background context ... that led to the
conclusion expressed in the rating", meant for ClaimReview; the page shows the same sentence),
and its `datePublished` is the day of the approval, when the page became public. A `match`,
published by factbot alone, has no such explanation. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import regex

from bot.domain import Discrepancy
from bot.pages.diff import post_wording
from bot.pages.record import PageCheck
from bot.reply_lines import shown_value

CONTEXT = "https://schema.org"
CLAIM_CAP = 600  # graphemes of the claim reviewed


@dataclass(frozen=True)
class Rating:
    value: int  # 1 (worst) .. 5 (best)
    name: str  # the alternateName: the verdict in words


def rating(found: Sequence[Discrepancy]) -> Rating:
    """The worst change decides: an invented sentence, then a changed place, date, speaker or
    role, then dropped or reworded words; none is an accurate quote."""
    fields = {d.field for d in found}
    if "unsupported" in fields:
        return Rating(1, "Misquoted: part of the quote is invented")
    if "speaker" in fields:
        return Rating(1, "Misattributed: someone else said it")
    if fields & {"venue", "date", "speaker_role"}:
        return Rating(2, "Real quote, wrong context")
    if fields & {"omitted", "reworded"}:
        return Rating(3, "Real quote, altered wording")
    return Rating(5, "Accurate quote")


def approval_note(check: PageCheck, organisation: str) -> str:
    """The sentence that says a published review was approved by a person, and when; "" for a
    check published without one (a `match`)."""
    if check.approved_at is None:
        return ""
    who = f"an operator of {organisation}" if organisation.strip() else "an operator"
    when = check.approved_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"The automatic check found a borderline match; {who} reviewed it and approved "
        f"it on {when}, before it was published."
    )


_AT_POST = regex.compile(
    r"at://(did:[a-z0-9]+:[A-Za-z0-9._:%-]+)/app\.bsky\.feed\.post/([A-Za-z0-9._~:-]+)"
)


def public_url(post_id: str) -> str:
    """A Bluesky post's at:// URI as its bsky.app address; "" for anything else."""
    m = _AT_POST.fullmatch(post_id)
    return f"https://bsky.app/profile/{m[1]}/post/{m[2]}" if m else ""


def _appearance(check: PageCheck) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "SocialMediaPosting"}
    url = check.post.url or public_url(check.post.id)
    if url:
        out["url"] = url
    else:
        out["identifier"] = check.post.id
    if check.post.author:
        out["author"] = {"@type": "Person", "name": check.post.author}
    if check.post.created_at:
        out["datePublished"] = check.post.created_at.isoformat()
    return out


def _first(checks: Sequence[PageCheck]) -> PageCheck:
    def when(c: PageCheck) -> tuple[int, str, int]:
        created = c.post.created_at
        return (0 if created else 1, created.isoformat() if created else "", c.row_id)

    return min(checks, key=when)


def claim_review(
    check: PageCheck,
    seen: Sequence[PageCheck],
    url: str,
    organisation: str,
    organisation_url: str = "",
) -> dict[str, Any]:
    """The ClaimReview of `check`, published at `url`; `seen` is every published check (the
    appearances are those of the same verified quote rated the same, `check` included)."""
    found = rating(check.discrepancies)
    same = [
        c
        for c in seen
        if c.match.quote_id == check.match.quote_id and rating(c.discrepancies) == found
    ]
    if all(c.row_id != check.row_id for c in same):
        same.append(check)
    unique = {c.post.id: c for c in sorted(same, key=lambda c: c.row_id)}
    appearances = [_appearance(c) for c in unique.values()]
    first = _first(list(unique.values()))
    author: dict[str, Any] = {"@type": "Organization", "name": organisation}
    if organisation_url:
        author["url"] = organisation_url
    claimant: dict[str, Any] = (
        {"@type": "Person", "name": first.post.author}
        if first.post.author
        else {"@type": "Organization", "name": "Social media posts"}
    )
    claim: dict[str, Any] = {
        "@type": "Claim",
        "author": claimant,
        "about": {"@type": "Person", "name": check.match.speaker},
        "appearance": appearances,
        "firstAppearance": _appearance(first),
    }
    if first.post.created_at:
        claim["datePublished"] = first.post.created_at.date().isoformat()
    # When the page became public: at the check, or at the operator's approval.
    published = check.approved_at.astimezone(UTC) if check.approved_at else check.checked_at
    review: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": url,
        "datePublished": published.date().isoformat(),
        "claimReviewed": shown_value(post_wording(check.post.text), CLAIM_CAP),
        "author": author,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": found.value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": found.name,
        },
        "itemReviewed": claim,
    }
    note = approval_note(check, organisation)
    if note:
        review["reviewRating"]["ratingExplanation"] = note
    return review
