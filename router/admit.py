"""Admission of a request to a space before its credential is looked at: the space's
allowed hosts, rate limit and CORS (the rules are storage/admission.py's)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from brygge.settings import Settings
from router.errors import Reject
from storage import admission
from storage.client import AsyncStorageClient

Scope = dict[str, Any]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def admit(s: Settings, storage: AsyncStorageClient, limiter: admission.RateLimiter,
                scope: Scope, send: Send, headers: dict[str, str],
                space: dict[str, Any], method: str, ip: str) -> bool:
    """Allowed hosts, rate limit and CORS of the space (storage/admission.py).
    Raises Reject; True when the request was a CORS preflight now answered."""
    allowed = space.get("allowed_hosts")
    if allowed and not admission.in_networks(ip, admission.parse_networks(allowed)):
        raise Reject(403, f"client address {ip} is not in the allowed hosts of this space")
    limit = space.get("rate_limit")
    if limit:
        if s.routers > 1:  # one bucket for all the node's routers, kept by storage
            wait = (await storage.call(space["id"], "space.ratelimit", {
                "rate": limit["rate"], "burst": limit["burst"]}))["wait"]
        else:  # the only router: no hop
            wait = limiter.take(space["id"], limit["rate"], limit["burst"])
        if wait > 0:
            raise Reject(429, f"rate limit of this space exceeded ({limit['rate']:g} "
                              f"requests/s, burst {limit['burst']})",
                         [(b"retry-after", str(max(1, math.ceil(wait))).encode())])
    origin = headers.get("origin")
    if not origin:
        return False
    origins = space.get("cors_origins")
    if not admission.origin_allowed(origin, origins, headers["x-forwarded-host"]):
        raise Reject(403, f"origin {origin[:200]!r} is not allowed by this space's CORS "
                          "settings")
    scope["brygge.cors"] = admission.cors_headers(origin, origins)
    if method == "OPTIONS" and "access-control-request-method" in headers:
        # Preflights carry no credentials: answer them before the credential check.
        await send({"type": "http.response.start", "status": 204, "headers": [
            *admission.preflight_headers(origin, origins,
                                         headers.get("access-control-request-headers", "")),
            (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return True
    return False
