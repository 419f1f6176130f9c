"""Issue 18, item 4: a post sentence that says the opposite of the verified sentence it matched
is named (`contradicted`), deterministically where the words show it; agreeing negations are
not."""

from __future__ import annotations

import pytest

from bot.contradiction import contradiction

E22 = (
    "There's still gonna be quite a lot of open source coming out of Meta, but maybe not as "
    "systematic as it used to be."
)
E15 = "Google is kind of somewhere in between, but mostly climbing up too."


@pytest.mark.parametrize(
    ("claimed", "verified", "kind"),
    [
        ("The open era at Meta is over.", E22, "antonym"),
        ("Meta will never release open source again.", E22, "negation"),
        ("Google is completely closed.", E15, "hardened"),
        ("And that is good.", "And it's not good.", "negation"),
        ("Anthropic was always open.", "Anthropic never was.", "negation"),
        (
            "OpenAI is still open.",
            "OpenAI, of course, stopped being open quite a long time ago.",
            "negation",
        ),
        ("You are reading this right.", "You are reading this wrong.", "antonym"),
        (
            "When you do research in secret, you get ahead.",
            "When you do research in secret, you fall behind,",
            "antonym",
        ),
        (
            "He trained it on 3000 GPUs for 12 weeks.",
            "He trained it on 2000 GPUs for 12 weeks.",
            "number",
        ),
    ],
)
def test_an_opposite_is_named(claimed: str, verified: str, kind: str) -> None:
    reason = contradiction(claimed, verified)
    assert reason is not None and reason.kind == kind


@pytest.mark.parametrize(
    ("claimed", "verified"),
    [
        ("Meta will still release a lot of open source, just less systematically.", E22),
        ("And that is bad.", "And it's not good."),
        ("And it's not good.", "And it's not good."),
        ("Anthropic was never open.", "Anthropic never was."),
        (
            "OpenAI is no longer open.",
            "OpenAI, of course, stopped being open quite a long time ago.",
        ),
        ("That is not the right reading.", "You are reading this wrong."),
        (
            "The top open LLMs are all Chinese, which he says is not a good thing.",
            "So the best open source models at the moment in the LLM world are all Chinese.",
        ),
        ("He trained it on 2000 GPUs for 12 weeks.", "He trained it on 2000 GPUs for 12 weeks."),
    ],
)
def test_an_agreeing_sentence_is_not_named(claimed: str, verified: str) -> None:
    assert contradiction(claimed, verified) is None
