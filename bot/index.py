"""An embedding index over any list of documents (corpus sentences, or a benchmark's claims),
built once and cached on disk under a key of the documents and the model.

The bot indexes every verified and circulating sentence of the corpus; the retrieval benchmark
indexes CheckThat!'s verified claims through the same class and the same scoring.

The documents are held in columns (`bot/docs.py`), never as one Python object each. Up to
`ann_above` documents the cached vectors are memory-mapped and every query is scored against
all of them. Above it, the models' vectors side by side also get an approximate
nearest-neighbour index (`bot/ann.py`) that proposes candidates; their scores stay the exact
cosines, from the candidates' rows read out of the cached vectors (`RowFile`), and the
documents' columns are cached beside them and mapped. A post's queries go to the approximate
index in one call, each distinct query once. A document's words are tokenised when first
needed."""

from __future__ import annotations

import hashlib
import logging
import mmap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.ann import AnnIndex, Joined, ann_file
from bot.docs import Doc, DocTable, RowFile
from bot.lexical import tokens
from bot.models.vectors import Embedder, Matrix

__all__ = ["Doc", "DocTable", "Index", "cache_files"]

log = logging.getLogger(__name__)


class Tokens(Sequence[frozenset[str]]):
    """`lexical.tokens` of each document, computed when first asked for (a million-sentence
    corpus would spend seconds on words that only a few candidates ever need)."""

    def __init__(self, docs: DocTable) -> None:
        self._docs = docs
        self._done: dict[int, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def __getitem__(self, i: int) -> frozenset[str]:  # type: ignore[override]
        i = int(i)
        found = self._done.get(i)
        if found is None:
            found = self._done[i] = tokens(self._docs.text(i))
        return found

    def __iter__(self) -> Iterator[frozenset[str]]:
        return (self[i] for i in range(len(self)))


class Index:
    def __init__(
        self,
        docs: Sequence[Doc],
        vectors: Mapping[str, Matrix | RowFile],
        ann: AnnIndex | None = None,
    ) -> None:
        self.docs = docs if isinstance(docs, DocTable) else DocTable.of(docs)
        self.vectors: dict[str, Any] = dict(vectors)  # numpy matrices, or `RowFile`s with `ann`
        self.tokens = Tokens(self.docs)
        self.ann = ann  # None: exact search; else over the models in `vectors`' order
        # The cache files a search reads a few rows at a time (with `ann`): what the live
        # process reads into the page cache at start (`bot/prefetch.py`).
        self.files: list[Path] = []

    @classmethod
    def build(
        cls,
        docs: Sequence[Doc],
        embedders: Mapping[str, Embedder],
        cache_dir: Path | None,
        key: str,
        ann_above: int | None = None,
        threads: int = 2,
    ) -> Index:
        """Embed `docs` with every embedder, reading and writing `cache_dir` so that the same
        documents and model are embedded only once. `key` names the document set (the corpus
        version); the cache file is named by a hash of it, the ids, the texts and the model.
        With more than `ann_above` documents, the models' vectors get an approximate index,
        cached beside them (None: never), and the documents' columns are cached too."""
        digest = _digest(docs, key) if cache_dir is not None else ""
        files = _files(digest, embedders, cache_dir)
        approximate = ann_above is not None and len(docs) > ann_above
        table = (
            DocTable.cached(docs, cache_dir / f"docs-{digest[:20]}")
            if cache_dir is not None and approximate
            else DocTable.of(docs)
        )
        vectors: dict[str, Any] = {}
        for short, embedder in embedders.items():
            file = files.get(short)
            if file is not None and file.exists():
                cached = np.load(file, mmap_mode="r")
                if cached.shape[0] == len(table) and cached.dtype == np.float32:
                    vectors[short] = RowFile(file) if approximate else cached
                    log.info("index %s: %d vectors from %s", short, len(table), file)
                    continue
            vectors[short] = embedder.encode([table.text(i) for i in range(len(table))])
            if file is not None:
                file.parent.mkdir(parents=True, exist_ok=True)
                tmp = file.with_suffix(".tmp.npy")
                np.save(tmp, vectors[short])
                tmp.replace(file)
                log.info("index %s: %d vectors embedded, cached at %s", short, len(table), file)
                if approximate:
                    vectors[short] = RowFile(file)
        ann, where = None, None
        if approximate:
            for matrix in vectors.values():
                _random_access(matrix)
            joined = Joined(list(vectors.values()))
            where = ann_file(list(files.values())) if files else None
            source = "+".join(f.name for f in files.values())
            ann = AnnIndex.open(joined, where, threads, source)
        index = cls(table, vectors, ann)
        if approximate and where is not None:
            index.files = [*files.values(), where, *table.files]
        return index

    def cosines(
        self,
        queries: Mapping[str, Matrix],
        columns: Sequence[int] | npt.NDArray[np.intp] | None = None,
    ) -> dict[str, Matrix]:
        """Cosine of every query row against every document (or the documents at `columns`),
        per model: (queries, docs)."""
        if columns is None:
            return {name: _all(q, self.vectors[name]) for name, q in queries.items()}
        at = np.asarray(columns, dtype=np.intp)
        return {name: q @ self.vectors[name][at].T for name, q in queries.items()}

    def rows(self, columns: npt.NDArray[np.intp]) -> dict[str, Matrix]:
        """Each model's vectors of the documents at `columns`: (len(columns), dim)."""
        return {name: np.asarray(v[columns], dtype=np.float32) for name, v in self.vectors.items()}

    def candidates(
        self, queries: Mapping[str, Matrix], weights: Mapping[str, float], count: int
    ) -> npt.NDArray[np.intp]:
        """Per query row, the `count` documents whose weighted sum of the models' cosines
        (`weights`; a model not named weighs 0) the approximate index finds highest, as rows
        (-1 pads a row when fewer are found)."""
        if self.ann is None:
            raise ValueError("candidates: this index has no approximate index")
        rows = len(next(iter(queries.values())))
        parts = []
        for name, matrix in self.vectors.items():
            w = weights.get(name, 0.0)
            q = queries.get(name)
            parts.append(
                q * np.float32(w) if q is not None and w else np.zeros((rows, matrix.shape[1]))
            )
        joined = np.hstack(parts).astype(np.float32)
        # A post asks the same text more than once (a sentence that is also its only clause,
        # a quote repeated): each distinct query is searched once, in one call for them all.
        # (By their bytes: numpy's unique over rows of 896 floats took 2.7 ms for ten rows.)
        first: dict[bytes, int] = {}
        again = np.array([first.setdefault(row.tobytes(), len(first)) for row in joined])
        if len(first) == len(joined):
            return self.ann.search(joined, count)
        distinct = joined[np.unique(again, return_index=True)[1]]
        found: npt.NDArray[np.intp] = self.ann.search(distinct, count)[again]
        return found


def _all(queries: Matrix, matrix: Any) -> Matrix:
    """`queries @ matrix.T`; a `RowFile` (a large corpus) is read a slice at a time."""
    if not isinstance(matrix, RowFile):
        out: Matrix = queries @ matrix.T
        return out
    step = 65536
    parts = [queries @ matrix[lo : lo + step].T for lo in range(0, len(matrix), step)]
    return np.hstack(parts) if parts else np.zeros((len(queries), 0), dtype=np.float32)


def _random_access(matrix: Any) -> None:
    """Tell the kernel that a memory-mapped matrix is read a few rows at a time: no read-ahead,
    so that the rows of the candidates, not whole stretches of the file, become resident."""
    mapped = getattr(matrix, "_mmap", None)
    if mapped is not None:
        mapped.madvise(mmap.MADV_RANDOM)


def cache_files(
    docs: Sequence[Doc],
    embedders: Mapping[str, Embedder],
    cache_dir: Path | None,
    key: str,
) -> dict[str, Path]:
    """Where each model's vectors of `docs` are cached (none without `cache_dir`)."""
    if cache_dir is None:
        return {}
    return _files(_digest(docs, key), embedders, cache_dir)


def _digest(docs: Sequence[Doc], key: str) -> str:
    """A hash of the document set's name, ids and texts."""
    digest = hashlib.sha256(key.encode())
    for d in docs:
        digest.update(d.id.encode() + b"\0" + d.text.encode() + b"\0")
    return digest.hexdigest()


def _files(
    digest: str, embedders: Mapping[str, Embedder], cache_dir: Path | None
) -> dict[str, Path]:
    if cache_dir is None:
        return {}
    out = {}
    for short, embedder in embedders.items():
        tag = hashlib.sha256(digest.encode() + embedder.name.encode())
        out[short] = cache_dir / f"{short}-{tag.hexdigest()[:20]}.npy"
    return out
