"""Privacy in the chat, against the real servers: the notice (REST question, Telegram /privacy) and
"delete my conversation" → confirm → erased (REST), or kept on "no"."""

from __future__ import annotations

import sqlite3

import pytest

from bot import settings
from bot.core import messages
from tests.e2e.channels.test_telegram import new_chat, post_update, text_update

pytestmark = pytest.mark.e2e


def stored_events(stack, sender: str) -> int:
    with sqlite3.connect(stack.tracker_db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_privacy_question_gets_the_notice(stack, sender):
    text = stack.texts(sender, "what do you store about me?")
    assert f"for {settings.RETENTION_DAYS:g} days" in text, text
    assert "cannot see your personal files" in text and "delete my conversation" in text


def test_delete_my_conversation_confirmed_erases_it(stack, sender):
    stack.say(sender, "what is the z-route?")
    assert stored_events(stack, sender) > 0
    confirm = stack.say(sender, "please delete my conversation")
    assert confirm[-1]["text"] == messages.ERASE_CONFIRM
    yes = next(b for b in confirm[-1]["buttons"] if b["title"] == messages.BUTTON_ERASE_YES)
    done = stack.say(sender, yes["payload"])
    assert messages.ERASE_DONE in [m.get("text") for m in done]
    assert stored_events(stack, sender) == 0


def test_delete_my_conversation_then_no_keeps_it(stack, sender):
    stack.say(sender, "what is the z-route?")
    stack.say(sender, "delete my chat")
    kept = stack.say(sender, "no")
    assert kept[-1]["text"] == messages.ERASE_CANCELLED
    assert stored_events(stack, sender) > 0


def test_telegram_privacy_command_gets_the_notice(stack, telegram_api):
    chat, since = new_chat(), len(telegram_api.calls)
    post_update(stack, text_update(chat, "/privacy"))
    sent = telegram_api.wait_for_messages(chat, since)
    assert sent and f"for {settings.RETENTION_DAYS:g} days" in sent[0]["text"]
