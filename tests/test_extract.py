"""Claims found in the framing of a post: places, dates, people, titles (bot/extract.py).

Cases come from the distortions listed in /work/shared/research/corpus-sources.md, section 4."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from factories import shipped_speaker
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import find_dates
from bot.extract import (
    Person,
    Place,
    find_people,
    find_places,
    find_roles,
)

VIRAL = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)  # the viral post (P1)


def places(text: str, extra: tuple[Place, ...] = ()) -> list[tuple[str, str]]:
    return [(m.place, m.surface) for m in find_places(text, extra)]


def people(text: str, extra: tuple[Person, ...] = ()) -> list[tuple[str, str]]:
    return [(m.person, m.surface) for m in find_people(text, extra)]


def dates(text: str, created_at: datetime | None = VIRAL) -> list[tuple[str, date, date, bool]]:
    return [(d.surface, d.earliest, d.latest, d.relative) for d in find_dates(text, created_at)]


def roles(text: str) -> list[tuple[str, str, bool, str]]:
    """The role claims about the shipped corpus's speaker (his roles come from speakers.toml)."""
    return [(r.org, r.title, r.former, r.surface) for r in find_roles(text, shipped_speaker())]


# --- the research file's cases --------------------------------------------------------------


def test_viral_post_moves_the_venue_to_davos_and_says_just_said() -> None:
    """P1: "just said ... at Davos", posted 2026-05-12, gives Davos and 2026-05-10..12."""
    text = "Yann LeCun just said something at Davos that nobody is talking about."
    assert [("Davos", "Davos")] == places(text)
    assert [("just said", date(2026, 5, 10), date(2026, 5, 12), True)] == dates(text)
    assert [("Yann LeCun", "Yann LeCun")] == people(text)


def test_davos_attendees() -> None:
    """The auto-"Brief" of P1: "told Davos attendees" names Davos."""
    assert [("Davos", "Davos")] == places("LeCun told Davos attendees (reported 2026-05-12)")


def test_world_economic_forum_in_french() -> None:
    """P12: "au Forum économique mondial de Davos" — both names are Davos."""
    text = "Yann LeCun s'exprime au Forum économique mondial de Davos"
    assert [("Davos", "Forum économique mondial"), ("Davos", "Davos")] == places(text)


def test_davos_in_chinese() -> None:
    """Chinese has no spaces: "在达沃斯" still names Davos."""
    assert [("Davos", "达沃斯")] == places("杨立昆在达沃斯说")


def test_french_and_spanish_article_un_is_not_the_united_nations() -> None:
    """ "un" / "Un" is an article; only "UN" in capitals is the United Nations."""
    assert [] == places("un modèle ouvert. Un modelo abierto, un monde")


def test_un_in_new_york() -> None:
    """P10-like framing: "at the UN in New York" names both."""
    assert [("United Nations", "UN"), ("New York", "New York")] == places(
        "LeCun spoke at the UN in New York"
    )


def test_full_date_after_a_weekday() -> None:
    """P4: "On Friday, January 23, 2026, a panel" gives that day."""
    day = date(2026, 1, 23)
    assert [("January 23, 2026", day, day, False)] == dates("On Friday, January 23, 2026, a panel")


def test_left_meta_in_november_2024() -> None:
    """P5: "Après avoir quitté Meta en novembre 2024" gives Nov 2024 and a former Meta title."""
    text = "Après avoir quitté Meta en novembre 2024"
    assert [("novembre 2024", date(2024, 11, 1), date(2024, 11, 30), False)] == dates(text)
    assert [("Meta", "Chief AI Scientist", True, "avoir quitté Meta")] == roles(text)


def test_stale_meta_title_at_the_un() -> None:
    """P10: "Meta Chief AI Scientist ... on June 24", posted 2026-06-24: not former, that day."""
    text = "Meta Chief AI Scientist Yann LeCun addressed the United Nations on June 24"
    created = datetime(2026, 6, 24, 12, 0, tzinfo=UTC)
    assert [("Meta", "Chief AI Scientist", False, "Meta Chief AI Scientist")] == roles(text)
    day = date(2026, 6, 24)
    assert [("June 24", day, day, False)] == dates(text, created)


def test_former_chief_scientist_who_recently_left_the_company() -> None:
    """P8 (OfficeChai): "former Chief Scientist ... who recently left the company" is former."""
    text = (
        "Meta is rethinking open source, says former Chief Scientist Yann LeCun, "
        "who recently left the company."
    )
    assert [("Meta", "Chief AI Scientist", True, "former Chief Scientist")] == roles(text)


def test_left_the_company_makes_an_unmarked_title_former() -> None:
    """A title with no "former" becomes former when its sentence says he left the company."""
    text = (
        "Chief AI Scientist Yann LeCun, who recently left the company, spoke. Meta's AI boss spoke."
    )
    assert [
        ("Meta", "Chief AI Scientist", True, "Chief AI Scientist"),
        ("Meta", "Chief AI Scientist", False, "Meta's AI boss"),
    ] == roles(text)


def test_outgoing_is_not_former() -> None:
    """Sifted: "Meta's outgoing chief AI scientist" — he was still at Meta."""
    assert [("Meta", "Chief AI Scientist", False, "Meta's outgoing chief AI scientist")] == roles(
        "Meta's outgoing chief AI scientist Yann LeCun"
    )


def test_altman_and_his_possessive() -> None:
    """ "Sam Altman said" and "Altman's warning" both name Sam Altman."""
    assert [("Sam Altman", "Sam Altman"), ("Sam Altman", "Altman")] == people(
        "Sam Altman said so. Altman's warning was blunt."
    )


def test_money_is_not_a_date() -> None:
    """S14: "raised $1.03 billion at a $3.5 billion valuation" holds no date."""
    assert [] == dates("Yann LeCun has raised $1.03 billion at a $3.5 billion valuation")


def test_may_the_verb_is_not_a_month() -> None:
    """ "may be wrong", "the top 3 may be", "march on" are not dates."""
    assert [] == dates("LeCun may be wrong; the top 3 may be Chinese. March on.")


# --- places ---------------------------------------------------------------------------------


def test_acronyms_match_only_as_written() -> None:
    """WEF, TED, CES match in capitals only: "ces modèles", "ted" are words."""
    assert [("Davos", "WEF"), ("TED", "TED"), ("CES", "CES")] == places(
        "at WEF, on the TED stage and at CES; ces modèles, wef, ted"
    )


def test_longest_match_wins_and_newspapers_are_not_places() -> None:
    """ "UN headquarters" beats "UN"; "New York Times" is not New York; "Paris AI summit" is the
    AI Action Summit, not Paris."""
    text = "told the New York Times at UN headquarters after the Paris AI summit"
    assert [
        ("United Nations", "UN headquarters"),
        ("AI Action Summit", "Paris AI summit"),
    ] == places(text)


def test_corpus_events_come_in_through_extra() -> None:
    """An event of the corpus, given as `extra`, is found by any of its aliases."""
    pulse = Place("ai-PULSE 2025", ("ai-PULSE", "AI Pulse", "Station F"))
    assert [("ai-PULSE 2025", "AI Pulse"), ("Paris", "Paris")] == places(
        "LeCun at AI Pulse in Paris", (pulse,)
    )


def test_places_in_several_languages() -> None:
    """Geneva in French and German, the UN in Spanish and Chinese, Beijing in Chinese."""
    text = "à Genève, in Genf, en las Naciones Unidas, 在联合国, 在北京"
    assert ["Geneva", "Geneva", "United Nations", "United Nations", "Beijing"] == [
        p for p, _ in places(text)
    ]


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "4 December 2025",
        "December 4, 2025",
        "4 déc. 2025",
        "4 de diciembre de 2025",
        "4. Dezember 2025",
        "2025年12月4日",
        "2025-12-04",
        "04.12.2025",
        "on 4th of December 2025",
    ],
)
def test_explicit_day(text: str) -> None:
    """Every way of writing 4 December 2025 gives that day."""
    day = date(2025, 12, 4)
    assert [(day, day, False)] == [(e, latest, r) for _, e, latest, r in dates(text)]


def test_day_without_a_year_is_the_latest_not_after_the_post() -> None:
    """ "Dec. 4" in a post of May 2026 is 4 December 2025; "May 3" is 3 May 2026."""
    assert [
        ("Dec. 4", date(2025, 12, 4), date(2025, 12, 4), False),
        ("May 3", date(2026, 5, 3), date(2026, 5, 3), False),
    ] == dates("Dec. 4, then May 3")


def test_us_numeric_dates_are_ambiguous_and_skipped() -> None:
    """ "12/4/2025" could be 12 April or 4 December: no claim, not even the year."""
    assert [] == dates("posted 12/4/2025")


@pytest.mark.parametrize(
    "text", ["January 2026", "janvier 2026", "enero de 2026", "Januar 2026", "2026年1月"]
)
def test_month_and_year(text: str) -> None:
    """A month with its year covers the whole month."""
    assert [(date(2026, 1, 1), date(2026, 1, 31))] == [(e, la) for _, e, la, _ in dates(text)]


@pytest.mark.parametrize(
    ("text", "surface", "month"),
    [
        ("in January", "January", date(2026, 1, 1)),
        ("en janvier", "janvier", date(2026, 1, 1)),
        ("im Mai", "Mai", date(2026, 5, 1)),
        ("in June", "June", date(2025, 6, 1)),
        ("en diciembre", "diciembre", date(2025, 12, 1)),
    ],
)
def test_month_alone_is_the_latest_not_after_the_post(text: str, surface: str, month: date) -> None:
    """A month name after "in"/"en"/"im" is the latest such month not after the post."""
    assert [surface] == [s for s, _, _, _ in dates(text)]
    assert [month] == [e for _, e, _, _ in dates(text)]


def test_month_alone_needs_the_post_date() -> None:
    """Without `created_at`, "in January" says nothing; "in 2025" still does."""
    assert [("2025", date(2025, 1, 1), date(2025, 12, 31), False)] == dates(
        "in January, in 2025", None
    )


@pytest.mark.parametrize(
    "text",
    [
        "in 2025, he said",
        "depuis 2025",
        "Throwback to ai-PULSE 2025, where",
        "(2025)",
        "seit 2025",
    ],
)
def test_year_alone(text: str) -> None:
    """A lone year after a preposition, or standing alone, covers the year."""
    assert [(date(2025, 1, 1), date(2025, 12, 31))] == [(e, la) for _, e, la, _ in dates(text)]


@pytest.mark.parametrize(
    "text", ["trained on 2048 GPUs", "the 1990s", "2025/26", "$2025", "12,2025", "GPT-2025"]
)
def test_numbers_that_are_not_years(text: str) -> None:
    """Counts, decades, seasons, prices and model names are not years."""
    assert [] == dates(text)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("just said", date(2026, 5, 10), date(2026, 5, 12)),
        ("today", date(2026, 5, 10), date(2026, 5, 12)),
        ("this morning", date(2026, 5, 10), date(2026, 5, 12)),
        ("vient de dire", date(2026, 5, 10), date(2026, 5, 12)),
        ("acaba de decir", date(2026, 5, 10), date(2026, 5, 12)),
        ("hat gerade gesagt", date(2026, 5, 10), date(2026, 5, 12)),
        ("刚刚", date(2026, 5, 10), date(2026, 5, 12)),
        ("aujourd'hui", date(2026, 5, 10), date(2026, 5, 12)),
        ("yesterday", date(2026, 5, 11), date(2026, 5, 11)),
        ("hier soir", date(2026, 5, 11), date(2026, 5, 11)),
        ("ayer", date(2026, 5, 11), date(2026, 5, 11)),
        ("gestern", date(2026, 5, 11), date(2026, 5, 11)),
        ("昨天", date(2026, 5, 11), date(2026, 5, 11)),
        ("this week", date(2026, 5, 5), date(2026, 5, 12)),
        ("cette semaine", date(2026, 5, 5), date(2026, 5, 12)),
        ("本周", date(2026, 5, 5), date(2026, 5, 12)),
        ("last week", date(2026, 4, 28), date(2026, 5, 12)),
        ("la semana pasada", date(2026, 4, 28), date(2026, 5, 12)),
        ("letzte Woche", date(2026, 4, 28), date(2026, 5, 12)),
        ("上周", date(2026, 4, 28), date(2026, 5, 12)),
        ("recently", date(2026, 4, 28), date(2026, 5, 12)),
        ("a few days ago", date(2026, 4, 28), date(2026, 5, 11)),
        ("3 days ago", date(2026, 5, 8), date(2026, 5, 10)),
        ("il y a trois jours", date(2026, 5, 8), date(2026, 5, 10)),
        ("last month", date(2026, 4, 1), date(2026, 4, 30)),
        ("le mois dernier", date(2026, 4, 1), date(2026, 4, 30)),
        ("el mes pasado", date(2026, 4, 1), date(2026, 4, 30)),
        ("letzten Monat", date(2026, 4, 1), date(2026, 4, 30)),
        ("上个月", date(2026, 4, 1), date(2026, 4, 30)),
    ],
)
def test_relative_phrases(text: str, earliest: date, latest: date) -> None:
    """Relative phrases in five languages, against a post of 2026-05-12."""
    assert [(text, earliest, latest, True)] == dates(f"LeCun {text}: x")


def test_relative_phrases_need_the_post_date() -> None:
    """Without `created_at` there is no clock: "just said" and "yesterday" give nothing."""
    assert [] == dates("LeCun just said it yesterday", None)


def test_last_month_in_january_is_december() -> None:
    """ "last month" crosses the year boundary."""
    created = datetime(2026, 1, 15, tzinfo=UTC)
    assert [("last month", date(2025, 12, 1), date(2025, 12, 31), True)] == dates(
        "last month", created
    )


def test_false_friends_of_relative_phrases() -> None:
    """German "hier" (here), "gerade" (currently), "today's" (nowadays), French "vient d'une"
    (comes from) and Spanish "hoy en día" (nowadays) are not dates."""
    text = (
        "Hier ist LeCun. Der Konzern überdenke gerade seine Strategie. Better than today's "
        "chatbots. Le meilleur vient d'une startup. Hoy en día todo es abierto."
    )
    assert [] == dates(text)


def test_french_hier_is_yesterday() -> None:
    """French "hier à Paris" is yesterday."""
    assert ["hier"] == [s for s, _, _, _ in dates("LeCun hier à Paris")]


# --- people ---------------------------------------------------------------------------------


def test_people_in_several_scripts_and_forms() -> None:
    """Chinese names, a German genitive, a possessive with a curly apostrophe."""
    text = "李开复和梁文锋; Hassabis’ view; Zuckerbergs Brief; Demis Hassabis’s lab"
    assert [
        ("Kai-Fu Lee", "李开复"),
        ("Liang Wenfeng", "梁文锋"),
        ("Demis Hassabis", "Hassabis"),
        ("Mark Zuckerberg", "Zuckerberg"),
        ("Demis Hassabis", "Demis Hassabis"),
    ] == people(text)


def test_lowercase_words_and_bare_short_names_are_not_people() -> None:
    """ "musk" the scent, "der Mensch", "Ng" or "Li" alone name nobody."""
    assert [] == people("a hint of musk; der Mensch; Ng said; Li said")


def test_extra_people() -> None:
    """A corpus speaker given as `extra` is found by its aliases."""
    extra = (Person("Aude Durand", ("Durand",)),)
    assert [("Aude Durand", "Durand")] == people("Durand asked", extra)


# --- roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "former"),
    [
        ("Chief AI Scientist at Meta", False),
        ("Meta chief AI scientist", False),
        ("Meta AI chief", False),
        ("head of AI at Meta", False),
        ("Meta's AI boss", False),
        ("Facebook's chief AI scientist", False),
        ("Meta Platforms chief AI scientist", False),
        ("former Meta chief AI scientist", True),
        ("Meta's former chief AI scientist", True),
        ("ex-Meta", True),
        ("who recently left Meta", True),
        ("then-Meta chief AI scientist", False),
        ("directeur scientifique de l'IA chez Meta", False),
        ("ancien directeur scientifique de l'IA de Meta", True),
        ("patron de l'IA de Meta", False),
        ("científico jefe de IA de Meta", False),
        ("ex científico jefe de IA de Meta", True),
        ("KI-Chefwissenschaftler von Meta", False),
        ("ehemaliger KI-Chefwissenschaftler von Meta", True),
        ("Meta首席AI科学家", False),
        ("Meta首席人工智能科学家", False),
        ("前Meta首席AI科学家", True),
        ("已离开Meta", True),
    ],
)
def test_chief_scientist_titles(text: str, former: bool) -> None:
    """Every variant of the Meta title, in five languages, becomes "Chief AI Scientist"."""
    assert [("Meta", "Chief AI Scientist", former, text)] == roles(f"Yann LeCun, {text}, spoke")


@pytest.mark.parametrize(
    "text", ["founder of AMI Labs", "AMI Labs founder", "fondateur d'AMI Labs", "AMI Labs创始人"]
)
def test_founder_of_ami_labs(text: str) -> None:
    """The AMI Labs title, in any order and language."""
    assert [("AMI Labs", "Founder", False, text)] == roles(f"LeCun, {text}, said")


@pytest.mark.parametrize(
    "text",
    [
        "Facebook founder Mark Zuckerberg",
        "Meta's AI chief Alexandr Wang said",
        "Ilya Sutskever, OpenAI's former chief scientist",
        "the chief AI scientist at Google",
        "Reports say Yann LeCun is leaving Meta",
        "LeCun, qui s'apprête à quitter Meta",
        "即将离开Meta",
        "Meta is rethinking its strategy; the Meta AI app",
        "the ami of LeCun; meta-analysis",
    ],
)
def test_not_his_title(text: str) -> None:
    """Other people's titles, departures still to come, and plain mentions of Meta claim no
    title for him."""
    assert [] == roles(text)


# --- invariants -----------------------------------------------------------------------------

FRAGMENTS = [
    "Yann LeCun",
    "Altman's",
    "at Davos",
    "UN",
    "un",
    "在达沃斯",
    "just said",
    "hier",
    "4 December 2025",
    "Dec. 4",
    "2025年12月4日",
    "in May",
    "may",
    "in 2025",
    "$1.03",
    "3 days ago",
    "last month",
    "former",
    "Meta's",
    "chief AI scientist",
    "ex-",
    "who left the company",
    "AMI Labs founder",
    "前Meta首席AI科学家",
    " ",
    ", ",
    ". ",
]


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.one_of(st.text(max_size=12), st.sampled_from(FRAGMENTS)), max_size=12).map(
        "".join
    ),
    created_at=st.one_of(st.none(), st.datetimes()),
)
def test_finders_never_raise_and_offsets_slice_the_text(
    text: str, created_at: datetime | None
) -> None:
    """Whatever the text and clock, every finder returns, each surface is `text[start:end]`,
    mentions are in order without overlap, and every date window is well formed."""
    found = [
        *find_places(text),
        *find_people(text),
        *find_dates(text, created_at),
        *find_roles(text, shipped_speaker()),
    ]
    assert [m.surface for m in found] == [text[m.start : m.end] for m in found]
    for group in (find_places(text), find_people(text), find_dates(text, created_at)):
        spans = [(m.start, m.end) for m in group]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert all(d.earliest <= d.latest for d in find_dates(text, created_at))
