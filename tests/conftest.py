"""Shared fixtures. End-to-end fixtures start the REAL action server and REAL Rasa server on free
ports with a fresh SQLite tracker store, and tear them down afterwards."""

from __future__ import annotations

import os

import pytest

from bot import settings
from bot.ops import supervisor as servers
from tests.support.stack import TELEGRAM_SECRET, TELEGRAM_TOKEN, new_sender, start_stack

ROOT = settings.PROJECT_ROOT


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="run the full-length slow tests (soak/load)")


@pytest.fixture(scope="session")
def kb():
    from bot.knowledge import load_knowledge

    return load_knowledge()


@pytest.fixture(scope="session")
def retriever():
    from bot.retrieval.search import default_retriever

    return default_retriever()


@pytest.fixture(scope="session")
def assistant():
    from bot.dialogue.assistant import get_assistant

    return get_assistant()


@pytest.fixture(scope="session")
def telegram_api():
    from tests.support.fake_telegram import FakeTelegramAPI

    return FakeTelegramAPI().start()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, telegram_api):
    """Rasa + action server; Rasa's Telegram channel talks to the local fake Bot API."""
    if not servers.MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    tmp = tmp_path_factory.mktemp("stack")
    env = {
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_BOT_NAME": telegram_api.username,
        "TELEGRAM_API_BASE": telegram_api.base,
        "TELEGRAM_WEBHOOK_URL": "https://example.invalid/webhooks/telegram/webhook",
    }
    running = start_stack(tmp, env=env)
    yield running
    running.stop()


@pytest.fixture
def sender() -> str:
    return new_sender()


os.environ.setdefault("HF_HUB_OFFLINE", "1")
