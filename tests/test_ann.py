"""The approximate index (bot/ann.py) against exact search, on the real models and a real corpus:
the bot's own corpus plus CheckThat! verified claims, with `[model] ann_above` forced below its
size so that the approximate path serves. It must give the same top hits and the same verdicts
as exact search, survive a reload from its file, and never serve a stale file."""

from __future__ import annotations

import ctypes
import dataclasses
import json
import mmap
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

from bot.ann import AnnIndex, Joined, ann_file
from bot.config import Config
from bot.corpus import load_corpus
from bot.docs import DocTable, RowFile
from bot.evaluate import load_labelled
from bot.index import Doc, Index, cache_files
from bot.match import CANDIDATES, Matcher, decide
from bot.models.vectors import Embedder
from bot.normalise import normalise, with_language
from bot.pipeline import build_checker, corpus_docs, prose_words
from bot.prefetch import Prefetch

CLAIMS = Path(__file__).resolve().parents[2] / "shared/data/checkthat-2022-task2a-en"
CLAIMS = CLAIMS if CLAIMS.exists() else Path("/work/shared/data/checkthat-2022-task2a-en")


def _claims(n: int) -> list[Doc]:
    docs = []
    with open(CLAIMS / "verified_claims.jsonl", encoding="utf-8") as f:
        for line in f:
            raw = json.loads(line)
            docs.append(Doc(f"ct-{len(docs)}", raw["vclaim"]))
            if len(docs) == n:
                break
    return docs


@pytest.fixture(scope="module")
def docs(config: Config) -> list[Doc]:
    """The bot's corpus and 1,500 claims on other topics: about 1,600 sentences."""
    return corpus_docs(load_corpus(config.corpus.path)) + _claims(1500)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ann-cache")


@pytest.fixture(scope="module")
def approximate(docs: list[Doc], embedders: dict[str, Embedder], cache: Path) -> Index:
    index = Index.build(docs, embedders, cache, "ann-test", ann_above=100)
    assert index.ann is not None
    return index


def _queries(embedders: dict[str, Embedder]) -> tuple[list[str], dict[str, np.ndarray]]:
    texts = [i.post.text for i in load_labelled(DATA / "labelled.jsonl")]
    texts += [d.text for d in _claims(40)[::4]]  # claims asked for in other words below
    texts += ["Snopes says McDonald's sells fries of any size for one dollar this month."]
    return texts, {name: e.encode(texts) for name, e in embedders.items()}


def _top(index: Index, queries: dict[str, np.ndarray], row: int, k: int) -> list[int]:
    exact = sum(index.cosines({n: q[row : row + 1] for n, q in queries.items()}).values())
    return [int(i) for i in np.argsort(-exact[0], kind="stable")[:k]]


def _approx_top(index: Index, queries: dict[str, np.ndarray], row: int, k: int) -> list[int]:
    one = {n: q[row : row + 1] for n, q in queries.items()}
    cols = index.candidates(one, dict.fromkeys(one, 0.5), 64)[0]
    cols = cols[cols >= 0]
    scores = sum(index.cosines(one, cols).values())[0]
    return [int(cols[i]) for i in np.argsort(-scores, kind="stable")[:k]]


def test_the_approximate_index_finds_the_same_top_hits_as_exact_search(
    approximate: Index, embedders: dict[str, Embedder]
) -> None:
    texts, queries = _queries(embedders)
    exact_only = Index(approximate.docs, approximate.vectors)
    for row, text in enumerate(texts):
        expected = _top(exact_only, queries, row, 10)
        got = _approx_top(approximate, queries, row, 10)
        assert expected[0] == got[0], text
        assert len(set(expected) & set(got)) >= 9, text


def test_the_alignments_and_verdicts_are_those_of_exact_search(
    config: Config, approximate: Index, embedders: dict[str, Embedder]
) -> None:
    """The labelled posts (and the held-out ones) against the bot's corpus plus 1,500 claims on
    other topics: every sentence of every post gets the same verified and circulating sentence
    with the same score, and the post the same verdict, through the approximate index as through
    exact search."""
    corpus = load_corpus(config.corpus.path)
    circulating = frozenset(c.id for c in corpus.circulating)
    items = load_labelled(DATA / "labelled.jsonl") + load_labelled(DATA / "heldout.jsonl")
    posts = [
        with_language(normalise(i.post.text, i.post.lang, detect=False), i.post.lang) for i in items
    ]
    text = {d.id: d.text for d in approximate.docs}
    results = []
    for index in (Index(approximate.docs, approximate.vectors), approximate):
        matcher = Matcher(index, embedders, circulating, config.match, config.model)
        found = []
        for post, matches in zip(posts, matcher.align_many(posts), strict=True):
            segments = [  # a sentence by its text: the claims repeat a few texts word for word
                (
                    text[m.verified.sentence_id],
                    round(m.verified.score, 4),
                    m.circulating.sentence_id if m.circulating else None,
                )
                for m in matches
            ]
            verdict = decide(matches, prose_words(post), True, config.match).verdict
            found.append((verdict, segments))
        results.append(found)
    exact, approx = results
    assert exact == approx
    assert {"match", "review", "no_match"} <= {v for v, _ in exact}
    claims = {d.text for d in approximate.docs if d.id.startswith("ct-")}
    assert any(t in claims for _, segments in exact for t, _, _ in segments)


def test_the_index_survives_a_reload_from_its_file(
    docs: list[Doc], approximate: Index, embedders: dict[str, Embedder], cache: Path
) -> None:
    files = [ann_file(list(cache_files(docs, embedders, cache, "ann-test").values()))]
    assert all(f.exists() for f in files)
    stamps = [f.stat().st_mtime_ns for f in files]
    again = Index.build(docs, embedders, cache, "ann-test", ann_above=100)
    assert stamps == [f.stat().st_mtime_ns for f in files]  # read back, not built again
    _, queries = _queries(embedders)
    for row in range(len(next(iter(queries.values())))):
        assert _approx_top(approximate, queries, row, 10) == _approx_top(again, queries, row, 10)


def test_a_changed_corpus_gets_a_new_index_and_the_stale_one_never_serves(
    docs: list[Doc], approximate: Index, embedders: dict[str, Embedder], cache: Path
) -> None:
    changed = list(docs)
    at = len(changed) - 7
    changed[at] = Doc(changed[at].id, "Penguins in Patagonia learned to use public transport.")
    index = Index.build(changed, embedders, cache, "ann-test", ann_above=100)
    query = {
        n: e.encode(["Penguins in Patagonia now use public transport"])
        for n, e in embedders.items()
    }
    assert at == int(_approx_top(index, query, 0, 1)[0])
    assert at != int(_approx_top(approximate, query, 0, 1)[0])
    old_npys = list(cache_files(docs, embedders, cache, "ann-test").values())
    new_npys = list(cache_files(changed, embedders, cache, "ann-test").values())
    old, new = ann_file(old_npys), ann_file(new_npys)
    assert old != new and new.exists()

    # The old corpus's file put in the new one's place (a stale file under the right name):
    # it is not served, it is built again from the cached vectors.
    os.replace(new, new.with_suffix(".kept"))
    new.write_bytes(old.read_bytes())
    stale = new.read_bytes()
    vectors = Joined([np.load(f, mmap_mode="r") for f in new_npys])
    source = "+".join(f.name for f in new_npys)
    reopened = AnnIndex.open(vectors, new, source=source)
    assert stale != new.read_bytes()
    assert [[at]] == reopened.search(vectors[at : at + 1], 1).tolist()

    # A truncated file is built again too. (Files are replaced, never rewritten in place: the
    # index in use maps its file, and shortening a mapped file kills the process.)
    cut = new.with_suffix(".cut")
    cut.write_bytes(stale[: len(stale) // 2])
    os.replace(cut, new)
    again = AnnIndex.open(vectors, new, source=source)
    assert [[at]] == again.search(vectors[at : at + 1], 1).tolist()


def test_the_bot_uses_exact_search_up_to_ann_above(config: Config, embedders: dict[str, Embedder]):
    """The default threshold keeps the bot's own corpus on exact search; forced below its size,
    the checker is built with an approximate index per model."""
    assert build_checker(config, embedders).matcher.index.ann is None
    forced = dataclasses.replace(config, model=dataclasses.replace(config.model, ann_above=10))
    ann = build_checker(forced, embedders).matcher.index.ann
    assert ann is not None
    assert ann.threads == config.model.threads == 2  # a search uses `[model] threads`


def test_recall_at_10_against_exact_search_on_the_bots_own_path(
    config: Config, approximate: Index, embedders: dict[str, Embedder]
) -> None:
    """Every sentence of the labelled posts, asked the way the matcher asks (its weights, its
    candidates, scored exactly): recall@10 against exact search over every document, counted
    the standard way (a returned neighbour counts when its exact score reaches the exact 10th
    best), is at least 0.99, and every neighbour that can count (score ≥ 0.5) is found."""
    corpus = load_corpus(config.corpus.path)
    circulating = frozenset(c.id for c in corpus.circulating)
    matcher = Matcher(approximate, embedders, circulating, config.match, config.model)
    exact_only = Index(
        approximate.docs, {n: np.load(f.file) for n, f in approximate.vectors.items()}
    )
    items = load_labelled(DATA / "labelled.jsonl")
    posts = [
        with_language(normalise(i.post.text, i.post.lang, detect=False), i.post.lang) for i in items
    ]
    found, asked, close, close_found = 0, 0, 0, 0
    for post in posts:
        texts = [s.text for s in post.segments]
        if not texts:
            continue
        q = {n: e.encode(texts) for n, e in embedders.items()}
        weights = matcher._weights(post.lang)
        candidates = [approximate.candidates(q, w, CANDIDATES) for w in weights]
        full = exact_only.cosines(q)
        for r in range(len(texts)):
            exact = matcher._combined({n: c[r] for n, c in full.items()}, post.lang)
            cols = np.concatenate([c[r] for c in candidates])
            cols = np.unique(cols[cols >= 0])
            scores = exact[cols]
            top = np.sort(scores)[::-1][:10]
            tenth = np.sort(exact)[::-1][9]
            found += int(np.sum(top >= tenth - 1e-6))
            asked += 10
            order = np.argsort(-exact)[:10]
            best = {int(i) for i in order if exact[i] >= 0.5}
            close += len(best)
            close_found += len(best & set(cols[np.argsort(-scores)[:10]].tolist()))
    assert asked > 300
    assert found / asked >= 0.99
    assert close > 0 and close_found == close


def test_a_reloaded_large_index_serves_its_documents_from_columns_on_disk(
    docs: list[Doc], approximate: Index, embedders: dict[str, Embedder], cache: Path
) -> None:
    """Above ann_above the documents are cached in columns beside the vectors: built again from
    the cache, the index maps them (not a copy of the list it was given) and gives back every
    document's id and text, and finds each by its id; the vectors are read by rows."""
    again = Index.build(docs, embedders, cache, "ann-test", ann_above=100)
    assert isinstance(again.docs, DocTable)
    assert isinstance(again.docs._texts, np.memmap)
    assert docs == list(again.docs)
    for row in (0, 17, len(docs) - 1):
        assert row == again.docs.position(docs[row].id)
        assert docs[row].text == again.docs.text(row)
    assert all(isinstance(v, RowFile) for v in again.vectors.values())
    for name, rows in again.vectors.items():
        assert np.array_equal(np.load(rows.file)[[5, 3]], rows[[5, 3]]), name


def test_a_post_that_repeats_a_sentence_gets_the_candidates_each_asks_alone(
    approximate: Index, embedders: dict[str, Embedder]
) -> None:
    """A post's repeated query (a quote said twice, a sentence that is its own clause) is
    searched once; every row still gets the candidates it would get asked alone."""
    texts = [
        "Yann LeCun says large language models are a dead end.",
        "Snopes says McDonald's sells fries of any size for one dollar this month.",
        "Yann LeCun says large language models are a dead end.",
    ]
    queries = {n: e.encode(texts) for n, e in embedders.items()}
    weights = dict.fromkeys(queries, 0.5)
    together = approximate.candidates(queries, weights, 64)
    assert together.shape == (3, 64)
    assert together[0].tolist() == together[2].tolist()
    for row in range(3):
        alone = approximate.candidates(
            {n: q[row : row + 1] for n, q in queries.items()}, weights, 64
        )
        assert together[row].tolist() == alone[0].tolist()
    assert together[0].tolist() != together[1].tolist()


def _evict(file: Path) -> None:
    fd = os.open(file, os.O_RDONLY)
    try:
        os.fsync(fd)  # a page not yet written back is not dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _resident(file: Path) -> float:
    """The share of `file`'s pages in the page cache (mincore(2) on a mapping of it)."""
    size = file.stat().st_size
    pages = -(-size // mmap.PAGESIZE)
    libc = ctypes.CDLL(None, use_errno=True)
    with open(file, "rb") as f:
        mapped = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY)
    try:
        at = ctypes.c_char.from_buffer(mapped)
        state = (ctypes.c_ubyte * pages)()
        rc = libc.mincore(ctypes.c_void_p(ctypes.addressof(at)), ctypes.c_size_t(size), state)
        del at
        assert rc == 0, os.strerror(ctypes.get_errno())
        return sum(b & 1 for b in state) / pages
    finally:
        mapped.close()


def test_a_large_index_names_its_cache_files_and_a_prefetch_makes_them_resident(
    docs: list[Doc], approximate: Index, embedders: dict[str, Embedder], cache: Path
) -> None:
    """Above ann_above every candidate row is a random read: the index names the files it reads
    so (the vectors, the approximate index, the documents' columns), and a `Prefetch` of them
    (the live process starts one, `bot/runtime/checks.py`) reads them into the page cache.
    Evicted first (the vectors, read with pread; the kernel keeps pages this process has
    mapped), they are all resident once it is done; an exact index names none."""
    vectors = [*cache_files(docs, embedders, cache, "ann-test").values()]
    files = [*vectors, ann_file(vectors), *approximate.docs.files]
    assert len(approximate.docs.files) == 6
    assert sorted(approximate.files) == sorted(files)
    for file in files:
        _evict(file)
    assert max(_resident(f) for f in vectors) < 0.5  # the eviction took
    done = Prefetch(approximate.files)
    assert done.wait(60)
    assert done.bytes == sum(f.stat().st_size for f in files)
    assert {f.name: _resident(f) for f in files} == {f.name: 1.0 for f in files}
    exact = Index.build(docs[:50], embedders, cache, "ann-test-small", ann_above=100)
    assert exact.files == []


def test_a_file_the_prefetch_cannot_read_is_logged_and_the_rest_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    real = tmp_path / "rows.npy"
    np.save(real, np.ones((3000, 8), dtype=np.float32))
    with caplog.at_level("WARNING", logger="bot.prefetch"):
        done = Prefetch([tmp_path / "gone.npy", real])
        assert done.wait(30)
    assert done.bytes == real.stat().st_size
    assert "cannot read" in caplog.text and "gone.npy" in caplog.text
