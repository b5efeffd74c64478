"""A local fake of the Telegram Bot API (aiohttp, loopback): records every call the bot makes and
answers like the real API does for getMe, sendMessage, setWebhook and answerCallbackQuery."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class FakeTelegramAPI:
    username: str = "wegwijzer_test_bot"
    calls: list[tuple[str, str, dict]] = field(default_factory=list)  # (token, method, params)
    port: int = 0
    _ids = itertools.count(1000)

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params: dict = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            params = dict(await request.post())
        params.update(request.query)
        self.calls.append((token, method, params))
        if method == "getMe":
            result = {"id": 42, "is_bot": True, "first_name": "Wegwijzer", "username": self.username}
        elif method in ("sendMessage", "editMessageText"):
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "text": params.get("text", ""),
            }
        else:
            result = True
        return web.json_response({"ok": True, "result": result})

    def start(self) -> FakeTelegramAPI:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            app = web.Application()
            app.router.add_route("*", "/bot{token}/{method}", self._handle)
            runner = web.AppRunner(app)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()

        threading.Thread(target=run, daemon=True, name="fake-telegram").start()
        ready.wait(10)
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sent(self, chat_id: int, since: int = 0) -> list[dict]:
        return [p for _, m, p in self.calls[since:] if m == "sendMessage" and str(p.get("chat_id")) == str(chat_id)]

    def wait_for_messages(self, chat_id: int, since: int, count: int = 1, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.sent(chat_id, since)
            if len(got) >= count:
                time.sleep(0.5)  # let the rest of the turn arrive
                return self.sent(chat_id, since)
            time.sleep(0.1)
        return self.sent(chat_id, since)
