"""Per-space admission checks that run before credentials: client address behind
trusted proxies, allowed hosts (IPs and CIDRs), CORS and a token-bucket rate limit.

All functions are pure or hold only in-process state, so the router can call them
on every request without I/O.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from brygge.ratelimit import RateLimiter

__all__ = ["RateLimiter"]  # re-exported: the router's in-process buckets

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
CORS_METHODS = b"GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS"


class AdmissionError(ValueError):
    """A per-space setting that cannot be used (bad IP, origin or rate)."""


def parse_networks(entries: list[str] | str) -> list[Network]:
    """IPs and CIDRs (a list, or comma-separated) as networks; bad entries are named."""
    if isinstance(entries, str):
        entries = [e for e in (x.strip() for x in entries.split(",")) if e]
    nets = []
    for e in entries:
        try:
            nets.append(ipaddress.ip_network(str(e).strip(), strict=False))
        except ValueError:
            raise AdmissionError(f"{e!r} is not an IP address or CIDR range "
                                 "(e.g. 203.0.113.7 or 10.0.0.0/8)") from None
    return nets


def _ip(addr: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(addr.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def in_networks(addr: str, nets: list[Network]) -> bool:
    ip = _ip(addr)
    return ip is not None and any(ip in n for n in nets)


def client_address(peer: str, forwarded_for: str | None, trusted: list[Network]) -> str:
    """The client's address. X-Forwarded-For counts only when the peer is a trusted
    proxy; it is read right to left and the first hop that is not itself a trusted
    proxy is the client, so a client cannot spoof it by sending its own header."""
    if not forwarded_for or not in_networks(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if _ip(hop) is None:
            return peer  # garbage from upstream: trust nothing beyond our proxy
        if not in_networks(hop, trusted):
            return hop
    return hops[0] if hops else peer


def forwarded_view(peer: str, headers: dict[str, str], trusted: list[Network], scheme: str
                   ) -> tuple[str, str, str]:
    """(client ip, host, scheme) as the client saw them, and the request's X-Forwarded-*
    and X-Real-IP headers rewritten to say so. A trusted proxy's X-Forwarded-Host and
    X-Forwarded-Proto count (so `req.hostname` and the URL a webhook signer saw are the
    public ones); from any other peer those headers are replaced, never believed."""
    ip = client_address(peer, headers.get("x-forwarded-for"), trusted)
    host = headers.get("host", "")
    proto = scheme
    if in_networks(peer, trusted):
        fwd_host = headers.get("x-forwarded-host", "").split(",", 1)[0].strip()
        fwd_proto = headers.get("x-forwarded-proto", "").split(",", 1)[0].strip().lower()
        host = fwd_host or host
        proto = fwd_proto if fwd_proto in ("http", "https") else proto
        if "x-forwarded-for" not in headers:
            real = headers.get("x-real-ip", "").strip()
            ip = real if _ip(real) is not None else ip
        headers.setdefault("x-forwarded-for", ip)
    else:
        headers["x-forwarded-for"] = ip
    headers["x-forwarded-host"] = host
    headers["x-forwarded-proto"] = proto
    headers["x-real-ip"] = ip
    return ip, host, proto


# -- CORS ------------------------------------------------------------------------------------
def check_origins(origins: list[str]) -> list[str]:
    out = []
    for o in origins:
        o = str(o).strip().rstrip("/")
        if o != "*" and not (o.startswith(("http://", "https://")) and "/" not in o[8:]
                             and len(o) <= 253):
            raise AdmissionError(f"{o!r} is not an origin: use scheme://host[:port], e.g. "
                                 "https://app.example.com, or *")
        out.append(o)
    return out


def origin_allowed(origin: str, allowed: list[str] | None, host: str) -> bool:
    if not allowed or "*" in allowed:
        return True
    if origin.rstrip("/") in allowed:
        return True
    # The space's own pages (same host) may always call it.
    return origin.split("://", 1)[-1].lower() == host.lower()


def cors_headers(origin: str, allowed: list[str] | None) -> list[tuple[bytes, bytes]]:
    """Headers for an actual response (origin already checked)."""
    if not allowed or "*" in allowed:
        return [(b"access-control-allow-origin", b"*")]
    return [(b"access-control-allow-origin", origin.encode("latin-1", "replace")),
            (b"vary", b"Origin")]


def preflight_headers(origin: str, allowed: list[str] | None, request_headers: str
                      ) -> list[tuple[bytes, bytes]]:
    h = cors_headers(origin, allowed)
    h += [(b"access-control-allow-methods", CORS_METHODS),
          (b"access-control-max-age", b"86400")]
    if request_headers:
        h.append((b"access-control-allow-headers",
                  request_headers[:4096].encode("latin-1", "replace")))
    return h


# -- rate limit ------------------------------------------------------------------------------
def check_rate(rate: Any, burst: Any) -> tuple[float, int]:
    try:
        r = float(rate)
        b = max(1, math.ceil(r)) if burst is None else int(burst)  # default: one second's worth
    except (TypeError, ValueError):
        raise AdmissionError("rate limit needs numbers: rate (requests/s) and burst") from None
    if not (0 < r <= 1e6) or not (1 <= b <= 1e7):  # NaN fails the first test
        raise AdmissionError("rate must be in (0, 1000000] requests/s and burst in "
                             "[1, 10000000]")
    return r, b
