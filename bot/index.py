"""An embedding index over any list of documents (corpus sentences, or a benchmark's claims),
built once and cached on disk under a key of the documents and the model.

The bot indexes every verified and circulating sentence of the corpus; the retrieval benchmark
indexes CheckThat!'s verified claims through the same class and the same scoring."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.lexical import tokens
from bot.models.vectors import Embedder, Matrix

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Doc:
    id: str
    text: str


class Index:
    def __init__(self, docs: Sequence[Doc], vectors: Mapping[str, Matrix]) -> None:
        self.docs = tuple(docs)
        self.vectors = dict(vectors)
        self.tokens = tuple(tokens(d.text) for d in self.docs)
        self.position = {d.id: i for i, d in enumerate(self.docs)}

    @classmethod
    def build(
        cls,
        docs: Sequence[Doc],
        embedders: Mapping[str, Embedder],
        cache_dir: Path | None,
        key: str,
    ) -> Index:
        """Embed `docs` with every embedder, reading and writing `cache_dir` so that the same
        documents and model are embedded only once. `key` names the document set (the corpus
        version); the cache file is named by a hash of it, the ids, the texts and the model."""
        digest = hashlib.sha256(key.encode())
        for d in docs:
            digest.update(d.id.encode() + b"\0" + d.text.encode() + b"\0")
        vectors: dict[str, Matrix] = {}
        for short, embedder in embedders.items():
            file = None
            if cache_dir is not None:
                tag = hashlib.sha256(digest.hexdigest().encode() + embedder.name.encode())
                file = cache_dir / f"{short}-{tag.hexdigest()[:20]}.npy"
                if file.exists():
                    cached = np.load(file)
                    if cached.shape[0] == len(docs):
                        vectors[short] = cached.astype(np.float32)
                        log.info("index %s: %d vectors from %s", short, len(docs), file)
                        continue
            vectors[short] = embedder.encode([d.text for d in docs])
            if file is not None:
                file.parent.mkdir(parents=True, exist_ok=True)
                tmp = file.with_suffix(".tmp.npy")
                np.save(tmp, vectors[short])
                tmp.replace(file)
                log.info("index %s: %d vectors embedded, cached at %s", short, len(docs), file)
        return cls(docs, vectors)

    def cosines(self, queries: Mapping[str, Matrix]) -> dict[str, Matrix]:
        """Cosine of every query row against every document, per model: (queries, docs)."""
        return {name: q @ self.vectors[name].T for name, q in queries.items()}
