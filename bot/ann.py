"""An approximate nearest-neighbour index over the documents' vectors of every model side by
side: FAISS's inverted file of product-quantised codes read by its "fast scan" kernels
(IVF-PQ4fs: one 4-bit code per two dimensions) by inner product, persisted beside the embedding
cache and memory-mapped from it.

A query is every model's query vector times that model's weight, side by side (zeros for a
model left out), so its inner product with a document is the weighted sum of the models'
cosines: the bot's own combined score, one index for every language. Below `[model] ann_above`
documents the corpus is searched exactly (`Index.cosines`); above it this index proposes
candidates that the caller then scores with the cached float32 vectors, so a score is always
the exact cosine. BENCHMARKS.md "Scale" has the measurements behind the choice: at 1M
sentences the neighbours of a post's sentence are spread over many lists (the IVF-SQ8 index
this replaces, 64 of 1,024 lists searched, found 0.82 of the top 10), so this index searches half
of the lists (three in four below 500 lists: 100k and 10k sentences), and its codes are small
enough (224 bytes a document) to scan that many in a few milliseconds; USearch's HNSW graph at
1M (8-bit) kept 97 of 174 best hits. Measured and not kept (BENCHMARKS.md "Scale", session 4):
FAISS's HNSW (0.94 of the top 10 at 100k, efSearch 512), a PCA to 256 dimensions before the
codes (0.94 with 256 candidates), and 14,000 or 57,000 finer lists (as many top 10s found for
a half to an eighth of the vectors scanned, but no faster: FAISS's cost per list dominates).

The file is named by the same digest as the embedding cache (corpus key, ids, texts, model)
plus the index parameters, so a changed corpus gets a new file. Beside it, a small JSON seal
written after it names the vectors it was built from and the file's own size and modification
time. On opening, the seal must match the file and the cached vectors, the file must hold as
many vectors as there are documents, of the same width, and a sample of the cached vectors must
each find itself in it; otherwise it is built again. A stale or foreign file never serves."""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.models.vectors import Matrix

log = logging.getLogger(__name__)

# Measured in benchmarks/scale.py (BENCHMARKS.md "Scale"): about a thousand vectors a list at
# 1M, half of the lists searched a query (0.993 of the top 10 found at 1M, 1,000 lists); with
# fewer lists (100k: 316, 10k: 100) three in four (with half: 0.975 at 100k and 0.965 at 10k,
# with three quarters 0.994 at both, on the 583 sentences of every admitted post).
MAX_LISTS = 1024
HALF_FROM = 500  # lists: from this many, half of them are searched; below, three in four
MIN_PROBES = 64  # and at least this many (every list of a small corpus)
_TRAIN_PER_LIST = 48  # k-means sample: FAISS asks for at least 39 points a centroid
_SAMPLE = 16  # cached vectors that must find themselves when a file is opened


def lists_for(size: int) -> int:
    """Inverted lists for `size` vectors: sqrt(size), at most MAX_LISTS."""
    return max(1, min(MAX_LISTS, round(math.sqrt(size))))


def probes_for(lists: int) -> int:
    """Lists searched a query: half of them from HALF_FROM lists, three in four below, at
    least MIN_PROBES."""
    share = lists // 2 if lists >= HALF_FROM else (lists * 3 + 3) // 4
    return min(lists, max(MIN_PROBES, share))


def ann_file(npys: Sequence[Path]) -> Path:
    """Where the index of the cached vectors `npys` lives (same digests, index parameters)."""
    stems = "+".join(p.stem for p in npys)
    return npys[0].with_name(f"{stems}.ivf-pq4fs-{MAX_LISTS}.faiss")


class Joined:
    """Several (rows, dim) matrices with the same rows, read side by side a slice at a time:
    the memory-mapped caches are never copied whole."""

    def __init__(self, parts: Sequence[Matrix]) -> None:
        self.parts = list(parts)
        self.shape = (len(parts[0]), sum(p.shape[1] for p in parts))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: Any) -> Matrix:
        out: Matrix = np.hstack([np.asarray(p[rows], dtype=np.float32) for p in self.parts])
        return out


class AnnIndex:
    def __init__(self, index: Any, threads: int = 1) -> None:
        self._index = index
        self.size = int(index.ntotal)
        self.threads = max(1, threads)

    @classmethod
    def open(
        cls, vectors: Joined, file: Path | None, threads: int = 2, source: str = ""
    ) -> AnnIndex:
        """The index of `vectors` from `file` (memory-mapped) when it is valid for them, else
        built (with `threads`) and saved to `file` atomically. `file` None: in memory only.
        `source` names the cached vectors (the seal records it). A search uses `threads` too:
        FAISS splits a post's query rows between them. At 1M sentences on two idle cores a
        post's index time was 23-30 ms at p99 with two against 40-41 ms with one, once OpenBLAS
        no longer spins after the USE model's products (`bot/__init__.py`; while it spun, two
        threads were slower: BENCHMARKS.md "Scale", session 5)."""
        import faiss

        faiss.omp_set_num_threads(1)
        if file is not None and file.exists() and _sealed(file, vectors, source):
            found = cls._mapped(file, vectors, threads)
            if found is not None:
                return found
            log.warning("ann: %s does not hold the cached vectors: building it again", file)
        start = time.perf_counter()
        index = _build(vectors, threads)
        log.info("ann: %d vectors indexed in %.1f s", len(vectors), time.perf_counter() - start)
        if file is None:
            return cls(index, threads)
        tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        faiss.write_index(index, str(tmp))
        tmp.replace(file)
        _seal(file, vectors, source)
        del index
        found = cls._mapped(file, vectors, threads)
        if found is None:  # pragma: no cover - the file just written does not read back
            raise RuntimeError(f"ann: {file} does not read back")
        return found

    @classmethod
    def _mapped(cls, file: Path, vectors: Joined, threads: int) -> AnnIndex | None:
        import faiss

        index: Any
        try:
            index = faiss.read_index(str(file), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        except Exception:  # a truncated or foreign file
            log.exception("ann: cannot read %s", file)
            return None
        if index.ntotal != len(vectors) or index.d != vectors.shape[1]:
            return None
        _probe(index)
        found = cls(index, threads)
        rows = np.unique(np.linspace(0, len(vectors) - 1, min(_SAMPLE, len(vectors))))
        rows = rows.astype(np.intp)
        sample = np.ascontiguousarray(vectors[rows], dtype=np.float32)
        _, keys = index.search(sample, 8)
        # A 4-bit code's score is approximate: a vector must find itself (or its exact copy).
        for row, got, vector in zip(rows, keys, sample, strict=True):
            near = got[got >= 0]
            if row not in near and not np.any(np.all(vectors[near] == vector, axis=1)):
                return None
        log.info("ann: %d vectors mapped from %s", found.size, file)
        return found

    def search(self, queries: Matrix, count: int) -> npt.NDArray[np.intp]:
        """The `count` document rows of each query with the highest inner product, highest
        first; -1 pads a row when fewer are found."""
        import faiss

        if len(queries) == 0:
            return np.zeros((0, count), dtype=np.intp)
        faiss.omp_set_num_threads(self.threads)  # (FAISS's setting is the process's)
        _, keys = self._index.search(np.ascontiguousarray(queries, dtype=np.float32), count)
        out: npt.NDArray[np.intp] = keys.astype(np.intp)
        return out


def _facts(file: Path, vectors: Joined, source: str) -> dict[str, Any]:
    stat = file.stat()
    return {
        "source": source,
        "vectors": len(vectors),
        "dim": int(vectors.shape[1]),
        "bytes": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def _seal_file(file: Path) -> Path:
    return file.with_name(file.name + ".json")


def _seal(file: Path, vectors: Joined, source: str) -> None:
    seal = _seal_file(file)
    tmp = seal.with_name(f"{seal.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_facts(file, vectors, source)), encoding="utf-8")
    tmp.replace(seal)


def _sealed(file: Path, vectors: Joined, source: str) -> bool:
    """True when the seal beside `file` describes this very file, built from these vectors."""
    try:
        found = json.loads(_seal_file(file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(found == _facts(file, vectors, source))


def _probe(index: Any) -> None:
    import faiss

    ivf = faiss.extract_index_ivf(index)
    ivf.nprobe = probes_for(ivf.nlist)


def _build(vectors: Joined, threads: int) -> Any:
    """IVF-PQ4fs by inner product: the lists' centroids by k-means on an evenly spread sample
    (`threads`), the codebooks on the same sample with one thread (FAISS's many small parallel
    steps there ran 10x slower with two threads on a busy machine), the vectors added a slice
    at a time."""
    import faiss

    size, dim = vectors.shape
    lists = lists_for(size)
    rows = np.unique(np.linspace(0, size - 1, min(size, lists * _TRAIN_PER_LIST)).astype(np.intp))
    sample = np.ascontiguousarray(vectors[rows], dtype=np.float32)
    faiss.omp_set_num_threads(max(1, threads))
    kmeans = faiss.Kmeans(dim, lists, niter=10, seed=1234, spherical=True)
    kmeans.train(sample)
    quantizer = faiss.IndexFlatIP(dim)
    quantizer.add(np.asarray(kmeans.centroids, dtype=np.float32))
    codes = dim // 2 if dim % 2 == 0 else dim  # a 4-bit code per two dimensions
    index = faiss.IndexIVFPQFastScan(quantizer, dim, lists, codes, 4, faiss.METRIC_INNER_PRODUCT)
    # (FAISS's Python wrapper keeps `quantizer` alive as long as `index`.)
    faiss.omp_set_num_threads(1)
    index.train(sample)  # the lists' centroids are kept: only the codebooks are trained
    faiss.omp_set_num_threads(max(1, threads))
    step = 65536
    for lo in range(0, size, step):
        index.add(np.ascontiguousarray(vectors[lo : lo + step], dtype=np.float32))
    faiss.omp_set_num_threads(1)
    _probe(index)
    return index
