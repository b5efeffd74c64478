"""The fast model load (bot.rasa_plugins.patches) gives exactly the predictions of Rasa's own load: the same
intent ranking with the same confidences and the same entities on a sample of the NLU examples and of the
dialogue sets' messages (tests/support/model_load_check.py, in .venv-rasa)."""

from __future__ import annotations

import json
import subprocess

import pytest

from bot.ops import supervisor as servers
from bot.settings import PROJECT_ROOT

RASA_PY = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
CHECK = PROJECT_ROOT / "tests" / "support" / "model_load_check.py"


def test_fast_model_load_predicts_exactly_as_rasa_s_own_load():
    if not RASA_PY.exists() or not servers.MODEL.exists():
        pytest.fail("no .venv-rasa or trained model: run `make train` (make test does it)")
    run = subprocess.run(
        [str(RASA_PY), str(CHECK), str(servers.MODEL), "12"],
        cwd=PROJECT_ROOT,
        env=servers.base_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    print(figures)
    assert figures["loads_by_inference"] == 1  # the fast path ran, not its fallback
    assert figures["messages"] > 200
    assert figures["differ"] == []
