"""The staff token: settings.STAFF_TOKEN (WEGWIJZER_STAFF_TOKEN), else one generated once into
VAR_DIR/staff_token (mode 0600, git-ignored like the rest of var/). A request is let in with
`Authorization: Bearer <token>` or with the session cookie the login form sets (an HMAC of the token, so the
token itself never sits in the browser; HttpOnly, SameSite=Strict, Path=/staff)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Optional

from bot import settings

COOKIE = "wegwijzer_staff"
COOKIE_PATH = "/staff"


def token_file() -> Path:
    return settings.VAR_DIR / "staff_token"


def staff_token() -> str:
    if settings.STAFF_TOKEN:
        return settings.STAFF_TOKEN
    path = token_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # created with 0600 from the start; another process may win the race: then read its token
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(24))
        except FileExistsError:
            pass
    return path.read_text().strip()


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"wegwijzer staff session", hashlib.sha256).hexdigest()


def token_matches(given: str, token: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _cookie(header: Optional[str]) -> str:
    if not header:
        return ""
    try:
        morsel = SimpleCookie(header).get(COOKIE)
    except CookieError:
        return ""
    return morsel.value if morsel else ""


def authorized(authorization: Optional[str], cookie_header: Optional[str], token: str) -> bool:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and token_matches(value.strip(), token):
        return True
    return token_matches(_cookie(cookie_header), session_value(token))


def set_cookie(token: str, secure: bool = False) -> str:
    """The Set-Cookie value after a good login (a browser session cookie: it ends with the browser)."""
    flags = "; Secure" if secure else ""
    return f"{COOKIE}={session_value(token)}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict{flags}"


def clear_cookie() -> str:
    return f"{COOKIE}=; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0"
