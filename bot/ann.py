"""An approximate nearest-neighbour index over the documents' vectors of every model side by
side: FAISS's inverted file of 8-bit quantised vectors (IVF-SQ8) by inner product, persisted
beside the embedding cache and memory-mapped from it.

A query is every model's query vector times that model's weight, side by side (zeros for a
model left out), so its inner product with a document is the weighted sum of the models'
cosines: the bot's own combined score, one index for every language. Below `[model] ann_above`
documents the corpus is searched exactly (`Index.cosines`); above it this index proposes
candidates that the caller then scores with the cached float32 vectors, so a score is always
the exact cosine. BENCHMARKS.md "Scale"
has the measurements behind the choice of library (at 1M sentences USearch's HNSW graph,
8-bit, kept 97 of 174 best hits and changed 4 of 20 verdicts; this index kept 156 and none) and
of the parameters (64 lists of about a thousand searched: 0.978 of the neighbours above 0.5).

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
# 1M, and `PROBES` lists searched a query.
MAX_LISTS = 1024
PROBES = 64
_TRAIN_PER_LIST = 48  # k-means sample: FAISS asks for at least 39 points a centroid
_SAMPLE = 16  # cached vectors that must find themselves when a file is opened
_SELF = 0.98  # a vector's inner product with its own 8-bit copy: above this share of its own


def lists_for(size: int) -> int:
    """Inverted lists for `size` vectors: sqrt(size), at most MAX_LISTS."""
    return max(1, min(MAX_LISTS, round(math.sqrt(size))))


def ann_file(npys: Sequence[Path]) -> Path:
    """Where the index of the cached vectors `npys` lives (same digests, index parameters)."""
    stems = "+".join(p.stem for p in npys)
    return npys[0].with_name(f"{stems}.ivf-sq8-{MAX_LISTS}.faiss")


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
    def __init__(self, index: Any) -> None:
        self._index = index
        self.size = int(index.ntotal)

    @classmethod
    def open(
        cls, vectors: Joined, file: Path | None, threads: int = 2, source: str = ""
    ) -> AnnIndex:
        """The index of `vectors` from `file` (memory-mapped) when it is valid for them, else
        built (with `threads`) and saved to `file` atomically. `file` None: in memory only.
        `source` names the cached vectors (the seal records it)."""
        import faiss

        faiss.omp_set_num_threads(max(1, threads))
        if file is not None and file.exists() and _sealed(file, vectors, source):
            found = cls._mapped(file, vectors)
            if found is not None:
                return found
            log.warning("ann: %s does not hold the cached vectors: building it again", file)
        start = time.perf_counter()
        index = _build(vectors)
        log.info("ann: %d vectors indexed in %.1f s", len(vectors), time.perf_counter() - start)
        if file is None:
            return cls(index)
        tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        faiss.write_index(index, str(tmp))
        tmp.replace(file)
        _seal(file, vectors, source)
        del index
        found = cls._mapped(file, vectors)
        if found is None:  # pragma: no cover - the file just written does not read back
            raise RuntimeError(f"ann: {file} does not read back")
        return found

    @classmethod
    def _mapped(cls, file: Path, vectors: Joined) -> AnnIndex | None:
        import faiss

        index: Any
        try:
            index = faiss.read_index(str(file), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        except Exception:  # a truncated or foreign file
            log.exception("ann: cannot read %s", file)
            return None
        if index.ntotal != len(vectors) or index.d != vectors.shape[1]:
            return None
        index.nprobe = PROBES
        found = cls(index)
        rows = np.unique(np.linspace(0, len(vectors) - 1, min(_SAMPLE, len(vectors))))
        rows = rows.astype(np.intp)
        sample = np.ascontiguousarray(vectors[rows], dtype=np.float32)
        scores, keys = index.search(sample, 8)
        itself = np.sum(sample * sample, axis=1)  # a document's inner product with itself
        for row, got, score, full in zip(rows, keys, scores, itself, strict=True):
            hit = np.flatnonzero(got == row)
            if not hit.size or score[hit[0]] < _SELF * full:
                return None
        log.info("ann: %d vectors mapped from %s", found.size, file)
        return found

    def search(self, queries: Matrix, count: int) -> npt.NDArray[np.intp]:
        """The `count` document rows of each query with the highest inner product, highest
        first; -1 pads a row when fewer are found."""
        if len(queries) == 0:
            return np.zeros((0, count), dtype=np.intp)
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


def _build(vectors: Joined) -> Any:
    """IVF-SQ8 by inner product, k-means trained on an evenly spread sample, vectors added a
    slice at a time."""
    import faiss

    size, dim = vectors.shape
    lists = lists_for(size)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dim, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    rows = np.unique(np.linspace(0, size - 1, min(size, lists * _TRAIN_PER_LIST)).astype(np.intp))
    index.train(np.ascontiguousarray(vectors[rows], dtype=np.float32))
    step = 65536
    for lo in range(0, size, step):
        index.add(np.ascontiguousarray(vectors[lo : lo + step], dtype=np.float32))
    index.nprobe = PROBES
    return index
