"""The wording of replies (`ReplyTexts`): a frozen record of one-line templates, the `[reply]`
table of config.toml. Data only: the composer (`bot.compose`) fills the templates, the
configuration (`bot.config`) loads them, and neither depends on the other for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplyTexts:
    """The wording of replies, editable by operators in the `[reply]` table of config.toml.

    Each is a one-line template. Placeholders: {speakers} (no_match); {speaker} {role} {who}
    {possessive} {Possessive} {quote} {event} {venue} {city} {place} {date} {link} {secondary}
    {publisher} {publishers} {count} {kind} {language} {original} {dispute_note} (the verified
    lines and every change line); {claimed} {verified} (change lines). A template that is
    malformed or names an unknown placeholder is replaced by its default, so a typo never breaks
    a reply. Nothing here names a speaker: {speaker} and {possessive} ("his", "her", "their")
    come from the corpus (speakers.toml), and `speakers` left blank is the corpus's speakers'
    names (`bot.pipeline.Checker.reply_texts`).

    How sure the quote is follows its basis (corpus/README.md): `header` and "his words" only
    for a recording or the speaker's own text; a reporter's quote names who reported it and how
    many sources carry it; a translation says whose translation, from which language. A
    disputed quote says so on its own line."""

    speakers: str = ""
    no_match: str = (
        "I could not find this in my verified sources for {speakers}. "
        "That does not mean it is false: it means I can't vouch for it."
    )
    review: str = "Borderline match: an operator checks this before it is published."
    header: str = "Fact check: the verified original"
    header_reported: str = "Fact check: the quote as reported"
    header_translation: str = "Fact check: the quote, in translation"
    basis_recording: str = "{Possessive} words, from the recording."
    basis_own_text: str = "{Possessive} words, from {possessive} own post."
    basis_reported: str = "As reported by {publisher} (one {kind} source)."
    basis_reported_many: str = "As reported by {publishers} ({count} sources)."
    basis_translation: str = (
        "{publisher}'s {language} translation of {possessive} {original} remark."
    )
    disputed: str = "Disputed wording: {dispute_note}"
    quote: str = "“{quote}”"
    attribution: str = "— {who}"
    place_date: str = "{place}, {date}"
    source: str = "Source: {link}{secondary}"
    secondary: str = " (secondary source)"
    changes: str = "What the post changed:"
    no_changes: str = "I found no change to the wording, the place or the date."
    bullet: str = "• "
    venue_changed: str = "Not said at {claimed}: this was {verified}."
    date_not_recent: str = "Not recent: said on {verified}."
    date_changed: str = "Date given as {claimed}; it was {verified}."
    speaker_changed: str = "These are {verified}'s words, not {claimed}'s."
    role_changed: str = "On that date {speaker} was {verified}, not {claimed}."
    omitted: str = "The post drops the next sentence: “{verified}”"
    unsupported: str = "No verified source contains this sentence: “{claimed}”"
    reworded: str = "The post rewords it: “{claimed}” vs the wording on record “{verified}”"
    contradicted: str = (
        "The post says the opposite of what {speaker} said: “{claimed}” vs “{verified}”"
    )
    more: str = "…"
    cut: str = "This post is long: I checked only its beginning."
    # The words checked came from the post's image ({how}: its alt text, OCR, or a copy of an
    # image already read, recognised by its perceptual hash).
    from_image: str = "The words I checked are the image's, {how}."
    from_image_alt: str = "from its alt text"
    from_image_ocr: str = "as I read them (OCR)"
    from_image_seen: str = "as I read them in a copy of it checked before"
    # Corrections of what was already published ({date}: the day of the correction; {field},
    # {old}, {new}: what changed in the corpus since).
    corrected: str = "Corrected {date}: {field} was {old}, is {new}."
    corrected_withdrawn: str = "Corrected {date}: {field} was {old}; it is no longer verified."
    # The one-post Bluesky reply (`bluesky_max_posts = 1`): the verdict, the one or two most
    # important changes, and the check page ({page}; the source, {link}, with no page).
    one_changed: str = (
        "Fact check: {speaker} said something close at {place}, {date}. This post changed it:"
    )
    one_same: str = "Fact check: these are {speaker}'s verified words ({place}, {date})."
    one_page: str = "Verified wording, every change, sources: {page}"
    # A post that covers a passage (two or more consecutive verified sentences): the passage,
    # in order, when it fits the one post (shortened with "…" at a word if it must be).
    one_passage: str = "The verified passage: “{quote}”"
