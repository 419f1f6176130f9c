"""The ClaimReview JSON-LD of a check page, expanded by a JSON-LD processor (PyLD) against a
local copy of the schema.org context, and `factbot pages export --claimreview`."""

from __future__ import annotations

import json
import subprocess
from html import escape
from pathlib import Path

from jsonld_support import S, assert_claim_review, value
from pages_support import (
    APPROVED_AT,
    REVIEW_ID,
    SEED_ID,
    SEED_URL,
    approved_review,
    seeded_store,
)

from bot.config import PagesConfig
from bot.pages.claimreview import claim_review
from bot.pages.record import page_id
from bot.pages.render import render_atom, render_check, render_index
from bot.pipeline import Checker

ROOT = Path(__file__).resolve().parent.parent
CFG = PagesConfig(base_url="https://factbot.example.org", organisation="Example Checks",
                  organisation_url="https://example.org/about")  # fmt: skip


def test_seed_claim_review_expands_to_schema_org(checker: Checker, tmp_path: Path) -> None:
    """Every key is a schema.org term; the seed's review: the post's wording as the claim,
    rated 1 ("part of the quote is invented"), by the operator's organisation, the claim made
    by the seed's author and seen in two posts, the seed first."""
    checks = seeded_store(checker, tmp_path / "factbot.db")
    seed = next(c for c in checks if c.post.id == SEED_ID)
    url = f"{CFG.base_url}/checks/{page_id(SEED_ID)}.html"
    review = claim_review(seed, checks, url, CFG.organisation, CFG.organisation_url)
    node = assert_claim_review(review, appearances=2)
    assert url == value(node, "url")
    assert "2026-05-13" == value(node, "datePublished")
    assert value(node, "claimReviewed").startswith("The best open source AI models right now")
    assert "Example Checks" == value(value(node, "author"), "name")
    assert "https://example.org/about" == value(value(node, "author"), "url")
    rating = value(node, "reviewRating")
    assert "Misquoted: part of the quote is invented" == value(rating, "alternateName")
    assert 1 == value(rating, "ratingValue")
    claim = value(node, "itemReviewed")
    assert "seed.example" == value(value(claim, "author"), "name")
    assert "Yann LeCun" == value(value(claim, "about"), "name")
    copy = "https://bsky.app/profile/did:plc:copier/post/3copy"  # COPY_ID's public address
    assert [SEED_URL, copy] == [value(a, "url") for a in claim[S + "appearance"]]
    assert SEED_URL == value(value(claim, "firstAppearance"), "url")
    assert "2026-05-12" == value(claim, "datePublished")


async def test_an_approved_review_says_an_operator_approved_it_and_when(
    checker: Checker, tmp_path: Path
) -> None:
    """A `review` recorded by the real store is published once an operator approves it (the
    Telegram store's decision): its ClaimReview's rating explains that an operator of the
    organisation reviewed and approved it, and when, and it is dated the day of the approval
    (when its page became public); the page says the same under the verdict, and the index and
    the feed mark it. The seed's match, published by factbot alone, explains nothing of that."""
    checks = await approved_review(checker, tmp_path / "factbot.db")
    approved = next(c for c in checks if c.post.id == REVIEW_ID)
    assert ("review", APPROVED_AT) == (approved.verdict, approved.approved_at)
    url = f"{CFG.base_url}/checks/{approved.page_id}.html"
    node = assert_claim_review(claim_review(approved, checks, url, CFG.organisation), 1)
    note = (
        "The automatic check found a borderline match; an operator of Example Checks reviewed "
        "it and approved it on 2026-05-15 08:30 UTC, before it was published."
    )
    assert note == value(value(node, "reviewRating"), "ratingExplanation")
    assert "2026-05-15" == value(node, "datePublished")  # checked on the 13th, public on the 15th
    assert "Example Checks" == value(value(node, "author"), "name")  # no operator's name

    seed = next(c for c in checks if c.post.id == SEED_ID)
    seed_node = assert_claim_review(claim_review(seed, checks, url, CFG.organisation), 2)
    assert S + "ratingExplanation" not in value(seed_node, "reviewRating")
    assert "2026-05-13" == value(seed_node, "datePublished")

    page = render_check(approved, checks, checker.corpus, CFG)
    assert f'<p class="reviewed" id="reviewed">{escape(note)}</p>' in page
    assert 'id="reviewed"' not in render_check(seed, checks, checker.corpus, CFG)
    index = render_index(checks, 1, CFG)
    assert 1 == index.count("approved by an operator")
    assert f'href="{approved.page_id}.html"' in index.split("approved by an operator")[0]
    assert 1 == render_atom(checks, CFG).count("(Approved by an operator before publication.)")
    assert "Ana" not in page + index  # the operator is not named in public


def test_export_claimreview_writes_one_review_per_page(checker: Checker, tmp_path: Path) -> None:
    """`factbot pages export --claimreview FILE.jsonl`: one ClaimReview a line, each valid."""
    db = tmp_path / "factbot.db"
    seeded_store(checker, db)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[corpus]\npath = "{ROOT / "corpus"}"\n[store]\npath = "{db}"\n'
        '[pages]\nbase_url = "https://factbot.example.org"\norganisation = "Example Checks"\n',
        encoding="utf-8",
    )
    out = tmp_path / "reviews.jsonl"
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "factbot"), "--config", str(config), "pages", "export",
         "--claimreview", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert 0 == proc.returncode, proc.stderr
    assert f"{out}: 2 ClaimReview(s)" == proc.stdout.strip()
    reviews = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert 2 == len(reviews)
    for review in reviews:
        assert_claim_review(review, appearances=2)


ACCURATE = (
    "Worth remembering what LeCun actually said in Paris last December: China is going open "
    "source all the way, the best open LLMs right now are all Chinese, and that is not good."
)


def test_accurate_post_and_misquote_of_one_quote_are_two_claims(
    checker: Checker, tmp_path: Path
) -> None:
    """A post quoting the same remark accurately is not an appearance of the seed's misquote,
    and the seed is not an appearance (nor the first) of the accurate claim."""
    checks = seeded_store(checker, tmp_path / "factbot.db", extra=[ACCURATE])
    seed = next(c for c in checks if c.post.id == SEED_ID)
    accurate = next(c for c in checks if c.post.id == "extra-0")
    assert seed.match.quote_id == accurate.match.quote_id  # the same verified quote
    mis = claim_review(seed, checks, "https://x.example/1", CFG.organisation)
    ok = claim_review(accurate, checks, "https://x.example/2", CFG.organisation)
    assert "Accurate quote" == ok["reviewRating"]["alternateName"]
    copy = "https://bsky.app/profile/did:plc:copier/post/3copy"
    assert [SEED_URL, copy] == [a.get("url") for a in mis["itemReviewed"]["appearance"]]
    assert [{"identifier": "extra-0"}] == [
        {k: v for k, v in a.items() if k == "identifier"} for a in ok["itemReviewed"]["appearance"]
    ]
    assert "extra-0" == ok["itemReviewed"]["firstAppearance"]["identifier"]
