"""The word tables behind `bot.contradiction`: opposites, named entities, quantities, numbers,
absolutes and hedges. Plain data, meant to be extended by adding lines; the rules that read
them are in `bot.contradiction`."""

from __future__ import annotations

import regex

NEGATIONS = frozenset(
    """
    not no never none nobody nothing neither nor cannot without stopped stop stops ceased
    ne pas jamais aucun aucune nunca ningún ninguna ni nicht nie niemals kein keine
    keinen
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Pairs of opposites, each side a set of word forms ("a b c" / "d e").
_PAIRS = (
    ("open openly public", "closed close closing proprietary secret secretly secrecy"),
    ("good great", "bad terrible"),
    ("best", "worst"),
    ("better", "worse"),
    ("more", "less fewer"),
    ("much lot lots plenty", "little"),  # "leaves little room" is "does not leave much room"
    ("larger large bigger big", "smaller small"),
    (
        "ahead front overtake overtakes overtaking overtook overtaken surpass surpasses "
        "surpassing surpassed outpace outpaces outpacing outpaced",
        "behind trailing trail trails lag lags lagging",
    ),
    (
        "accelerate accelerates accelerating faster speed speeding speeds",
        "slow slows slowing slower decelerate hamper hampers",
    ),
    ("still", "over ended ending"),
    ("wrong mistaken", "right correct"),
    ("win winning wins gain gains gaining", "lose losing lost loses"),
    ("profit profited profits profiting benefited", "suffered suffer suffers suffering harmed"),
    ("dangerous", "safe harmless"),
    ("dead", "alive"),
    ("power strength", "weakness"),
    ("bullshit nonsense", "true right correct"),
    ("increasing increase rising", "decreasing decrease falling"),
    ("outside", "inside"),
    ("share shares sharing", "hoard hoards hoarding"),
    ("promising", "hopeless"),
    ("proponent champion", "opponent critic"),
)
ANTONYMS: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split())) for a, b in _PAIRS
)

ABSOLUTES = frozenset(
    """
    never always all none nobody completely totally entirely certainly definitely absolutely
    forever undoubtedly
    """.split()  # noqa: SIM905
)
HEDGES = (
    "kind of",
    "sort of",
    "somewhere in between",
    "maybe",
    "mostly",
    "perhaps",
    "partly",
    "a bit",
    "may",
    "might",
    "probably",
    "somewhat",
)

# Named entities whose swap changes what a sentence says: places (countries, regions, cities)
# and companies, each canonical name with its forms. Forms in capitals ("US") match as written;
# the others whatever their case. A model (Llama) is its own entity, not its maker.
ENTITIES: dict[str, dict[str, tuple[str, ...]]] = {
    "place": {
        "china": ("China", "Chinese", "Beijing", "PRC"),
        "us": ("US", "U.S.", "USA", "America", "American", "Americans", "United States"),
        "europe": ("Europe", "European", "Europeans", "EU"),
        "france": ("France", "French", "Paris"),
        "uk": ("UK", "Britain", "British", "London"),
        "germany": ("Germany", "German", "Berlin"),
        "india": ("India", "Indian"),
        "japan": ("Japan", "Japanese", "Tokyo"),
        "korea": ("Korea", "Korean", "Seoul"),
        "canada": ("Canada", "Canadian"),
        "russia": ("Russia", "Russian"),
        "africa": ("Africa", "African"),
    },
    "company": {
        "meta": ("Meta", "Facebook"),
        "openai": ("OpenAI", "ChatGPT"),
        "anthropic": ("Anthropic", "Claude"),
        "google": ("Google", "DeepMind", "Gemini", "Alphabet"),
        "deepseek": ("DeepSeek",),
        "mistral": ("Mistral",),
        "microsoft": ("Microsoft",),
        "nvidia": ("Nvidia",),
        "apple": ("Apple",),
        "amazon": ("Amazon",),
        "alibaba": ("Alibaba", "Qwen"),
        "xai": ("xAI", "Grok"),
        "llama": ("Llama",),
        "pytorch": ("PyTorch",),
    },
}


_FORMS = {
    form: (kind, name)
    for kind, names in ENTITIES.items()
    for name, forms in names.items()
    for form in forms
}
_EXACT = [f for f in _FORMS if f.isupper() or f == "xAI"]  # "US" is a country, "us" is not


def _alternation(forms: list[str], flags: str) -> regex.Pattern[str]:
    bodies = (
        regex.escape(f).replace(r"\ ", r"[\s\-]+") for f in sorted(forms, key=len, reverse=True)
    )
    return regex.compile(rf"{flags}(?<![\p{{L}}\p{{N}}])(?:{'|'.join(bodies)})(?![\p{{L}}\p{{N}}])")


ENTITY_EXACT = _alternation(_EXACT, "")
ENTITY_ANY_CASE = _alternation([f for f in _FORMS if f not in _EXACT], "(?i)")
# A form as found (exact forms as written, the others lower-cased, spaces and hyphens as one
# space) → (kind, canonical name).
ENTITY_FORMS = {(f if f in _EXACT else f.lower()): k for f, k in _FORMS.items()}


def entity_of(found: str) -> tuple[str, str]:
    """The (kind, canonical name) of an entity form as `ENTITY_EXACT` or `ENTITY_ANY_CASE`
    found it in a text."""
    key = found if found in ENTITY_FORMS else regex.sub(r"[\s\-]+", " ", found.lower())
    return ENTITY_FORMS[key]


# An entity named as someone's past ("ex-Meta", "former Meta", "after leaving Meta") or in
# the attribution before a colon ("LeCun on Meta:") is the framing, not the claim.
FRAMING_BEFORE = regex.compile(r"(?i)(?:\bex[\s\-]|\bformer(?:ly)?\s|\bleft\s|\bleaving\s)$")

# Quantities on a rough scale: a sentence that puts a verified quantity two steps or more away
# ("a handful" / "thousands", "several" / "only one") changes what was said.
QUANTITIES: tuple[tuple[int, regex.Pattern[str]], ...] = tuple(
    (level, regex.compile(rf"(?i)(?<![\p{{L}}'])(?:{alternatives})(?![\p{{L}}])"))
    for level, alternatives in (
        (1, r"only one|just one|a single|one single"),
        (2, r"a handful|handful|a few|few|a couple|(?<!quite )a little(?! bit)|two|three"),
        (3, r"several|some"),
        (4, r"many|quite a lot|a lot|lots|plenty|numerous|dozens|(?<!the |at )most(?! of all)"),
        (5, r"hundreds|thousands|millions|countless"),
        (
            6,
            r"(?<!at |after |above |least of |first of )all(?! the way| of a sudden)"
            r"|every|everyone|everybody",
        ),
    )
)

# Number words, read as numbers ("thousands" is not "hundreds").
NUMBER_WORDS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twelve": "12",
    "twenty": "20",
    "dozen": "12",
    "dozens": "12s",
    "hundred": "100",
    "hundreds": "100s",
    "thousand": "1000",
    "thousands": "1000s",
    "million": "1e6",
    "millions": "1e6s",
    "billion": "1e9",
    "billions": "1e9s",
}
