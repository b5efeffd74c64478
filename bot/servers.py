"""Start, health-check and stop the three processes (action server, Rasa, widget page).

Used by `make run` / `make shell` and by the end-to-end test fixtures. No ML imports here."""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bot import settings

ROOT = settings.PROJECT_ROOT
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
ACTIONS_PY = ROOT / ".venv-actions" / "bin" / "python"
MODEL = ROOT / "models" / "wegwijzer.tar.gz"
LOG_DIR = settings.VAR_DIR / "logs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def auth_token() -> str:
    """RASA_AUTH_TOKEN from the environment, else one generated once and kept in var/ (git-ignored)."""
    token = os.environ.get("RASA_AUTH_TOKEN")
    if token:
        return token
    path = settings.VAR_DIR / "rasa_auth_token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    env.update(extra)
    return env


@dataclass
class Service:
    name: str
    cmd: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    log_path: Optional[Path] = None
    proc: Optional[subprocess.Popen] = None

    def start(self) -> "Service":
        log_path = self.log_path or LOG_DIR / f"{self.name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env or base_env(), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        return self

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return response.status < 500
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.proc.returncode}; see {self.log_path}\n{self.tail()}")
            if self.ready():
                return
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_path}\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])  # type: ignore[arg-type]
        except OSError:
            return ""

    def stop(self, timeout: float = 15) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=5)


def action_server(port: int, env: Optional[dict[str, str]] = None, log_path: Optional[Path] = None) -> Service:
    return Service(
        "actions",
        [str(ACTIONS_PY), "-m", "actions.serve", "--port", str(port)],
        f"http://127.0.0.1:{port}/health",
        env or base_env(),
        log_path,
    )


def rasa_server(
    port: int,
    action_port: int,
    tracker_db: Path,
    web_origin: str,
    endpoints: Path = ROOT / "endpoints.yml",
    credentials: Path = ROOT / "credentials.yml",
    model: Path = MODEL,
    env: Optional[dict[str, str]] = None,
    log_path: Optional[Path] = None,
    token: Optional[str] = None,
) -> Service:
    cmd = [
        str(RASA_BIN), "run", "--enable-api", "--port", str(port), "--model", str(model),
        "--endpoints", str(endpoints), "--credentials", str(credentials),
        "--cors", web_origin, "--auth-token", token or auth_token(),
    ]
    merged = base_env(ACTION_PORT=str(action_port), TRACKER_DB=str(tracker_db))
    merged.update(env or {})
    return Service("rasa", cmd, f"http://127.0.0.1:{port}/", merged, log_path)


def web_server(port: int, rasa_url: str, log_path: Optional[Path] = None) -> Service:
    return Service(
        "web",
        [sys.executable, "-m", "bot.webserver", "--port", str(port), "--rasa-url", rasa_url],
        f"http://127.0.0.1:{port}/",
        base_env(),
        log_path,
    )


def run() -> int:
    rasa_port, action_port, web_port = settings.RASA_PORT, settings.ACTION_PORT, settings.WEB_PORT
    origin = f"http://localhost:{web_port}"
    tracker_db = Path(os.environ.get("TRACKER_DB", settings.VAR_DIR / "tracker.db")).resolve()
    services = [
        action_server(action_port),
        rasa_server(rasa_port, action_port, tracker_db, origin),
        web_server(web_port, f"http://localhost:{rasa_port}"),
    ]
    started = time.monotonic()
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready()
        print(
            f"\nWegwijzer is running (ready in {time.monotonic() - started:.1f}s):\n"
            f"  chat widget    http://localhost:{web_port}/\n"
            f"  Rasa (REST)    http://localhost:{rasa_port}/webhooks/rest/webhook\n"
            f"  action server  http://localhost:{action_port}/health\n"
            f"Logs in {LOG_DIR}. Press Ctrl-C to stop.",
            flush=True,
        )
        while all(s.proc and s.proc.poll() is None for s in services):
            time.sleep(1)
        dead = [s for s in services if s.proc and s.proc.poll() is not None]
        for s in dead:
            print(f"{s.name} stopped unexpectedly; last log lines:\n{s.tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    finally:
        for service in reversed(services):
            service.stop()


def shell() -> int:
    """rasa shell against a running action server (started here if none is up)."""
    action_port = settings.ACTION_PORT
    actions = action_server(action_port)
    own = not actions.ready()
    if own:
        actions.start().wait_ready()
    try:
        env = base_env(ACTION_PORT=str(action_port), TRACKER_DB=str(settings.VAR_DIR / "shell-tracker.db"))
        return subprocess.call(
            [str(RASA_BIN), "shell", "--model", str(MODEL), "--endpoints", str(ROOT / "endpoints.yml")],
            cwd=ROOT, env=env,
        )
    finally:
        if own:
            actions.stop()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.servers")
    parser.add_argument("command", choices=["run", "shell"])
    args = parser.parse_args(argv)
    return {"run": run, "shell": shell}[args.command]()


if __name__ == "__main__":
    raise SystemExit(main())
