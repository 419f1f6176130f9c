"""`factbot tune`: run the labelled posts once, sweep the match/review thresholds, print the
precision/recall tables (all languages, then per language) and write the plot (`bot.tune`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from bot.config import Config
from bot.feed import BATCH
from bot.pipeline import build_checker


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tune_ = sub.add_parser("tune", help="sweep the match/review thresholds on labelled posts")
    tune_.add_argument(
        "--labels",
        required=True,
        action="append",
        help="JSONL posts with expected verdicts (repeat to join files)",
    )
    tune_.add_argument("--plot", help="the PNG to write (default: [tune] plot)")
    tune_.add_argument("--target-precision", type=float, help="default: [tune] target_precision")
    tune_.set_defaults(func=cmd_tune)


def cmd_tune(args: argparse.Namespace, config: Config) -> int:
    """Run the labelled posts once, sweep the thresholds, print the table (globally and per
    language), write the plot."""
    from bot import tune
    from bot.evaluate import load_labelled

    items = []
    for name in args.labels:
        labels = Path(name)
        try:
            items += load_labelled(labels)
        except (OSError, ValueError, KeyError) as exc:
            print(f"factbot tune: cannot read {labels}: {exc}", file=sys.stderr)
            return 2
    checker = build_checker(config)

    def progress(starts: Iterable[int]) -> Iterable[int]:
        bar: Iterable[int] = tqdm(
            starts, desc="checking", unit=" batches", file=sys.stderr, disable=None
        )
        return bar

    samples = tune.run_labelled(checker, items, BATCH, progress)
    reviews = tune.review_samples(config.store.path)
    points = tune.sweep(samples + reviews)
    target = args.target_precision or config.tune.target_precision
    suggestion = tune.suggest(points, target)
    plot = Path(args.plot) if args.plot else config.tune.plot
    tune.plot(points, config.match, suggestion, plot)
    print(
        f"{len(samples)} labelled posts from {', '.join(args.labels)}, {len(reviews)} operator "
        f"review decisions from {config.store.path}"
    )
    print("== all languages")
    print(tune.table(points, config.match))
    print(f"current: match = {config.match.match}, review = {config.match.review}")
    if suggestion.match is None:
        print(f"no threshold reaches precision {target} on these posts")
    else:
        print(
            f"suggested for precision >= {target}: match = {suggestion.match}, "
            f"review = {suggestion.review}   (set them under [match] in config.toml)"
        )
    low, high = config.tune.min_language_matches, config.tune.min_language_negatives
    per_language = tune.by_language(samples, config.match, target, low, high)
    print(tune.report(per_language, low, high))
    print(f"plot written to {plot}")
    return 0
