"""Retrieval on CLEF CheckThat! 2022 Task 2A (English): tweets against 14,231 verified claims.

    .venv/bin/python benchmarks/checkthat.py                       # train + dev table, dev run
    .venv/bin/python benchmarks/checkthat.py --queries Q.tsv --qrels R.tsv --out RUN.tsv

The claims (claim text + title) go through the bot's own `Index` (cached on disk, so a second
run embeds nothing) and are ranked with `benchmarks/retrieval/rank.py`: plain BM25, each
embedding model alone, the bot's mean of MiniLM and USE, hybrids of BM25 and the embeddings
(weights chosen on train), and with --rerank the hybrid re-ranked by a cross-encoder. Every step
is measured on each query set in the same run; the best hybrid is written as a TREC run (top 10
per query) for the last query set given.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


from benchmarks.retrieval.onnx_models import BgeEmbedder, CrossEncoder  # noqa: E402
from benchmarks.retrieval.rank import BM25, Ranked, first_stage, fuse, rerank, scaled  # noqa: E402
from bot.index import Doc, Index  # noqa: E402
from bot.models.embed import build_embedders  # noqa: E402
from bot.models.vectors import Embedder, Matrix  # noqa: E402
from bot.normalise import normalise  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "checkthat-2022-task2a-en"
CANDIDATES = 50  # first-stage depth kept per query
# Chosen on train only (dev is reported, never tuned on): see BENCHMARKS.md.
HYBRID = {"bm25": 0.2, "minilm": 0.5, "use": 0.3, "bge": 1.0}
HYBRID_BOT_MODELS = {"bm25": 0.2, "minilm": 0.5, "use": 0.2}  # the bot's two models + BM25
# --rerank: the best re-ranking on train (depth 3, 5, 10 x prior 0-20), yet below the hybrid
# alone on train (0.853 vs 0.857 MAP@5), so it is not the default; about 25 pairs/s here.
RERANK_DEPTH = 3
PRIOR = 12.0  # weight of the hybrid score beside the cross-encoder's logit

# "— Name (@handle) February 25, 2016" at the end of an embedded tweet
_SIGNATURE = re.compile(r"\s*[\u2014-]+\s*[^\u2014]*\(@\w+\)\s*\w+ \d{1,2}, \d{4}\s*$")


def query_text(tweet: str) -> str:
    """The tweet without its signature, URLs and handles (bot.normalise), hashtags as words."""
    post = normalise(_SIGNATURE.sub("", tweet))
    tags = " ".join(h.lstrip("#") for h in post.hashtags)
    return f"{post.prose} {tags}".strip() or tweet


def load_claims(path: Path) -> list[Doc]:
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            raw = json.loads(line)
            text = raw["vclaim"].strip()
            title = (raw.get("title") or "").strip()
            if title and title.lower() not in text.lower():
                text = f"{text} {title}"
            docs.append(Doc(raw["vclaim_id"], text))
    return docs


def load_queries(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        return [(row[0], row[1]) for row in csv.reader(f, delimiter="\t") if len(row) > 1]


def load_qrels(path: Path) -> dict[str, set[str]]:
    rel: dict[str, set[str]] = defaultdict(set)
    for line in path.read_text(encoding="utf-8").splitlines():
        p = line.split()
        if len(p) >= 4 and float(p[3]) > 0:
            rel[p[0]].add(p[2])
    return rel


def metrics(ranked: Mapping[str, Sequence[str]], rel: Mapping[str, set[str]]) -> dict[str, float]:
    """MAP@1, MAP@5, MRR, Success@10 as in score_task2.py (AP divided by all relevant)."""
    out = {"MAP@1": 0.0, "MAP@5": 0.0, "MRR": 0.0, "S@10": 0.0}
    for q, docs in ranked.items():
        gold = rel.get(q, set())
        for k in (1, 5):
            hits, ap = 0, 0.0
            for r, d in enumerate(docs[:k], start=1):
                if d in gold:
                    hits += 1
                    ap += hits / r
            out[f"MAP@{k}"] += ap / len(gold) if gold else 0.0
        first = next((r for r, d in enumerate(docs, start=1) if d in gold), None)
        out["MRR"] += 1 / first if first else 0.0
        out["S@10"] += any(d in gold for d in docs[:10])
    return {k: v / max(1, len(ranked)) for k, v in out.items()}


def write_run(path: Path, qids: Sequence[str], index: Index, ranked: Ranked, tag: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for q, docs, scores in zip(qids, ranked.docs, ranked.scores, strict=True):
            for r, (d, s) in enumerate(zip(docs[:10], scores[:10], strict=True), start=1):
                f.write(f"{q}\tQ0\t{index.docs[int(d)].id}\t{r}\t{s:.6f}\t{tag}\n")


def as_ids(qids: Sequence[str], index: Index, ranked: Ranked) -> dict[str, list[str]]:
    return {
        q: [index.docs[int(d)].id for d in row] for q, row in zip(qids, ranked.docs, strict=True)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", default=str(SHARED / "verified_claims.jsonl"))
    parser.add_argument(
        "--queries",
        nargs="+",
        default=[str(SHARED / "train_queries.tsv"), str(SHARED / "dev_queries.tsv")],
    )
    parser.add_argument(
        "--qrels",
        nargs="*",
        default=[str(SHARED / "train_qrels.tsv"), str(SHARED / "dev_qrels.tsv")],
        help="one per query file, in the same order; none: write the run only",
    )
    parser.add_argument("--out", default="checkthat-run.tsv", help="TREC run of the last step")
    parser.add_argument("--cache-dir", default=str(ROOT / ".factbot" / "cache"))
    parser.add_argument(
        "--rerank", action="store_true", help="also re-rank with the cross-encoder (slow)"
    )
    args = parser.parse_args()
    if args.qrels and len(args.qrels) != len(args.queries):
        parser.error("--qrels: give one qrels file per --queries file")
    wall = time.perf_counter()

    start = time.perf_counter()
    docs = load_claims(Path(args.claims))
    embedders: dict[str, Embedder] = dict(
        build_embedders(["minilm", "use"], cache_dir=Path(args.cache_dir))
    )
    embedders["bge"] = BgeEmbedder()
    cross = CrossEncoder() if args.rerank else None
    print(f"models loaded in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    index = Index.build(docs, embedders, Path(args.cache_dir), "checkthat-2022-2a-en")
    bm25 = BM25([d.text for d in docs])
    print(f"index of {len(docs)} claims built/loaded in {time.perf_counter() - start:.1f} s")

    rows: list[tuple[str, str, dict[str, float], float]] = []
    for n, qfile in enumerate(args.queries):
        split = Path(qfile).stem.removesuffix("_queries")
        queries = load_queries(Path(qfile))
        qids = [q for q, _ in queries]
        texts = [query_text(t) for _, t in queries]
        rel = load_qrels(Path(args.qrels[n])) if args.qrels else None
        timings: dict[str, float] = {}
        t = time.perf_counter()
        lexical = scaled(bm25.scores(texts))
        timings["bm25"] = time.perf_counter() - t
        vectors: dict[str, Matrix] = {}
        for name, embedder in embedders.items():
            t = time.perf_counter()
            vectors[name] = embedder.encode(texts)
            timings[name] = time.perf_counter() - t
        cos = index.cosines(vectors)
        parts = {"bm25": lexical, **cos}
        steps: dict[str, Ranked] = {
            "BM25 (baseline)": first_stage(lexical, CANDIDATES),
            "MiniLM alone": first_stage(cos["minilm"], CANDIDATES),
            "USE alone": first_stage(cos["use"], CANDIDATES),
            "bge-small alone": first_stage(cos["bge"], CANDIDATES),
            "MiniLM+USE mean (bot)": first_stage(
                fuse(cos, {"minilm": 0.5, "use": 0.5}), CANDIDATES
            ),
            "hybrid BM25+MiniLM+USE": first_stage(fuse(parts, HYBRID_BOT_MODELS), CANDIDATES),
            "hybrid BM25+MiniLM+USE+bge": first_stage(fuse(parts, HYBRID), CANDIDATES),
        }
        step_time = {
            "BM25 (baseline)": timings["bm25"],
            "MiniLM alone": timings["minilm"],
            "USE alone": timings["use"],
            "bge-small alone": timings["bge"],
            "MiniLM+USE mean (bot)": timings["minilm"] + timings["use"],
            "hybrid BM25+MiniLM+USE": timings["bm25"] + timings["minilm"] + timings["use"],
            "hybrid BM25+MiniLM+USE+bge": sum(timings.values()),
        }
        final = steps["hybrid BM25+MiniLM+USE+bge"]
        if cross is not None:
            t = time.perf_counter()
            reranked, _ = rerank(index, texts, final, cross, RERANK_DEPTH, PRIOR)
            name = f"+ cross-encoder re-rank top {RERANK_DEPTH} (not the default)"
            steps[name] = reranked
            step_time[name] = step_time["hybrid BM25+MiniLM+USE+bge"] + time.perf_counter() - t
        if n == len(args.queries) - 1:
            write_run(Path(args.out), qids, index, final, "factbot")
            print(f"run for {split} ({len(qids)} queries) written to {args.out}")
        if rel is None:
            continue
        for name, ranked in steps.items():
            rows.append((split, name, metrics(as_ids(qids, index, ranked), rel), step_time[name]))

    if rows:
        print("\n| split | step | MAP@1 | MAP@5 | MRR | Success@10 | query time (s) |")
        print("|---|---|---|---|---|---|---|")
        for split, name, m, took in rows:
            print(
                f"| {split} | {name} | {m['MAP@1']:.3f} | {m['MAP@5']:.3f} | {m['MRR']:.3f} "
                f"| {m['S@10']:.3f} | {took:.1f} |"
            )
    print(f"\nwhole run: {time.perf_counter() - wall:.1f} s")


if __name__ == "__main__":
    main()
