"""The live process (`factbot run` with credentials): one asyncio loop runs the Bluesky and
Telegram adapters, one APScheduler scheduler for every periodic job, the corpus reloader and
the /healthz + /metrics endpoint. `service.Runtime` assembles them; the other modules are its
parts, each small: `checks` (the one pipeline, measured and swappable), `jobs` (the scheduler),
`metrics`, `health`, `reload`."""
