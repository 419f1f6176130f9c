"""Match: align each sentence of a post with its nearest corpus sentence, then decide.

Scores: the cosine of the post's sentence and the corpus sentence under each model, combined
(weighted mean for English; the multilingual model alone for other languages, where the English
model's cosines are noise), then raised by lexical evidence — the share of the verified
sentence's content words that the post repeats — but never lowered by its absence, since a
translation shares no words with its source.

In a post that is not in English, a sentence that opens with a short attribution ("Yann
LeCun: …", "LeCun en VivaTech: …") is also embedded without it, and the better of the two
counts: the name is no part of what he said, and in a translation, where no word is shared to
raise the score, it took 0.15–0.25 off the multilingual model's cosine (BENCHMARKS.md "Other
languages"). English posts are left as they were: MiniLM and the shared words already carry
them, and there the higher scores reached the contradiction rules with a clause they misread
(samples/feed.jsonl feed-16).

The `match` and `review` thresholds are those of the post's language when `[match.lang.xx]`
sets them (`MatchConfig.for_language`), else `[match]`'s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import regex

from bot.config import MatchConfig, ModelConfig
from bot.domain import Alignment, NormalisedPost, Segment, Verdict
from bot.index import Index
from bot.lexical import containment, evidence, folded, tokens
from bot.models.vectors import Embedder, Matrix

_TOP_K = 8  # lexical evidence is computed for the best few candidates only
# Above `[model] ann_above` sentences: the candidates the approximate index proposes for a
# segment (BENCHMARKS.md "Scale": recall@10 against exact search), scored exactly.
CANDIDATES = 256

# "Head: body", the head at most 6 words (no digit right before the colon: "10:30"), the body
# not starting with a digit. NFKC has already made a full-width colon ASCII.
_ATTRIBUTION = regex.compile(r"(?P<head>[^:\n]{1,60}?)(?<!\d)\s*:\s*(?P<body>\D.*)", regex.S)
_HEAD_WORDS = 6
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")


def _translated(lang: str | None) -> bool:
    """A post in a known language other than English (as `_combined` reads it)."""
    return lang not in (None, "en")


def variants(text: str) -> tuple[str, ...]:
    """The texts a segment is embedded as: itself, and, when it opens with a short attribution
    ("Yann LeCun: …"), what follows the colon (at least three words, or four CJK characters)."""
    m = _ATTRIBUTION.fullmatch(text)
    if m is None:
        return (text,)
    head, body = m["head"], m["body"].strip()
    if len(head.split()) > _HEAD_WORDS or not regex.search(r"\p{L}", head):
        return (text,)
    if len(body.split()) < 3 and len(_CJK.findall(body)) < 4:
        return (text,)
    return (text, body)


@dataclass(frozen=True)
class SegmentMatch:
    """The best verified sentence for one segment, and the best circulating one if any."""

    verified: Alignment
    circulating: Alignment | None


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    score: float
    best: Alignment | None


class Matcher:
    def __init__(
        self,
        index: Index,
        embedders: Mapping[str, Embedder],
        circulating_ids: frozenset[str],
        match: MatchConfig,
        model: ModelConfig,
    ) -> None:
        self.index = index
        self.embedders = dict(embedders)
        self.cfg = match
        self.weights = dict(zip(model.embedders, model.weights, strict=True))
        self.combine = model.combine
        is_circ = np.zeros(len(index.docs), dtype=bool)
        is_circ[index.docs.rows(sorted(circulating_ids))] = True
        self.circulating_mask = is_circ
        # With an approximate index, the circulating sentences (a few) are always candidates.
        self.circulating_rows = np.flatnonzero(is_circ)

    def align_many(self, posts: Sequence[NormalisedPost]) -> list[tuple[SegmentMatch, ...]]:
        """Align every segment of every post; all segments (and, in a post not in English,
        their `variants`) are embedded in one batch per model."""
        queries = [(p, s) for p in posts for s in p.segments]
        if not queries:
            return [() for _ in posts]
        texts: list[str] = []
        rows_of: list[list[int]] = []  # per segment, its variants' rows in `texts`
        for post, segment in queries:
            found = variants(segment.text) if _translated(post.lang) else (segment.text,)
            rows_of.append(list(range(len(texts), len(texts) + len(found))))
            texts += [folded(t) for t in found]
        vectors = {name: e.encode(texts) for name, e in self.embedders.items()}
        if self.index.ann is not None:
            return self._align_approximate(posts, vectors, rows_of)
        cosines = self.index.cosines(vectors)
        everything = np.arange(len(self.index.docs))
        segments = iter(rows_of)
        out: list[tuple[SegmentMatch, ...]] = []
        for post in posts:
            matches = []
            for segment in post.segments:
                rows = next(segments)
                emb = self._best_variant({n: c[rows] for n, c in cosines.items()}, post.lang)
                matches.append(self._best(segment, everything, emb))
            out.append(tuple(matches))
        return out

    def _align_approximate(
        self,
        posts: Sequence[NormalisedPost],
        vectors: Mapping[str, Matrix],
        rows_of: Sequence[Sequence[int]],
    ) -> list[tuple[SegmentMatch, ...]]:
        """As `align_many`, over the candidates of the approximate index (asked with the
        weights `_combined` uses: once per model for "max"), each scored exactly."""
        segments = iter(rows_of)
        out: list[tuple[SegmentMatch, ...]] = []
        for post in posts:
            mine = [next(segments) for _ in post.segments]
            rows = [r for variant_rows in mine for r in variant_rows]
            query = {m: v[rows] for m, v in vectors.items()}
            found = [self.index.candidates(query, w, CANDIDATES) for w in self._weights(post.lang)]
            at = {r: i for i, r in enumerate(rows)}  # a variant's row in `query`
            # Every candidate of the post read once (a segment's variants, a repeated sentence
            # share theirs); each segment scored against its own, one small product each (one
            # product over them all went to the multi-threaded BLAS: 10 ms a post at load 4).
            every = np.concatenate([f.reshape(-1) for f in found] + [self.circulating_rows])
            union = np.unique(every[every >= 0])
            read = self.index.rows(union)
            matches = []
            for segment, variant_rows in zip(post.segments, mine, strict=True):
                local = [at[r] for r in variant_rows]
                picked = [f[i] for f in found for i in local] + [self.circulating_rows]
                flat = np.concatenate(picked)
                columns = np.unique(flat[flat >= 0])
                where = np.searchsorted(union, columns)
                cos = {m: v[local] @ read[m][where].T for m, v in query.items()}
                emb = self._best_variant(cos, post.lang)
                matches.append(self._best(segment, columns, emb))
            out.append(tuple(matches))
        return out

    def _best_variant(self, cos: Mapping[str, Matrix], lang: str | None) -> Matrix:
        """The combined cosines of a segment's variants (rows), the best of them per column."""
        combined = self._combined(cos, lang)
        best: Matrix = np.max(np.atleast_2d(combined), axis=0)
        return best

    def _weights(self, lang: str | None) -> list[dict[str, float]]:
        """The weights of the models in the score `_combined` gives a post in `lang`: one set,
        or one per model for "max" (its best candidates are the best of each model's)."""
        if self.combine == "auto" and lang not in (None, "en") and "use" in self.embedders:
            return [{"use": 1.0}]
        if self.combine == "max":
            return [{m: 1.0} for m in self.embedders]
        total = sum(self.weights[m] for m in self.embedders)
        return [{m: self.weights[m] / total for m in self.embedders}]

    def _combined(self, cos: Mapping[str, Matrix], lang: str | None) -> Matrix:
        if self.combine == "auto" and lang not in (None, "en") and "use" in cos:
            return cos["use"]
        if self.combine == "max":
            highest: Matrix = np.max(np.stack(list(cos.values())), axis=0)
            return highest
        total = sum(self.weights[n] for n in cos)
        mean: Matrix = np.sum([(self.weights[n] / total) * c for n, c in cos.items()], axis=0)
        return mean

    def _best(self, segment: Segment, columns: npt.NDArray[np.intp], emb: Matrix) -> SegmentMatch:
        """The best verified and circulating alignment among the documents at `columns`,
        whose combined cosines are `emb` (in the same order)."""
        seg_tokens = tokens(segment.text)
        lam = self.cfg.lexical_weight
        best: dict[bool, Alignment] = {}
        for circ in (False, True):
            mask = self.circulating_mask[columns] == circ
            if not mask.any():
                continue
            candidates = np.flatnonzero(mask)
            top = candidates[np.argsort(-emb[candidates])[:_TOP_K]]
            for at in top:
                e = float(emb[at])
                i = int(columns[at])
                lex = containment(seg_tokens, self.index.tokens[i])
                boost = evidence(seg_tokens, self.index.tokens[i])
                score = max(e, (1 - lam) * e + lam * boost)
                if circ not in best or score > best[circ].score:
                    best[circ] = Alignment(
                        segment=segment,
                        sentence_id=self.index.docs.id(i),
                        circulating=circ,
                        score=score,
                        embedding=e,
                        lexical=lex,
                    )
        return SegmentMatch(verified=best[False], circulating=best.get(True))

    def best_scores(
        self, texts: Sequence[str], lang: str | None, sentence_ids: Sequence[str]
    ) -> dict[str, float]:
        """The best score any of `texts` reaches against each of `sentence_ids`."""
        if not texts or not sentence_ids:
            return {}
        folded_texts = [folded(t) for t in texts]
        vectors = {name: e.encode(folded_texts) for name, e in self.embedders.items()}
        columns = [self.index.docs.position(i) for i in sentence_ids]
        # Exact search keeps its full product; an approximate index's corpus is too large.
        approximate = self.index.ann is not None
        cosines = self.index.cosines(vectors, columns if approximate else None)
        at = range(len(columns)) if approximate else columns
        out = dict.fromkeys(sentence_ids, 0.0)
        for row, text in enumerate(texts):
            emb = self._combined({n: c[row] for n, c in cosines.items()}, lang)
            text_tokens = tokens(text)
            for sid, col, here in zip(sentence_ids, columns, at, strict=True):
                e = float(emb[here])
                boost = evidence(text_tokens, self.index.tokens[col])
                score = max(e, (1 - self.cfg.lexical_weight) * e + self.cfg.lexical_weight * boost)
                out[sid] = max(out[sid], score)
        return out


def decide(
    matches: Sequence[SegmentMatch],
    prose_words: int,
    attributed: bool,
    cfg: MatchConfig,
    lang: str | None = None,
) -> Decision:
    """The verdict from the best verified alignment, against the `match` and `review`
    thresholds of the post's language `lang` (`[match.lang.xx]`, else `[match]`'s). Short
    posts never publish on their own: a match on fewer than `short_text_words` words of prose
    goes to review.

    A post that names no speaker of the corpus is someone's own opinion unless it repeats a
    verified sentence closely: it needs `unattributed` to count at all.

    The alignment that names the source is the best one among the sentences the post presents
    as quotes, when any of them reaches `support`: the quote is the claim being checked."""
    cfg = cfg.for_language(lang)
    candidates = [m.verified for m in matches if not explained_by_circulating(m, cfg)]
    if not candidates:
        return Decision("no_match", 0.0, None)
    best = max(candidates, key=lambda a: a.score)
    quoted = [a for a in candidates if a.segment.quoted and a.score >= cfg.support]
    anchor = max(quoted, key=lambda a: a.score) if quoted else best
    if not attributed and best.score < cfg.unattributed:
        verdict: Verdict = "no_match"
    elif best.score >= cfg.match:
        verdict = "review" if prose_words < cfg.short_text_words else "match"
    elif best.score >= cfg.review:
        verdict = "review"
    else:
        verdict = "no_match"
    return Decision(verdict, best.score, anchor if verdict != "no_match" else None)


def explained_by_circulating(m: SegmentMatch, cfg: MatchConfig) -> bool:
    """True when a segment is closer to a known invented sentence than to any verified one."""
    c = m.circulating
    return c is not None and c.score >= cfg.circulating and c.score > m.verified.score
