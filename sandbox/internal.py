"""`app.internalFetch`: a tenant calling its own API through the platform's gateway.

codehooks-js rewrites `internalFetch(url)` to `http://apigateway-service:8888<path>`
with the original `host` header, and the hosted gateway trusts such calls. Here the
executor sends them to this node's router on loopback (the request never leaves the
machine and passes the same routing, limits and app code as an outside one), with
`x-brygge-internal: <space id>.<HMAC of it>` under a per-node secret. The router
treats that header as a valid credential for *that space only*: an app reaching
another space or project through the gateway still needs that space's token, so the
internal route cannot be used to cross tenants.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlsplit, urlunsplit

HEADER = "x-brygge-internal"
GATEWAY_HOSTS = {"apigateway-service"}  # the name codehooks-js targets


def sign(secret: str, space_id: str) -> str:
    mac = hmac.new(secret.encode(), space_id.encode(), hashlib.sha256).hexdigest()
    return f"{space_id}.{mac}"


def verify(secret: str, value: str, space_id: str) -> bool:
    """True when `value` is this node's internal credential for `space_id`."""
    if not secret or not value:
        return False
    return hmac.compare_digest(value, sign(secret, space_id))


def rewrite(payload: str, space_id: str, router_base: str, secret: str) -> str | None:
    """A `net.fetch` payload aimed at the internal gateway, re-aimed at this node's
    router and signed for the calling space; None when the URL is not internal."""
    try:
        req = json.loads(payload)
        parts = urlsplit(str(req.get("url", "")))
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in GATEWAY_HOSTS:
        return None
    base = urlsplit(router_base)
    req["url"] = urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))
    headers = {str(k).lower(): ", ".join(map(str, v)) if isinstance(v, list) else str(v)
               for k, v in (req.get("headers") or {}).items()}
    headers.pop(HEADER, None)  # never one the tenant made up
    headers[HEADER] = sign(secret, space_id)
    req["headers"] = headers
    return json.dumps(req)
