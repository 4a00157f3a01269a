"""The official coho CLI's browser login (coho 1.0.13, dist/ui/LoginMenu.js), kept in
storage so that any control plane of the node can serve any step:

1. coho picks a random uuid, opens `${ADMIN_URL}/authenticate/<provider>/<uuid>` in the
   browser and listens on `${ADMIN_API_URL}/cli_auth/<uuid>` (an EventSource);
2. the user signs in on that page (password or SSO): `cliauth/<uuid>` {user, via,
   signed, expires} is written, once per uuid (an atomic claim in the storage engine);
3. a /cli_auth stream for the uuid claims `cliauth-sent/<uuid>` (again atomically, so of
   several streams, on one control plane or several, exactly one wins), creates the
   user's coho session (`coho_session_ttl_s`, revocable like any session) and sends it as
   `data: {"token": ...}`. The session is created only at delivery: a sign-in nobody
   collects leaves no credential anywhere, and no token is ever stored.

A sign-in waits `cli_auth_ttl_s` for its stream and a stream waits as long for its
sign-in, so which comes first does not matter. A stream on the control plane that took
the sign-in is woken at once; one on another control plane finds it within
`cli_auth_poll_s`. Expired records are swept by whichever control plane passes by.

    cliauth/<uuid>        {user, via: password|sso, signed, expires}
    cliauth-sent/<uuid>   {expires}    the uuid was delivered: later streams get 410
    login-nonce/<sha256>  {expires}    a login form's nonce was used (pages.py)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from brygge.settings import Settings
from control_plane.identity.records import Records
from control_plane.identity.sessions import Sessions

UUID_RE = re.compile(r"^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?"
                     r"[0-9A-Fa-f]{12}$")
PREFIXES = ("cliauth/", "cliauth-sent/", "login-nonce/", "sso/", "sso-used/", "sso-nonce/")
SWEEP_EVERY_S = 60.0  # at most one scan of the login records a minute per control plane


class Delivered(Exception):
    """The uuid's token went to another stream."""


def check_uuid(uuid: str) -> str | None:
    return uuid.lower() if UUID_RE.match(uuid or "") else None


class CliAuth:
    def __init__(self, rec: Records, sessions: Sessions, s: Settings) -> None:
        self.rec, self.sessions, self.s = rec, sessions, s
        self._wake: dict[str, tuple[asyncio.Event, int]] = {}  # uuid → (event, streams)
        self.streams = 0
        self._swept = 0.0

    async def claim(self, batch: dict[str, Any], absent: list[str]) -> bool:
        """Write `batch` if none of `absent` exists, atomically in the storage engine."""
        r = await self.rec.store.call("", "sys.put", {"batch": batch, "absent": absent})
        return bool(r.get("ok"))

    async def _live(self, key: str, now: float) -> dict[str, Any] | None:
        v = await self.rec.get(key)
        return v if v is not None and v.get("expires", 0) > now else None

    async def claim_nonce(self, nonce: str) -> bool:
        """A login form's nonce, used once: False when it was used before."""
        key = f"login-nonce/{hashlib.sha256(nonce.encode()).hexdigest()}"
        now = time.time()
        if await self._live(key, now) is None:
            await self.rec.put({key: None})  # an expired mark does not block (nor exist long)
        return await self.claim({key: {"expires": now + self.s.cli_auth_ttl_s}}, [key])

    async def state(self, uuid: str) -> str:
        """pending (nobody signed in yet) | signed | delivered."""
        now = time.time()
        if await self._live(f"cliauth-sent/{uuid}", now):
            return "delivered"
        return "signed" if await self._live(f"cliauth/{uuid}", now) else "pending"

    async def signed_in(self, uuid: str, uid: str, via: str) -> bool:
        """The user signed in for `uuid`; False when someone already did (or it was
        delivered): a uuid is signed in once."""
        await self.sweep()
        now = time.time()
        rec = {"user": uid, "via": via, "signed": now, "expires": now + self.s.cli_auth_ttl_s}
        ok = await self.claim({f"cliauth/{uuid}": rec}, [f"cliauth/{uuid}", f"cliauth-sent/{uuid}"])
        if ok and uuid in self._wake:
            self._wake[uuid][0].set()
        return ok

    async def take(self, uuid: str) -> str | None:
        """The coho token for `uuid` if its user signed in (once: raises Delivered for
        every later caller); None while nobody has."""
        now = time.time()
        signed = await self._live(f"cliauth/{uuid}", now)
        if signed is None:
            if await self._live(f"cliauth-sent/{uuid}", now):
                raise Delivered
            return None
        sent = {f"cliauth-sent/{uuid}": {"expires": now + self.s.cli_auth_ttl_s},
                f"cliauth/{uuid}": None}
        if not await self.claim(sent, [f"cliauth-sent/{uuid}"]):
            raise Delivered
        user = await self.rec.user(signed["user"])
        if user is None or user.get("suspended"):
            raise Delivered  # nothing to hand out: the user went away meanwhile
        return str((await self.sessions.create(user["id"], "coho"))["access"])

    async def stream(self, uuid: str) -> AsyncIterator[bytes]:
        """The /cli_auth event stream: a comment now (coho's EventSource opens), comments
        every realtime_heartbeat_s, the token when the user has signed in; it ends after
        cli_auth_ttl_s (coho reconnects and waits on)."""
        self.streams += 1
        wake, n = self._wake.get(uuid) or (asyncio.Event(), 0)
        self._wake[uuid] = (wake, n + 1)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.s.cli_auth_ttl_s
        beat = loop.time() + self.s.realtime_heartbeat_s
        try:
            yield b": waiting for the sign-in in the browser\n\n"
            while True:
                try:
                    token = await self.take(uuid)
                except Delivered:
                    yield b"event: error\ndata: " + json.dumps(
                        {"error": "this login was delivered to another listener"}).encode() + b"\n\n"
                    return
                if token is not None:
                    yield b"data: " + json.dumps({"token": token}).encode() + b"\n\n"
                    return
                now = loop.time()
                if now >= deadline:
                    return
                if now >= beat:
                    yield b": waiting\n\n"
                    beat = now + self.s.realtime_heartbeat_s
                try:
                    await asyncio.wait_for(wake.wait(),
                                           min(self.s.cli_auth_poll_s, deadline - now, beat - now))
                except TimeoutError:
                    pass
                wake.clear()
        finally:
            self.streams -= 1
            _, n = self._wake[uuid]
            if n <= 1:
                del self._wake[uuid]
            else:
                self._wake[uuid] = (wake, n - 1)

    async def sweep(self, force: bool = False) -> int:
        """Drop expired login records (at most every SWEEP_EVERY_S unless forced)."""
        now = time.time()
        if not force and now - self._swept < SWEEP_EVERY_S:
            return 0
        self._swept = now
        batch: dict[str, Any] = {}
        for prefix in PREFIXES:
            batch.update({k: None for k, v in await self.rec.scan(prefix)
                          if not isinstance(v, dict) or v.get("expires", 0) <= now})
        if batch:
            await self.rec.put(batch)
        return len(batch)
