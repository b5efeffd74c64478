"""Start, health-check and stop the three processes (action server, Rasa, widget page).

Used by `make run` / `make shell` and by the end-to-end test fixtures. No ML imports here."""

from __future__ import annotations

import argparse
import ctypes
import errno
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bot import settings
from bot.ops import nginx

ROOT = settings.PROJECT_ROOT
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
ACTIONS_PY = ROOT / ".venv-actions" / "bin" / "python"
MODEL = ROOT / "models" / "wegwijzer.tar.gz"
LOG_DIR = settings.VAR_DIR / "logs"


_handed_out: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port nothing listens on, below the kernel's ephemeral range: a port taken from that range (bind to
    port 0) can be given to some process's outgoing connection before a slow server (Rasa loads its model
    for ~30 s) binds it. Never the same port twice in one process."""
    low, _ = _ephemeral_range()
    lowest = 20000 if low > 21000 else 1024
    for _ in range(200):
        port = random.randint(lowest, low - 1)
        if port in _handed_out or port_in_use(port):
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket() as s:  # the range below is crowded: the kernel's choice
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- ports: free, or held by whom

TCP_LISTEN = "0A"  # the state column of /proc/net/tcp{,6}


class PortInUse(RuntimeError):
    """A port this supervisor needs is taken, or is answered by a process that is not the one started here."""


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes of the TCP listeners on port (any address, IPv4 and IPv6), read from /proc/net/tcp{,6}."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[3] == TCP_LISTEN and int(cols[1].rsplit(":", 1)[1], 16) == port:
                if cols[9] != "0":
                    inodes.add(cols[9])
    return inodes


def _pids_holding(inodes: set[str]) -> list[int]:
    """Pids with an open file descriptor on one of these sockets (/proc/<pid>/fd/* -> socket:[inode])."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    pids = []
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit():
            continue
        try:
            fds = list((proc_dir / "fd").iterdir())
        except OSError:  # gone, or not ours to read
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in wanted:
                    pids.append(int(proc_dir.name))
                    break
            except OSError:
                continue
    return sorted(pids)


def _pids_from_ss(port: int) -> list[int]:
    if not shutil.which("ss"):
        return []
    try:
        out = subprocess.run(
            ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({int(pid) for pid in re.findall(r"pid=(\d+)", out)})


def port_holders(port: int) -> list[int]:
    """Pids of the processes listening on TCP port: empty if none, or if they cannot be seen."""
    inodes = _listening_inodes(port)
    return (_pids_holding(inodes) if inodes else []) or _pids_from_ss(port)


def describe_process(pid: int) -> str:
    """`pid 1234 (its command line)`, shortened to one line."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmd = ""
    cmd = " ".join(cmd.split())
    if len(cmd) > 200:
        cmd = cmd[:197] + "..."
    return f"pid {pid} ({cmd})" if cmd else f"pid {pid}"


def port_in_use(port: int) -> bool:
    """Something listens on port (any address), so a server of ours could not bind it."""
    if _listening_inodes(port):
        return True
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            s.bind(("0.0.0.0", port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False


def _holder_text(port: int) -> tuple[str, str]:
    """(who holds port, how to stop it)."""
    pids = port_holders(port)
    if not pids:
        return "an unknown process", f"find it with `ss -ltnp 'sport = :{port}'` and stop it"
    return ", ".join(describe_process(pid) for pid in pids), f"stop it with `kill {' '.join(map(str, pids))}`"


def check_ports_free(ports: dict[str, int]) -> None:
    """Raise PortInUse (a one-line message naming the port and the process holding it) unless every port
    is free and each is used once. `ports` maps the setting name (e.g. RASA_PORT) to the port."""
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port in seen:
            raise PortInUse(f"port {port} is set for both {seen[port]} and {name}: give each its own port")
        seen[port] = name
        if port_in_use(port):
            holder, stop = _holder_text(port)
            raise PortInUse(f"port {port} ({name}) is already in use by {holder}: {stop}, or set {name} to a free port")


def _ancestors(pid: int, limit: int = 64) -> list[int]:
    chain = []
    for _ in range(limit):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            pid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        if pid <= 1:
            break
        chain.append(pid)
    return chain


def belongs_to(pid: int, leader: int) -> bool:
    """pid is `leader` or runs in its process group or session (start_new_session makes the started process
    the leader of both), or descends from it."""
    try:
        if os.getpgid(pid) == leader or os.getsid(pid) == leader:
            return True
    except OSError:
        return False
    return leader in _ancestors(pid)


# ---------------------------------------------------------------- processes: stop the whole group


PR_SET_PDEATHSIG = 1


def parent_death_signal() -> Optional[Callable[[], None]]:
    """A Popen preexec_fn: the child gets SIGKILL when this process dies, even if it is killed with SIGKILL
    itself (Linux prctl; None elsewhere). Only for children started from the main thread: the kernel ties
    the signal to the thread that started the child."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)

    return hook


# Run by the watchdog process: reads "+pgid" / "-pgid" lines from the pipe whose write end only the supervisor
# holds; end of file means the supervisor is gone (however it ended): SIGKILL the groups still registered.
_WATCHDOG = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
fd, groups, buffer = int(sys.argv[1]), set(), b""
while True:
    chunk = os.read(fd, 4096)
    if not chunk:
        break
    *lines, buffer = (buffer + chunk).split(b"\\n")
    for line in lines:
        if line[:1] == b"+":
            groups.add(int(line[1:]))
        elif line[:1] == b"-":
            groups.discard(int(line[1:]))
for group in groups:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
"""


class _GroupWatchdog:
    """A tiny process of its own (own session: Ctrl-C and SIGHUP do not reach it) that SIGKILLs the registered
    process groups as soon as this process is gone, even if it was killed with SIGKILL and had no chance to
    clean up: what PR_SET_PDEATHSIG does for one child, this does for whole groups."""

    def __init__(self) -> None:
        read_fd, self._write_fd = os.pipe()  # not inheritable: only this process holds the write end
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _WATCHDOG, str(read_fd)],
                pass_fds=(read_fd,),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            os.close(read_fd)

    def send(self, line: str) -> None:
        try:
            os.write(self._write_fd, f"{line}\n".encode())
        except OSError:  # the watchdog is gone: PR_SET_PDEATHSIG still covers the main processes
            pass


_watchdog: Optional[_GroupWatchdog] = None
_watched: set[int] = set()


def kill_group_when_this_process_ends(pgid: int) -> None:
    """However this process ends, process group pgid is SIGKILLed right after (unless stopped before)."""
    global _watchdog
    if _watchdog is None:
        _watchdog = _GroupWatchdog()
    _watchdog.send(f"+{pgid}")
    _watched.add(pgid)


def _forget_group(pgid: int) -> None:
    if _watchdog is not None and pgid in _watched:
        _watchdog.send(f"-{pgid}")
        _watched.discard(pgid)


def stop_process_group(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM to the process group led by proc (started with start_new_session=True), wait, then SIGKILL
    whatever is left of the group: also what the main process left behind when it exited by itself."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=timeout)
        except (ProcessLookupError, PermissionError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    _forget_group(proc.pid)


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
    # the service's process group is killed if the process that started it dies, even by SIGKILL (see
    # parent_death_signal, kill_group_when_this_process_ends); only for services started from the main thread
    die_with_parent: bool = False
    _stopped: bool = field(default=False, init=False, repr=False)

    @property
    def port(self) -> Optional[int]:
        return urllib.parse.urlsplit(self.health_url.replace("tcp://", "http://", 1)).port

    def start(self) -> Service:
        log_path = self.log_path or LOG_DIR / f"{self.name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self._stopped = False
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=ROOT,
                env=self.env or base_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=parent_death_signal() if self.die_with_parent else None,
            )
        if self.die_with_parent:
            kill_group_when_this_process_ends(self.proc.pid)
        return self

    def ready(self) -> bool:
        if self.health_url.startswith("tcp://"):
            host, port = self.health_url[len("tcp://") :].rsplit(":", 1)
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
        """Wait until the health check passes AND it is this service that answers: the process started here
        is still running and the port is held by its process group (an old process left on the port would
        pass the health check too)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_running()
            if self.ready():
                self._check_running()
                self._check_own_port()
                return
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_path}\n{self.tail()}")

    def _check_running(self) -> None:
        if self.proc and self.proc.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with code {self.proc.returncode}; see {self.log_path}\n{self.tail()}"
            )

    def _check_own_port(self) -> None:
        port = self.port
        if not self.proc or port is None:
            return
        foreign = [pid for pid in port_holders(port) if not belongs_to(pid, self.proc.pid)]
        if foreign:  # when the holders cannot be seen at all, the running check above has to do
            holders = ", ".join(describe_process(pid) for pid in foreign)
            raise PortInUse(
                f"port {port} ({self.name}) is answered by {holders}, not by the {self.name} started here "
                f"(pid {self.proc.pid}): stop it with `kill {' '.join(map(str, foreign))}` and start again"
            )

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
        """Stop the whole process group (SIGTERM, then SIGKILL), also when the main process already exited."""
        if not self.proc or self._stopped:
            return
        stop_process_group(self.proc, timeout)
        self._stopped = True


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
        str(RASA_BIN),
        "run",
        "--enable-api",
        "--port",
        str(port),
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials),
        "--cors",
        web_origin,
        f"--auth-token={token or auth_token()}",  # one argument: a generated token may start with "-"
    ]
    merged = base_env(ACTION_PORT=str(action_port), TRACKER_DB=str(tracker_db))
    merged.update(env or {})
    return Service("rasa", cmd, f"http://127.0.0.1:{port}/", merged, log_path)


def web_server(port: int, rasa_url: str, log_path: Optional[Path] = None, tracker: Optional[str] = None) -> Service:
    """The widget page; `tracker` (a SQLite file or postgresql:// URL) is the store its staff page reads."""
    return Service(
        "web",
        [sys.executable, "-m", "bot.ops.webserver", "--port", str(port), "--rasa-url", rasa_url],
        f"http://127.0.0.1:{port}/",
        base_env(**({"TRACKER_DB": tracker} if tracker else {})),
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
        raise RuntimeError(
            "PostgreSQL server not installed: run `bash tests/system_deps.sh` (apt-get install postgresql)"
        )
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
            _as_postgres_user(
                [postgres_bin("initdb"), "-D", str(cluster), "-U", PG_USER, "--auth=trust", "-E", "UTF8"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    cmd = _as_postgres_user(
        [
            postgres_bin("postgres"),
            "-D",
            str(cluster),
            "-p",
            str(port),
            "-k",
            str(socket_dir),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
        ]
    )
    return Service("postgres", cmd, f"tcp://127.0.0.1:{port}", base_env(), log_path or data_dir / "postgres.log")


def create_database(port: int, name: str = PG_DB) -> None:
    exists = subprocess.run(
        [
            postgres_bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            PG_USER,
            "-d",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run([postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, name], check=True)


def redis(port: int, log_path: Optional[Path] = None) -> Service:
    cmd = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "yes",
    ]
    return Service("redis", cmd, f"tcp://127.0.0.1:{port}", base_env(), log_path)


def scaled_env(action_port: int, pg_port: int, redis_port: int) -> dict[str, str]:
    return {
        "ACTION_PORT": str(action_port),
        "PG_HOST": "127.0.0.1",
        "PG_PORT": str(pg_port),
        "PG_DB": PG_DB,
        "PG_USER": PG_USER,
        "PG_PASSWORD": os.environ.get("PG_PASSWORD", "not-used-with-local-trust-auth"),
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
    }


def load_balancer(
    port: int,
    replica_ports: list[int],
    prefix: Path,
    web_origin: str,
    limits: Optional[nginx.Limits] = None,
    debug_header: bool = False,
) -> Service:
    """nginx on `port` in front of the Rasa replicas (bot/ops/nginx.conf.in); pid, logs, temp files and the
    generated configuration under `prefix`. Checked with `nginx -t` before it starts."""
    conf = nginx.write_conf(port, replica_ports, prefix, web_origin, limits or nginx.Limits(), debug_header)
    nginx.check_conf(prefix, conf)
    return Service("nginx", nginx.command(prefix, conf), f"tcp://127.0.0.1:{port}", base_env(), prefix / "nginx.log")


# Where the staff token is, never the token itself (the banner ends up in terminals and logs).
STAFF_TOKEN_HINT = "WEGWIJZER_STAFF_TOKEN" if settings.STAFF_TOKEN else "in var/staff_token"


def run() -> int:
    rasa_port, action_port, web_port = settings.RASA_PORT, settings.ACTION_PORT, settings.WEB_PORT
    check_ports_free({"ACTION_PORT": action_port, "RASA_PORT": rasa_port, "WEB_PORT": web_port})
    tracker_db = Path(os.environ.get("TRACKER_DB", settings.VAR_DIR / "tracker.db")).resolve()
    services = [
        action_server(action_port),
        rasa_server(rasa_port, action_port, tracker_db, f"http://localhost:{web_port}"),
        web_server(web_port, f"http://localhost:{rasa_port}", tracker=str(tracker_db)),
    ]
    return _supervise(
        services,
        (
            "\nWegwijzer is running (ready in {seconds:.1f}s):\n"
            f"  chat widget    http://localhost:{web_port}/\n"
            f"  Rasa (REST)    http://localhost:{rasa_port}/webhooks/rest/webhook\n"
            f"  action server  http://localhost:{action_port}/health\n"
            f"  staff page     http://localhost:{web_port}/staff/ (token: {STAFF_TOKEN_HINT})\n"
            f"Logs in {LOG_DIR}. Press Ctrl-C to stop."
        ),
    )


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _ignore_stop_signals() -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def _interrupt(signum: int, frame: object) -> None:
    """The first Ctrl-C, SIGTERM or SIGHUP (terminal closed) starts the stop; more of them (make forwards its
    own) are ignored."""
    _ignore_stop_signals()
    raise KeyboardInterrupt


def _catch_stop_signals() -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, _interrupt)


def stop_all(services: list[Service]) -> None:
    """Stop every service, all at once; a second Ctrl-C or SIGTERM cannot leave one running."""
    _ignore_stop_signals()
    for service in services:
        service.terminate()
    for service in reversed(services):
        service.stop()


def _supervise(services: list[Service], banner: str) -> int:
    """Start all services (all at once, then wait for each), print the banner, stop all on Ctrl-C,
    SIGTERM (e.g. from a process manager) or SIGHUP; the kernel kills them if this process is killed."""
    started = time.monotonic()
    _catch_stop_signals()
    try:
        for service in services:
            service.die_with_parent = True
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
    """PostgreSQL + Redis + action server + two Rasa replicas behind nginx on RASA_PORT (round robin for REST,
    sticky for the widget's socket.io)."""
    data = settings.VAR_DIR / "scaled"
    action_port, rasa_port, web_port = settings.ACTION_PORT, settings.RASA_PORT, settings.WEB_PORT
    check_ports_free({"ACTION_PORT": action_port, "RASA_PORT": rasa_port, "WEB_PORT": web_port})
    pg_port, redis_port = free_port(), free_port()
    replica_ports = [free_port(), free_port()]
    origin = f"http://localhost:{web_port}"
    env = scaled_env(action_port, pg_port, redis_port)
    pg = postgres(data / "postgres", pg_port)
    pg.die_with_parent = True
    _catch_stop_signals()
    try:
        pg.start().wait_ready()
        create_database(pg_port)
        replicas = [
            rasa_server(
                port,
                action_port,
                Path("unused"),
                origin,
                endpoints=ROOT / "endpoints.scaled.yml",
                env=env,
                log_path=LOG_DIR / f"rasa-replica-{i}.log",
            )
            for i, port in enumerate(replica_ports)
        ]
        services = [
            redis(redis_port, LOG_DIR / "redis.log"),
            action_server(action_port),
            *replicas,
            load_balancer(rasa_port, replica_ports, data / "nginx", origin, debug_header=True),
            web_server(
                web_port, f"http://localhost:{rasa_port}", tracker=f"postgresql://{PG_USER}@127.0.0.1:{pg_port}/{PG_DB}"
            ),
        ]
        return _supervise(
            services,
            (
                "\nWegwijzer (scaled) is running (ready in {seconds:.1f}s):\n"
                f"  chat widget                 http://localhost:{web_port}/ (socket.io via nginx, sticky)\n"
                f"  REST via nginx              http://localhost:{rasa_port}/webhooks/rest/webhook\n"
                f"  Rasa replicas               {', '.join(f'http://localhost:{p}' for p in replica_ports)}\n"
                f"  staff page                  http://localhost:{web_port}/staff/ (token: {STAFF_TOKEN_HINT})\n"
                f"  PostgreSQL 127.0.0.1:{pg_port} (db {PG_DB}), Redis 127.0.0.1:{redis_port}\n"
                f"Logs in {LOG_DIR} and {data / 'nginx'} (access.log, error.log).\n"
                "Press Ctrl-C to stop."
            ),
        )
    except KeyboardInterrupt:  # while PostgreSQL was starting
        print("\nstopping...", flush=True)
        return 0
    finally:
        _ignore_stop_signals()
        pg.stop()


def shell() -> int:
    """rasa shell against a running action server (started here if none is up).

    rasa shell serves its own REST channel: on RASA_SHELL_PORT, else on a free port (never `make run`'s 5005).
    It runs in its own process group (and session: the terminal's Ctrl-C reaches this process, which stops it),
    and that whole group is stopped when this process ends: normally, on Ctrl-C, SIGTERM or SIGHUP; if this
    process is killed outright, the watchdog and the kernel (PR_SET_PDEATHSIG) kill it."""
    action_port = settings.ACTION_PORT
    shell_port = int(os.environ.get("RASA_SHELL_PORT") or 0) or free_port()
    actions = action_server(action_port)
    own = not actions.ready()
    check_ports_free(
        {"ACTION_PORT": action_port, "RASA_SHELL_PORT": shell_port} if own else {"RASA_SHELL_PORT": shell_port}
    )
    rasa_shell: Optional[subprocess.Popen] = None
    _catch_stop_signals()
    try:
        if own:
            actions.die_with_parent = True
            actions.start().wait_ready()
        env = base_env(ACTION_PORT=str(action_port), TRACKER_DB=str(settings.VAR_DIR / "shell-tracker.db"))
        rasa_shell = subprocess.Popen(
            [
                str(RASA_BIN),
                "shell",
                "--model",
                str(MODEL),
                "--endpoints",
                str(ROOT / "endpoints.yml"),
                "--port",
                str(shell_port),
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            preexec_fn=parent_death_signal(),
        )
        kill_group_when_this_process_ends(rasa_shell.pid)
        return rasa_shell.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        _ignore_stop_signals()
        if rasa_shell is not None:
            stop_process_group(rasa_shell, timeout=10)
        if own:
            actions.stop()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.supervisor")
    parser.add_argument("command", choices=["run", "run-scaled", "shell"])
    args = parser.parse_args(argv)
    try:
        return {"run": run, "run-scaled": run_scaled, "shell": shell}[args.command]()
    except PortInUse as error:
        print(f"ERROR: {error}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
