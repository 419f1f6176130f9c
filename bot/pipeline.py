"""The one pipeline: normalise → gate → match → compare → compose.

The CLI, the bots and the benchmarks all call `Checker.check_many`; there is no second copy.
`build_checker` is called once from `main()` (it loads the corpus, the models and the index)
and the checker is passed to whatever needs it. Adapters that check a batch of posts from
outside (a JSONL feed, the firehose, a search) go through `check_each`, so that one post the
pipeline raises on cannot take its batch down.

Every post is cleaned at the boundary first (`bot.inputs.clean_post`) and bounded: its first
`[match] max_chars` characters are checked, and of those the first `max_segments` sentences
(and twice as many clauses) are embedded; the reply says when a post was cut."""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import regex

from bot.compare import compare, corpus_people
from bot.compose import ReplyTexts, compose_reply
from bot.config import Config
from bot.contradiction import near_miss
from bot.corpus import load_corpus
from bot.domain import (
    CheckFailure,
    CheckResult,
    Corpus,
    Discrepancy,
    NormalisedPost,
    Post,
    Reply,
    Scores,
    Sentence,
)
from bot.extract import Person, find_people
from bot.gate import Gate
from bot.index import Doc, Index
from bot.inputs import clean_post, clean_text
from bot.lexical import verbatim_share
from bot.match import Decision, Matcher, SegmentMatch, decide, explained_by_circulating
from bot.models.embed import build_embedders
from bot.models.vectors import Embedder
from bot.normalise import normalise, with_language
from bot.pages.record import PUBLISHED, page_url
from bot.passage import clause_segments

log = logging.getLogger(__name__)

_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")


_CLAUSE = regex.compile(r"[,;:()\u2014\u2013]+|(?<=[.!?\u3002\uff01\uff1f\uff0c])")


def clauses(post: NormalisedPost) -> list[str]:
    """The post's clauses (split at commas, semicolons, dashes): a paraphrase often folds two
    source sentences into one, so coverage of a sentence is judged clause by clause."""
    parts = (p.strip() for p in _CLAUSE.split(post.prose))
    return [p for p in parts if len(p.split()) >= 2 or _CJK.search(p)]


def prose_words(post: NormalisedPost) -> int:
    """Words of prose; CJK text counts one word per two characters."""
    return max(len(post.prose.split()), len(_CJK.findall(post.prose)) // 2)


class Checks(Protocol):
    """What the adapters need of the pipeline: a `Checker`, or the live process's
    `bot.runtime.checks.LiveChecks` (the same checker, swapped whole on a corpus reload)."""

    @property
    def corpus(self) -> Corpus: ...

    @property
    def model(self) -> str: ...

    def check(self, post: Post) -> CheckResult: ...

    def check_many(self, posts: Sequence[Post]) -> list[CheckResult]: ...


@dataclass(frozen=True)
class Checker:
    corpus: Corpus
    matcher: Matcher
    gate: Gate
    config: Config
    model: str  # the models used, as recorded in the audit trail

    @cached_property
    def people(self) -> tuple[Person, ...]:
        return corpus_people(self.corpus)

    @cached_property
    def sentences(self) -> dict[str, Sentence]:
        return {s.id: s for s in self.corpus.sentences()}

    @cached_property
    def speaker_names(self) -> frozenset[str]:
        return frozenset(s.name for s in self.corpus.speakers)

    @cached_property
    def reply_texts(self) -> ReplyTexts:
        """The `[reply]` wording, with `speakers` (blank in config.toml) filled in with the
        corpus's speakers' names: no speaker is named in code."""
        texts = self.config.reply
        if texts.speakers.strip():
            return texts
        names = [s.name for s in self.corpus.speakers]
        listed = names[0] if len(names) < 2 else ", ".join(names[:-1]) + " and " + names[-1]
        return dataclasses.replace(texts, speakers=listed)

    @cached_property
    def plain_no_match(self) -> Reply:
        """The reply to a post with no match and nothing to name: the same for every post,
        so composed once (composing it for each gated-out post was a third of the gated time)."""
        texts = self.reply_texts
        return compose_reply(
            "no_match", None, (), texts, max_posts=self.config.reply.bluesky_max_posts
        )

    def check(self, post: Post) -> CheckResult:
        return self.check_many([post])[0]

    def check_many(self, posts: Sequence[Post]) -> list[CheckResult]:
        """Check posts in one batch: every admitted post's sentences go to the models together.
        Each post is cleaned and cut to its bounds first; its result carries what was checked."""
        posts, cut = self._bounded(posts)
        normalised = [normalise(p.text, p.lang, detect=False) for p in posts]
        limit = self.config.match.max_segments
        for i, n in enumerate(normalised):
            if len(n.segments) > limit:
                normalised[i] = dataclasses.replace(n, segments=n.segments[:limit])
                cut[i] = True
        decisions = [self.gate.admits(n) if self.config.gate.enabled else None for n in normalised]
        admitted = [i for i, d in enumerate(decisions) if d is None or d.admitted]
        for i in admitted:  # the language guess is only needed past the gate
            normalised[i] = with_language(normalised[i], posts[i].lang)
        aligned = self.matcher.align_many([normalised[i] for i in admitted])
        by_post: dict[int, tuple[SegmentMatch, ...]] = dict(zip(admitted, aligned, strict=True))
        verdicts = {i: self._decide(normalised[i], m) for i, m in by_post.items()}
        parts = self._clause_matches_many(
            {i: (normalised[i], by_post[i]) for i, d in verdicts.items() if self._in_a_quote(d)}
        )
        results = []
        for i, post in enumerate(posts):
            gate_reason = decisions[i].reason if decisions[i] else "gate off"  # type: ignore[union-attr]
            if i not in by_post:
                results.append(self._no_match(post, (), gate_reason, cut[i], gated_out=True))
                continue
            results.append(
                self._finish(
                    post,
                    normalised[i],
                    by_post[i],
                    verdicts[i],
                    parts.get(i, ()),
                    gate_reason,
                    cut[i],
                )
            )
        return results

    @cached_property
    def _quote_sizes(self) -> dict[str, int]:
        """The number of sentences of each verified sentence's quote."""
        sizes = Counter(s.quote_id for s in self.corpus.sentences())
        return {s.id: sizes[s.quote_id] for s in self.corpus.sentences()}

    def _decide(self, post: NormalisedPost, matches: tuple[SegmentMatch, ...]) -> Decision:
        """The verdict at the thresholds of the post's language; a contradiction just under
        `review` is surfaced as a review (`bot.contradiction.near_miss`), never silent."""
        attributed = self.names_a_speaker(post)
        thresholds = self.config.match.for_language(post.lang)
        decision = decide(matches, prose_words(post), attributed, thresholds)
        near = near_miss(matches, self.sentences, thresholds) if attributed else None
        if decision.best is None and near is not None:
            decision = Decision("review", near.score, near)
        return decision

    def _in_a_quote(self, decision: Decision) -> bool:
        """Does the decision rest on a sentence whose quote has others (a passage may grow)?"""
        best = decision.best
        return best is not None and self._quote_sizes.get(best.sentence_id, 1) > 1

    def _bounded(self, posts: Sequence[Post]) -> tuple[list[Post], list[bool]]:
        """The posts cleaned (`bot.inputs`) and cut to `max_chars`; which ones were cut."""
        limit = self.config.match.max_chars
        cleaned = [clean_post(p) for p in posts]
        cut = [len(p.text) > limit for p in cleaned]
        bounded = [
            dataclasses.replace(p, text=p.text[:limit]) if c else p
            for p, c in zip(cleaned, cut, strict=True)
        ]
        return bounded, cut

    def clauses(self, post: NormalisedPost) -> list[str]:
        """The clauses embedded for coverage, at most twice `max_segments`."""
        return clauses(post)[: 2 * self.config.match.max_segments]

    @cached_property
    def _sentence_texts(self) -> dict[str, str]:
        return {s.id: s.text for s in self.corpus.sentences()}

    def _clause_matches_many(
        self, posts: Mapping[int, tuple[NormalisedPost, tuple[SegmentMatch, ...]]]
    ) -> dict[int, tuple[SegmentMatch, ...]]:
        """Each clause of each post's sentences (`bot.passage.clause_segments`, at most twice
        `max_segments` a post) aligned with its best verified sentence, all in one batch: the
        parts that may cover the neighbours of the matched sentence (the passage). A sentence
        that is a faithful fragment of the one it matched is not split (its clauses would
        cover nothing else: `bot.compare`), which spares the models most verbatim quotes."""
        cap = 2 * self.config.match.max_segments
        texts, below = self._sentence_texts, self.config.compare.reworded_below
        split = {
            i: clause_segments(
                [
                    m.verified.segment
                    for m in matches
                    if verbatim_share(
                        m.verified.segment.text, texts.get(m.verified.sentence_id, "")
                    )
                    < below
                ]
            )[:cap]
            for i, (_, matches) in posts.items()
        }
        keys = [i for i, parts in split.items() if parts]
        clause_posts = [dataclasses.replace(posts[i][0], segments=split[i]) for i in keys]
        return dict(zip(keys, self.matcher.align_many(clause_posts), strict=True))

    def _finish(
        self,
        post: Post,
        normalised: NormalisedPost,
        matches: tuple[SegmentMatch, ...],
        decision: Decision,
        parts: tuple[SegmentMatch, ...],
        gate_reason: str,
        cut: bool,
    ) -> CheckResult:
        cfg = self.config
        if decision.best is None:
            # On a post with no verified match, only sentences close to a known invented quote
            # are named: anything else is simply outside what the corpus covers.
            invented = tuple(
                Discrepancy("unsupported", claimed=m.verified.segment.text)
                for m in matches
                if explained_by_circulating(m, cfg.match)
            )
            return self._no_match(
                post, invented, gate_reason, cut, score=decision.score, matches=matches
            )
        comparison = compare(
            normalised,
            post.created_at,
            matches,
            decision.best.sentence_id,
            self.corpus,
            cfg.match,
            cfg.compare,
            coverage=lambda ids: self.matcher.best_scores(
                self.clauses(normalised), normalised.lang, ids
            ),
            parts=parts,
        )
        verdict = decision.verdict
        if verdict == "match" and comparison.match.disputed:
            verdict = "review"  # a disputed sentence never publishes on its own
        page = page_url(cfg.pages.base_url, post.id) if verdict in PUBLISHED else ""
        reply = compose_reply(
            verdict,
            comparison.match,
            comparison.discrepancies,
            self.reply_texts,
            cut,
            page,
            cfg.reply.bluesky_max_posts,
            _from_image(post),
        )
        return CheckResult(
            post=post,
            verdict=verdict,
            score=decision.score,
            match=comparison.match,
            discrepancies=comparison.discrepancies,
            reply=reply,
            alignments=tuple(m.verified for m in matches),
            corpus_version=self.corpus.version,
            scores=Scores(
                gate=gate_reason,
                cut=cut,
                sentence_id=decision.best.sentence_id,
                embedding=round(decision.best.embedding, 4),
                lexical=round(decision.best.lexical, 4),
                disputed=comparison.match.disputed,
            ),
        )

    def names_a_speaker(self, post: NormalisedPost) -> bool:
        """Does the post name one of the corpus's speakers (any alias, any script, handles)?"""
        people = find_people(post.text, self.people)
        return any(p.person in self.speaker_names for p in people)

    def _no_match(
        self,
        post: Post,
        discrepancies: tuple[Discrepancy, ...],
        gate_reason: str,
        cut: bool,
        *,
        gated_out: bool = False,
        score: float = 0.0,
        matches: Sequence[SegmentMatch] = (),
    ) -> CheckResult:
        if discrepancies or cut or post.image:
            reply = compose_reply(
                "no_match",
                None,
                discrepancies,
                self.reply_texts,
                cut,
                max_posts=self.config.reply.bluesky_max_posts,
                from_image=_from_image(post),
            )
        else:
            reply = self.plain_no_match
        return CheckResult(
            post=post,
            verdict="no_match",
            score=score,
            match=None,
            discrepancies=discrepancies,
            reply=reply,
            alignments=tuple(m.verified for m in matches),
            admitted=not gated_out,
            scores=Scores(gate=gate_reason, cut=cut),
        )


def _from_image(post: Post) -> str:
    """How the words checked came from the post's image ("alt", "ocr", "seen"), or ""."""
    return post.image.source if post.image else ""


def check_each(checks: Checks, posts: Sequence[Post]) -> list[CheckResult | CheckFailure]:
    """Check a batch from outside so that one post cannot take the others down: the batch in
    one go (the fast path), and when it raises, each post on its own; a post that still raises
    is answered with a `CheckFailure` (and logged with its traceback), the others are checked."""
    try:
        return list(checks.check_many(posts))
    except Exception as exc:
        if len(posts) == 1:
            log.exception("the pipeline could not check %s", clean_text(posts[0].id)[:80])
            return [CheckFailure(posts[0], clean_text(f"{type(exc).__name__}: {exc}")[:300])]
        log.warning("a batch of %d posts raised: checking each on its own", len(posts))
    return [outcome for post in posts for outcome in check_each(checks, [post])]


def probe_post(corpus: Corpus) -> Post:
    """A post that the health check sends through the whole pipeline: it names the corpus's
    first speaker (so the gate admits it and the models run) and says nothing else."""
    name = corpus.speakers[0].name if corpus.speakers else "factbot"
    return Post("healthz", f"{name} said something")


def corpus_docs(corpus: Corpus) -> list[Doc]:
    """What the index holds: every verified sentence and every circulating one, except the
    circulating records that reword a verified sentence (`paraphrase_of`): a post quoting them
    is met through the sentence they reword. Unverified records are never indexed."""
    docs = [Doc(s.id, s.text) for s in corpus.sentences()]
    return docs + [Doc(c.id, c.text) for c in corpus.circulating if not c.paraphrase_of]


def build_checker(config: Config, embedders: Mapping[str, Embedder] | None = None) -> Checker:
    """Load the corpus (refusing a bad one), the models and the cached index."""
    corpus = load_corpus(config.corpus.path)
    m = config.model
    if embedders is None:
        embedders = build_embedders(m.embedders, m.threads, m.batch_size, m.cache_dir)
    index = Index.build(
        corpus_docs(corpus), embedders, m.cache_dir, corpus.version, m.ann_above, m.threads
    )
    circulating = frozenset(c.id for c in corpus.circulating)
    matcher = Matcher(index, embedders, circulating, config.match, config.model)
    gate = Gate.from_corpus(corpus, min_phrases=config.gate.min_phrases)
    model = "+".join(e.name for e in embedders.values())
    log.info("checker ready: %d sentences, corpus %s", len(index.docs), corpus.version[:12])
    return Checker(corpus, matcher, gate, config, model)
