"""Telegram channel for Rasa 3.6 (runs inside .venv-rasa; no ML imports).

Differences from rasa.core.channels.telegram.TelegramInput (see shared/notes on its start-up):
- configured from environment variables; with no TELEGRAM_TOKEN the channel is off (clear log line,
  its webhook answers 503) and Rasa starts normally;
- the Bot API webhook is NOT set at server start (that needs the real API); set it on request with
  `POST /webhooks/telegram/set_webhook` or by TELEGRAM_SET_WEBHOOK_ON_START=true;
- every update must carry X-Telegram-Bot-Api-Secret-Token equal to TELEGRAM_SECRET_TOKEN (403 otherwise);
- the bot's own username is checked once (cached), not with a getMe round trip per message;
- an error while handling a message is logged and answered 200, so Telegram does not re-send it forever;
- buttons are vertical, and a payload over Telegram's 64-byte callback_data limit is replaced by a
  short id that maps back to the payload when the button is pressed;
- TELEGRAM_API_BASE points the bot at another Bot API server (a local fake in tests).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)

CALLBACK_DATA_LIMIT = 64
MESSAGE_LIMIT = 4096
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SHORT_PREFIX = "~b:"


class PayloadShortener:
    """Maps payloads longer than Telegram's callback_data limit to short ids and back (per process)."""

    def __init__(self) -> None:
        self._by_id: dict[str, str] = {}

    def shorten(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_DATA_LIMIT:
            return payload
        short = _SHORT_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:16]
        self._by_id[short] = payload
        return short

    def expand(self, data: str) -> str:
        return self._by_id.get(data, data)


SHORTENER = PayloadShortener()


class WegwijzerTelegramOutput(TelegramOutput):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, access_token: str, api_base: Optional[str] = None) -> None:
        if api_base:
            from aiogram import Bot

            Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_base.rstrip("/")))
        else:
            super().__init__(access_token)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for start in range(0, len(text), MESSAGE_LIMIT):
            await self.send_message(recipient_id, text[start : start + MESSAGE_LIMIT])

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: Optional[str] = "vertical",
        **kwargs: Any,
    ) -> None:
        markup = InlineKeyboardMarkup()
        for button in buttons:
            markup.row(InlineKeyboardButton(button["title"], callback_data=SHORTENER.shorten(button["payload"])))
        await self.send_message(recipient_id, text[:MESSAGE_LIMIT], reply_markup=markup)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class SecureTelegramInput(TelegramInput):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        credentials = credentials or {}

        def setting(key: str, env: str) -> Optional[str]:
            return os.environ.get(env) or credentials.get(key) or None

        return cls(
            access_token=setting("access_token", "TELEGRAM_TOKEN"),
            verify=setting("verify", "TELEGRAM_BOT_NAME"),
            webhook_url=setting("webhook_url", "TELEGRAM_WEBHOOK_URL"),
            secret_token=setting("secret_token", "TELEGRAM_SECRET_TOKEN"),
            api_base=setting("api_base", "TELEGRAM_API_BASE"),
        )

    def __init__(
        self,
        access_token: Optional[str],
        verify: Optional[str],
        webhook_url: Optional[str],
        secret_token: Optional[str] = None,
        api_base: Optional[str] = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode=False)
        self.secret_token = secret_token
        self.api_base = api_base
        self._verified_username: Optional[str] = None

    @property
    def enabled(self) -> bool:
        return bool(self.access_token and self.secret_token)

    def get_output_channel(self) -> WegwijzerTelegramOutput:  # no webhook call at start-up
        return WegwijzerTelegramOutput(self.access_token or "", self.api_base)

    def _secret_ok(self, request: Request) -> bool:
        sent = request.headers.get(SECRET_HEADER, "")
        secret = self.secret_token or ""
        return bool(secret) and hmac.compare_digest(sent.encode(), secret.encode())

    async def _identity_ok(self, out: WegwijzerTelegramOutput) -> bool:
        if not self.verify:
            return True
        if self._verified_username is None:
            me = await out.get_me()
            self._verified_username = me.username or ""
        return self._verified_username == self.verify

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("telegram_webhook", __name__)
        if not self.enabled:
            missing = [
                n
                for n, v in (("TELEGRAM_TOKEN", self.access_token), ("TELEGRAM_SECRET_TOKEN", self.secret_token))
                if not v
            ]
            log.info("Telegram channel is OFF (%s not set); see README 'Telegram' to connect a bot", ", ".join(missing))

            @bp.route("/webhook", methods=["POST"])
            async def off(_: Request) -> HTTPResponse:
                return response.json({"error": "telegram channel not configured"}, status=503)

            return bp

        out = self.get_output_channel()
        log.info("Telegram channel is ON for bot %s", self.verify or "(name not checked)")
        if _env_flag("TELEGRAM_SET_WEBHOOK_ON_START") and self.webhook_url:
            asyncio.get_event_loop().create_task(self._set_webhook(out))

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/set_webhook", methods=["POST"])
        async def set_webhook(request: Request) -> HTTPResponse:
            if not self._secret_ok(request):
                return response.json({"error": "forbidden"}, status=403)
            ok = await self._set_webhook(out)
            return response.json({"webhook_set": ok}, status=200 if ok else 502)

        @bp.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self._secret_ok(request):
                log.warning("Telegram update refused: missing or wrong %s", SECRET_HEADER)
                return response.json({"error": "forbidden"}, status=403)
            try:
                update = Update(**(request.json or {}))
            except Exception:  # malformed body: a clear 400, not a 500
                return response.json({"error": "malformed update"}, status=400)
            if not await self._identity_ok(out):
                log.warning("Telegram update for another bot name; check TELEGRAM_BOT_NAME")
                return response.json({"error": "wrong bot"}, status=403)
            user_message = self._to_user_message(update, out, request)
            if user_message is None:
                return response.text("success")
            try:
                await on_new_message(user_message)
            except Exception:
                log.exception("error while handling a Telegram message from %s", user_message.sender_id)
            return response.text("success")

        return bp

    def _to_user_message(self, update: Update, out: WegwijzerTelegramOutput, request: Request) -> Optional[UserMessage]:
        if update.callback_query is not None:
            msg = update.callback_query.message
            text = SHORTENER.expand(update.callback_query.data or "")
        elif update.edited_message is not None:
            msg, text = update.edited_message, update.edited_message.text
        elif update.message is not None and update.message.text is not None:
            msg, text = update.message, update.message.text
        else:
            return None
        if msg is None or not text:
            return None
        if text.strip() == "/start":
            text = "/greet"
        return UserMessage(text, out, str(msg.chat.id), input_channel=self.name(), metadata=self.get_metadata(request))

    async def _set_webhook(self, out: WegwijzerTelegramOutput) -> bool:
        try:
            return bool(await out.set_webhook(url=self.webhook_url, secret_token=self.secret_token))
        except TypeError:  # aiogram without secret_token support: call the Bot API method directly
            return bool(await out.request("setWebhook", {"url": self.webhook_url, "secret_token": self.secret_token}))
        except Exception:
            log.exception("setting the Telegram webhook failed")
            return False
