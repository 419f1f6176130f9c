"""The Telegram adapter: thin, around the one pipeline (`bot.pipeline.Checker`).

app = build_application(config.telegram)          # token from TELEGRAM_BOT_TOKEN
outlet = register(app, TelegramDeps(checker, TelegramStore(db_path), config.telegram))
await app.initialize(); await announce(app); await app.start()
await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
await outlet.reconcile()                          # at start: send what a crash left pending
...  await outlet.hand_over(result)                # from the feed watchers
...  await outlet.alert("corpus:v7", problems)     # once per key, to the review chat
...  await outlet.publish_digest(day, digest_text(await store.digest_figures(day), titles))
await app.updater.stop(); await app.stop(); await app.shutdown()
"""

from bot.ports import BlueskyPublisher, PostResolver, ResolveError
from bot.telegram.app import announce, build_application, read_token
from bot.telegram.deps import TelegramDeps
from bot.telegram.digest import DigestFigures, digest_text
from bot.telegram.handlers import register
from bot.telegram.publish import TelegramOutlet
from bot.telegram.store import TelegramStore

__all__ = [
    "BlueskyPublisher",
    "DigestFigures",
    "PostResolver",
    "ResolveError",
    "TelegramDeps",
    "TelegramOutlet",
    "TelegramStore",
    "announce",
    "build_application",
    "digest_text",
    "read_token",
    "register",
]
