"""The conversation quality gate: the dev and hold-out dialogue sets played over REST against the real
servers, judged turn by turn on what the user reads. Thresholds sit just under the measured values
(README "Conversation quality"), so a regression fails CI."""

from __future__ import annotations

import pytest

from bot.settings import PROJECT_ROOT
from bot.tools.dialogues import load_dialogues, rest_sender, score

pytestmark = pytest.mark.e2e

DATA = PROJECT_ROOT / "tests" / "data"
THRESHOLDS = {
    "dialogues_dev.yml": 0.92,
    "dialogues_dev2.yml": 0.80,
    "dialogues_dev3.yml": 0.74,
    "dialogues_dev4.yml": 0.79,
    "dialogues_dev5.yml": 0.85,
    "dialogues_dev6.yml": 0.83,
    "dialogues_holdout.yml": 0.80,
    "dialogues_holdout2.yml": 0.71,
    "dialogues_holdout3.yml": 0.68,
    "dialogues_holdout4.yml": 0.67,
    "dialogues_holdout5.yml": 0.60,
}


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_dialogue_set_passes_its_threshold(stack, name):
    result = score(load_dialogues(DATA / name), rest_sender(f"{stack.rasa_url}/webhooks/rest/webhook"))
    failed = [f"{t.dialogue}#{t.index} {t.sent[:60]!r}: {'; '.join(t.problems)}" for t in result.turns if not t.passed]
    print(f"{name}: {result.line()}")
    assert result.ratio() >= THRESHOLDS[name], f"{result.line()}\n" + "\n".join(failed[:40])
