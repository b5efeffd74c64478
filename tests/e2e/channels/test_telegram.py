"""Rasa's Telegram channel (our SecureTelegramInput) against a local fake Bot API: real-shaped
updates in, sendMessage calls with inline keyboards out, callback queries, and the secret header."""

from __future__ import annotations

import json
import random
import re
import time
import urllib.error
import urllib.request

import pytest

from tests.support.stack import TELEGRAM_SECRET

pytestmark = pytest.mark.e2e


def post_update(stack, update: dict | bytes, secret: str | None = TELEGRAM_SECRET) -> tuple[int, str]:
    data = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/telegram/webhook", data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def user(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Amina", "language_code": "en"}


def text_update(chat_id: int, text: str) -> dict:
    return {
        "update_id": random.randint(1, 10**9),
        "message": {
            "message_id": random.randint(1, 10**6),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Amina"},
            "from": user(chat_id),
            "text": text,
        },
    }


def callback_update(chat_id: int, data: str) -> dict:
    return {
        "update_id": random.randint(1, 10**9),
        "callback_query": {
            "id": str(random.randint(1, 10**9)),
            "from": user(chat_id),
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": random.randint(1, 10**6),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "(buttons)",
            },
        },
    }


def keyboard(message: dict) -> list[dict]:
    markup = message.get("reply_markup")
    if not markup:
        return []
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [button for row in markup["inline_keyboard"] for button in row]


def new_chat() -> int:
    return random.randint(10**8, 10**9)


def test_message_in_answer_out_with_inline_keyboard(stack, telegram_api):
    chat, since = new_chat(), len(telegram_api.calls)
    status, _ = post_update(stack, text_update(chat, "hello"))
    assert status == 200
    sent = telegram_api.wait_for_messages(chat, since)
    assert sent and "Wegwijzer" in sent[0]["text"]
    buttons = keyboard(sent[0])
    assert buttons and all(len(b["callback_data"].encode()) <= 64 for b in buttons)


def test_question_answer_cites_guide_and_source(stack, telegram_api):
    chat, since = new_chat(), len(telegram_api.calls)
    post_update(stack, text_update(chat, "what is the education route?"))
    sent = telegram_api.wait_for_messages(chat, since)
    assert len(sent) == 1  # one compact message: answer, source, buttons
    answer, _, source = sent[0]["text"].partition("\n\nSource: ")
    assert re.search(r"young people|study programme|MBO", answer)
    assert source.startswith("What is the education route for integration? — https://")


def test_callback_query_buttons_drive_the_counter_finder(stack, telegram_api):
    chat, since = new_chat(), len(telegram_api.calls)
    post_update(stack, callback_update(chat, "/ask_counter"))
    sent = telegram_api.wait_for_messages(chat, since)
    need_buttons = [b for m in sent for b in keyboard(m)]
    results = next(b for b in need_buttons if "result" in b["text"].lower())
    assert len(results["callback_data"].encode()) <= 64

    since = len(telegram_api.calls)
    post_update(stack, callback_update(chat, results["callback_data"]))
    text = "\n".join(m["text"] for m in telegram_api.wait_for_messages(chat, since))
    assert "Mijn Inburgering" in text and "https://" in text


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_update_without_the_right_secret_is_refused(stack, telegram_api, secret):
    chat, since = new_chat(), len(telegram_api.calls)
    status, _ = post_update(stack, text_update(chat, "hello"), secret=secret)
    assert status == 403
    time.sleep(1)
    assert telegram_api.sent(chat, since) == []


def test_malformed_update_gets_a_clear_4xx(stack):
    status, _ = post_update(stack, b'{"update_id": "not json')
    assert 400 <= status < 500


def test_knm_practice_round_with_inline_keyboard(stack, telegram_api):
    """A whole round: a theme button → answer buttons (callback data ≤ 64 bytes), one wrong → the score."""
    from bot.knowledge.knm import load_question_bank

    bank = load_question_bank()
    chat, since = new_chat(), len(telegram_api.calls)
    post_update(stack, text_update(chat, "quiz me on knm"))
    sent = telegram_api.wait_for_messages(chat, since, count=2)
    themes = [b for m in sent for b in keyboard(m)]
    work = next(b for b in themes if b["text"] == "Work and income")
    since = len(telegram_api.calls)
    post_update(stack, callback_update(chat, work["callback_data"]))
    question = next(m for m in telegram_api.wait_for_messages(chat, since) if m["text"].startswith("Question 1 of"))
    options = keyboard(question)
    assert len(options) >= 3 and all(len(b["callback_data"].encode()) <= 64 for b in options)
    for number in range(1, 6):
        stem = question["text"].split("\n")[1]
        right = next(q for q in bank.questions if q.stem == stem).answer
        choice = (right + 1) % len(options) if number == 1 else right  # one wrong answer
        since = len(telegram_api.calls)
        post_update(stack, callback_update(chat, options[choice]["callback_data"]))
        sent = telegram_api.wait_for_messages(chat, since, count=2)
        assert sent[0]["text"].startswith("Not quite" if number == 1 else "Right!"), sent[0]["text"]
        assert "Source: https://" in sent[0]["text"]
        if number < 5:
            question = sent[1]
            assert question["text"].startswith(f"Question {number + 1} of 5")
            options = keyboard(question)
    assert "Round over: you got 4 of 5 right." in sent[-1]["text"]
    assert keyboard(sent[-1])[0]["text"] == "Another round"
