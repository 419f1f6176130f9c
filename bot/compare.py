"""Compare: for a matched post, name what it changed against the verified source.

Claims about who, where, when and with what title are read from the post's framing (its words
outside the quote marks); wording is judged on the quoted sentences. Pure: the post's
`created_at` is the only clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.config import CompareConfig, MatchConfig
from bot.contradiction import contradiction
from bot.dates import find_dates
from bot.domain import (
    Corpus,
    Discrepancy,
    Event,
    MatchInfo,
    NormalisedPost,
    Segment,
    Sentence,
    Speaker,
)
from bot.extract import Person, Place, find_people, find_places, find_roles
from bot.lexical import containment, tokens, verbatim_share
from bot.match import SegmentMatch, explained_by_circulating
from bot.normalise import sentence_language
from bot.passage import Cover, covers, find_passage, passage_of

# Given sentence ids, the best score any part of the post reaches against each of them.
Coverage = Callable[[Sequence[str]], Mapping[str, float]]
_COVERED_WORDS = 0.6  # a dropped sentence whose content words the post mostly repeats is not
_REPEATED = 0.6  # a post sentence is also read against the event's sentences it mostly repeats
_MAX_DAYS = 3_000_000  # a tolerance beyond the calendar's span is the whole calendar


@dataclass(frozen=True)
class Comparison:
    match: MatchInfo
    discrepancies: tuple[Discrepancy, ...]


def corpus_places(corpus: Corpus) -> tuple[Place, ...]:
    """Every event of the corpus as a gazetteer entry, so that a post naming it is understood."""
    out = []
    for e in corpus.events:
        names = (e.event, e.venue, *e.venue_aliases)
        out.append(Place(name=e.event, aliases=tuple(n for n in names if n)))
    return tuple(out)


def corpus_people(corpus: Corpus) -> tuple[Person, ...]:
    return tuple(Person(name=s.name, aliases=s.aliases) for s in corpus.speakers)


def compare(
    post: NormalisedPost,
    created_at: datetime | None,
    matches: Sequence[SegmentMatch],
    best_sentence: str,
    corpus: Corpus,
    match_cfg: MatchConfig,
    cfg: CompareConfig,
    coverage: Coverage | None = None,
    parts: Sequence[SegmentMatch] = (),
) -> Comparison:
    """What the post changed against the verified passage it covers (`bot.passage`): the
    sentence `best_sentence` and its neighbours in the same quote that the post's sentences or
    their clauses (`parts`: `bot.passage.clause_segments`, each aligned with its best verified
    sentence) match."""
    sentences = {s.id: s for s in corpus.sentences()}
    sentence = sentences[best_sentence]
    event = corpus.event(sentence.event_id)
    supported = {
        m.verified.sentence_id
        for m in matches
        if m.verified.score >= match_cfg.support and not explained_by_circulating(m, match_cfg)
    }
    quote = [s for s in event.sentences if s.quote_id == sentence.quote_id]
    found_covers = covers(matches, match_cfg)
    if len(quote) > 1:
        found_covers += covers(_folding(parts, matches, sentences, cfg), match_cfg)
    passage = find_passage(quote, sentence.id, {c.sentence_id for c in found_covers})
    in_passage = {s.id for s in passage}
    supported |= {c.sentence_id for c in found_covers if c.sentence_id in in_passage}
    found: list[Discrepancy] = []
    found += _venue(post.framing, event, corpus)
    found += date_discrepancies(post.framing, created_at, event, cfg)
    speaker = corpus.speaker(event.speaker)
    found += _speaker(post.framing, event, corpus)
    found += _role(post.framing, event, speaker)
    omitted = _omitted(event, supported)
    if omitted:
        covered = coverage([s.id for s in omitted]) if coverage else {}
        words = tokens(post.prose)
        omitted = [
            s
            for s in omitted
            if covered.get(s.id, 0.0) < match_cfg.support
            and containment(words, tokens(s.text)) < _COVERED_WORDS
        ]
    found += [Discrepancy("omitted", verified=s.text) for s in omitted]
    # The reply quotes the passage, and the closing sentence right after it the post dropped.
    after = quote.index(passage[-1]) + 1
    quote_sentences = [*passage, *(s for s in quote[after : after + 1] if s in omitted)]
    # A sentence the reply quotes as the original of a part of the post is never also named as
    # having no verified source (the reply would contradict itself: issue 18).
    segments = [m.verified.segment for m in matches]
    passage_covers = [c for c in found_covers if c.sentence_id in in_passage]
    shown = _shown_by(passage_covers, segments)
    found += unsupported(matches, sentences, match_cfg, cfg, shown)
    found += _reworded(matches, sentences, event, post.lang, match_cfg, cfg, passage_covers)
    found += contradicted(matches, sentences, event, match_cfg)
    info = _match_info(event, sentence, quote_sentences, speaker, passage)
    return Comparison(info, tuple(found))


def _match_info(
    event: Event,
    sentence: Sentence,
    quote: Sequence[Sentence],
    speaker: Speaker | None,
    passage: Sequence[Sentence] = (),
) -> MatchInfo:
    """The match as replies state it, with how sure it is: the basis of the quote's sentences
    (one quote has one basis: bot/corpus_tables.py), the sources that carry them (the link: the
    first primary one, else the first), and whether any shown sentence is disputed."""
    sources, source = event.quote_sources(quote), event.quote_source(quote)
    disputed = [s.provenance for s in quote if s.provenance.disputed]
    return MatchInfo(
        quote=" ".join(s.text for s in quote),
        quote_id=sentence.quote_id,
        speaker=event.speaker,
        speaker_role=event.speaker_role,
        event=event.event,
        venue=event.venue,
        city=event.city,
        date=event.date,
        source_url=source.url,
        source_kind=source.kind,
        event_id=event.id,
        publisher=source.publisher,
        basis=sentence.provenance.basis,
        sources=sources,
        lang=sentence.lang,
        translated_from=sentence.provenance.translated_from,
        disputed=bool(disputed),
        dispute_note=disputed[0].dispute_note if disputed else "",
        sentence_ids=tuple(s.id for s in quote),
        pronoun=speaker.pronoun if speaker else "they",
        passage=passage_of(passage or [sentence]),
    )


def _consistent(name: str, event: Event) -> bool:
    words = {w.lower() for w in (event.event, event.venue, event.city, event.country)}
    words |= {a.lower() for a in event.venue_aliases}
    return name.lower() in words


def _venue(framing: str, event: Event, corpus: Corpus) -> list[Discrepancy]:
    mentions = find_places(framing, corpus_places(corpus))
    if not mentions or any(
        _consistent(m.place, event) or _consistent(m.surface, event) for m in mentions
    ):
        return []
    return [Discrepancy("venue", claimed=mentions[0].surface, verified=event.place)]


def date_discrepancies(
    framing: str, created_at: datetime | None, event: Event, cfg: CompareConfig
) -> list[Discrepancy]:
    """A `date` discrepancy for the first date the framing claims that is further than
    `date_tolerance_days` from the event's (none when every claimed date agrees)."""
    tolerance = timedelta(days=min(cfg.date_tolerance_days, _MAX_DAYS))
    for claim in find_dates(framing, created_at):
        if _shift(claim.earliest, -tolerance) <= event.date <= _shift(claim.latest, tolerance):
            continue
        claimed = claim.surface
        if claim.relative:
            claimed = f"{claim.surface} ({_span(claim.earliest, claim.latest)})"
        return [Discrepancy("date", claimed=claimed, verified=event.date.isoformat())]
    return []


def _shift(day: date, by: timedelta) -> date:
    """`day + by`, held at the ends of the calendar (a year-1 `created_at` cannot overflow)."""
    try:
        return day + by
    except OverflowError:
        return date.min if by < timedelta(0) else date.max


def _span(a: date, b: date) -> str:
    return a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}"


def _speaker(framing: str, event: Event, corpus: Corpus) -> list[Discrepancy]:
    people = find_people(framing, corpus_people(corpus))
    if not people or any(p.person == event.speaker for p in people):
        return []
    return [Discrepancy("speaker", claimed=people[0].person, verified=event.speaker)]


def _role(framing: str, event: Event, speaker: Speaker | None) -> list[Discrepancy]:
    if speaker is None:
        return []
    for claim in find_roles(framing, speaker):
        claimed = f"{'former ' if claim.former else ''}{claim.title}, {claim.org}"
        held = [
            r for r in speaker.roles if r.org.lower() == claim.org.lower() and r.titled(claim.title)
        ]
        if not held:
            return [Discrepancy("speaker_role", claimed=claimed, verified=event.speaker_role)]
        role = held[0]
        if role.start and event.date < role.start and not claim.former:
            return [Discrepancy("speaker_role", claimed=claimed, verified=event.speaker_role)]
        if claim.former and role.held_on and event.date <= role.held_on:
            return [Discrepancy("speaker_role", claimed=claimed, verified=event.speaker_role)]
        if not claim.former and role.ended_by and event.date >= role.ended_by:
            return [Discrepancy("speaker_role", claimed=claimed, verified=event.speaker_role)]
    return []


def _omitted(event: Event, supported: set[str]) -> list[Sentence]:
    """The closing sentence of a quote, when the post quotes the sentence just before it and
    stops short: the pattern of a dropped qualifier ("... are all Chinese." without "And it's
    not good."). A sentence in the middle of a long passage is not named: a post that quotes
    the start of a long post has not "dropped" its every next sentence."""
    out = []
    ordered = event.sentences
    for i, s in enumerate(ordered[:-1]):
        nxt = ordered[i + 1]
        closing = i + 2 == len(ordered) or ordered[i + 2].quote_id != nxt.quote_id
        stops_short = s.id in supported and nxt.id not in supported
        if stops_short and nxt.quote_id == s.quote_id and closing:
            out.append(nxt)
    return out


def _verbatim(
    text: str, m: SegmentMatch, sentences: Mapping[str, Sentence], cfg: CompareConfig
) -> bool:
    verified = sentences.get(m.verified.sentence_id)
    return verified is not None and verbatim_share(text, verified.text) >= cfg.reworded_below


def unsupported(
    matches: Sequence[SegmentMatch],
    sentences: Mapping[str, Sentence],
    match_cfg: MatchConfig,
    cfg: CompareConfig,
    shown: Set[str] = frozenset(),
) -> list[Discrepancy]:
    """Sentences presented as quotes that match no verified sentence, and any sentence that is
    closer to a known invented quote than to anything verified. A sentence in `shown` (the
    post sentence that put a verified sentence in the reply's quote) is not unsupported."""
    out = []
    for m in matches:
        seg = m.verified.segment
        if explained_by_circulating(m, match_cfg):
            out.append(Discrepancy("unsupported", claimed=seg.text))
            continue
        if seg.text in shown:
            continue
        quote_like = seg.quoted and len(seg.text.split()) >= cfg.unsupported_min_words
        weak = m.verified.score < match_cfg.quoted
        if quote_like and weak and not _verbatim(seg.text, m, sentences, cfg):
            out.append(Discrepancy("unsupported", claimed=seg.text))
    return out


def _reworded(
    matches: Sequence[SegmentMatch],
    sentences: dict[str, Sentence],
    event: Event,
    lang: str | None,
    match_cfg: MatchConfig,
    cfg: CompareConfig,
    passage_covers: Sequence[Cover] = (),
) -> list[Discrepancy]:
    """Quoted words that differ from the source. A translation is not a rewording: a quoted
    sentence in another language than its source is left alone. The language compared is the
    quoted sentence's own (detected), else the post's: like with like, whatever was declared.
    A quoted sentence whose clauses cover two or more sentences of the passage is compared with
    those sentences, joined in order."""
    out = []
    for m in matches:
        a = m.verified
        verified_text = _covered_text(m.verified.segment, passage_covers, sentences)
        quoted_lang = sentence_language(a.segment.text) or lang
        if quoted_lang and sentences[a.sentence_id].lang != quoted_lang:
            continue
        if not a.segment.quoted or a.score < match_cfg.quoted:
            continue  # below `quoted` the sentence is unsupported, not reworded
        verified = verified_text or sentences[a.sentence_id].text
        if verbatim_share(a.segment.text, verified) >= cfg.reworded_below:
            continue
        if explained_by_circulating(m, match_cfg) or sentences[a.sentence_id].event_id != event.id:
            continue
        out.append(Discrepancy("reworded", claimed=a.segment.text, verified=verified))
    return out


def _folding(
    parts: Sequence[SegmentMatch],
    matches: Sequence[SegmentMatch],
    sentences: Mapping[str, Sentence],
    cfg: CompareConfig,
) -> list[SegmentMatch]:
    """The clauses that may cover a sentence of their own: those of a post sentence that is not
    a faithful fragment of the one verified sentence it matched (its words there, in order: it
    folds nothing, and its clauses are that sentence's pieces)."""
    whole = [
        m.verified.segment
        for m in matches
        if m.verified.sentence_id in sentences
        and _verbatim(m.verified.segment.text, m, sentences, cfg)
    ]
    return [p for p in parts if not any(_inside(p.verified.segment, w) for w in whole)]


def _inside(part: Segment, segment: Segment) -> bool:
    return segment.start <= part.start and part.end <= segment.end


def _covered_text(
    segment: Segment, passage_covers: Sequence[Cover], sentences: Mapping[str, Sentence]
) -> str:
    """The passage sentences that `segment` or its clauses cover, joined in the order spoken,
    when there are two or more; else "" (the sentence it matched is the one to compare)."""
    ids = {c.sentence_id for c in passage_covers if _inside(c.part, segment)}
    if len(ids) < 2:
        return ""
    ordered = sorted((sentences[i] for i in ids), key=lambda s: s.position)
    return " ".join(s.text for s in ordered)


def contradicted(
    matches: Sequence[SegmentMatch],
    sentences: Mapping[str, Sentence],
    event: Event,
    match_cfg: MatchConfig,
) -> list[Discrepancy]:
    """Post sentences that match a verified sentence of the event (at `support` or above) but
    say the opposite (`bot.contradiction`): named, never a silent match. Each verified sentence
    at most once. A post sentence is read against the sentence it matched and against any other
    sentence of the event whose words it repeats (`repeats`): "that is the weakness of open
    research and open source" may match DeepSeek's sentence about open research, and still
    reverse "That is the power of open research and open source"."""
    out, seen = [], set()
    for m in matches:
        a = m.verified
        verified = sentences.get(a.sentence_id)
        if verified is None or verified.event_id != event.id or a.score < match_cfg.support:
            continue
        if explained_by_circulating(m, match_cfg):
            continue
        if (sentence_language(a.segment.text) or verified.lang) != verified.lang:
            continue  # a translation is compared by the models only
        words = tokens(a.segment.text)
        others = [s for s in event.sentences if s.id != verified.id and repeats(words, s)]
        for s in (verified, *others):
            if s.id not in seen and contradiction(a.segment.text, s.text) is not None:
                seen.add(s.id)
                out.append(Discrepancy("contradicted", claimed=a.segment.text, verified=s.text))
                break
    return out


def repeats(words: frozenset[str], sentence: Sentence) -> bool:
    """Does a post sentence (its content `words`) repeat most of `sentence`'s content words
    (`_REPEATED`, and at least three of them)?"""
    theirs = tokens(sentence.text)
    return len(words & theirs) >= 3 and containment(words, theirs) >= _REPEATED


def _shown_by(passage_covers: Sequence[Cover], segments: Sequence[Segment]) -> set[str]:
    """The post sentences (by text) that put a sentence of the passage in the reply: for each
    sentence of the passage, the part (a post sentence or a clause of one) that covers it best,
    and the post sentence it belongs to. Another, weaker sentence aligned with it (an invented
    quote next to a verbatim one) is still judged on its own."""
    best: dict[str, Cover] = {}
    for c in passage_covers:
        if c.sentence_id not in best or c.score > best[c.sentence_id].score:
            best[c.sentence_id] = c
    return {s.text for c in best.values() for s in segments if _inside(c.part, s)}
