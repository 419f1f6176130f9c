"""Fuzz the one pipeline with generated posts and hold every output to the invariants.

    .venv/bin/python benchmarks/fuzz.py                 # 100,000 posts (see BENCHMARKS.md for time)
    .venv/bin/python benchmarks/fuzz.py --quick         # 2,000 posts
    .venv/bin/python benchmarks/fuzz.py --n 20000 --seed 7
    .venv/bin/python benchmarks/fuzz.py --jsonl --n 20000   # lines through bot.feed.check_lines

Posts (benchmarks/fuzz_posts.py) go through the real `Checker.check_many` (real models, the
shipped corpus, the default config) in batches; each result is held to tests/fuzz_invariants.py
(Bluesky limits, facets, balanced quote marks, every claim with its framing; Telegram HTML
well-formed, escaped, within 4096; the JSON contract valid UTF-8) and written to a real SQLite
audit trail in a temporary folder (a row that cannot be written is a violation). A batch that
raises is checked again post by post, so each crash is counted against the post that caused it.
With --jsonl, generated lines (some broken: deep nesting, huge ints, invalid UTF-8, a BOM) go
through `bot.feed.check_lines` in chunks: a chunk that raises is a crash, every line must get
one UTF-8 JSON answer, in order.

Prints a table (crashes by exception type, violations by kind, the slowest post: its time when
checked alone, its length) and, last, one line of JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from fuzz_invariants import contract_line_violations, corpus_sources, violations  # noqa: E402
from fuzz_posts import PostMaker, jsonl_line  # noqa: E402

from bot.config import Config  # noqa: E402
from bot.domain import CheckResult, Post  # noqa: E402
from bot.feed import check_lines  # noqa: E402
from bot.pipeline import Checker, build_checker  # noqa: E402
from bot.store import Store  # noqa: E402


@dataclasses.dataclass
class Tally:
    checked: int = 0
    crashes: Counter[str] = dataclasses.field(default_factory=Counter)
    violations: Counter[str] = dataclasses.field(default_factory=Counter)
    examples: dict[str, str] = dataclasses.field(default_factory=dict)
    batch_times: list[tuple[float, int]] = dataclasses.field(default_factory=list)

    def crash(self, exc: BaseException, what: str) -> None:
        name = type(exc).__name__
        self.crashes[name] += 1
        self.examples.setdefault(name, f"{what}: {exc}"[:300])

    def violation(self, kind: str, detail: str) -> None:
        self.violations[kind] += 1
        self.examples.setdefault(kind, detail[:300])


def check_batch(checker: Checker, posts: Sequence[Post], tally: Tally) -> list[CheckResult]:
    """check_many on the batch; if it raises, each post alone, so a crash names its post."""
    try:
        results = list(checker.check_many(posts))
    except Exception:  # counting what escapes is the point
        results, crashed = [], 0
        for post in posts:
            try:
                results += checker.check_many([post])
            except Exception as exc:
                crashed += 1
                tally.crash(exc, f"post {post.id[:40]!r} ({len(post.text)} chars)")
        if len(results) + crashed != len(posts):
            tally.violation("result_count", f"{len(results)} results for {len(posts)} posts")
        return results
    if len(results) != len(posts):
        tally.violation("result_count", f"{len(results)} results for {len(posts)} posts")
    return results


def audit(store: Store, results: Sequence[CheckResult], checker: Checker, tally: Tally) -> None:
    """Every result's audit row is written: one transaction per batch, else row by row (a row
    SQLite refuses is a violation, and so is a row that silently goes missing)."""
    before, refused = store.db["checks"].count, 0
    try:
        store.record_checks(results, checker.corpus.version, checker.model)
    except Exception:
        for r in results:
            try:
                store.record_checks([r], checker.corpus.version, checker.model)
            except Exception as exc:
                refused += 1
                what = f"{type(exc).__name__}: {exc} (post {r.post.id[:40]!r})"
                tally.violation("audit_row_refused", what)
    if store.db["checks"].count - before + refused != len(results):
        tally.violation("audit_row_missing", f"{len(results)} results, rows written differ")


def run_posts(checker: Checker, store: Store, args: argparse.Namespace, tally: Tally) -> None:
    maker = PostMaker(checker.corpus, args.seed, args.max_chars)
    texts, sources = checker.config.reply, corpus_sources(checker.corpus)
    batches: list[list[Post]] = []
    for start in range(0, args.n, args.batch):
        posts = [maker.post(i) for i in range(start, min(start + args.batch, args.n))]
        t0 = time.perf_counter()
        results = check_batch(checker, posts, tally)
        tally.batch_times.append((time.perf_counter() - t0, len(batches)))
        batches.append(posts)
        tally.checked += len(posts)
        for r in results:
            for kind, detail in violations(r, texts, sources):
                tally.violation(kind, f"post {r.post.id[:40]!r}: {detail}")
        audit(store, results, checker, tally)
        progress(tally, args)
    slowest_posts(checker, batches, tally)


def run_jsonl(checker: Checker, store: Store, args: argparse.Namespace, tally: Tally) -> None:
    """Chunks of `--batch` lines, each a feed of its own: a chunk that raises is a crash and
    every line it did not answer is lost."""
    maker = PostMaker(checker.corpus, args.seed, args.max_chars)
    for start in range(0, args.n, args.batch):
        lines = [jsonl_line(maker, i) for i in range(start, min(start + args.batch, args.n))]
        wanted = [n for n, line in enumerate(lines, 1) if line.strip()]
        out: list[Any] = []
        t0 = time.perf_counter()
        try:
            for obj in check_lines(checker, store, lines):
                out.append(obj)
        except Exception as exc:  # counting what escapes is the point
            tally.crash(exc, f"chunk from line {start + 1}")
            tally.violations["jsonl_lines_unanswered"] += len(wanted) - len(out)
            tally.examples.setdefault(
                "jsonl_lines_unanswered", f"{len(wanted) - len(out)} of lines {start + 1}.."
            )
        tally.batch_times.append((time.perf_counter() - t0, start))
        tally.checked += len(lines)
        if len(out) > len(wanted):
            tally.violation("jsonl_count", f"{len(out)} answers for {len(wanted)} lines")
        for number, obj in zip(wanted, out, strict=False):
            for kind, detail in contract_line_violations(obj, number):
                tally.violation(kind, f"line {start + number}: {detail}")
        progress(tally, args)
    took, start = max(tally.batch_times)
    tally.examples["slowest"] = json.dumps(
        {"seconds": round(took, 3), "chunk": f"lines {start + 1}-{start + args.batch}"}
    )


def slowest_posts(checker: Checker, batches: list[list[Post]], tally: Tally) -> None:
    """The posts of the three slowest batches, each checked alone and timed: the slowest one."""
    best: tuple[float, Post] | None = None
    for _, index in sorted(tally.batch_times, reverse=True)[:3]:
        for post in batches[index]:
            t0 = time.perf_counter()
            with contextlib.suppress(Exception):  # already counted; only its time matters
                checker.check_many([post])
            took = time.perf_counter() - t0
            if best is None or took > best[0]:
                best = (took, post)
    if best is not None:
        took, post = best
        tally.examples["slowest"] = json.dumps(
            {"seconds": round(took, 3), "chars": len(post.text), "id": post.id[:40],
             "start": post.text[:80]}, ensure_ascii=True
        )  # fmt: skip


def progress(tally: Tally, args: argparse.Namespace) -> None:
    if args.progress and tally.checked % (args.batch * 50) == 0:
        crashes, found = sum(tally.crashes.values()), sum(tally.violations.values())
        print(f"  … {tally.checked} checked, {crashes} crashes, {found} violations", flush=True)


def report(tally: Tally, args: argparse.Namespace, seconds: float, load: float) -> None:
    mode = "jsonl" if args.jsonl else "posts"
    rate = tally.checked / seconds if seconds else 0.0
    print(f"fuzz ({mode}): {tally.checked} {'lines' if args.jsonl else 'posts'}, seed {args.seed}, "
          f"posts of at most {args.max_chars} chars, batches of {args.batch}: {seconds:.1f} s "
          f"({rate:.1f}/s), checker loaded in {load:.1f} s")  # fmt: skip
    unit = "chunks" if args.jsonl else "posts"
    print(f"\n| crashes ({unit} that raised) | count | first example |\n|---|---|---|")
    for name, count in tally.crashes.most_common() or [("none", 0)]:
        print(f"| {name} | {count} | {tally.examples.get(name, '')[:120]!r} |")
    print("\n| violation | count | first example |\n|---|---|---|")
    for kind, count in tally.violations.most_common() or [("none", 0)]:
        print(f"| {kind} | {count} | {tally.examples.get(kind, '')[:120]!r} |")
    slow = json.loads(tally.examples.get("slowest", "{}"))
    if "chunk" in slow:
        print(f"\nslowest chunk: {slow['seconds']} s ({slow['chunk']})")
    elif slow:
        print(f"\nslowest post (checked alone): {slow['seconds']} s, {slow['chars']} chars, "
              f"starting {slow['start']!r}")  # fmt: skip
    summary = {
        "mode": mode, "n": tally.checked, "seed": args.seed, "max_chars": args.max_chars,
        "seconds": round(seconds, 1), "per_second": round(rate, 1),
        "crashes": dict(tally.crashes), "violations": dict(tally.violations),
        "slowest": slow,
    }  # fmt: skip
    print(json.dumps(summary, sort_keys=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="posts (or lines) to generate")
    parser.add_argument("--quick", action="store_true", help="2,000 posts")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-chars", type=int, default=1000, help="longest generated post")
    parser.add_argument("--jsonl", action="store_true", help="lines through bot.feed.check_lines")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.n = 2000
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="factbot-fuzz-") as tmp:
        config = Config()
        config = dataclasses.replace(
            config, model=dataclasses.replace(config.model, cache_dir=ROOT / ".factbot" / "cache")
        )
        checker = build_checker(config)
        load = time.perf_counter() - t0
        store = Store(Path(tmp) / "audit.db")
        tally = Tally()
        t1 = time.perf_counter()
        (run_jsonl if args.jsonl else run_posts)(checker, store, args, tally)
        report(tally, args, time.perf_counter() - t1, load)
        store.close()


if __name__ == "__main__":
    main()
