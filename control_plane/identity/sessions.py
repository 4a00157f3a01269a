"""Admin-API sessions: short-lived access JWTs (EdDSA) and hashed refresh tokens.

The node's signing key is an Ed25519 key in `<data dir>/session.ed25519` (PEM, mode
0600), created by the first process that needs it. An access token carries
{sub: user id, sid, typ: "access", iat, exp}; its session record

    session/<sid>  {sid, user, kind: web|cli|coho, created, expires, refresh: sha256}

must still exist, and its user must be neither suspended nor removed, on every request:
deleting the record (logout, suspension) revokes the session at once, whatever the
JWT's `exp`. A refresh token is `<sid>.<secret>`; using it rotates it (the old one is
refused afterwards) and mints a new access token.

`mint_local` makes the CLI's local operator token ({typ: "local"}, 5 minutes) from the
same key: who can read the data dir is the node's operator (they can read its RocksDB
files too). The public key is published as the admin API's JWKS."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from control_plane.identity.records import Records

KEY_FILE = "session.ed25519"
LOCAL_TTL_S = 300
KINDS = ("web", "cli", "coho")
_lock = threading.Lock()


class SessionError(Exception):
    """A token that is not (or no longer) a valid session: 401."""


def load_key(data_dir: Path) -> Ed25519PrivateKey:
    path = Path(data_dir) / KEY_FILE
    with _lock:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
                f.flush()
                os.fsync(f.fileno())
    for _ in range(50):  # a concurrent creator may not have written it yet
        pem = path.read_bytes()
        if pem:
            break
        time.sleep(0.01)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Keys:
    def __init__(self, data_dir: Path) -> None:
        self.private = load_key(data_dir)
        self.public = self.private.public_key()
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.kid = hashlib.sha256(raw).hexdigest()[:16]
        self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw), "kid": self.kid,
                    "alg": "EdDSA", "use": "sig"}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": self.kid})

    def verify(self, token: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(token, self.public, algorithms=["EdDSA"],
                                options={"require": ["exp", "iat", "sub", "typ"]})
        except jwt.ExpiredSignatureError:
            raise SessionError("the session has expired: sign in again (or refresh)") from None
        except jwt.PyJWTError:
            raise SessionError("invalid session token") from None
        return dict(claims)


def mint_local(data_dir: Path, now: float | None = None) -> str:
    """The CLI's operator credential on this node's data dir (5 minutes)."""
    now = time.time() if now is None else now
    return Keys(data_dir).sign({"sub": "", "typ": "local", "iat": int(now),
                                "exp": int(now) + LOCAL_TTL_S})


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Sessions:
    def __init__(self, rec: Records, keys: Keys, access_ttl_s: int, refresh_ttl_s: int,
                 coho_ttl_s: int) -> None:
        self.rec, self.keys = rec, keys
        self.access_ttl_s, self.refresh_ttl_s, self.coho_ttl_s = \
            access_ttl_s, refresh_ttl_s, coho_ttl_s

    def _access(self, uid: str, sid: str, now: float, ttl: float) -> str:
        return self.keys.sign({"sub": uid, "sid": sid, "typ": "access", "iat": int(now),
                               "exp": int(now + ttl)})

    async def create(self, uid: str, kind: str = "cli", now: float | None = None
                     ) -> dict[str, Any]:
        """A new session: {access, refresh, expires (of the access token), sid}. A coho
        session's access token lives as long as the session (coho cannot refresh)."""
        if kind not in KINDS:
            raise ValueError(kind)
        now = time.time() if now is None else now
        sid = secrets.token_hex(12)
        life = self.coho_ttl_s if kind == "coho" else self.refresh_ttl_s
        refresh = f"{sid}.{secrets.token_urlsafe(32)}"
        await self.rec.put({f"session/{sid}": {"sid": sid, "user": uid, "kind": kind,
                                               "created": now, "expires": now + life,
                                               "refresh": _hash(refresh)}})
        ttl = life if kind == "coho" else min(self.access_ttl_s, life)
        return {"access": self._access(uid, sid, now, ttl), "refresh": refresh,
                "expires": int(now + ttl), "sid": sid}

    async def session(self, sid: object, now: float | None = None) -> dict[str, Any] | None:
        if not isinstance(sid, str) or not sid.isalnum() or len(sid) > 64:
            return None
        s = await self.rec.get(f"session/{sid}")
        now = time.time() if now is None else now
        return s if s is not None and s["expires"] > now else None

    async def refresh(self, refresh: object, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        sid = refresh.split(".", 1)[0] if isinstance(refresh, str) else None
        s = await self.session(sid, now)
        if s is None or not isinstance(refresh, str) or \
                not secrets.compare_digest(s["refresh"], _hash(refresh)):
            raise SessionError("invalid or revoked refresh token: sign in again")
        new = f"{s['sid']}.{secrets.token_urlsafe(32)}"
        await self.rec.put({f"session/{s['sid']}": {**s, "refresh": _hash(new)}})
        ttl = min(self.access_ttl_s, s["expires"] - now)
        return {"access": self._access(s["user"], s["sid"], now, ttl), "refresh": new,
                "expires": int(now + ttl), "sid": s["sid"], "user": s["user"]}

    async def revoke(self, sid: str) -> None:
        await self.rec.put({f"session/{sid}": None})

    async def revoke_user(self, uid: str) -> int:
        batch = {k: None for k, v in await self.rec.scan("session/") if v.get("user") == uid}
        if batch:
            await self.rec.put(batch)
        return len(batch)

    async def sweep(self, now: float | None = None) -> int:
        """Drop sessions past their expiry (called now and then by the control plane)."""
        now = time.time() if now is None else now
        batch = {k: None for k, v in await self.rec.scan("session/") if v["expires"] <= now}
        if batch:
            await self.rec.put(batch)
        return len(batch)
