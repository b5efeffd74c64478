"""nginx (Debian package) as the load balancer in front of several Rasa replicas.

`write_conf` fills bot/ops/nginx.conf.in: round robin for REST, sticky routing (hash on the widget's `route`
query parameter) for socket.io, WebSocket upgrade, per-address rate limiting with a polite JSON 429, a body
size limit. nginx runs in the foreground with its pid, logs and temp files under one prefix directory, so the
supervisor starts and stops it like its other services and no root is needed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bot import settings
from bot.core import messages

TEMPLATE = Path(__file__).with_name("nginx.conf.in")
UPSTREAM_HEADER = "X-Wegwijzer-Upstream"  # with debug_header: which replica answered (host:port)


def nginx_bin() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not found:
        raise RuntimeError("nginx not installed: run `bash tests/system_deps.sh` (apt-get install nginx)")
    return found


@dataclass(frozen=True)
class Limits:
    rate_per_second: int = settings.RATE_LIMIT_PER_SECOND
    burst: int = settings.RATE_LIMIT_BURST
    max_body_kb: int = settings.MAX_BODY_KB


def _json_text(text: str) -> str:
    """text as the inside of a JSON string that also sits inside nginx's single quotes."""
    return json.dumps(text)[1:-1].replace("'", "\\u0027")


def render(
    port: int,
    backends: list[int],
    prefix: Path,
    origin: str,
    limits: Limits = Limits(),
    debug_header: bool = False,
) -> str:
    """The nginx configuration for Rasa replicas on 127.0.0.1:<backends>, listening on `port`."""
    if not backends:
        raise ValueError("at least one Rasa replica is needed")
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in backends)
    # nginx starts its workers as `nobody` when it runs as root; they only need the sockets (no temp files)
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    fields = {
        "USER": user,
        "PREFIX": str(prefix),
        "MAX_BODY": f"{limits.max_body_kb}k",
        "RATE": str(limits.rate_per_second),
        "BURST": str(limits.burst),
        "REST_SERVERS": servers,
        "SOCKETIO_SERVERS": servers,
        "LISTEN": str(port),
        "DEBUG_HEADER": f"        add_header {UPSTREAM_HEADER} $upstream_addr always;" if debug_header else "",
        "ORIGIN": origin,
        "SLOW_DOWN": _json_text(messages.SLOW_DOWN),
        "UNAVAILABLE": _json_text(messages.BUSY),
    }
    text = TEMPLATE.read_text()
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", value)
    left = re.findall(r"{{[A-Z_]+}}", text)
    if left:
        raise ValueError(f"unfilled fields in {TEMPLATE}: {', '.join(left)}")
    return text


def write_conf(
    port: int,
    backends: list[int],
    prefix: Path,
    origin: str,
    limits: Limits = Limits(),
    debug_header: bool = False,
) -> Path:
    """Write prefix/nginx.conf (and the folders it names); returns its path."""
    prefix = prefix.resolve()
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render(port, backends, prefix, origin, limits, debug_header))
    return conf


def command(prefix: Path, conf: Path) -> list[str]:
    return [nginx_bin(), "-p", str(prefix.resolve()), "-c", str(conf)]


def check_conf(prefix: Path, conf: Path) -> None:
    """`nginx -t`: raise with nginx's own message when the configuration is wrong."""
    done = subprocess.run([*command(prefix, conf), "-t", "-q"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"nginx rejected {conf}:\n{done.stderr.strip()}")
