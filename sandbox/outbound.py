"""Outbound HTTP for tenant code (`fetch`, `node-fetch`), made by the host.

Every hop (the first request and each redirect) is checked before it is sent:
the host name is resolved and every address must be public — loopback, private,
link-local (cloud metadata at 169.254.169.254 included), multicast, reserved and
unspecified addresses are refused unless the operator allows them with
BRYGGE_OUTBOUND_ALLOW (comma-separated CIDRs). The connection then goes to the
address that was checked, so a DNS answer cannot change between check and use.
Timeouts, redirect count and response size are capped by settings knobs.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import socket
from urllib.parse import urljoin, urlsplit

import httpx

MAX_REDIRECTS = 5


class OutboundRefused(Exception):
    pass


def _allowed(addr: ipaddress._BaseAddress, allow: list[ipaddress._BaseNetwork]) -> bool:
    if any(addr in net for net in allow):
        return True
    return addr.is_global and not (addr.is_multicast or addr.is_reserved)


def check_url(url: str, allow: list[ipaddress._BaseNetwork]) -> tuple[str, str]:
    """(host, checked address) for a URL tenant code may fetch; raises OutboundRefused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused(f"only http and https URLs can be fetched, not {parts.scheme!r}")
    host = parts.hostname
    if not host:
        raise OutboundRefused(f"no host in URL {url!r}")
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise OutboundRefused(f"cannot resolve {host!r}: {e.strerror}") from None
    addrs = {ipaddress.ip_address(i[4][0].split("%")[0]) for i in infos}
    bad = [a for a in addrs if not _allowed(a, allow)]
    if bad:
        raise OutboundRefused(f"{host} resolves to {bad[0]}, a loopback, private, link-local or "
                              "reserved address: outbound requests there are not allowed")
    return host, str(sorted(addrs, key=str)[0])


def fetch(payload: str, allow: list[ipaddress._BaseNetwork], timeout_s: float,
          max_bytes: int) -> str:
    """Host op `net.fetch`: {url, method, headers, body(base64)} ->
    {status, statusText, url, headers, body(base64), redirected}."""
    req = json.loads(payload)
    url = str(req.get("url", ""))
    method = str(req.get("method") or "GET").upper()
    headers = {str(k): str(v) for k, v in (req.get("headers") or {}).items()}
    body = base64.b64decode(req["body"]) if req.get("body") else None
    redirected = False
    with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            host, addr = check_url(url, allow)
            parts = urlsplit(url)
            # connect to the checked address; keep Host and TLS SNI on the name
            netloc = f"[{addr}]" if ":" in addr else addr
            if parts.port:
                netloc += f":{parts.port}"
            target = parts._replace(netloc=netloc).geturl()
            ext = {"sni_hostname": host} if parts.scheme == "https" else {}
            h = {**headers, "host": parts.netloc.rsplit("@", 1)[-1]}
            if parts.username:
                h["authorization"] = "Basic " + base64.b64encode(
                    f"{parts.username}:{parts.password or ''}".encode()).decode()
            with client.stream(method, target, headers=h, content=body, extensions=ext) as r:
                if r.status_code in (301, 302, 303, 307, 308) and "location" in r.headers:
                    url = urljoin(url, r.headers["location"])
                    redirected = True
                    if r.status_code == 303 or (r.status_code in (301, 302) and method == "POST"):
                        method, body = "GET", None
                    continue
                data = bytearray()
                for chunk in r.iter_bytes():
                    data += chunk
                    if len(data) > max_bytes:
                        raise OutboundRefused(f"response from {host} is larger than {max_bytes} bytes")
                return json.dumps({"status": r.status_code, "statusText": r.reason_phrase,
                                   "url": url, "redirected": redirected,
                                   "headers": list(r.headers.multi_items()),
                                   "body": base64.b64encode(bytes(data)).decode()})
    raise OutboundRefused(f"more than {MAX_REDIRECTS} redirects")


def parse_allow(spec: str) -> list[ipaddress._BaseNetwork]:
    return [ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip()]
