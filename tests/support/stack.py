"""Real servers for end-to-end tests: start the action server, Rasa and the widget page on free ports."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from bot.ops import supervisor as servers


@dataclass
class Stack:
    rasa_url: str
    action_url: str
    token: str
    tracker_db: Path
    rasa: servers.Service
    actions: servers.Service
    web: servers.Service
    web_url: str

    def stop(self) -> None:
        stop_services([self.web, self.rasa, self.actions])

    def say(self, sender: str, message: str, timeout: float = 60) -> list[dict]:
        return post_json(f"{self.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message}, timeout)

    def texts(self, sender: str, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(sender, message))

    def tracker(self, sender: str) -> dict:
        request = urllib.request.Request(
            f"{self.rasa_url}/conversations/{sender}/tracker?token={self.token}", method="GET"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


def post_json(url: str, payload, timeout: float = 60):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


TELEGRAM_TOKEN = "123456789:TEST-token_for-the-fake-bot-api-000000"
TELEGRAM_SECRET = "test-secret-for-the-local-fake-bot-api"  # fixed: conftest may be imported twice


def start_stack(tmp: Path, env: dict | None = None) -> Stack:
    action_port, rasa_port, web_port = servers.free_port(), servers.free_port(), servers.free_port()
    web_origin = f"http://localhost:{web_port}"
    token = "test-token-" + uuid.uuid4().hex[:8]
    tracker_db = tmp / "tracker.db"
    actions = servers.action_server(action_port, log_path=tmp / "actions.log")
    rasa = servers.rasa_server(
        rasa_port, action_port, tracker_db, web_origin, log_path=tmp / "rasa.log", token=token, env=env or {}
    )
    web = servers.web_server(web_port, f"http://localhost:{rasa_port}", log_path=tmp / "web.log")
    try:
        for service in (actions, rasa, web):
            service.start()
        actions.wait_ready(180)
        rasa.wait_ready(300)
        web.wait_ready(30)
    except BaseException:
        stop_services([web, rasa, actions])
        raise
    return Stack(
        f"http://127.0.0.1:{rasa_port}",
        f"http://127.0.0.1:{action_port}",
        token,
        tracker_db,
        rasa,
        actions,
        web,
        web_origin,
    )


# ---------------------------------------------------------------- every process a test starts is stopped


def stop_services(services: list[servers.Service]) -> None:
    """Stop each service's whole process group; one that fails to stop does not keep the others running."""
    errors = []
    for service in services:
        try:
            service.stop()
        except Exception as error:  # stop the rest first, then report
            errors.append(error)
    if errors:
        raise errors[0]


def processes_with(text: str) -> list[int]:
    """Pids (not this one) whose command line contains text, e.g. a test's unique `--port 41234`
    (what `pgrep -f` would find; zombies have no command line and do not count)."""
    found = []
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit() or int(proc_dir.name) == os.getpid():
            continue
        try:
            cmdline = (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(proc_dir.name))
    return sorted(found)


def kill_groups(pids: list[int]) -> None:
    """SIGKILL the process group of each pid (never this test process's own group), and the pid itself."""
    for pid in pids:
        try:
            group = os.getpgid(pid)
            if group != os.getpgrp():
                os.killpg(group, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def wait_gone(check, timeout: float = 15) -> list[int]:
    """Poll check() (returning pids) until it returns none or timeout passes; the last result."""
    deadline = time.monotonic() + timeout
    left = check()
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = check()
    return left


def kill_port_holders(ports) -> list[str]:
    """Last resort after a test: SIGKILL the process group of whatever still listens on these ports.
    Returns a description of each process that had to be killed (empty: nothing was left)."""
    left = sorted({pid for port in ports for pid in servers.port_holders(port)} - {os.getpid()})
    described = [servers.describe_process(pid) for pid in left]
    kill_groups(left)
    return described
