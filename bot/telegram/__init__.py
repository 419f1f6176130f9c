"""The Telegram adapter: thin, around the one pipeline (`bot.pipeline.Checker`).

app = build_application(config.telegram)          # token from TELEGRAM_BOT_TOKEN
outlet = register(app, TelegramDeps(checker, TelegramStore(db_path), config.telegram))
await app.initialize(); await announce(app); await app.start()
await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
...  await outlet.hand_over(result)                # from the feed watchers
await app.updater.stop(); await app.stop(); await app.shutdown()
"""

from bot.telegram.app import announce, build_application, read_token
from bot.telegram.handlers import register
from bot.telegram.ports import BlueskyPublisher, PostResolver, ResolveError, TelegramDeps
from bot.telegram.publish import TelegramOutlet
from bot.telegram.store import TelegramStore

__all__ = [
    "BlueskyPublisher",
    "PostResolver",
    "ResolveError",
    "TelegramDeps",
    "TelegramOutlet",
    "TelegramStore",
    "announce",
    "build_application",
    "read_token",
    "register",
]
