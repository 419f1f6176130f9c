"""What the gate lets through and what it wrongly drops.

    .venv/bin/python benchmarks/gate.py

- Recall: the share of labelled match/review posts (tests/data/*.jsonl) that the gate admits —
  a post it drops never reaches the model, so a dropped paraphrase is a missed answer.
- Pass rate on unrelated traffic: the CheckThat! 2022 tweets (../shared/data), ordinary
  fact-check-worthy posts about other topics, which the gate should mostly turn away.
Also the time per post of normalise + gate, beside normalise alone (the baseline).
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Config  # noqa: E402
from bot.corpus import load_corpus  # noqa: E402
from bot.gate import Gate  # noqa: E402
from bot.normalise import normalise  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "checkthat-2022-task2a-en"


def main() -> None:
    corpus = load_corpus(Config().corpus.path)
    gate = Gate.from_corpus(corpus, min_phrases=Config().gate.min_phrases)
    for name in ("labelled.jsonl", "heldout.jsonl"):
        path = ROOT / "tests" / "data" / name
        if not path.exists():
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        positives = [r for r in rows if r["expect"]["verdict"] != "no_match"]
        negatives = [r for r in rows if r["expect"]["verdict"] == "no_match"]
        kept = sum(gate.admits(normalise(r["text"], r.get("lang"))).admitted for r in positives)
        passed = sum(gate.admits(normalise(r["text"], r.get("lang"))).admitted for r in negatives)
        print(
            f"{name}: recall {kept}/{len(positives)} = {kept / len(positives):.3f} "
            f"(wrongly dropped {len(positives) - kept}); "
            f"no_match posts let through {passed}/{len(negatives)}"
        )
    tweets: list[str] = []
    for split in ("train", "dev"):
        with open(SHARED / f"{split}_queries.tsv", encoding="utf-8") as f:
            tweets += [row[1] for row in csv.reader(f, delimiter="\t") if len(row) > 1]
    start = time.perf_counter()
    normalised = [normalise(t) for t in tweets]
    base = time.perf_counter() - start
    start = time.perf_counter()
    decisions = [gate.admits(n) for n in normalised]
    gated = time.perf_counter() - start
    passed = [d for d in decisions if d.admitted]
    reasons = Counter(d.reason.split(":")[0] for d in passed)
    print(
        f"CheckThat! tweets (unrelated traffic): passed {len(passed)}/{len(tweets)} = "
        f"{len(passed) / len(tweets):.3f} ({dict(reasons)})"
    )
    print(
        f"per post: normalise {base / len(tweets) * 1e6:.0f} us (baseline), "
        f"gate {gated / len(tweets) * 1e6:.0f} us more"
    )


if __name__ == "__main__":
    main()
