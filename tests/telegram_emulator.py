"""A Bot API emulator on 127.0.0.1 for python-telegram-bot's real HTTP stack.

A real HTTP server (stdlib `http.server`, a random port, its own thread) answering
`POST /bot<token>/<method>` the way api.telegram.org does: `{"ok": true, "result": ...}`, or
`{"ok": false, "error_code": ..., "description": ..., "parameters": {"retry_after": N}}`.
PTB reaches it through its own `HTTPXRequest` with `base_url` pointed here. It records every
call, lets a test inject updates (messages, button presses) for `getUpdates`, can be told to
answer 429 with `retry_after` once, refuses another token with 401 and a path outside `/bot…`
(a wrong `base_url`) with 404, as the real API does, and parses HTML like the real API: an
unknown tag, a bad nesting, a stray `<` or `&`, or more than 4096 characters of text is a 400."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from telegram_html import ApiError, parse_html, u16

BOT_ID = 1000
BOT = {"id": BOT_ID, "is_bot": True, "first_name": "factbot", "username": "factbot_test_bot"}
MAX_TEXT = 4096
LONG_POLL_CAP = 0.5  # seconds a getUpdates waits at most here, so that stopping is quick

_JSON_PARAMS = {"reply_markup", "link_preview_options", "entities", "commands", "allowed_updates"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200


@dataclass
class BotApiEmulator:
    token: str = "123456:TEST-token-never-logged"  # noqa: S105 - a fake for the emulator
    calls: list[Call] = field(default_factory=list)
    chats: dict[int | str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    commands: list[dict[str, str]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> bytes (photos pushed)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[ApiError]] = field(default_factory=dict)
    _queries: dict[str, bool] = field(default_factory=dict)
    _drops: list[str] = field(default_factory=list)
    _losses: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                if unquote(self.path).startswith(f"/file/bot{emulator.token}/"):
                    data = emulator.files.get(self.path.rsplit("/", 1)[-1])
                    self.send_response(200 if data is not None else 404)
                    self.send_header("Content-Length", str(len(data or b"")))
                    self.end_headers()
                    self.wfile.write(data or b"")
                    return
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size)
                if emulator._drop(self.path):
                    self.close_connection = True  # hang up without an answer
                    return
                status, payload = emulator._handle(self.path, self.headers, body)
                if emulator._lose(self.path):
                    self.close_connection = True  # it acted, but the answer never arrives
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # the client may have given up (PTB stopping a long poll), as the real API sees
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # --- what a test arranges --------------------------------------------------------------

    def add_chat(self, chat_id: int, kind: str, username: str | None = None, **extra: Any) -> None:
        chat = {"id": chat_id, "type": kind, **extra}
        if username:
            chat["username"] = username
            self.chats["@" + username] = chat
        self.chats[chat_id] = chat

    def fail_next(self, method: str, code: int = 429, retry_after: int | None = 1) -> None:
        """The next call of `method` gets this error (429 with retry_after by default)."""
        description = f"Too Many Requests: retry after {retry_after or 0}"
        if code != 429:
            description = "Bad Request: emulated failure"
        with self._lock:
            self._failures.setdefault(method, []).append(ApiError(code, description, retry_after))

    def disconnect_next(self, method: str) -> None:
        """The next call of `method` is read, then the connection is closed unanswered."""
        with self._lock:
            self._drops.append(method)

    def lose_answer_next(self, method: str) -> None:
        """The next call of `method` is carried out, then the connection is closed before the
        answer: the client cannot know that it worked (a crash at that instant looks the same)."""
        with self._lock:
            self._losses.append(method)

    def _lose(self, path: str) -> bool:
        method = path.split("/")[-1].split("?")[0]
        with self._lock:
            if method in self._losses:
                self._losses.remove(method)
                return True
        return False

    def _drop(self, path: str) -> bool:
        method = path.split("/")[-1].split("?")[0]
        with self._lock:
            if method in self._drops:
                self._drops.remove(method)
                self.calls.append(Call(method, {}, 0))
                return True
        return False

    def push_text(
        self, user_id: int, text: str, first_name: str = "Ann", date: int | None = None
    ) -> int:
        """A private message from `user_id`; a leading /command gets its bot_command entity.
        Returns the message id."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()) if date is None else date,
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": u16(command)}]
        self._push({"message": message})
        return int(message["message_id"])

    def push_photo(
        self, user_id: int, data: bytes, caption: str = "", declared_size: int | None = None
    ) -> int:
        """A photo in a private chat (one size, `data` as its file; `declared_size` is the
        file_size Telegram states, `len(data)` by default). Returns the message id."""
        file_id = f"photo{next(self._ids)}"
        self.files[file_id] = data
        user = {"id": user_id, "is_bot": False, "first_name": "Ann"}
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ann"},
            "from": user,
            "photo": [
                {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "width": 800,
                    "height": 450,
                    "file_size": len(data) if declared_size is None else declared_size,
                }
            ],
        }
        if caption:
            message["caption"] = caption
            if caption.startswith("/"):
                command = caption.split()[0]
                message["caption_entities"] = [
                    {"type": "bot_command", "offset": 0, "length": u16(command)}
                ]
        self._push({"message": message})
        return int(message["message_id"])

    def push_press(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """A press of an inline button on a message the bot sent; the callback query's id."""
        with self._lock:
            message = self.messages[(chat_id, message_id)]
            query_id = f"cq{next(self._ids)}"
            self._queries[query_id] = False
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": str(chat_id),
                    "data": data,
                }
            }
        )
        return query_id

    def _push(self, update: dict[str, Any]) -> None:
        with self._lock:
            self._updates.append({"update_id": next(self._ids), **update})
            self._lock.notify_all()

    # --- what a test reads -----------------------------------------------------------------

    def sent(self, method: str, **where: Any) -> list[dict[str, Any]]:
        """Parameters of the successful calls of `method` matching `where`."""
        with self._lock:
            return [
                c.params
                for c in self.calls
                if c.method == method
                and c.status == 200
                and all(c.params.get(k) == v for k, v in where.items())
            ]

    def statuses(self, method: str) -> list[int]:
        with self._lock:
            return [c.status for c in self.calls if c.method == method]

    async def wait_for(self, condition: Callable[[], bool], within: float = 60.0) -> None:
        """Wait until `condition()` holds; fail after `within` seconds (a safety net only)."""
        async with asyncio.timeout(within):
            # the condition changes on the server's threads: a short poll is simplest here
            while not condition():  # noqa: ASYNC110
                await asyncio.sleep(0.02)

    # --- the API ---------------------------------------------------------------------------

    def _handle(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        method = path.split("/")[-1].split("?")[0]
        params = _decode(headers.get("Content-Type", ""), body)
        try:
            if not path.startswith("/bot"):  # not the Bot API's path: a wrong base_url
                raise ApiError(404, "Not Found")
            if not path.startswith(prefix):
                raise ApiError(401, "Unauthorized")
            with self._lock:
                failures = self._failures.get(method)
                if failures:
                    raise failures.pop(0)
            result = self._call(method, params)
        except ApiError as exc:
            with self._lock:
                self.calls.append(Call(method, params, exc.code))
            error: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None and exc.code == 429:
                error["parameters"] = {"retry_after": exc.retry_after}
            return exc.code, error
        if method != "getUpdates" or result:
            with self._lock:
                self.calls.append(Call(method, params))
        return 200, {"ok": True, "result": result}

    def _call(self, method: str, p: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                **BOT,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "deleteWebhook":
            return True
        if method == "setMyCommands":
            for c in p.get("commands", []):
                if not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")) or not (
                    1 <= len(c.get("description", "")) <= 256
                ):
                    raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            self.commands = list(p.get("commands", []))
            return True
        if method == "getUpdates":
            return self._get_updates(p)
        if method == "getFile":
            file_id = str(p.get("file_id", ""))
            if file_id not in self.files:
                raise ApiError(400, "Bad Request: invalid file_id")
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}",
            }
        if method == "sendMessage":
            return self._send(p)
        if method == "editMessageText":
            return self._edit(p)
        if method == "answerCallbackQuery":
            with self._lock:
                if self._queries.get(p.get("callback_query_id", "")) is not False:
                    raise ApiError(
                        400,
                        "Bad Request: query is too old and response timeout expired or query "
                        "ID is invalid",
                    )
                self._queries[p["callback_query_id"]] = True
            return True
        raise ApiError(404, "Not Found")

    def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset", 0) or 0)
        wait = min(float(p.get("timeout", 0) or 0), LONG_POLL_CAP)
        with self._lock:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and wait:
                self._lock.wait(wait)
            return list(self._updates)

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        key = int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id
        if key not in self.chats:
            if isinstance(key, int) and key > 0:  # a private chat with a user who wrote to us
                return {"id": key, "type": "private", "first_name": "User"}
            raise ApiError(400, "Bad Request: chat not found")
        return self.chats[key]

    def _text(self, p: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        raw = str(p.get("text", ""))
        text, entities = parse_html(raw) if p.get("parse_mode") == "HTML" else (raw, [])
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if u16(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text, entities

    def _send(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(p.get("chat_id"))
        text, entities = self._text(p)
        with self._lock:
            message: dict[str, Any] = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": chat,
                "from": BOT,
                "text": text,
            }
            if entities:
                message["entities"] = entities
            if "reply_markup" in p:
                message["reply_markup"] = p["reply_markup"]
            self.messages[(chat["id"], message["message_id"])] = message
            return message

    def _edit(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(p.get("chat_id"))
        text, entities = self._text(p)
        with self._lock:
            key = (chat["id"], int(p.get("message_id", 0)))
            if key not in self.messages:
                raise ApiError(400, "Bad Request: message to edit not found")
            old = self.messages[key]
            new = {**old, "text": text, "entities": entities, "edit_date": int(time.time())}
            new.pop("reply_markup", None)  # an edit without reply_markup drops the keyboard
            if "reply_markup" in p:
                new["reply_markup"] = p["reply_markup"]
            if (old["text"], old.get("entities"), old.get("reply_markup")) == (
                text,
                new.get("entities"),
                new.get("reply_markup"),
            ):
                raise ApiError(400, "Bad Request: message is not modified")
            self.messages[key] = new
            return new


def _decode(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        loaded: dict[str, Any] = json.loads(body)
        return loaded
    params: dict[str, Any] = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for key in _JSON_PARAMS & params.keys():
        params[key] = json.loads(params[key])
    for key, value in params.items():
        if value in ("true", "false"):  # PTB sends booleans JSON-encoded
            params[key] = value == "true"
    for key in ("chat_id", "message_id", "offset", "limit", "timeout"):
        value = params.get(key)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            params[key] = int(value)
    return params


# The chats every Telegram test uses: the channel (written to by its @name) and the operators'.
CHANNEL, CHANNEL_ID = "@factbot_test", -1001234
REVIEW_CHAT = -1005678


def standard_emulator() -> BotApiEmulator:
    """An emulator with the channel and the review chat, started (stop it after)."""
    emu = BotApiEmulator()
    emu.add_chat(CHANNEL_ID, "channel", "factbot_test", title="factbot checks")
    emu.add_chat(REVIEW_CHAT, "supergroup", title="factbot operators")
    emu.start()
    return emu
