"""Staff use `make shell` (rasa shell): drive it non-interactively through a pseudo-terminal."""
from __future__ import annotations

import os
import sys

import pytest

from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

PROMPT = "Your input ->"


def test_rasa_shell_answers_a_question_and_runs_the_counter_finder(stack, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    port = stack.action_url.rsplit(":", 1)[1]
    env = dict(os.environ, ACTION_PORT=port, TRACKER_DB=str(tmp_path / "shell.db"), TERM="xterm", COLUMNS="200")
    shell = pexpect.spawn(
        sys.executable, ["-m", "bot.ops.supervisor", "shell"], cwd=str(PROJECT_ROOT), env=env,
        encoding="utf-8", timeout=240, dimensions=(50, 200),
    )
    try:
        shell.expect(PROMPT)
        shell.sendline("how does the reading exam work?")
        shell.expect("Source: How does the reading exam work for integration\\?")
        # the last message's buttons become a menu: Enter picks the first choice, "Helpful"
        shell.expect("Was this answer helpful", timeout=60)
        shell.send("\r")
        shell.expect("Thank you for your feedback", timeout=60)
        shell.expect(PROMPT, timeout=60)

        shell.sendline("/ask_counter")
        shell.expect("What do you want to do", timeout=60)
        shell.expect("Book an exam", timeout=30)
        shell.send("\r")  # the need buttons are a menu too: Enter picks the first, "Book an exam"
        shell.expect("go to Mijn Inburgering", timeout=60)
        shell.expect("https://", timeout=30)
        shell.expect("Was this answer helpful", timeout=60)
    finally:
        shell.terminate(force=True)
