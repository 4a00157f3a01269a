"""The login pages: jinja2 templates shipped in the package (no CDN: they work offline),
autoescaped, and the forms' one-time nonces.

A form's nonce is `<issued>.<random>.<mac>`: an HMAC (key derived from the node key by
HKDF, so every control plane of the node checks it) over the time, the random part, what
the form is for (`cli:<provider>:<uuid>` or `web`) and the browser's `brygge_login`
cookie (random, HttpOnly, SameSite=Strict). Another site can neither read a nonce nor
make the browser send the cookie with its own POST, so a cross-site form post fails;
a nonce is good for `cli_auth_ttl_s` and once (routes.py claims it in storage)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from pathlib import Path
from typing import Any

import jinja2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request
from fastapi.responses import HTMLResponse

from brygge import envcrypt

CSRF_COOKIE = "brygge_login"
_INFO = b"brygge login form nonce v1"
_env = jinja2.Environment(loader=jinja2.PackageLoader("control_plane.login", "templates"),
                          autoescape=True, undefined=jinja2.StrictUndefined)
# no framing (clickjacking of the sign-in button), no scripts, nothing from elsewhere
HEADERS = {"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "form-action 'self'; frame-ancestors 'none'",
           "x-frame-options": "DENY", "cache-control": "no-store",
           "referrer-policy": "no-referrer"}


def render(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(_env.get_template(name).render(**ctx), status_code=status,
                        headers=HEADERS)


def message(title: str, text: str, status: int = 200) -> HTMLResponse:
    return render("message.html", status, title=title, text=text)


class Nonces:
    def __init__(self, data_dir: Path, ttl_s: float) -> None:
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                         info=_INFO).derive(envcrypt.node_key(data_dir))
        self.ttl_s = ttl_s

    def _mac(self, body: str, purpose: str, cookie: str) -> str:
        mac = hmac.new(self._key, f"{body}\0{purpose}\0{cookie}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    def issue(self, purpose: str, cookie: str, now: float | None = None) -> str:
        body = f"{int(time.time() if now is None else now)}.{secrets.token_urlsafe(12)}"
        return f"{body}.{self._mac(body, purpose, cookie)}"

    def check(self, nonce: object, purpose: str, cookie: str, now: float | None = None
              ) -> str | None:
        """None when the nonce is this browser's for `purpose` and fresh; else why not."""
        if not cookie:
            return "this browser sent no login cookie: allow cookies for this page, reload it"
        if not isinstance(nonce, str) or nonce.count(".") != 2 or len(nonce) > 200:
            return "the form carries no valid nonce: reload the login page"
        issued, rand, mac = nonce.split(".")
        if not hmac.compare_digest(mac, self._mac(f"{issued}.{rand}", purpose, cookie)):
            return "the form's nonce is not this page's: reload the login page"
        age = (time.time() if now is None else now) - int(issued)
        if not 0 <= age <= self.ttl_s:
            return "the login page has expired: reload it"
        return None


def browser_cookie(request: Request) -> tuple[str, bool]:
    """(the browser's login cookie, whether it is new and must be set)."""
    c = request.cookies.get(CSRF_COOKIE, "")
    if 16 <= len(c) <= 64 and c.replace("-", "").replace("_", "").isalnum():
        return c, False
    return secrets.token_urlsafe(24), True


def secure(request: Request) -> bool:
    return request.url.scheme == "https"
