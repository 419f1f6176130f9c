"""The data behind `bot.extract`: places, people, month names and the words of dates and titles.

Plain tables, meant to be extended by adding lines. Matching rules (applied by `bot.extract`):
- an alias in capitals of at most six letters ("UN", "U.N.", "WEF", "TED", "ONU") matches only
  as written, as a whole word;
- any other single Latin word ("Davos", "Altman") must start with a capital letter;
- longer aliases match whatever their case; spaces, hyphens and apostrophes are flexible;
- Latin, Cyrillic and Greek aliases match whole words; Chinese and Japanese ones anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """A venue, event or city. `name` is the canonical name that mentions report."""

    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    name: str
    aliases: tuple[str, ...]


_GENEVA = ("Geneva", "Genève", "Geneve", "Ginebra", "Genf", "Ginevra", "日内瓦", "日內瓦", "Женева")

WELL_KNOWN_PLACES: tuple[Place, ...] = (
    # events and venues
    Place(
        "Davos",
        (
            "Davos",
            "World Economic Forum",
            "WEF",
            "Forum économique mondial",
            "Forum economique mondial",
            "Foro Económico Mundial",
            "Foro Economico Mundial",
            "Weltwirtschaftsforum",
            "Davos Forum",
            "Davos-Klosters",
            "达沃斯",
            "達沃斯",
            "世界经济论坛",
            "世界經濟論壇",
            "Давос",
            "ダボス",
            "世界経済フォーラム",
        ),
    ),
    Place("VivaTech", ("VivaTech", "Viva Technology", "Viva Tech")),
    Place("NeurIPS", ("NeurIPS", "NIPS", "Neural Information Processing Systems")),
    Place("ICML", ("ICML", "International Conference on Machine Learning")),
    Place("ICLR", ("ICLR", "International Conference on Learning Representations")),
    Place("CVPR", ("CVPR",)),
    Place("CES", ("CES", "Consumer Electronics Show")),
    Place("SXSW", ("SXSW", "South by Southwest")),
    Place("Web Summit", ("Web Summit", "WebSummit")),
    Place("TED", ("TED", "TEDx", "TED Talk", "TED conference")),
    Place(
        "United Nations",
        (
            "United Nations",
            "UN",
            "U.N.",
            "UN headquarters",
            "UN HQ",
            "UN General Assembly",
            "ONU",
            "Nations unies",
            "Naciones Unidas",
            "Vereinte Nationen",
            "Vereinten Nationen",
            "联合国",
            "聯合國",
            "ООН",
            "国連",
        ),
    ),
    Place(
        "AI Action Summit",
        (
            "AI Action Summit",
            "Paris AI Action Summit",
            "Paris AI summit",
            "Sommet pour l'action sur l'IA",
            "Sommet pour l'action sur l'intelligence artificielle",
            "Sommet de Paris sur l'IA",
            "Cumbre de Acción sobre la IA",
            "KI-Aktionsgipfel",
            "人工智能行动峰会",
        ),
    ),
    Place("Bletchley Park", ("Bletchley Park", "Bletchley", "AI Safety Summit")),
    Place("AI Seoul Summit", ("AI Seoul Summit", "Seoul AI Summit", "首尔人工智能峰会")),
    Place(
        "AI for Good",
        ("AI for Good", "AI for Good Global Summit", "AI for Good Summit", "AIforGood"),
    ),
    Place(
        "India AI Impact Summit", ("India AI Impact Summit", "AI Impact Summit", "Impact Summit")
    ),
    Place(
        "WAIC",
        (
            "WAIC",
            "WAIC Shanghai",
            "World Artificial Intelligence Conference",
            "World AI Conference",
            "世界人工智能大会",
            "世界人工智慧大會",
        ),
    ),
    Place("World AI Cannes Festival", ("World AI Cannes Festival", "WAICF")),
    Place(
        "Munich Security Conference",
        (
            "Munich Security Conference",
            "Münchner Sicherheitskonferenz",
            "Conférence de Munich sur la sécurité",
            "Conferencia de Seguridad de Múnich",
            "慕尼黑安全会议",
        ),
    ),
    Place("Station F", ("Station F",)),
    # cities
    Place("Paris", ("Paris", "París", "巴黎", "Париж", "パリ")),
    Place("Geneva", _GENEVA),
    Place(
        "New York",
        (
            "New York",
            "New York City",
            "NYC",
            "Nueva York",
            "纽约",
            "紐約",
            "Нью-Йорк",
            "ニューヨーク",
        ),
    ),
    Place("Cannes", ("Cannes", "戛纳", "坎城")),
    Place("Beijing", ("Beijing", "Pékin", "Pekín", "Peking", "北京")),
    Place("Shanghai", ("Shanghai", "Shanghái", "上海")),
    Place("San Francisco", ("San Francisco", "旧金山", "舊金山", "三藩市")),
    Place("London", ("London", "Londres", "伦敦", "倫敦")),
    Place("Munich", ("Munich", "München", "Múnich", "慕尼黑")),
    Place("Seoul", ("Seoul", "Séoul", "Seúl", "首尔", "首爾")),
    Place(
        "New Delhi", ("New Delhi", "Delhi", "Nouvelle-Delhi", "Nueva Delhi", "Neu-Delhi", "新德里")
    ),
)

# Names that contain a place but are not one: a longer match that reports nothing.
NOT_PLACES: tuple[str, ...] = (
    "New York Times",
    "New York Post",
    "New York University",
    "New York Magazine",
    "London School of Economics",
    "Paris Saint-Germain",
    "Paris Hilton",
    "Paris Match",
    "Station Fire",
    "Ted Cruz",
    "Ted Chiang",
    "TED Lasso",
)

WELL_KNOWN_PEOPLE: tuple[Person, ...] = (
    Person("Yann LeCun", ("Yann LeCun", "LeCun", "Le Cun", "杨立昆", "楊立昆")),
    Person(
        "Sam Altman",
        (
            "Sam Altman",
            "Altman",
            "山姆·奥特曼",
            "山姆·阿尔特曼",
            "阿尔特曼",
            "奥尔特曼",
            "サム・アルトマン",
        ),
    ),
    Person("Dario Amodei", ("Dario Amodei", "Amodei", "达里奥·阿莫迪", "阿莫迪")),
    Person("Demis Hassabis", ("Demis Hassabis", "Hassabis", "哈萨比斯", "哈薩比斯")),
    Person("Jensen Huang", ("Jensen Huang", "黄仁勋", "黃仁勳")),
    Person("Mark Zuckerberg", ("Mark Zuckerberg", "Zuckerberg", "Zuck", "扎克伯格", "祖克柏")),
    Person("Elon Musk", ("Elon Musk", "Musk", "马斯克", "馬斯克")),
    Person("Satya Nadella", ("Satya Nadella", "Nadella", "纳德拉", "納德拉")),
    Person("Sundar Pichai", ("Sundar Pichai", "Pichai", "皮查伊")),
    Person(
        "Geoffrey Hinton", ("Geoffrey Hinton", "Geoff Hinton", "Hinton", "辛顿", "欣顿", "辛頓")
    ),
    Person("Yoshua Bengio", ("Yoshua Bengio", "Bengio", "本吉奥", "本希奥")),
    Person("Andrew Ng", ("Andrew Ng", "吴恩达", "吳恩達")),
    Person("Ilya Sutskever", ("Ilya Sutskever", "Sutskever", "苏茨克维", "蘇茨克維")),
    Person("Kai-Fu Lee", ("Kai-Fu Lee", "Kaifu Lee", "李开复", "李開復")),
    Person("Liang Wenfeng", ("Liang Wenfeng", "梁文锋", "梁文鋒")),
    Person("Fei-Fei Li", ("Fei-Fei Li", "Feifei Li", "李飞飞", "李飛飛")),
    Person("Mustafa Suleyman", ("Mustafa Suleyman", "Suleyman", "苏莱曼")),
    Person("Arthur Mensch", ("Arthur Mensch",)),  # "Mensch" alone is a German word
    Person("Emmanuel Macron", ("Emmanuel Macron", "Macron", "马克龙", "馬克宏")),
    Person("Xavier Niel", ("Xavier Niel", "Niel", "格扎维埃·尼尔")),
    Person("Marc Andreessen", ("Marc Andreessen", "Andreessen")),
    Person("Alexandr Wang", ("Alexandr Wang", "Alexander Wang", "汪滔")),
    Person("Clem Delangue", ("Clem Delangue", "Clément Delangue", "Clement Delangue", "Delangue")),
    Person("Andrej Karpathy", ("Andrej Karpathy", "Karpathy", "卡帕西")),
    Person("Gary Marcus", ("Gary Marcus",)),
)

# --- dates ----------------------------------------------------------------------------------

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

# --- titles ---------------------------------------------------------------------------------

# The chief-scientist family, in every language: all become "Chief AI Scientist".
_AI = (
    r"(?:AI|A\.I\.|IA|KI|artificial[\s-]intelligence|intelligence\s+artificielle|"
    r"inteligencia\s+artificial|künstliche\s+Intelligenz)"
)
CHIEF_TITLES: tuple[str, ...] = (
    rf"(?:chief|top|lead|leading|head)\s+{_AI}\s+(?:scientist|researcher)",
    rf"chief\s+scientist(?:\s+(?:for|of)\s+{_AI})?",
    rf"{_AI}\s+(?:chief\s+scientist|research\s+(?:chief|head|director)|chief|boss|head|czar|"
    r"tsar|supremo|guru)",
    rf"head\s+of\s+{_AI}(?:\s+research)?",
    rf"directeur\s+scientifique(?:\s+(?:de\s+l['’]\s?{_AI}|pour\s+l['’]{_AI}|(?:en\s+)?{_AI}))?",
    rf"scientifique\s+en\s+chef(?:\s+(?:de\s+l['’]\s?{_AI}|{_AI}))?",
    rf"(?:chef|patron|responsable|directeur|monsieur|pape)\s+(?:de\s+l['’]\s?{_AI}|{_AI})",
    rf"cient[ií]fic[oa]\s+(?:jefe|principal|en\s+jefe)(?:\s+de\s+(?:la\s+)?{_AI})?",
    rf"jef[ea]\s+cient[ií]fic[oa](?:\s+de\s+(?:la\s+)?{_AI})?",
    rf"(?:jef[ea]|responsable|director[a]?|zar)\s+de\s+(?:la\s+)?{_AI}",
    rf"(?:KI-?)?Chef-?(?:KI-?)?(?:wissenschaftler|forscher)(?:in)?(?:\s+für\s+{_AI})?",
    r"KI-?(?:Chef|Forschungschef|Boss)(?:in)?",
    r"(?:Leiter|Chef)(?:in)?\s+(?:der\s+)?KI(?:-Forschung)?",
    r"首席(?:AI|ＡＩ|人工智能|人工智慧)?科(?:学|學)家",
    r"(?:AI|人工智能|人工智慧)(?:负责人|負責人|主管|掌门人|掌門人|首席科(?:学|學)家)",
)
FOUNDER_TITLES: tuple[str, ...] = (
    r"(?:co-?)?founder",
    r"(?:co)?fondat(?:eur|rice)",
    r"(?:co)?fundador[a]?",
    r"(?:Mit)?gründer(?:in)?",
    r"(?:联合)?创始人",
    r"(?:聯合)?創始人",
    r"創辦人",
    r"创办人",
)

# Written in front of the organisation or the title.
FORMER = (
    r"former|ex-|ex\s|erstwhile|one-time|onetime|ancien(?:ne)?|antigu[oa]|"
    r"ehemalige[rnms]?|frühere[rnms]?|Ex-|前|原"
)
NOT_FORMER = (
    r"outgoing|departing|exiting|soon-to-be(?:-former)?|then-|then\s|sortant|saliente|"
    r"scheidende[rnms]?|即将离任的?|即將離任的?"
)
# Verbs of leaving, each followed by the organisation (or "the company").
LEFT = (
    r"left|quit|departed(?:\s+from)?|exited|walked\s+away\s+from|stepped\s+down\s+from|"
    r"after\s+leaving|since\s+leaving|(?:a|avoir|ayant|avait)\s+quitté|claqué\s+la\s+porte\s+de|"
    r"claque\s+la\s+porte\s+de|(?:depuis|après)\s+son\s+départ\s+de|dejó|abandonó|salió\s+de|"
    r"(?:tras|después\s+de)\s+(?:dejar|abandonar|salir\s+de|su\s+salida\s+de)|verließ|"
    r"nach\s+seinem\s+(?:Abschied|Weggang|Ausscheiden)\s+(?:von|bei)|(?<!即将|将|准备|將|準備)"
    r"(?:已经|已經|已)?(?:离开|離開)(?:了)?"
)
LEFT_AFTER = r"verlassen\s+(?:hat|hatte)|離職|离职"  # written after the organisation
ORG_META = r"(?-i:Meta|META|Facebook|FACEBOOK|FAIR)(?:\s+Platforms(?:,?\s+Inc\.?)?)?"
ORG_AMI = r"(?-i:AMI)(?:\s*Labs)?|Advanced\s+Machine\s+Intelligence(?:\s+Labs)?"
# Between a title and its organisation: "at", "chez", "de", "d'", "von", a comma.
TITLE_OF = (
    r"\s*,\s*|\s+d['’]\s*|\s+(?:at|of|for|with|from|chez|de|du|en|von|bei|der|des)\s+"
    r"(?:(?:the|le|la|el|groupe|grupo)\s+)?"
)
# "who recently left the company": the organisation unnamed.
COMPANY = (
    r"the\s+(?:company|firm|social\s+media\s+giant|tech\s+giant)|l['’]entreprise|"
    r"la\s+empresa|das\s+Unternehmen|den\s+Konzern|公司"
)
FUTURE = r"即将|將|将|准备|準備|\bwird"  # before a departure: not yet gone
# Organisations that a chief-scientist title without its own organisation may belong to.
OTHER_ORGS = (
    r"OpenAI|Google|DeepMind|Anthropic|Microsoft|Amazon|Apple|Nvidia|NVIDIA|xAI|Mistral|Baidu|"
    r"Alibaba|Tencent|DeepSeek|Hugging\s+Face|IBM|Samsung|Tesla|Intel|NYU|Salesforce|ByteDance"
)
