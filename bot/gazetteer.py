"""The data behind `bot.extract`: well-known places and people. The words of dates are in
`bot.gazetteer_dates`, the generic words of titles in `bot.gazetteer_titles`; everything about
a corpus speaker (names, roles, the organisations' names) comes from corpus/speakers.toml.

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

# Well-known people of the field, so that a quote moved from one to another is caught ("these
# are Hinton's words, not Altman's"). A corpus speaker's own names come from speakers.toml (its
# aliases, every script) and are added to these by the callers.
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
