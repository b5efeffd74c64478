"""Serves the chat widget page (web/) and /config.js telling it where Rasa is. Standard library only.

The HTML pages carry `{{retention}}` where the privacy line says how long conversations are kept
(settings.RETENTION_DAYS, the same value Rasa's tracker store purges by)."""

from __future__ import annotations

import argparse
import json
import urllib.parse
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from bot import settings
from bot.ops import staff

WEB_DIR = settings.PROJECT_ROOT / "web"
SOCKET_IO = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
AXE = WEB_DIR / "node_modules" / "axe-core" / "axe.min.js"  # accessibility checks in the browser tests
VENDOR = {"/vendor/socket.io.min.js": SOCKET_IO, "/vendor/axe.min.js": AXE}


PAGES = {"/index.html", "/privacy.html"}


def retention_text(days: float = settings.RETENTION_DAYS) -> str:
    return f"for {days:g} days after the last message" if days > 0 else "until the service deletes them"


def content_security_policy(rasa_url: str) -> str:
    """Scripts and styles only from this server (no inline script or style), connections only to this server
    and Rasa (http(s) for socket.io polling, ws(s) for its WebSocket), no plugins, not framed by other sites."""
    parts = urllib.parse.urlsplit(rasa_url)
    rasa = f"{parts.scheme}://{parts.netloc}"
    rasa_ws = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src 'self' {rasa} {rasa_ws}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class WidgetHandler(SimpleHTTPRequestHandler):
    rasa_url = ""
    csp = ""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if staff.handles(path):  # the staff page (bot/ops/staff/): closed without the staff token
            return staff.handle(self)
        if path == "/":
            path = "/index.html"
        if path in PAGES:
            page = (WEB_DIR / path.lstrip("/")).read_text(encoding="utf-8")
            return self._send(page.replace("{{retention}}", retention_text()).encode(), "text/html; charset=utf-8")
        if path == "/config.js":
            body = f"window.WEGWIJZER_CONFIG = {json.dumps({'socketUrl': self.rasa_url})};\n".encode()
            return self._send(body, "application/javascript")
        if path in VENDOR:
            if not VENDOR[path].exists():
                self.send_error(404, "npm package missing: run `make run` (it runs npm ci in web/)")
                return
            return self._send(VENDOR[path].read_bytes(), "application/javascript")
        if path.startswith("/node_modules/"):
            self.send_error(404)
            return
        super().do_GET()

    def do_POST(self) -> None:
        if staff.handles(self.path.split("?", 1)[0]):
            return staff.handle(self)
        self.send_error(405)

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Frame-Options", "DENY")  # frame-ancestors for browsers without CSP level 2
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, fmt: str, *args) -> None:
        print(f"web: {self.address_string()} {fmt % args}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=settings.WEB_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--rasa-url", default=f"http://localhost:{settings.RASA_PORT}")
    args = parser.parse_args()
    handler = type(
        "Handler", (WidgetHandler,), {"rasa_url": args.rasa_url, "csp": content_security_policy(args.rasa_url)}
    )
    server = ThreadingHTTPServer((args.host, args.port), partial(handler, directory=str(WEB_DIR)))
    print(f"web: serving {WEB_DIR} on http://{args.host}:{args.port}/ (Rasa at {args.rasa_url})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
