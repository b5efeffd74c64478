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

    def start(self) -> Service:
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
        if self.health_url.startswith("tcp://"):
            host, port = self.health_url[len("tcp://"):].rsplit(":", 1)
            try:
                with socket.create_connection((host, int(port)), timeout=1):
                    return True
            except OSError:
                return False
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

    def terminate(self) -> None:
        """Ask the service to stop (SIGTERM to its process group) without waiting."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

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
        [sys.executable, "-m", "bot.ops.webserver", "--port", str(port), "--rasa-url", rasa_url],
        f"http://127.0.0.1:{port}/",
        base_env(),
        log_path,
    )


# ---------------------------------------------------------------- scale-out: PostgreSQL, Redis, replicas

PG_USER = PG_DB = "wegwijzer"


def _as_postgres_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; Debian's package creates the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def postgres_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL server not installed: run `bash tests/system_deps.sh` (apt-get install postgresql)")
    return str(found[-1])


def postgres(data_dir: Path, port: int, log_path: Optional[Path] = None) -> Service:
    """A throwaway PostgreSQL cluster in data_dir (created on first use), loopback only, trust auth."""
    data_dir.mkdir(parents=True, exist_ok=True)
    socket_dir = data_dir / "socket"
    socket_dir.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(data_dir)], check=True)
    cluster = data_dir / "cluster"
    if not (cluster / "PG_VERSION").exists():
        subprocess.run(
            _as_postgres_user([postgres_bin("initdb"), "-D", str(cluster), "-U", PG_USER, "--auth=trust", "-E", "UTF8"]),
            check=True, stdout=subprocess.DEVNULL,
        )
    cmd = _as_postgres_user([
        postgres_bin("postgres"), "-D", str(cluster), "-p", str(port), "-k", str(socket_dir),
        "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
    ])
    return Service("postgres", cmd, f"tcp://127.0.0.1:{port}", base_env(), log_path or data_dir / "postgres.log")


def create_database(port: int, name: str = PG_DB) -> None:
    exists = subprocess.run(
        [postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, "-d", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], capture_output=True, text=True, check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run([postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, name], check=True)


def redis(port: int, log_path: Optional[Path] = None) -> Service:
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--protected-mode", "yes"]
    return Service("redis", cmd, f"tcp://127.0.0.1:{port}", base_env(), log_path)


def scaled_env(action_port: int, pg_port: int, redis_port: int) -> dict[str, str]:
    return {
        "ACTION_PORT": str(action_port), "PG_HOST": "127.0.0.1", "PG_PORT": str(pg_port), "PG_DB": PG_DB,
        "PG_USER": PG_USER, "PG_PASSWORD": os.environ.get("PG_PASSWORD", "not-used-with-local-trust-auth"),
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port),
    }


def proxy(port: int, backends: list[str], log_path: Optional[Path] = None) -> Service:
    cmd = [sys.executable, "-m", "bot.ops.proxy", "--port", str(port)]
    for backend in backends:
        cmd += ["--backend", backend]
    return Service("proxy", cmd, f"tcp://127.0.0.1:{port}", base_env(), log_path)


def run() -> int:
    rasa_port, action_port, web_port = settings.RASA_PORT, settings.ACTION_PORT, settings.WEB_PORT
    tracker_db = Path(os.environ.get("TRACKER_DB", settings.VAR_DIR / "tracker.db")).resolve()
    services = [
        action_server(action_port),
        rasa_server(rasa_port, action_port, tracker_db, f"http://localhost:{web_port}"),
        web_server(web_port, f"http://localhost:{rasa_port}"),
    ]
    return _supervise(services, (
        "\nWegwijzer is running (ready in {seconds:.1f}s):\n"
        f"  chat widget    http://localhost:{web_port}/\n"
        f"  Rasa (REST)    http://localhost:{rasa_port}/webhooks/rest/webhook\n"
        f"  action server  http://localhost:{action_port}/health\n"
        f"Logs in {LOG_DIR}. Press Ctrl-C to stop."
    ))


def _ignore_stop_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _interrupt(signum: int, frame: object) -> None:
    """The first Ctrl-C or SIGTERM starts the stop; more of them (make forwards its own) are ignored."""
    _ignore_stop_signals()
    raise KeyboardInterrupt


def stop_all(services: list[Service]) -> None:
    """Stop every service, all at once; a second Ctrl-C or SIGTERM cannot leave one running."""
    _ignore_stop_signals()
    for service in services:
        service.terminate()
    for service in reversed(services):
        service.stop()


def _supervise(services: list[Service], banner: str) -> int:
    """Start all services (all at once, then wait for each), print the banner, stop all on Ctrl-C
    or SIGTERM (e.g. from a process manager)."""
    started = time.monotonic()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready()
        print(banner.format(seconds=time.monotonic() - started), flush=True)
        while all(s.proc and s.proc.poll() is None for s in services):
            time.sleep(1)
        for s in services:
            if s.proc and s.proc.poll() is not None:
                print(f"{s.name} stopped unexpectedly; last log lines:\n{s.tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    finally:
        stop_all(services)


def run_scaled() -> int:
    """PostgreSQL + Redis + action server + two Rasa replicas behind a round-robin proxy on RASA_PORT."""
    data = settings.VAR_DIR / "scaled"
    pg_port, redis_port = free_port(), free_port()
    action_port, rasa_port, web_port = settings.ACTION_PORT, settings.RASA_PORT, settings.WEB_PORT
    replica_ports = [free_port(), free_port()]
    origin = f"http://localhost:{web_port}"
    env = scaled_env(action_port, pg_port, redis_port)
    pg = postgres(data / "postgres", pg_port)
    pg.start().wait_ready()
    create_database(pg_port)
    replicas = [
        rasa_server(port, action_port, Path("unused"), origin, endpoints=ROOT / "endpoints.scaled.yml", env=env,
                    log_path=LOG_DIR / f"rasa-replica-{i}.log")
        for i, port in enumerate(replica_ports)
    ]
    services = [
        redis(redis_port, LOG_DIR / "redis.log"),
        action_server(action_port),
        *replicas,
        proxy(rasa_port, [f"http://127.0.0.1:{p}" for p in replica_ports], LOG_DIR / "proxy.log"),
        web_server(web_port, f"http://localhost:{replica_ports[0]}"),
    ]
    try:
        return _supervise(services, (
            "\nWegwijzer (scaled) is running (ready in {seconds:.1f}s):\n"
            f"  REST via round-robin proxy  http://localhost:{rasa_port}/webhooks/rest/webhook\n"
            f"  Rasa replicas               {', '.join(f'http://localhost:{p}' for p in replica_ports)}\n"
            f"  PostgreSQL 127.0.0.1:{pg_port} (db {PG_DB}), Redis 127.0.0.1:{redis_port}\n"
            f"  chat widget                 http://localhost:{web_port}/ (socket.io needs sticky sessions: replica 0)\n"
            "Press Ctrl-C to stop."
        ))
    finally:
        pg.stop()


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
    parser = argparse.ArgumentParser(prog="python -m bot.ops.supervisor")
    parser.add_argument("command", choices=["run", "run-scaled", "shell"])
    args = parser.parse_args(argv)
    return {"run": run, "run-scaled": run_scaled, "shell": shell}[args.command]()


if __name__ == "__main__":
    raise SystemExit(main())
