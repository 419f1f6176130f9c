"""The corpus index at scale: 1k, 10k, 100k and 1M sentences, exact search beside the
approximate index (bot/ann.py), and two approximate-index libraries side by side.

    nice -n 10 .venv/bin/python benchmarks/scale.py
    nice -n 10 .venv/bin/python benchmarks/scale.py --sizes 1000,10000 --compare-at 0

Each corpus is the bot's own corpus (the LeCun sentences, real vectors), then CheckThat! 2022
verified claims and their titles (`../shared/data/`, embedded with both models: real vectors,
cached under .factbot/scale), then generated variants up to the size: each joins the texts of
two claims and its vector, per model, is the normalised mixture of three claims' real vectors
with random weights (embedding a million sentences would take hours here: the cost per
thousand is measured and extrapolated instead). The variants' vectors are written to the very
cache files `Index.build` reads, so the bot's own loading path serves every size.

Per size: the approximate index's build time (from the cached vectors), then in a fresh child
process, from a cold page cache (every cache file dropped from it first; `--warm` keeps them),
the read-ahead the live process starts (`bot/prefetch.py`) running while it serves: load time
from the cache (vectors memory-mapped, approximate index mapped), RSS after
serving (peak, and the part that is mapped files), per-post latency past the gate, recall@10
against exact search, and the same posts through exact search. The posts are the labelled and
held-out posts (tests/data/), those the gate admits, one at a time; "past the gate" is what a
post costs once admitted and language-tagged: embedding its sentences with both models, the
search, the lexical evidence of the candidates and the verdict, then, for a post whose best
sentence has neighbours in its quote, the same for its clauses (the passage, as the pipeline
does; `--sentences-only` leaves them out, as this benchmark did before session 5). The
comparison with the verified event and the reply do not depend on the corpus size
(BENCHMARKS.md "Throughput"), and the filler sentences are in no event.
Per post, the models' embedding (`embed`: their `encode` calls) is reported apart from the
index's own time (`index`: `Index.candidates` and `Index.cosines`, the search and the exact
scores of the candidates), with the load average at the start and the end. Beside it, in the
same run and post by post, the baseline: the search as it was at 43eeb97 (`_before`), timed
from the same vectors as the current `Matcher._align_approximate` run again right after it (both
reading the candidates' rows warm), and its recall@10. The largest size (`--session4-at`) is
also served as session 4 did, in its own cold child (nothing read ahead, one search thread,
OpenBLAS's threads spinning after a product, `OPENBLAS_THREAD_TIMEOUT=28`): the two rows are
printed side by side, with the read-ahead's time and the posts served after it.
Recall@10 (standard, as ann-benchmarks counts it): for each sentence of those posts, the share
of the top 10 of the approximate index's candidates, scored exactly, whose exact combined score
reaches the exact 10th best over every document (ties are not misses); `recall_at_10_ids` is
the older figure, the share of the exact top-10 ids found.

    nice -n 10 .venv/bin/python benchmarks/scale.py --sizes 1000000 --compare-at 0 --reuse-index

runs one size from the cached vectors and keeps an index already built (minutes, not 20).

Then, at --compare-at sentences, the candidates measured on the same MiniLM vectors, each in a
child process: FAISS IVF-SQ8 (what bot/ann.py uses; sqrt(n) lists, --probes searched) and
USearch HNSW (i8), build time, load time, RSS, p99 a query and recall@10 against exact search,
for 300 queries near corpus sentences. The last line is one JSON object for
the largest size."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# As bot/__init__.py sets it for the console script; here numpy loads first.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

import numpy as np  # noqa: E402

from bot.index import Doc  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "checkthat-2022-task2a-en"
CACHE = ROOT / ".factbot" / "scale"
MODELS = ("minilm", "use")


def real_docs(claims: int) -> list[Doc]:
    """The bot's corpus, then up to `claims` CheckThat! claim texts and titles (no repeats)."""
    from bot.config import Config
    from bot.corpus import load_corpus
    from bot.pipeline import corpus_docs

    docs = corpus_docs(load_corpus(Config().corpus.path))
    seen = {d.text for d in docs}
    with open(SHARED / "verified_claims.jsonl", encoding="utf-8") as f:
        for line in f:
            raw = json.loads(line)
            for key in ("vclaim", "title"):
                text = (raw.get(key) or "").strip()
                if text and text not in seen and len(docs) < claims + 200:
                    seen.add(text)
                    docs.append(Doc(f"ct-{len(docs)}", text))
    return docs


class Corpus(Sequence[Doc]):
    """The first `size` documents: the real ones, then variants, each made when asked for (a
    million `Doc` objects would weigh on the very memory measured)."""

    def __init__(self, real: list[Doc], size: int, picks: np.ndarray) -> None:
        self.real = real[:size]
        self.picks = picks
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.size))]
        if i < len(self.real):
            return self.real[i]
        v = i - len(self.real)
        a, b, _ = self.picks[v]
        return Doc(f"variant-{v}", f"{self.real[a].text} {self.real[b].text}")

    def __iter__(self) -> Iterator[Doc]:
        yield from self.real
        for v, (a, b, _) in enumerate(self.picks.tolist()):
            yield Doc(f"variant-{v}", f"{self.real[a].text} {self.real[b].text}")


def corpus(size: int, real: list[Doc], lecun: int) -> tuple[Corpus, np.ndarray, np.ndarray]:
    """The first `size` documents: the real ones, then variants. Also, per variant, the three
    claims it mixes and their weights (rows of `real`; the bot's corpus is never mixed)."""
    n = size - min(size, len(real))
    rng = np.random.default_rng(size)
    picks = rng.integers(lecun, len(real), size=(n, 3))
    weights = rng.dirichlet([1.0, 1.0, 1.0], size=n).astype(np.float32)
    return Corpus(real, size, picks), picks, weights


def write_variants(
    size: int, real: list[Doc], lecun: int, vectors: dict[str, np.ndarray], names: dict[str, str]
) -> list[Path]:
    """The cache files `Index.build` reads for this size (written once; kept between runs)."""
    from bot.index import cache_files

    docs, picks, weights = corpus(size, real, lecun)
    files = cache_files(docs, _named(names), CACHE, f"scale-{size}")
    for short, file in files.items():
        if file.exists():
            continue
        base = vectors[short]
        out = np.lib.format.open_memmap(
            file.with_suffix(".tmp.npy"), "w+", np.float32, (len(docs), base.shape[1])
        )
        done = min(size, len(real))
        out[:done] = base[:done]
        for lo in range(0, len(picks), 100_000):
            p, w = picks[lo : lo + 100_000], weights[lo : lo + 100_000]
            chunk = np.einsum("nk,nkd->nd", w, base[p])
            chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
            out[done + lo : done + lo + len(chunk)] = chunk
        out.flush()
        del out
        file.with_suffix(".tmp.npy").replace(file)
    return list(files.values())


class _Timed:
    """A model whose `encode` adds its wall time to `_Timed.spent`."""

    spent = 0.0

    def __init__(self, model: Any) -> None:
        self.model = model
        self.name = model.name

    def encode(self, texts: Any) -> Any:
        t = time.perf_counter()
        out = self.model.encode(texts)
        _Timed.spent += time.perf_counter() - t
        return out


class _Named:
    """An embedder's name without its model: every vector is already in the cache."""

    def __init__(self, name: str) -> None:
        self.name = name

    def encode(self, texts: Any) -> Any:
        raise RuntimeError("scale: a vector is missing from the cache")


def _named(names: dict[str, str]) -> dict[str, Any]:
    return {short: _Named(name) for short, name in names.items()}


def _timer(method: Any, spent: list[float]) -> Any:
    """`method`, adding its wall time to `spent[0]`."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    return timed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def memory() -> dict[str, float]:
    """VmHWM (peak), VmRSS and its mapped-file part, in MB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS", "RssFile", "RssAnon"):
            out[key] = int(value.split()[0]) / 1024
    return out


def evict(folder: Path) -> int:
    """Drop every file under `folder` from the page cache (a cold start, as after a reboot;
    `posix_fadvise(DONTNEED)` needs no privilege for clean pages). Returns the bytes named."""
    total = 0
    for file in folder.rglob("*"):
        if file.is_file():
            fd = os.open(file, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                total += os.fstat(fd).st_size
            finally:
                os.close(fd)
    return total


class _NoPrefetch:
    """Session 4's loading for the baseline: nothing read ahead."""

    def __init__(self) -> None:
        self.seconds, self.bytes = 0.0, 0

    def wait(self, timeout: float | None = None) -> bool:
        return True


def _before(index: Any, matcher: Any, candidates: int) -> Any:
    """The search as main had it at 43eeb97, for a baseline in the same run: one thread, half
    the lists (at least 64), every query row searched (no repeats dropped) through
    IndexIVFFastScan.search, and each segment's candidates read and scored apart. Returns
    align(post, vectors, rows_of)."""
    import faiss

    from bot.match import SegmentMatch

    ivf = faiss.extract_index_ivf(index.ann._index)

    def search(query: dict[str, Any], weights: dict[str, float]) -> Any:
        rows = len(next(iter(query.values())))
        parts = []
        for name, matrix in index.vectors.items():
            w, q = weights.get(name, 0.0), query.get(name)
            parts.append(
                q * np.float32(w) if q is not None and w else np.zeros((rows, matrix.shape[1]))
            )
        probes = ivf.nprobe
        ivf.nprobe = min(ivf.nlist, max(64, ivf.nlist // 2))
        faiss.omp_set_num_threads(1)
        try:
            _, keys = index.ann._index.search(np.hstack(parts).astype(np.float32), candidates)
        finally:
            ivf.nprobe = probes
        return keys.astype(np.intp)

    def align(post: Any, vectors: dict[str, Any], rows_of: list[list[int]]) -> list[Any]:
        rows = [r for variant_rows in rows_of for r in variant_rows]
        query = {m: v[rows] for m, v in vectors.items()}
        found = [search(query, w) for w in matcher._weights(post.lang)]
        at = {r: i for i, r in enumerate(rows)}
        matches: list[SegmentMatch] = []
        for segment, variant_rows in zip(post.segments, rows_of, strict=True):
            local = [at[r] for r in variant_rows]
            picked = [f[i] for f in found for i in local] + [matcher.circulating_rows]
            flat = np.concatenate(picked)
            columns = np.unique(flat[flat >= 0])
            cos = index.cosines({m: v[local] for m, v in query.items()}, columns)
            emb = matcher._best_variant(cos, post.lang)
            matches.append(matcher._best(segment, columns, emb))
        return matches

    align.search = search  # type: ignore[attr-defined]
    return align


def serve(args: argparse.Namespace) -> None:
    """The child: load one size from the cache, serve the posts, measure."""
    from bot.config import Config
    from bot.corpus import load_corpus
    from bot.evaluate import load_labelled
    from bot.gate import Gate
    from bot.index import Index
    from bot.match import CANDIDATES, Matcher, decide
    from bot.models.embed import build_embedders
    from bot.normalise import normalise, with_language
    from bot.pipeline import Checker, prose_words
    from bot.prefetch import Prefetch

    config = Config()
    real = real_docs(args.real)
    lecun = int(args.lecun)
    # The documents as the bot holds a corpus it has loaded: Python objects, made before the
    # clock starts (dropped once the index holds them in columns).
    docs: list[Doc] | None = list(corpus(args.size, real, lecun)[0])
    bot_corpus = load_corpus(config.corpus.path)
    circulating = frozenset(c.id for c in bot_corpus.circulating)
    gate = Gate.from_corpus(bot_corpus, min_phrases=config.gate.min_phrases)
    start = time.perf_counter()
    embedders = {
        k: _Timed(e)
        for k, e in build_embedders(MODELS, cache_dir=ROOT / ".factbot" / "cache").items()
    }
    models_s = time.perf_counter() - start
    base = memory()["VmRSS"]

    evicted = evict(CACHE) if args.cold else 0
    start = time.perf_counter()
    assert docs is not None
    threads = 1 if args.session4 else config.model.threads  # session 4 searched with one
    index = Index.build(docs, embedders, CACHE, f"scale-{args.size}", ann_above=0, threads=threads)
    matcher = Matcher(index, embedders, circulating, config.match, config.model)
    load_s = time.perf_counter() - start
    # As the live process does (`bot/runtime/checks.py`); session 4 read nothing ahead.
    prefetch = _NoPrefetch() if args.session4 else Prefetch(index.files)
    loaded = time.perf_counter()
    size = len(index.docs)
    docs = None
    assert index.ann is not None, "the approximate index was not used"

    items = load_labelled(ROOT / "tests/data/labelled.jsonl")
    items += load_labelled(ROOT / "tests/data/heldout.jsonl")
    posts = []
    for item in items:
        n = normalise(item.post.text, item.post.lang, detect=False)
        if gate.admits(n).admitted:
            posts.append((item.post, n))

    checkers: dict[int, Checker] = {}  # one per matcher, made once (its tables are cached)

    def check(m: Matcher, post: Any, n: Any) -> tuple[str, float]:
        tagged = with_language(n, post.lang)
        matches = m.align_many([tagged])[0]
        d = decide(matches, prose_words(tagged), True, config.match)
        if args.clauses:
            # As the pipeline goes on for a post whose best sentence has neighbours in its
            # quote: its clauses aligned too, through the same index (the passage).
            if id(m) not in checkers:
                checkers[id(m)] = Checker(bot_corpus, m, gate, config, "scale")
            checker = checkers[id(m)]
            if checker._in_a_quote(d):
                checker._clause_matches_many({0: (tagged, matches)})
        return d.verdict, round(d.score, 6)

    for post, n in posts[:3]:  # warm-up: first-use costs (language model, emoji table)
        check(matcher, post, n)
    index_s = [0.0]
    # The index's own time: the search, the candidates' rows read, and the exact scores.
    for method in ("candidates", "cosines", "rows"):
        setattr(index, method, _timer(getattr(index, method), index_s))
    latencies, searches, cpu, verdicts, embeds, own = [], [], [], [], [], []
    # The baseline in the same run, post by post right after the post itself: the search as it
    # was at 43eeb97 (`_before`), timed from the same embedded vectors as the current code's
    # `_align_approximate` (both: the search, the exact scores, the best alignments).
    aligned, before, warm, same_before = [0.0], [], [], 0
    current = matcher._align_approximate
    before_align = _before(index, matcher, CANDIDATES)
    last: dict[str, Any] = {}

    def timed_align(posts_: Any, vectors: Any, rows_of: Any) -> Any:
        t = time.perf_counter()
        out = current(posts_, vectors, rows_of)
        aligned[0] += time.perf_counter() - t
        last.update(post=posts_[0], vectors=vectors, rows_of=rows_of, out=out)
        return out

    matcher._align_approximate = timed_align  # type: ignore[method-assign]
    aligns, starts = [], []
    loads = [os.getloadavg()[0]]
    for post, _ in posts:
        t, c, spent, ix = time.perf_counter(), time.process_time(), _Timed.spent, index_s[0]
        starts.append(t - loaded)
        al = aligned[0]
        n = normalise(post.text, post.lang, detect=False)
        if gate.admits(n).admitted:
            verdicts.append(check(matcher, post, n))
        latencies.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        embeds.append((_Timed.spent - spent) * 1000)
        searches.append(latencies[-1] - embeds[-1])
        own.append((index_s[0] - ix) * 1000)
        aligns.append((aligned[0] - al) * 1000)
        if last:
            # The post's candidates' rows are now in the page cache: the baseline, then the
            # current code again, both read them warm (`align_warm` against `before_align`).
            t = time.perf_counter()
            old = before_align(last["post"], last["vectors"], last["rows_of"])
            before.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            current([last["post"]], last["vectors"], last["rows_of"])
            warm.append((time.perf_counter() - t) * 1000)
            same_before += [(m.verified.sentence_id, round(m.verified.score, 5)) for m in old] == [
                (m.verified.sentence_id, round(m.verified.score, 5)) for m in last["out"][0]
            ]
            last.clear()
    loads.append(os.getloadavg()[0])
    matcher._align_approximate = current  # type: ignore[method-assign]
    prefetch.wait()
    prefetch_s = prefetch.seconds
    # The posts that began once the files were read (a bot that has been up a few seconds).
    after = [lat for lat, began in zip(latencies, starts, strict=True) if began >= prefetch_s]
    after_index = [o for o, began in zip(own, starts, strict=True) if began >= prefetch_s]
    mem = memory()
    del index.candidates, index.cosines, index.rows

    # Recall@10 of the candidates, scored exactly, against the exact top 10. Exact search reads
    # the cached vectors through a mapping of its own (after the memory was measured).
    mapped = {m: np.load(f.file, mmap_mode="r") for m, f in index.vectors.items()}
    exact_index = Index(index.docs, mapped)
    hits, total, close_hits, close_total, firsts, segments, standard = 0, 0, 0, 0, 0, 0, 0
    standard_before = 0
    for post, n in posts[: args.recall_posts]:
        tagged = with_language(n, post.lang)
        texts = [s.text for s in tagged.segments]
        if not texts:
            continue
        q = {name: e.encode(texts) for name, e in embedders.items()}
        full = np.zeros((len(texts), size), dtype=np.float32)
        for lo in range(0, size, 200_000):
            part = {m: q[m] @ mapped[m][lo : lo + 200_000].T for m in q}
            full[:, lo : lo + 200_000] = np.stack(
                [
                    matcher._combined({m: c[r] for m, c in part.items()}, tagged.lang)
                    for r in range(len(texts))
                ]
            )
        found = [index.candidates(q, w, CANDIDATES) for w in matcher._weights(tagged.lang)]
        found_before = [before_align.search(q, w) for w in matcher._weights(tagged.lang)]
        for r in range(len(texts)):
            exact_top = set(np.argpartition(-full[r], 10)[:10].tolist())
            cols = np.concatenate([f[r] for f in found] + [matcher.circulating_rows])
            cols = np.unique(cols[cols >= 0])
            part = index.cosines({m: q[m][r : r + 1] for m in q}, cols)
            emb = matcher._combined({m: c[0] for m, c in part.items()}, tagged.lang)
            order = np.argsort(-emb)
            approx_top = {int(cols[i]) for i in order[:10]}
            hits += len(exact_top & approx_top)
            total += 10
            # The standard definition (ann-benchmarks): a returned neighbour counts when its
            # exact score reaches the exact 10th best (ties are not misses).
            tenth = float(np.partition(-full[r], 9)[9]) * -1
            standard += int(np.sum(emb[order[:10]] >= tenth - 1e-6))
            was = np.concatenate([f[r] for f in found_before] + [matcher.circulating_rows])
            was = np.unique(was[was >= 0])
            was_part = index.cosines({m: q[m][r : r + 1] for m in q}, was)
            was_emb = matcher._combined({m: c[0] for m, c in was_part.items()}, tagged.lang)
            standard_before += int(np.sum(np.sort(was_emb)[::-1][:10] >= tenth - 1e-6))
            close = {i for i in exact_top if full[r][i] >= 0.5}  # those that can count
            close_hits += len(close & approx_top)
            close_total += len(close)
            firsts += abs(float(emb[order[0]]) - float(full[r].max())) < 1e-5
            segments += 1

    # The same posts through exact search (the first --exact-posts at this size).
    exact_matcher = Matcher(exact_index, embedders, circulating, config.match, config.model)
    exact_lat, exact_verdicts = [], []
    for post, _ in posts[: args.exact_posts]:
        t = time.perf_counter()
        n = normalise(post.text, post.lang, detect=False)
        if gate.admits(n).admitted:
            exact_verdicts.append(check(exact_matcher, post, n))
        exact_lat.append((time.perf_counter() - t) * 1000)
    same = sum(
        a[0] == b[0] and abs(a[1] - b[1]) < 1e-4
        for a, b in zip(verdicts, exact_verdicts, strict=False)
    )
    print(
        json.dumps(
            {
                "sentences": size,
                "posts": len(latencies),
                "p50_ms": round(percentile(latencies, 50), 1),
                "p99_ms": round(percentile(latencies, 99), 1),
                "search_p50_ms": round(percentile(searches, 50), 1),
                "search_p99_ms": round(percentile(searches, 99), 1),
                "embed_p50_ms": round(percentile(embeds, 50), 1),
                "embed_p99_ms": round(percentile(embeds, 99), 1),
                "index_p50_ms": round(percentile(own, 50), 1),
                "index_p99_ms": round(percentile(own, 99), 1),
                "align_p50_ms": round(percentile(aligns, 50), 1),
                "align_p99_ms": round(percentile(aligns, 99), 1),
                "align_warm_p50_ms": round(percentile(warm, 50), 1),
                "align_warm_p99_ms": round(percentile(warm, 99), 1),
                "before_align_p50_ms": round(percentile(before, 50), 1),
                "before_align_p99_ms": round(percentile(before, 99), 1),
                "same_as_before": f"{same_before}/{len(before)}",
                "cold_mb": round(evicted / 2**20),
                "session4": bool(args.session4),
                "prefetch_s": round(prefetch_s, 2),
                "prefetch_mb": round(prefetch.bytes / 2**20),
                "posts_after_prefetch": len(after),
                "after_prefetch_p50_ms": round(percentile(after, 50), 1) if after else None,
                "after_prefetch_p99_ms": round(percentile(after, 99), 1) if after else None,
                "after_prefetch_index_p99_ms": (
                    round(percentile(after_index, 99), 1) if after_index else None
                ),
                "load_average": [round(x, 1) for x in loads],
                "cpu_p50_ms": round(percentile(cpu, 50), 1),
                "cpu_p99_ms": round(percentile(cpu, 99), 1),
                "load_s": round(load_s, 2),
                "models_s": round(models_s, 2),
                "rss_mb": round(mem["VmHWM"]),
                "rss_now_mb": round(mem["VmRSS"]),
                "rss_file_mb": round(mem["RssFile"]),
                "rss_models_mb": round(base),
                "recall_at_10": round(standard / max(1, total), 4),
                "recall_at_10_ids": round(hits / max(1, total), 4),
                "before_recall_at_10": round(standard_before / max(1, total), 4),
                "recall_at_10_above_0_5": round(close_hits / max(1, close_total), 4),
                "neighbours_above_0_5": close_total,
                "best_found": f"{firsts}/{segments}",
                "exact_posts": len(exact_lat),
                "exact_p50_ms": round(percentile(exact_lat, 50), 1),
                "exact_p99_ms": round(percentile(exact_lat, 99), 1),
                "same_verdicts": f"{same}/{len(exact_verdicts)}",
            }
        )
    )


def candidate(args: argparse.Namespace) -> None:
    """The child: one library on one size's MiniLM vectors: build, reload, query."""
    from bot.index import cache_files

    real = real_docs(args.real)
    docs, _, _ = corpus(args.size, real, int(args.lecun))
    names = json.loads(args.names)
    file = cache_files(docs, _named(names), CACHE, f"scale-{args.size}")["minilm"]
    vectors = np.load(file, mmap_mode="r")
    rng = np.random.default_rng(1)
    rows = rng.choice(len(vectors), 300, replace=False)
    queries = np.array(vectors[rows]) + rng.normal(0, 0.02, (300, vectors.shape[1]))
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    exact = np.concatenate(
        [
            queries @ np.asarray(vectors[lo : lo + 200_000]).T
            for lo in range(0, len(vectors), 200_000)
        ],
        axis=1,
    )
    truth = [set(np.argpartition(-row, 10)[:10].tolist()) for row in exact]
    del exact
    path = CACHE / f"candidate-{args.candidate}-{args.size}.bin"
    start = time.perf_counter()
    if args.candidate == "faiss":
        import faiss

        faiss.omp_set_num_threads(2)
        lists = max(1, min(1024, round(len(vectors) ** 0.5)))
        built = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(vectors.shape[1]),
            vectors.shape[1],
            lists,
            faiss.ScalarQuantizer.QT_8bit,
            faiss.METRIC_INNER_PRODUCT,
        )
        sample = np.linspace(0, len(vectors) - 1, min(len(vectors), lists * 48)).astype(np.intp)
        built.train(np.ascontiguousarray(vectors[np.unique(sample)]))
        for lo in range(0, len(vectors), 65536):
            built.add(np.ascontiguousarray(vectors[lo : lo + 65536]))
        build_s = time.perf_counter() - start
        faiss.write_index(built, str(path))
        del built
        base = memory()["VmRSS"]
        start = time.perf_counter()
        loaded = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        faiss.extract_index_ivf(loaded).nprobe = args.probes
        load_s = time.perf_counter() - start

        def search(q: np.ndarray) -> np.ndarray:
            return np.asarray(loaded.search(q, 64)[1])
    else:
        from usearch.index import Index as USearch

        built = USearch(
            ndim=vectors.shape[1],
            metric="cos",
            dtype="i8",
            connectivity=16,
            expansion_add=64,
            expansion_search=128,
        )
        for lo in range(0, len(vectors), 65536):
            chunk = np.ascontiguousarray(vectors[lo : lo + 65536])
            built.add(np.arange(lo, lo + len(chunk), dtype=np.uint64), chunk, threads=2)
        build_s = time.perf_counter() - start
        built.save(str(path))
        del built
        base = memory()["VmRSS"]
        start = time.perf_counter()
        view = USearch.restore(str(path), view=True)
        load_s = time.perf_counter() - start

        def search(q: np.ndarray) -> np.ndarray:
            return np.atleast_2d(view.search(q, 64, threads=1).keys)

    latencies, hits = [], 0
    for q, want in zip(queries, truth, strict=True):
        t = time.perf_counter()
        keys = search(q[None, :])
        latencies.append((time.perf_counter() - t) * 1000)
        hits += len(want & set(keys[0][:10].tolist()))
    rss = memory()["VmRSS"] - base
    print(
        json.dumps(
            {
                "candidate": args.candidate,
                "sentences": len(vectors),
                "build_s": round(build_s, 1),
                "load_s": round(load_s, 3),
                "p50_ms": round(percentile(latencies, 50), 2),
                "p99_ms": round(percentile(latencies, 99), 2),
                "recall_at_10": round(hits / (10 * len(queries)), 4),
                "rss_added_mb": round(rss),
                "disk_mb": round(path.stat().st_size / 2**20),
            }
        )
    )
    path.unlink()


def child(mode: str, args: argparse.Namespace, **extra: Any) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", mode, "--real", str(args.real)]
    argv += ["--exact-posts", str(args.exact_posts), "--recall-posts", str(args.recall_posts)]
    argv += [] if args.cold else ["--warm"]
    argv += [] if args.clauses else ["--sentences-only"]
    for key, value in extra.items():
        flag = f"--{key.replace('_', '-')}"
        argv += [flag] if value is True else [flag, str(value)]
    env = dict(os.environ)
    if extra.get("session4"):
        env["OPENBLAS_THREAD_TIMEOUT"] = "28"  # OpenBLAS's own default, as in session 4
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"scale: child {mode} {extra} failed")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--real", type=int, default=6000, help="CheckThat! texts embedded")
    parser.add_argument("--exact-posts", type=int, default=20, help="posts through exact search")
    parser.add_argument("--recall-posts", type=int, default=60, help="posts whose sentences ask")
    parser.add_argument("--compare-at", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=32)
    parser.add_argument(
        "--reuse-index", action="store_true", help="keep an approximate index already built"
    )
    parser.add_argument(
        "--warm",
        dest="cold",
        action="store_false",
        help="keep the page cache (default: each size starts cold, its files evicted)",
    )
    parser.add_argument(
        "--session4-at",
        type=int,
        default=-1,
        help="also serve this size as session 4 did (nothing read ahead, one search thread, "
        "OpenBLAS spinning; "
        "default: the largest size, 0: never)",
    )
    parser.add_argument("--session4", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--sentences-only",
        dest="clauses",
        action="store_false",
        help="time a post's sentences only, as before session 5 (default: the clauses of a "
        "post in a quote aligned too, as the pipeline does)",
    )
    parser.add_argument("--child", default="")
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--lecun", type=int, default=0)
    parser.add_argument("--candidate", default="")
    parser.add_argument("--names", default="{}")
    args = parser.parse_args()
    if args.child == "serve":
        return serve(args)
    if args.child == "candidate":
        return candidate(args)

    started = time.perf_counter()
    from bot.ann import ann_file
    from bot.index import Index
    from bot.models.embed import build_embedders
    from bot.pipeline import corpus_docs

    embedders = build_embedders(MODELS, cache_dir=ROOT / ".factbot" / "cache")
    names = {short: e.name for short, e in embedders.items()}
    real = real_docs(args.real)
    from bot.config import Config
    from bot.corpus import load_corpus

    lecun = len(corpus_docs(load_corpus(Config().corpus.path)))
    print(f"real sentences: {len(real)} ({lecun} of the bot's corpus, the rest CheckThat! claims)")

    sample = [d.text for d in real[lecun : lecun + 300]]
    cost, cpu_cost = {}, {}
    for short, e in embedders.items():
        t, c = time.perf_counter(), time.process_time()
        e.encode(sample)
        cost[short] = time.perf_counter() - t
        cpu_cost[short] = time.process_time() - c
    per_k = sum(cost.values()) * 1000 / len(sample)
    cpu_k = sum(cpu_cost.values()) * 1000 / len(sample)
    print(
        f"embedding cost: {per_k:.1f} s per 1,000 sentences with both models "
        f"({', '.join(f'{k} {v * 1000 / len(sample):.1f} s' for k, v in cost.items())}; "
        f"{cpu_k:.1f} CPU s, load average {os.getloadavg()[0]:.1f}); extrapolated: 1M "
        f"sentences {per_k * 1000 / 3600:.1f} h wall, "
        f"{cpu_k * 1000 / 3600 / 2:.1f} h on 2 idle cores"
    )
    t = time.perf_counter()
    index = Index.build(real, embedders, CACHE, f"scale-real-{len(real)}")
    vectors = {k: np.asarray(v) for k, v in index.vectors.items()}
    print(
        f"real vectors: {len(real)} in {time.perf_counter() - t:.1f} s (cached after a first run)"
    )
    del embedders, index

    rows, session4 = [], []
    sizes = [int(s) for s in args.sizes.split(",")]
    session4_at = max(sizes) if args.session4_at < 0 else args.session4_at
    for size in sizes:
        t = time.perf_counter()
        files = write_variants(size, real, lecun, vectors, names)
        written_s = time.perf_counter() - t
        ann = ann_file(files)
        if not args.reuse_index:
            ann.unlink(missing_ok=True)  # the build is measured every run
        docs, _, _ = corpus(size, real, lecun)
        t = time.perf_counter()
        Index.build(docs, _named(names), CACHE, f"scale-{size}", ann_above=0)
        build_s = time.perf_counter() - t
        del docs
        ann_mb = ann.stat().st_size / 2**20
        disk = sum(f.stat().st_size for f in files) / 2**20 + ann_mb
        row = child("serve", args, size=size, lecun=lecun)
        row.update(build_s=round(build_s, 1), disk_mb=round(disk), ann_mb=round(ann_mb))
        row["variants_s"] = round(written_s, 1)
        rows.append(row)
        print(f"size {size}: {json.dumps(row)}", flush=True)
        if size == session4_at:
            # The baseline for this session's loading and search, in the same run, as cold.
            old = child("serve", args, size=size, lecun=lecun, session4=True)
            old.update(build_s=row["build_s"], disk_mb=row["disk_mb"], ann_mb=row["ann_mb"])
            session4.append(old)
            print(f"size {size} as session 4: {json.dumps(old)}", flush=True)

    compared = []
    if args.compare_at:
        write_variants(args.compare_at, real, lecun, vectors, names)
        for name in ("usearch", "faiss"):
            compared.append(
                child(
                    "candidate",
                    args,
                    size=args.compare_at,
                    lecun=lecun,
                    candidate=name,
                    names=json.dumps(names),
                    probes=args.probes,
                )
            )
            print(json.dumps(compared[-1]), flush=True)

    print()
    print(
        "| sentences | index build s | load s | RSS MB peak (mapped files) | disk MB vectors + "
        "index (index) | p50/p99 ms a post | embed p50/p99 ms | index p50/p99 ms | CPU p50/p99 "
        "ms | recall@10 | old def. | ≥ 0.5 | best | exact p50/p99 ms | same verdicts | load avg "
        "| align warm p50/p99 ms: now / 43eeb97 | recall@10 43eeb97 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['sentences']:,} | {r['build_s']} | {r['load_s']} | {r['rss_mb']} "
            f"({r['rss_file_mb']}) | {r['disk_mb']:,} ({r['ann_mb']:,}) | "
            f"{r['p50_ms']}/{r['p99_ms']} | {r['embed_p50_ms']}/{r['embed_p99_ms']} | "
            f"{r['index_p50_ms']}/{r['index_p99_ms']} | {r['cpu_p50_ms']}/{r['cpu_p99_ms']} | "
            f"{r['recall_at_10']} | {r['recall_at_10_ids']} | {r['recall_at_10_above_0_5']} | "
            f"{r['best_found']} | {r['exact_p50_ms']}/{r['exact_p99_ms']} | "
            f"{r['same_verdicts']} | {r['load_average'][0]}–{r['load_average'][1]} | "
            f"{r['align_warm_p50_ms']}/{r['align_warm_p99_ms']} / "
            f"{r['before_align_p50_ms']}/{r['before_align_p99_ms']} | "
            f"{r['before_recall_at_10']} |"
        )
    print()
    print(
        "Cold start (files evicted from the page cache first: "
        f"{'yes' if args.cold else 'no'}), this code beside session 4's (nothing read "
        "ahead, one search thread, OpenBLAS's threads spinning) in the same run:"
    )
    print(
        "| sentences | code | load s | prefetch s (MB) | p50/p99 ms a post | embed p50/p99 ms "
        "| index p50/p99 ms | after the prefetch: posts, p50/p99 ms (index p99) | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows + session4:
        code = "session 4" if r["session4"] else "now"
        print(
            f"| {r['sentences']:,} | {code} | {r['load_s']} | {r['prefetch_s']} "
            f"({r['prefetch_mb']:,}) | {r['p50_ms']}/{r['p99_ms']} | "
            f"{r['embed_p50_ms']}/{r['embed_p99_ms']} | {r['index_p50_ms']}/{r['index_p99_ms']} | "
            f"{r['posts_after_prefetch']}, {r['after_prefetch_p50_ms']}/"
            f"{r['after_prefetch_p99_ms']} ({r['after_prefetch_index_p99_ms']}) | "
            f"{r['load_average'][0]}–{r['load_average'][1]} |"
        )
    if compared:
        print()
        print(f"Candidates at {args.compare_at:,} sentences, MiniLM vectors, 300 queries:")
        print(
            "| library | build s | load s | RSS added MB | disk MB | p50 ms | p99 ms | recall@10 |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for c in compared:
            print(
                f"| {c['candidate']} | {c['build_s']} | {c['load_s']} | {c['rss_added_mb']} | "
                f"{c['disk_mb']} | {c['p50_ms']} | {c['p99_ms']} | {c['recall_at_10']} |"
            )
    print(f"\nwhole benchmark: {time.perf_counter() - started:.0f} s")
    last = rows[-1]
    keys = ("sentences", "p50_ms", "p99_ms", "load_s", "rss_mb", "recall_at_10", "exact_p99_ms")
    print(json.dumps({k: last[k] for k in keys}))


if __name__ == "__main__":
    main()
