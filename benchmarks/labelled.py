"""Accuracy on the labelled posts (tests/data/labelled.jsonl) for each model configuration.

    .venv/bin/python benchmarks/labelled.py                      # the configured default
    .venv/bin/python benchmarks/labelled.py --all                # every model combination
    .venv/bin/python benchmarks/labelled.py --mistakes           # list every wrong post

Prints precision/recall per verdict and per discrepancy field, gate figures, and the time the
models took, for each configuration, in the same run.
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
from bot.evaluate import evaluate, load_labelled  # noqa: E402
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
    args = parser.parse_args()
    items = load_labelled(Path(args.labels))
    base = Config()
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
        if args.mistakes:
            print("\n".join(report.mistakes))


if __name__ == "__main__":
    main()
