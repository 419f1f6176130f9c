"""The pages as files or responses: the published checks (`bot.store.published_checks` reads
them), the corpus loaded by the caller, everything rendered by `bot.pages.render`.

`factbot pages export DIR` writes the site for any static host; `--claimreview FILE.jsonl`
writes one ClaimReview per page; the live bot serves the same pages (`bot.runtime.pages`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.config import PagesConfig
from bot.domain import Corpus
from bot.pages.claimreview import claim_review
from bot.pages.record import PageCheck
from bot.pages.render import (
    FEED,
    absolute,
    index_path,
    latest,
    pages_count,
    render_atom,
    render_check,
    render_index,
)


@dataclass(frozen=True)
class Site:
    """The pages of a set of checks against the corpus now."""

    checks: list[PageCheck]
    corpus: Corpus
    cfg: PagesConfig

    def page(self, pid: str) -> str | None:
        """The HTML of page `pid` (the newest check of its post); None when there is none."""
        found = [c for c in latest(self.checks) if c.page_id == pid]
        return render_check(found[0], self.checks, self.corpus, self.cfg) if found else None

    def index(self, number: int) -> str | None:
        if not 1 <= number <= pages_count(self.checks, self.cfg):
            return None
        return render_index(self.checks, number, self.cfg)

    def feed(self) -> str:
        return render_atom(self.checks, self.cfg)

    def files(self) -> Iterator[tuple[str, str]]:
        """(relative path, text) of every file of the site."""
        for n in range(1, pages_count(self.checks, self.cfg) + 1):
            yield index_path(n), render_index(self.checks, n, self.cfg)
        yield FEED, self.feed()
        for check in latest(self.checks):
            yield check.path, render_check(check, self.checks, self.corpus, self.cfg)

    def claim_reviews(self) -> Iterator[dict[str, object]]:
        for check in latest(self.checks):
            url = absolute(self.cfg, check.path)
            yield claim_review(
                check, self.checks, url, self.cfg.organisation, self.cfg.organisation_url
            )


def export(site: Site, out: Path) -> list[Path]:
    """Write every file of the site under `out`; the paths written, index first."""
    written = []
    for relative, text in site.files():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def export_claimreview(site: Site, out: Path) -> int:
    """One ClaimReview JSON object a line; how many."""
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for review in site.claim_reviews():
            f.write(json.dumps(review, ensure_ascii=False) + "\n")
            n += 1
    return n
