"""PyLD with a document loader that serves the local schema.org context and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyld import jsonld

CONTEXT_FILE = Path(__file__).parent / "data" / "schemaorg-context.jsonld"
SCHEMA_URLS = {
    "https://schema.org",
    "https://schema.org/",
    "http://schema.org",
    "http://schema.org/",
}
S = "http://schema.org/"


def local_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url not in SCHEMA_URLS:
        raise AssertionError(f"the JSON-LD processor asked for {url}: no network in tests")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(CONTEXT_FILE.read_text(encoding="utf-8")),
    }


def expand(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = jsonld.expand(doc, {"documentLoader": local_loader})
    return out


def defined_terms() -> set[str]:
    ctx = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    return {k for k in ctx if not k.startswith("@")}


def keys(doc: Any) -> set[str]:
    """Every key of `doc`, at any depth, but JSON-LD keywords."""
    if isinstance(doc, dict):
        return {k for k in doc if not k.startswith("@")} | {
            x for v in doc.values() for x in keys(v)
        }
    if isinstance(doc, list):
        return {x for v in doc for x in keys(v)}
    return set()


def value(node: dict[str, Any], prop: str) -> Any:
    """The single value of `prop` (a schema.org name) of an expanded node."""
    (item,) = node[S + prop]
    return item.get("@value", item.get("@id", item))


def assert_claim_review(review: dict[str, Any], appearances: int) -> dict[str, Any]:
    """Expand `review` and check the ClaimReview's shape; the expanded node."""
    assert set() == keys(review) - defined_terms(), "keys schema.org does not define"
    (node,) = expand(review)
    assert [S + "ClaimReview"] == node["@type"]
    assert value(node, "claimReviewed")
    assert S + "Date" == node[S + "datePublished"][0]["@type"]
    author = value(node, "author")
    assert [S + "Organization"] == author["@type"]
    rating = value(node, "reviewRating")
    assert [S + "Rating"] == rating["@type"]
    assert value(rating, "alternateName")
    assert 1 <= value(rating, "ratingValue") <= value(rating, "bestRating") == 5
    claim = value(node, "itemReviewed")
    assert [S + "Claim"] == claim["@type"]
    assert value(claim, "author")["@type"]
    assert appearances == len(claim[S + "appearance"])
    first = value(claim, "firstAppearance")
    assert first[S + "url"] == claim[S + "appearance"][0][S + "url"]
    return node
