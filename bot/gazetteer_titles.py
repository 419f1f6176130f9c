"""The generic words of titles, for `bot.extract.find_roles`: title families in several
languages, "former" and its opposites, verbs of leaving, the words between a title and its
organisation. Nothing here is about one speaker: which organisation a role is at, the names
posts use for it and the families that signal it come from corpus/speakers.toml (`org_words`,
`signals`)."""

from __future__ import annotations

from dataclasses import dataclass

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
# What may follow an organisation's name from the corpus: "Meta Platforms, Inc.".
ORG_SUFFIX = r"(?:,?\s+(?:Inc|Ltd|LLC|GmbH|SAS|SA)\.?)?"
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


@dataclass(frozen=True)
class TitleFamily:
    """Title words that mean one role, in every language. `name` is how a claim reports it (and
    what a corpus role lists in `signals`). `bare`: the title alone ("former Chief Scientist
    Yann LeCun") claims the speaker's role it signals. `own_only`: at an organisation where the
    speaker's role has not this signal the title is someone else's ("Facebook founder Mark
    Zuckerberg": a founder is a fixed fact about one person); otherwise such a claim is a wrong
    role ("AMI Labs chief scientist")."""

    name: str
    patterns: tuple[str, ...]
    bare: bool = False
    own_only: bool = False


TITLE_FAMILIES: tuple[TitleFamily, ...] = (
    TitleFamily("Chief AI Scientist", CHIEF_TITLES, bare=True),
    TitleFamily("Founder", FOUNDER_TITLES, own_only=True),
)
FAMILY_NAMES: tuple[str, ...] = tuple(f.name for f in TITLE_FAMILIES)
