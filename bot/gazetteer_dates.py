"""The words of dates, for `bot.dates`: month names, the prepositions that make a year or a
month a date, relative phrases ("just said", "hier", "上周") and counts of days ("three days
ago"), in English, French, Spanish, German and Chinese. Plain tables, extended by adding lines."""

from __future__ import annotations

# (month, full names, abbreviations). Abbreviations count only next to a day or a year.
MONTHS: tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...] = (
    (1, ("january", "janvier", "enero", "januar", "jänner"), ("jan", "janv", "ene")),
    (2, ("february", "février", "fevrier", "febrero", "februar"), ("feb", "févr", "fevr", "fév")),
    (3, ("march", "mars", "marzo", "märz", "maerz"), ("mar", "mär")),
    (4, ("april", "avril", "abril"), ("apr", "avr", "abr")),
    (5, ("may", "mai", "mayo"), ()),
    (6, ("june", "juin", "junio", "juni"), ("jun",)),
    (7, ("july", "juillet", "julio", "juli"), ("jul", "juil")),
    (8, ("august", "août", "aout", "agosto"), ("aug",)),
    (9, ("september", "septembre", "septiembre", "setiembre"), ("sep", "sept")),
    (10, ("october", "octobre", "octubre", "oktober"), ("oct", "okt")),
    (11, ("november", "novembre", "noviembre"), ("nov",)),
    (
        12,
        ("december", "décembre", "decembre", "diciembre", "dezember"),
        ("dec", "déc", "dic", "dez"),
    ),
)

# Words before a lone year that make it a date ("in 2025", "en 2025", "seit 2025").
YEAR_PREPOSITIONS = (
    r"in|since|during|until|of|early|late|mid|en|dans|depuis|début|fin|jusqu['’]en|desde|durante|"
    r"de|del|a\s+principios\s+de|a\s+finales\s+de|im|seit|Anfang|Ende|Mitte|bis|year|the\s+year|"
    r"l['’]année|année|año|el\s+año|Jahr"
)
# Words before a month name alone ("in May", "en janvier", "im Mai", "last March").
MONTH_PREPOSITIONS = rf"on|by|last|au\s+mois\s+de|au\s+mois\s+d['’]|{YEAR_PREPOSITIONS}"
# English month names that are also words ("you may", "the march"): in lower case, only after
# one of MONTH_PREPOSITIONS.
MONTH_WORDS = ("may", "march", "mar")

# Relative phrases, by kind (see `bot.extract._window`).
RELATIVE: dict[str, tuple[str, ...]] = {
    "now": (
        r"just\s+(?:said|told|says|gave|made|spoke|wrote|went|took|\p{L}+ed)",
        r"just\s+now",
        r"earlier\s+today",
        r"today(?!['’]s)",  # "today's chatbots" is nowadays
        r"this\s+morning",
        r"this\s+afternoon",
        r"this\s+evening",
        r"tonight",
        r"vien(?:t|nent)\s+(?:de\s+|d['’])\p{L}+(?:er|ir|re)",  # + an infinitive
        r"aujourd['’]\s?hui",
        r"ce\s+matin",
        r"ce\s+soir",
        r"acaba(?:n)?\s+de\s+\p{L}+(?:ar|er|ir)",  # + an infinitive
        r"hoy(?!\s+en\s+d[ií]a)",
        r"esta\s+mañana",
        r"esta\s+noche",
        r"(?:hat|haben|hatte)\s+(?:gerade|soeben|eben)\s+\p{L}+",
        # "gerade" alone is also "currently" ("überdenke gerade"), "straight" or "even"
        r"gerade\s+(?:ge\p{L}+[tn]|erklärt|verkündet|betont|behauptet|erzählt|zugegeben)",
        r"(?:sagte|erklärte|meinte|warnte|betonte)\s+gerade",
        r"soeben",
        r"heute(?:\s+morgen)?",
        r"刚刚",
        r"刚才",
        r"剛剛",
        r"剛才",
        r"今天",
        r"今日",
        r"今晨",
    ),
    "yesterday": (
        r"yesterday",
        r"hier(?:\s+soir)?",
        r"ayer",
        r"anoche",
        r"gestern",
        r"昨天",
        r"昨日",
        r"昨晚",
    ),
    "this_week": (
        r"this\s+week",
        r"earlier\s+this\s+week",
        r"cette\s+semaine",
        r"esta\s+semana",
        r"diese\s+Woche",
        r"本周",
        r"这周",
        r"本週",
        r"這週",
    ),
    "recent": (
        r"last\s+week",
        r"recently",
        r"days\s+ago",
        r"la\s+semaine\s+(?:dernière|passée)",
        r"récemment",
        r"la\s+semana\s+pasada",
        r"recientemente",
        r"hace\s+poco",
        r"(?:letzte|vergangene|letzten|vergangenen)\s+Woche",
        r"kürzlich",
        r"neulich",
        r"jüngst",
        r"上周",
        r"上星期",
        r"上週",
        r"最近",
        r"近日",
        r"日前",
    ),
    "this_month": (
        r"this\s+month",
        r"ce\s+mois(?:-ci)?",
        r"este\s+mes",
        r"diesen\s+Monat",
        r"本月",
        r"这个月",
        r"這個月",
    ),
    "last_month": (
        r"last\s+month",
        r"le\s+mois\s+(?:dernier|passé)",
        r"el\s+mes\s+pasado",
        r"(?:im\s+)?(?:letzten|vergangenen)\s+Monat",
        r"上个月",
        r"上個月",
        r"上月",
    ),
    "this_year": (r"this\s+year", r"cette\s+année", r"este\s+año", r"dieses\s+Jahr", r"今年"),
    "last_year": (
        r"last\s+year",
        r"l['’]année\s+(?:dernière|passée)",
        r"l['’]an\s+dernier",
        r"el\s+año\s+pasado",
        r"(?:letztes|vergangenes)\s+Jahr",
        r"去年",
    ),
}

# "three days ago", "il y a deux semaines", "hace 3 meses", "vor zwei Wochen", "3天前".
# None: a vague count ("a few").
NUMBERS: dict[str, int | None] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a few": None,
    "few": None,
    "several": None,
    "a couple of": 2,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "quelques": None,
    "plusieurs": None,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "unos": None,
    "unas": None,
    "varios": None,
    "varias": None,
    "einem": 1,
    "einer": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "ein paar": None,
    "wenigen": None,
    "einigen": None,
    "一": 1,
    "两": 2,
    "兩": 2,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "几": None,
    "幾": None,
}
UNITS: dict[str, int] = {  # days per unit
    "day": 1,
    "days": 1,
    "jour": 1,
    "jours": 1,
    "día": 1,
    "días": 1,
    "dia": 1,
    "dias": 1,
    "tag": 1,
    "tagen": 1,
    "天": 1,
    "日": 1,
    "week": 7,
    "weeks": 7,
    "semaine": 7,
    "semaines": 7,
    "semana": 7,
    "semanas": 7,
    "woche": 7,
    "wochen": 7,
    "周": 7,
    "週": 7,
    "星期": 7,
    "个星期": 7,
    "個星期": 7,
    "month": 30,
    "months": 30,
    "mois": 30,
    "mes": 30,
    "meses": 30,
    "monat": 30,
    "monaten": 30,
    "个月": 30,
    "個月": 30,
    "year": 365,
    "years": 365,
    "an": 365,
    "ans": 365,
    "año": 365,
    "años": 365,
    "jahr": 365,
    "jahren": 365,
    "年": 365,
}

# French "hier" is yesterday; German "hier" is here. The words around the German one.
GERMAN_AFTER_HIER = (
    r"ist|sind|war|in|im|bei|auf|und|zu|der|die|das|ein|eine|gibt|geht|steht|kommt|noch|nicht|"
    r"wird|werden|hat|haben|kann|sieht|findet"
)
GERMAN_BEFORE_HIER = r"ist|sind|auch|nicht|wir|ich|und|was|wie|von|bis|nach"
