"""A published check as its page shows it, read back from an audit row of the store.

The audit row (`checks`) keeps the post, the verdict, the discrepancies and, since migration
m004, the whole match (`match`, JSON): everything a page needs besides the corpus. A page has a
stable id derived from the post's id (`page_id`), so the reply can link it before the check is
even recorded. Pure: no I/O."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain import (
    BASES,
    FIELDS,
    Basis,
    Discrepancy,
    Field,
    MatchInfo,
    Passage,
    Post,
    Source,
    SourceKind,
    Verdict,
)

# Verdicts whose reply links a public page: a match's page is public at once, a review's once an
# operator approves it (until then the address answers 404: the reply that links it is not sent).
PUBLISHED: frozenset[str] = frozenset({"match", "review"})
AT_ONCE: frozenset[str] = frozenset({"match"})  # verdicts whose page needs no approval


def page_id(post_id: str) -> str:
    """The page's id: 16 hex digits of the post id's SHA-256 (no post text in a URL)."""
    return hashlib.sha256(post_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def page_path(pid: str) -> str:
    """The page's path under the site's base URL."""
    return f"checks/{pid}.html"


def page_url(base_url: str, post_id: str) -> str:
    """The public address of the page of `post_id`; "" when no base URL is configured."""
    base = base_url.strip().rstrip("/")
    return f"{base}/{page_path(page_id(post_id))}" if base else ""


@dataclass(frozen=True)
class PageCheck:
    """One check as a page shows it. `row_id` orders checks (newest is highest)."""

    row_id: int
    post: Post
    verdict: Verdict
    score: float
    match: MatchInfo
    discrepancies: tuple[Discrepancy, ...]
    checked_at: datetime
    corpus_version: str
    approved_at: datetime | None = None  # a review: when an operator approved it

    @property
    def page_id(self) -> str:
        return page_id(self.post.id)

    @property
    def path(self) -> str:
        return page_path(self.page_id)


def match_to_json(match: MatchInfo) -> str:
    """Every field of the match, for the `match` column (what a page is rebuilt from)."""
    body = {
        **match.to_json(),
        "event_id": match.event_id,
        "publisher": match.publisher,
        "lang": match.lang,
        "translated_from": match.translated_from,
        "dispute_note": match.dispute_note,
        "sentence_ids": list(match.sentence_ids),
    }
    return json.dumps(body, ensure_ascii=False)


def _kind(value: object) -> SourceKind:
    return "primary" if value == "primary" else "secondary"


def _basis(value: object) -> Basis:
    return next((b for b in BASES if b == value), "reported")


def match_from_json(raw: str) -> MatchInfo:
    d: dict[str, Any] = json.loads(raw)
    return MatchInfo(
        quote=str(d["quote"]),
        quote_id=str(d["quote_id"]),
        speaker=str(d["speaker"]),
        speaker_role=str(d["speaker_role"]),
        event=str(d["event"]),
        venue=str(d["venue"]),
        city=str(d["city"]),
        date=date.fromisoformat(str(d["date"])),
        source_url=str(d["source_url"]),
        source_kind=_kind(d["source_kind"]),
        event_id=str(d.get("event_id", "")),
        publisher=str(d.get("publisher", "")),
        basis=_basis(d.get("basis")),
        sources=tuple(
            Source(url=str(s["url"]), publisher=str(s["publisher"]), kind=_kind(s["kind"]))
            for s in d.get("sources", [])
        ),
        lang=str(d.get("lang", "")),
        translated_from=str(d.get("translated_from", "")),
        disputed=bool(d.get("disputed", False)),
        dispute_note=str(d.get("dispute_note", "")),
        sentence_ids=tuple(str(i) for i in d.get("sentence_ids", [])),
        passage=_passage(d.get("passage")),
    )


def _passage(raw: object) -> Passage | None:
    """The recorded passage (only a passage of two sentences or more is recorded)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("sentence_ids"), list):
        return None
    return Passage(tuple(str(i) for i in raw["sentence_ids"]), str(raw.get("text", "")))


def _field(value: object) -> Field | None:
    return next((f for f in FIELDS if f == value), None)


def discrepancies_from_json(raw: str) -> tuple[Discrepancy, ...]:
    out: list[Discrepancy] = []
    for d in json.loads(raw or "[]"):
        name = _field(d.get("field"))
        if name is not None:
            out.append(Discrepancy(name, d.get("claimed"), d.get("verified")))
    return tuple(out)


def _time(raw: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _verdict(value: object) -> Verdict | None:
    """The verdict of a row that may have a page (PUBLISHED); None for any other."""
    if value == "match":
        return "match"
    return "review" if value == "review" else None


def from_row(row: Mapping[str, Any]) -> PageCheck | None:
    """The page of an audit row; None when the row is not a published check (another verdict,
    a review no operator approved (`approved_at`, from the decisions), or an older row without
    the match)."""
    verdict = _verdict(row.get("verdict"))
    if verdict is None or not row.get("match"):
        return None
    checked = _time(row.get("checked_at"))
    approved = _time(row.get("approved_at"))
    if checked is None or (verdict not in AT_ONCE and approved is None):
        return None
    post = Post(
        id=str(row["post_id"]),
        text=str(row.get("post_text") or ""),
        created_at=_time(row.get("post_created_at")),
        url=row.get("post_url") or None,
        author=row.get("post_author") or None,
    )
    return PageCheck(
        row_id=int(row["id"]),
        post=post,
        verdict=verdict,
        score=float(row.get("score") or 0.0),
        match=match_from_json(str(row["match"])),
        discrepancies=discrepancies_from_json(str(row.get("discrepancies") or "[]")),
        checked_at=checked,
        corpus_version=str(row.get("corpus_version") or ""),
        approved_at=approved if verdict not in AT_ONCE else None,
    )
