"""`make run`'s supervisor (python -m bot.ops.supervisor run): all three services come up, and a stop signal
(SIGTERM from a process manager, or Ctrl-C) stops every one of them: no orphan keeps a port. A port that is
already taken (e.g. by an old server left behind) stops it before it starts anything, with the port and the
process holding it named, and a service is only "ready" when the process answering is its own.
Every process a test here starts is stopped, by process group, also when the test fails."""

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
from bot.ops.supervisor import PortInUse, Service, base_env, free_port
from tests.support.stack import kill_port_holders

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[3]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def stop_supervisor(proc: subprocess.Popen, ports) -> list[str]:
    """SIGTERM to the supervisor (it stops its services), SIGKILL to its process group if it does not end,
    then SIGKILL whatever still listens on the ports: returns what had to be killed there (empty: nothing)."""
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        left = kill_port_holders(ports)
    return left


HOLDER = """
import socket, sys, time
listener = socket.socket()
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen()
print("listening", flush=True)
time.sleep(600)
"""


@pytest.fixture
def held_port():
    """A port held by a plain listening socket in a process of its own, as an old server left behind would."""
    port = free_port()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(port)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert holder.stdout.readline().strip() == "listening"
        yield port, holder.pid
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_run_starts_everything_and_stops_everything(tmp_path, stop_signal):
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    env = dict(
        os.environ,
        **{k: str(v) for k, v in ports.items()},
        WEGWIJZER_VAR_DIR=str(tmp_path),
        WEGWIJZER_INDEX_DIR=str(settings.INDEX_DIR),
        TRACKER_DB=str(tmp_path / "tracker.db"),
        RASA_AUTH_TOKEN="supervisor-test",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.ops.supervisor", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
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
        stop_supervisor(proc, ports.values())


@pytest.mark.parametrize("held", ["RASA_PORT", "ACTION_PORT", "WEB_PORT"])
def test_run_refuses_a_port_that_is_taken_and_names_who_holds_it(tmp_path, held_port, held):
    port, holder_pid = held_port
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port(), held: port}
    env = dict(
        os.environ,
        **{k: str(v) for k, v in ports.items()},
        WEGWIJZER_VAR_DIR=str(tmp_path),
        RASA_AUTH_TOKEN="supervisor-test",
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.ops.supervisor", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        started_anyway = stop_supervisor(proc, [p for name, p in ports.items() if name != held])
    assert proc.returncode != 0
    assert time.monotonic() - started < 20, "took too long to refuse"
    assert "is running" not in out
    assert started_anyway == [], f"services started although {held} was taken: {started_anyway}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"port {port} ({held}) is already in use by pid {holder_pid} (" in lines[0]
    assert "import socket" in lines[0]  # the holder's command line
    assert f"kill {holder_pid}" in lines[0]


def test_wait_ready_rejects_a_port_answered_by_another_process(tmp_path, held_port):
    """An old process on the port passes the new service's health check: wait_ready must see it is not its own
    (the service itself is still starting, or failed to bind)."""
    port, holder_pid = held_port
    service = Service(
        "rasa",
        [sys.executable, "-c", "import time; time.sleep(120)"],
        f"tcp://127.0.0.1:{port}",
        base_env(),
        tmp_path / "rasa.log",
    )
    service.start()
    try:
        with pytest.raises(PortInUse, match=rf"port {port} \(rasa\) is answered by pid {holder_pid} "):
            service.wait_ready(30)
    finally:
        service.stop()
    assert service.proc.poll() is not None
