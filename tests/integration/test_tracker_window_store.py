"""The real RedactingSQLTrackerStore (in .venv-rasa, no servers) over a long conversation, turn by turn beside a
reference tracker that holds every event: tests/support/tracker_window_check.py fails on the first turn where
the stored rows, the state or the last featurised states differ; here we check its figures."""

from __future__ import annotations

import json
import subprocess

import pytest

from bot.ops import supervisor as servers
from bot.settings import PROJECT_ROOT

RASA_PY = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
CHECK = PROJECT_ROOT / "tests" / "support" / "tracker_window_check.py"
TURNS = 130


@pytest.mark.parametrize("window_turns", [3, 5])
def test_windowed_store_matches_the_full_tracker_and_stays_bounded(tmp_path, window_turns):
    if not RASA_PY.exists():
        pytest.fail("no .venv-rasa: run `make` first")
    run = subprocess.run(
        [str(RASA_PY), str(CHECK), str(tmp_path / "tracker.db"), str(TURNS)],
        cwd=PROJECT_ROOT,
        env=servers.base_env(WEGWIJZER_TRACKER_WINDOW_TURNS=str(window_turns)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["window_turns"] == window_turns
    assert figures["stored_events"] == figures["full_tracker_events"] > 5 * TURNS  # everything kept, once
    assert figures["window_rows"] == 1 and not figures["window_has_pii"]
    # the live tracker does not grow with the conversation: at the end it is no bigger than its largest
    # size while the conversation was younger than the window plus one 6-turn cycle with a form
    assert figures["live_events_max"] <= 2 * figures["live_events_first_10"]
    assert figures["live_events_last"] < figures["stored_events"] / 5
