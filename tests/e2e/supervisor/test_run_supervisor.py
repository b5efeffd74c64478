"""`make run`'s supervisor (python -m bot.ops.supervisor run): all three services come up, and a stop signal
(SIGTERM from a process manager, or Ctrl-C) stops every one of them: no orphan keeps a port."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot import settings
from bot.ops.supervisor import free_port

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[3]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_run_starts_everything_and_stops_everything(tmp_path, stop_signal):
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    env = dict(os.environ, **{k: str(v) for k, v in ports.items()},
               WEGWIJZER_VAR_DIR=str(tmp_path), WEGWIJZER_INDEX_DIR=str(settings.INDEX_DIR),
               TRACKER_DB=str(tmp_path / "tracker.db"), RASA_AUTH_TOKEN="supervisor-test")
    proc = subprocess.Popen([sys.executable, "-m", "bot.ops.supervisor", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        banner = ""
        while "is running" not in banner and time.monotonic() < deadline and proc.poll() is None:
            banner += proc.stdout.readline()
        assert "is running" in banner, banner[-2000:]
        request = urllib.request.Request(
            f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook",
            data=json.dumps({"sender": "supervisor", "message": "hello"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())[0]["text"]

        os.kill(proc.pid, stop_signal)  # the supervisor only, as a process manager would
        assert proc.wait(timeout=60) == 0
        still_open = [name for name, port in ports.items() if port_open(port)]
        assert still_open == [], f"orphaned services still listening: {still_open}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
