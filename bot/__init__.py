"""factbot: answers viral paraphrases of a public figure's remarks with the verified original
and what the post changed.

A regular package (not a namespace one, which would merge with any other `bot` on the path).
The layers and their modules are described in the README; the contract of `factbot check` is
docs/SPEC.md. Nothing is imported here: `import bot.x` loads only what `x` needs."""
