"""What the live runtime adds to the pipeline: the same replay through `Checker.check_many`
directly (the baseline) and through `LiveChecks` (each batch measured for /metrics, and each
check the models made written to the audit trail on the SQLite file's single worker), in one
process, alternating rounds.

    .venv/bin/python benchmarks/runtime.py                   # 5,000 posts, 3 rounds each
    .venv/bin/python benchmarks/runtime.py --posts 2000 --rounds 2

The replay is benchmarks/throughput.py's (CheckThat! tweets and claims with about 1 %
paraphrases of the corpus). Both paths check the same batches of 32; the live path's time
includes waiting for its audit rows to be written. The last line is one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throughput import replay  # noqa: E402

from bot.config_load import load_config  # noqa: E402
from bot.domain import Post  # noqa: E402
from bot.pipeline import Checker, build_checker  # noqa: E402
from bot.runtime.checks import LiveChecks  # noqa: E402
from bot.runtime.metrics import Metrics  # noqa: E402
from bot.store import AuditLog  # noqa: E402

BATCH = 32


def direct(checker: Checker, batches: list[list[Post]]) -> float:
    started = time.perf_counter()
    for batch in batches:
        checker.check_many(batch)
    return time.perf_counter() - started


async def live(checker: Checker, batches: list[list[Post]], db: Path) -> tuple[float, int]:
    """(seconds, posts past the gate: the audit rows it must have written)."""
    audit = AuditLog(db)
    metrics = Metrics()
    checks = LiveChecks(checker, metrics, audit, asyncio.get_running_loop())
    started = time.perf_counter()
    for batch in batches:
        await asyncio.to_thread(checks.check_many, batch)  # as the adapters call it
    await checks.drain()
    elapsed = time.perf_counter() - started
    audit.close()
    return elapsed, int(metrics.registry.get_sample_value("factbot_posts_checked_total") or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    checker = build_checker(load_config(None))
    rows = replay(args.posts, 0.01, seed=7)
    posts = [Post(id=i, text=t) for i, t, _ in rows]
    batches = [posts[i : i + BATCH] for i in range(0, len(posts), BATCH)]
    direct(checker, batches[:4])  # warm-up
    plain, measured = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            plain.append(direct(checker, batches))
            db = Path(tmp) / f"round-{r}.db"
            seconds, past_gate = asyncio.run(live(checker, batches, db))
            measured.append(seconds)
            with sqlite3.connect(db) as conn:
                written = conn.execute("SELECT count(*) FROM checks").fetchone()[0]
            if written != past_gate:
                raise SystemExit(f"round {r}: {written} audit rows for {past_gate} checks")
    n = len(posts)
    base, run = statistics.median(plain), statistics.median(measured)
    figures = {
        "posts": n,
        "rounds": args.rounds,
        "direct_posts_per_s": round(n / base, 1),
        "live_posts_per_s": round(n / run, 1),
        "overhead_pct": round(100 * (run - base) / base, 1),
        "direct_s": [round(x, 2) for x in plain],
        "live_s": [round(x, 2) for x in measured],
        "audit_rows": written,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(f"direct (baseline): {figures['direct_posts_per_s']} posts/s  {figures['direct_s']}")
    print(f"live (metrics + audit): {figures['live_posts_per_s']} posts/s  {figures['live_s']}")
    print(f"overhead: {figures['overhead_pct']} %   peak RSS {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
