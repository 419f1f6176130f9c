"""Accuracy on the labelled posts (tests/data/labelled.jsonl) for each model configuration.

    .venv/bin/python benchmarks/labelled.py                      # the configured default
    .venv/bin/python benchmarks/labelled.py --all                # every model combination
    .venv/bin/python benchmarks/labelled.py --mistakes           # list every wrong post

Prints precision/recall per verdict and per discrepancy field, gate figures, and the time the
models took, for each configuration, in the same run; then, per language (the post's `lang`),
the verdict `match` and every field the language's posts expect or got.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import Config, ModelConfig  # noqa: E402
from bot.config_load import load_config  # noqa: E402
from bot.domain import CheckResult  # noqa: E402
from bot.evaluate import Labelled, evaluate, load_labelled  # noqa: E402
from bot.models.embed import build_embedders  # noqa: E402
from bot.pipeline import build_checker  # noqa: E402

CONFIGS = {
    "minilm": ModelConfig(embedders=("minilm",), weights=(1.0,), combine="mean"),
    "use": ModelConfig(embedders=("use",), weights=(1.0,), combine="mean"),
    "mean": ModelConfig(embedders=("minilm", "use"), weights=(0.5, 0.5), combine="mean"),
    "max": ModelConfig(embedders=("minilm", "use"), weights=(0.5, 0.5), combine="max"),
    "auto": ModelConfig(embedders=("minilm", "use"), weights=(0.5, 0.5), combine="auto"),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", default=str(ROOT / "tests/data/labelled.jsonl"))
    parser.add_argument("--all", action="store_true", help="every model configuration")
    parser.add_argument("--mistakes", action="store_true")
    parser.add_argument("--no-gate", action="store_true")
    parser.add_argument("--config", help="a config.toml to run with (its [match], [match.lang])")
    args = parser.parse_args()
    items = load_labelled(Path(args.labels))
    base = load_config(Path(args.config)) if args.config else Config()
    if args.no_gate:
        base = dataclasses.replace(base, gate=dataclasses.replace(base.gate, enabled=False))
    names = list(CONFIGS) if args.all else ["auto"]
    start = time.perf_counter()
    m = base.model
    embedders = build_embedders(["minilm", "use"], m.threads, m.batch_size, m.cache_dir)
    print(f"models loaded in {time.perf_counter() - start:.2f} s")
    for name in names:
        model = dataclasses.replace(CONFIGS[name], cache_dir=base.model.cache_dir)
        config = dataclasses.replace(base, model=model)
        checker = build_checker(config, {n: embedders[n] for n in model.embedders})
        start = time.perf_counter()
        results = checker.check_many([i.post for i in items])
        took = time.perf_counter() - start
        report = evaluate(items, results)
        print(f"\n== {name}: {len(items)} posts in {took:.2f} s ({len(items) / took:.1f} posts/s)")
        print(report.table())
        print(per_language(items, results))
        if args.mistakes:
            print("\n".join(report.mistakes))


def per_language(items: list[Labelled], results: list[CheckResult]) -> str:
    """Per language: posts, `match` P/R, and P/R (tp/fp/fn) of each field with any of them."""
    rows = ["per language: verdict match, then each field seen (P/R tp/fp/fn)"]
    for lang in sorted({i.post.lang or "?" for i in items}):
        mine = [k for k, i in enumerate(items) if (i.post.lang or "?") == lang]
        report = evaluate([items[k] for k in mine], [results[k] for k in mine])
        m = report.verdicts["match"]
        cells = [f"{lang:<3} {len(mine):>3} posts  match {m.precision:.3f}/{m.recall:.3f}"]
        for name, pr in report.fields.items():
            if pr.tp + pr.fp + pr.fn:
                cells.append(f"{name} {pr.precision:.3f}/{pr.recall:.3f} {pr.tp}/{pr.fp}/{pr.fn}")
        rows.append("; ".join(cells))
    return "\n".join(rows)


if __name__ == "__main__":
    main()
