"""The public check pages: one page per published check (the post's wording beside the verified
wording, word by word, the event and its sources, what changed, ClaimReview JSON-LD), an index
and an Atom feed. `record`, `diff`, `claimreview`, `later` and `render` are pure; `site` reads
the store and writes files; `server` serves them on the live bot's HTTP server."""
