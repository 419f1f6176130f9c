"""The gate: a cheap, deterministic filter in front of the embedding model.

A post is admitted when it names a speaker of the corpus (a name or alias, in any script), or
when it mentions at least `min_phrases` distinct key phrases. Key phrases are grouped into
concepts, and concepts are what is counted: "open source", "open-source" and "开源" are one
concept, so a post must touch two different themes ("open source" and "China", say) to pass.
The themes, like the names, come from the corpus (corpus/speakers.toml). Every decision
carries its reason ("alias:LeCun", "phrases:china+open source"), so that what the
gate lets through and what it drops can be counted and explained.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain import Corpus, NormalisedPost

# Scripts written without spaces between words: a name or phrase in them is found as a
# substring; everything else must stand between word boundaries.
_UNSPACED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u0e00-\u0e7f]"
)
_JOINERS = re.compile(r"[\s\-]+")
_WORD = re.compile(r"[^\W\d_]+")

# Frequent words of six letters or more that say nothing about the topic: everyday English
# (and the same in French, Spanish, German). The corpus's other long words are distinctive.
_STOPWORD_TEXT = """
    absolutely access across action actions activity actually advanced afford against agreed
    almost already although always american amount animal another answer anyone anything appear
    approach argued around article artist attack attention august autumn available basically
    beautiful became because become becomes before beginning behavior behind believe benefit
    better between beyond bigger biggest billion bluesky bottom british brother budget building
    business called campaign cancer cannot capital career center central certain certainly
    chance change changed changes changing character children choice church circles citizen
    claimed claims clearly collection college coming common community companies company complete
    completely computer concern condition congress consider continue continued control correct
    countries country couple course create created cultural culture current currently customer
    daughter debate decade december decide decision definitely degree democracy democrat
    describe design despite detail develop development difference different difficult dinner
    direction director discover discussion disease doctor domain during easily economic economy
    effect effort either election energy english enjoyed enough ensure entire environment
    especially europe european evening everybody everyone everything evidence exactly example
    expect experience expert explain factor family faster father february federal feeling figure
    finally financial finger finish follow followers following foreign forget former forward
    french friday friend friends future garden general generation german getting giving global
    government greater greatest ground growth happen happened happening happens having health
    herself higher highest himself history honestly hospital however humans hundred husband
    identify imagine impact important impossible improve include included includes including
    increase indeed individual industry information inside instead institution interest
    interested interesting internet interview invent investment involve involved involving
    island itself january keeping knowledge language larger largest latest lawyer leader league
    leaving letter likely limited listen listening literally little living london longer longest
    looked looking machine magazine maintain making manage management manager market marriage
    material matter measure medical meeting member members memory mention message method middle
    military million minister minute minutes missed mission modern moment monday morning mostly
    mother movement moving myself nation national natural nature nearly necessary needed network
    newspaper nobody nothing notice november number numbers obviously october office officer
    official officials online operation option organization others ourselves outside painting
    pardon parent parents particular partner patient pattern paying people percent perform
    performance perhaps period person personal photos phrase physical picture pictures played
    player players playing plenty points police policy political politics popular population
    position positive possible possibly posted posting powerful practice prepare present
    president pressure pretty prevent private probably problem problems process produced product
    production professional professor profit program project property protect provide provided
    public purpose quality question questions quickly rather reading reality realize really
    reason reasons receive recent recently recognize record reduce reflect region regions relate
    relationship religious remain remember remove report reported reports represent republican
    require research resource respond response result results return reveal rights running
    saturday saying school schools science scientist season second seconds secret section
    security seeing seemed senior september sequence series serious seriously service services
    several should showed similar simple simply single sister situation smarter social society
    soldier somebody someone something sometimes somewhere source sources southern spanish
    special specific speech spoken sports spring standard started starting statement states
    station stopped strategy street strong structure student students success successful
    suddenly suffer suggest summer sunday support supported surface system systems taking
    talking teacher technology television themselves theory therefore things thinking thinks
    though thought thousand thousands thread threads threat through throughout thursday together
    tomorrow tonight totally toward towards traditional training travel treatment trouble trying
    tuesday turned twitter understand understanding united unless usually various victim videos
    violence walked wanted washington watching weapon weather website wednesday weekend western
    whatever whereas whether window winter within without worked worker working writer writing
    yesterday yourself
    actuel actuelle actuelles actuels algunas algunos andere anderen autant autres bastante
    beaucoup certaines certains chaque choses ciertamente cierto comment contre cuando darüber
    demain depuis derrière deshalb después devant diesen dieser dieses einfach encore ensemble
    entonces français française gerade gestern gobierno gouvernement jamais können maintenant
    manera menschen mientras momento morgen muchas muchos müssen nachdem niveau nouveau nouveaux
    nouvelle nouvelles nuestra nuestro parfois pendant personas personne personnes plusieurs
    porque pourquoi pourtant presque pueden quelque quelques realmente semaine seulement siempre
    siguiente simplement solamente sollen sollte souvent supuesto también tiempo todavía
    toujours toutes trabajo travail trotzdem unsere ustedes vielleicht vraiment weiterhin welche
    werden wieder wirklich wurden während ziemlich zwischen également
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class GateDecision:
    admitted: bool
    reason: str  # "alias:LeCun", "phrases:china+open source", "phrases:meta (1 < 2)", "none"


def _key(text: str) -> str:
    """What a variant and the text it matched have in common: folded case, no spaces or
    hyphens ("Open-Source" and "open source" are both "opensource")."""
    return _JOINERS.sub("", unicodedata.normalize("NFKC", text).casefold())


def _letters(text: str) -> str:
    """Letters and digits only, case folded: "@Yann-LeCun" gives "yannlecun"."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _pattern(
    variants: Iterable[str], plurals: bool, exact: frozenset[str] = frozenset()
) -> re.Pattern[str]:
    """One regex for all variants, longest first: CJK ones as substrings, others on word
    boundaries, space and hyphen interchangeable, an optional plural "s"/"es" when asked; the
    `exact` ones only in their own case."""
    cjk, latin = [], []
    for variant in sorted(set(variants), key=lambda v: (-len(v), v)):
        parts = _JOINERS.split(unicodedata.normalize("NFKC", variant).strip())
        body = r"[\s\-]*".join(re.escape(p) for p in parts if p)
        if not body:
            continue
        if _UNSPACED.search(variant):
            cjk.append(body)
        else:
            latin.append(f"(?-i:{body})" if variant in exact else body)
    suffix = "(?:e?s)?" if plurals else ""
    # not inside a word; digits may follow a name ("Qwen3", "Llama4")
    alternatives = [f"(?<![^\\W_])(?:{'|'.join(latin)}){suffix}(?![^\\W\\d_])"] if latin else []
    alternatives += cjk
    return re.compile("|".join(alternatives) or "(?!)", re.IGNORECASE)


def distinctive_words(texts: Iterable[str]) -> list[str]:
    """Words of six letters or more, of alphabetic scripts, that occur in `texts` and are not
    stopwords: in the ai-PULSE talk "proponent", "hypnotised", "systematic", "rethinking"…
    (CJK text has no spaces to cut words on and gives none.) A word inside a longer phrase
    ("silicon" in "Silicon Valley") is not counted twice: the phrase pattern takes the longest
    match at each place."""
    words = {
        w.casefold()
        for text in texts
        for w in _WORD.findall(unicodedata.normalize("NFKC", text))
        if len(w) >= 6 and not _UNSPACED.search(w)
    }
    return sorted(words - STOPWORDS)


class Gate:
    """Admit a post that names a speaker, or that touches `min_phrases` distinct concepts."""

    def __init__(
        self,
        aliases: Sequence[str],
        concepts: Sequence[tuple[str, Sequence[str]]],
        min_phrases: int = 2,
        exact_case: Iterable[str] = (),
    ) -> None:
        """`exact_case`: variants that are ordinary words in another case ("Meta", "AMI")."""
        if min_phrases < 1:
            raise ValueError(f"min_phrases must be at least 1, not {min_phrases}")
        self.min_phrases = min_phrases
        self._alias_of: dict[str, str] = {}
        for alias in aliases:
            self._alias_of.setdefault(_key(alias), alias)
        self._concept_of: dict[str, str] = {}
        for concept, variants in concepts:
            for variant in variants:
                self._concept_of.setdefault(_key(variant), concept)
        exact = frozenset(exact_case)
        self._aliases = _pattern(aliases, plurals=False, exact=exact)
        self._phrases = _pattern([v for _, vs in concepts for v in vs], plurals=True, exact=exact)
        # A handle like @ylecun names him too: its first label, letters only, holds an alias.
        self._handle_aliases = [
            (_letters(k), a) for k, a in self._alias_of.items() if len(_letters(k)) >= 4
        ]

    @classmethod
    def from_corpus(
        cls, corpus: Corpus, extra_phrases: Sequence[str] = (), *, min_phrases: int = 2
    ) -> Gate:
        """Aliases: every speaker's name and aliases. Concepts: the speakers' themes
        (corpus/speakers.toml; a theme of the same name in two speakers is one concept), each
        event's name with its venue aliases (one concept per event), each extra phrase, and
        each distinctive word of the verified and circulating sentences."""
        aliases, concepts, exact = corpus_terms(corpus)
        concepts += [(p.casefold(), (p,)) for p in extra_phrases if p.strip()]
        texts = [s.text for s in corpus.sentences()] + [c.text for c in corpus.circulating]
        concepts += [(w, (w,)) for w in distinctive_words(texts)]
        return cls(aliases, concepts, min_phrases, exact)

    def _concept(self, matched: str) -> str | None:
        """The concept of a matched text, less a plural ending or a version number."""
        key = _key(matched)
        base = key.rstrip("0123456789")
        for candidate in (key, base, base[:-1], base[:-2]):
            if candidate in self._concept_of:
                return self._concept_of[candidate]
        return None

    def admits(self, post: NormalisedPost) -> GateDecision:
        alias = self._aliases.search(post.text)
        if alias:
            return GateDecision(True, f"alias:{self._alias_of.get(_key(alias.group()), '?')}")
        for handle in post.handles:
            letters = _letters(handle.split(".")[0])
            for key, name in self._handle_aliases:
                if key in letters:
                    return GateDecision(True, f"alias:{name}")
        found: list[str] = []
        for m in self._phrases.finditer(post.text):
            concept = self._concept(m.group())
            if concept is not None and concept not in found:
                found.append(concept)
        if not found:
            return GateDecision(False, "none")
        named = "+".join(sorted(found))
        if len(found) >= self.min_phrases:
            return GateDecision(True, f"phrases:{named}")
        return GateDecision(False, f"phrases:{named} ({len(found)} < {self.min_phrases})")


def corpus_terms(
    corpus: Corpus,
) -> tuple[list[str], list[tuple[str, Sequence[str]]], list[str]]:
    """What a gate knows from the corpus itself: every speaker's name and aliases; the
    concepts (the speakers' themes, a theme of the same name in two speakers being one, and
    each event's name with its venue aliases); the theme phrases matched as written."""
    aliases = [a for s in corpus.speakers for a in (s.name, *s.aliases)]
    themes: dict[str, list[str]] = {}
    for theme in (t for s in corpus.speakers for t in s.themes):
        themes.setdefault(theme.name, []).extend((*theme.words, *theme.as_written))
    exact = [w for s in corpus.speakers for t in s.themes for w in t.as_written]
    concepts: list[tuple[str, Sequence[str]]] = list(themes.items())
    for event in corpus.events:
        concepts.append((f"event:{event.id}", (event.event, *event.venue_aliases)))
    return aliases, concepts, exact
