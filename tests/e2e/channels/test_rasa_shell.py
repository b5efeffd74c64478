"""Staff use `make shell` (rasa shell): drive it non-interactively through a pseudo-terminal.

The supervisor runs rasa shell on a port of its own (RASA_SHELL_PORT, unique per test) in its own process
group: once the supervisor is gone, stopped or killed outright, no process with that port is left."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from bot.ops.supervisor import free_port, port_holders, port_in_use
from bot.settings import PROJECT_ROOT
from tests.support.stack import kill_groups, processes_with, wait_gone

pytestmark = pytest.mark.e2e

PROMPT = "Your input ->"


def start_shell(pexpect, stack, tmp_path):
    """`python -m bot.ops.supervisor shell` in a pseudo-terminal, using the stack's action server."""
    action_port = stack.action_url.rsplit(":", 1)[1]
    shell_port = free_port()
    env = dict(
        os.environ,
        ACTION_PORT=action_port,
        RASA_SHELL_PORT=str(shell_port),
        TRACKER_DB=str(tmp_path / "shell.db"),
        TERM="xterm",
        COLUMNS="200",
    )
    shell = pexpect.spawn(
        sys.executable,
        ["-m", "bot.ops.supervisor", "shell"],
        cwd=str(PROJECT_ROOT),
        env=env,
        encoding="utf-8",
        timeout=240,
        dimensions=(50, 200),
    )
    return shell, shell_port


def shell_processes(shell_port: int) -> list[int]:
    # the command line ends in a NUL, read as a space: "--port 4123 " does not match port 41234
    return processes_with(f"--port {shell_port} ")


def stop_shell(pexpect, shell, shell_port: int, stop_signal: int) -> list[int]:
    """Send stop_signal to the supervisor only (as a terminal or process manager would), wait for it to end,
    then list what is still running with the shell's port. Whatever is left is killed here (group and all)
    so that no test leaves a process behind, and returned for the test to fail on."""
    try:
        if shell.isalive():
            os.kill(shell.pid, stop_signal)
            try:
                shell.expect(pexpect.EOF, timeout=60)
            except pexpect.TIMEOUT:
                pass
    finally:
        if shell.isalive():
            os.killpg(shell.pid, signal.SIGKILL)  # pexpect's child leads its own session and group
        shell.close(force=True)
        left = wait_gone(lambda: shell_processes(shell_port), timeout=20)
        kill_groups(left)
    return left


def port_released(port: int, timeout: float = 10) -> bool:
    """A process killed outright loses its command line (memory) a moment before its sockets are closed:
    wait for the kernel to finish closing them, then say whether the port is free."""
    return not wait_gone(lambda: [port] if port_in_use(port) else [], timeout=timeout)


def test_rasa_shell_answers_a_question_and_runs_the_counter_finder(stack, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    shell, shell_port = start_shell(pexpect, stack, tmp_path)
    try:
        shell.expect(PROMPT)
        assert port_in_use(shell_port)  # rasa shell serves on its own port, never `make run`'s 5005
        shell.sendline("how does the reading exam work?")
        shell.expect("Source: How does the reading exam work for integration\\?")
        # the answer's buttons become a menu: Enter picks the first choice, "Helpful"
        shell.expect("Helpful", timeout=60)
        shell.send("\r")
        shell.expect("Thank you for your feedback", timeout=60)
        shell.expect(PROMPT, timeout=60)

        shell.sendline("/ask_counter")
        shell.expect("What do you want to do", timeout=60)
        shell.expect("Book an exam", timeout=30)
        shell.send("\r")  # the need buttons are a menu too: Enter picks the first, "Book an exam"
        shell.expect("go to Mijn Inburgering", timeout=60)
        shell.expect("https://", timeout=30)
        shell.expect("Helpful", timeout=60)
    finally:
        left = stop_shell(pexpect, shell, shell_port, signal.SIGTERM)
    assert left == [], f"still running after the supervisor stopped: {left}"
    assert port_released(shell_port), f"port {shell_port} still held by {port_holders(shell_port)}"


def test_rasa_shell_does_not_outlive_a_killed_supervisor(stack, tmp_path):
    """A `rasa shell` once outlived the test that started it and kept serving a port: even when the supervisor
    is killed outright (SIGKILL: no clean-up of its own runs), its rasa shell goes with it."""
    pexpect = pytest.importorskip("pexpect")
    shell, shell_port = start_shell(pexpect, stack, tmp_path)
    try:
        shell.expect(PROMPT)
        assert shell_processes(shell_port), "rasa shell not found by its port"
    finally:
        left = stop_shell(pexpect, shell, shell_port, signal.SIGKILL)
    assert left == [], f"still running after the supervisor was killed: {left}"
    assert port_released(shell_port), f"port {shell_port} still held by {port_holders(shell_port)}"
