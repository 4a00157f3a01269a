"""Outbound HTTP for tenant code (`fetch`, `node-fetch`, `http`/`https.request`), made
by the host in one synchronous host call per request (`net.fetch`).

Every hop (the first request and each redirect) is checked before it is sent:
the host name is resolved and every address must be public — loopback, private,
link-local (cloud metadata at 169.254.169.254 included), multicast, reserved and
unspecified addresses are refused unless the operator allows them with
BRYGGE_OUTBOUND_ALLOW (comma-separated CIDRs). The connection then goes to the
address that was checked, so a DNS answer cannot change between check and use.
One request (all its hops) ends within the timeout knob, and its response within
the size knob; the number of requests per invocation is capped by the caller.

An internal call (app.internalFetch, sandbox/internal.py) starts at this node's
router on loopback, which no tenant fetch may reach: its `Home` allows loopback
and carries the router's limits and the signed internal header, but only while a
hop stays on the router's own origin (scheme, host, port). A redirect elsewhere
is checked like any outbound fetch (loopback, the admin API and other local
services refused), loses the internal header, and gets the outbound limits.

Failures are answered in-band, `{"error": {code, message, ...}}` with Node's codes
where Node has one (ECONNREFUSED, ENOTFOUND, ...), so the guest can raise what
Node raises (a fetch TypeError with a cause, an 'error' event on a ClientRequest).
"""

from __future__ import annotations

import base64
import errno as errno_mod
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

MAX_REDIRECTS = 20  # undici's and node-fetch's default `follow`
# What undici (Node's fetch) sends unless the app sets them; the http module sends none.
FETCH_DEFAULT_HEADERS = {"accept": "*/*", "accept-language": "*", "sec-fetch-mode": "cors",
                         "user-agent": "node", "accept-encoding": "gzip, deflate"}
_DECODABLE = {"gzip", "x-gzip", "deflate", "identity"}
# Never taken from the app: the host sets them from the URL and the body it sends.
_HOST_OWNED = {"host", "content-length", "transfer-encoding"}
# Dropped when a redirect leaves the origin (fetch spec; credentials stay with their site).
_CROSS_ORIGIN_DROP = {"authorization", "cookie", "proxy-authorization"}
# Node's openssl codes for the certificate failures apps meet.
_TLS_CODES = {
    10: ("CERT_HAS_EXPIRED", "certificate has expired"),
    18: ("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"),
    19: ("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"),
    20: ("UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate"),
    21: ("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"),
}


class OutboundRefused(Exception):
    """A request the platform will not make (Brygge's own reasons, no Node code)."""

    def __init__(self, message: str, code: str = "ERR_BRYGGE_OUTBOUND_REFUSED") -> None:
        super().__init__(message)
        self.code = code


class NetError(Exception):
    """A network failure shaped like Node's (code, syscall, address, port)."""

    def __init__(self, message: str, code: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.extra = extra


@dataclass(frozen=True)
class Home:
    """Where an internal call starts: this node's router. Hops on `url`'s origin may
    reach `allow` (loopback) with `timeout_s`/`max_bytes` and send `private`
    headers; any other hop is an ordinary outbound request."""
    url: str
    allow: list[ipaddress._BaseNetwork]
    timeout_s: float
    max_bytes: int
    private: frozenset[str]


def _allowed(addr: ipaddress._BaseAddress, allow: list[ipaddress._BaseNetwork]) -> bool:
    if any(addr in net for net in allow):
        return True
    return addr.is_global and not (addr.is_multicast or addr.is_reserved)


def check_url(url: str, allow: list[ipaddress._BaseNetwork]) -> tuple[str, str]:
    """(host, checked address) for a URL tenant code may fetch; raises OutboundRefused
    (or NetError ENOTFOUND when the name does not resolve)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused(f"only http and https URLs can be fetched, not {parts.scheme!r}")
    host = parts.hostname
    if not host:
        raise OutboundRefused(f"no host in URL {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundRefused(f"invalid port in URL {url!r}") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        code = "EAI_AGAIN" if e.errno == socket.EAI_AGAIN else "ENOTFOUND"
        raise NetError(f"getaddrinfo {code} {host}", code, syscall="getaddrinfo", hostname=host,
                       errno=-3001 if code == "EAI_AGAIN" else -3008) from None
    except UnicodeError:
        raise OutboundRefused(f"invalid host name in URL {url!r}") from None
    addrs = {ipaddress.ip_address(i[4][0].split("%")[0]) for i in infos}
    bad = [a for a in addrs if not _allowed(a, allow)]
    if bad:
        raise OutboundRefused(f"{host} resolves to {bad[0]}, a loopback, private, link-local or "
                              "reserved address: outbound requests there are not allowed")
    return host, str(sorted(addrs, key=str)[0])


def _origin(url: str) -> tuple[str, str, int | None]:
    p = urlsplit(url)
    return p.scheme, (p.hostname or ""), p.port


def _net_error(e: httpx.HTTPError, addr: str, port: int) -> NetError:
    """Node's error for a failed connection or exchange."""
    cause: BaseException | None = e
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ssl.SSLCertVerificationError):
        vc = cause.verify_code
        if vc == 62:  # hostname mismatch
            return NetError(f"Hostname/IP does not match certificate's altnames: "
                            f"{cause.verify_message}", "ERR_TLS_CERT_ALTNAME_INVALID")
        code, msg = _TLS_CODES.get(vc, ("CERT_VERIFY_FAILED", cause.verify_message or str(cause)))
        return NetError(msg, code)
    if isinstance(cause, ssl.SSLError):
        return NetError(f"TLS handshake failed: {cause.reason or cause}", "EPROTO")
    if isinstance(e, httpx.ConnectError) and isinstance(cause, OSError) and cause.errno:
        code = errno_mod.errorcode.get(cause.errno, "ECONNREFUSED")
        return NetError(f"connect {code} {addr}:{port}", code, syscall="connect",
                        address=addr, port=port, errno=-cause.errno)
    if isinstance(e, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return NetError("socket hang up", "ECONNRESET")
    return NetError(str(e) or type(e).__name__, "ECONNRESET")


def fetch(payload: str, allow: list[ipaddress._BaseNetwork], timeout_s: float,
          max_bytes: int, home: Home | None = None) -> str:
    """Host op `net.fetch`.

    In: {url, method, headers: {name: value}, body (base64), redirect: "follow" |
    "manual" | "error", follow (max hops), timeout_ms (the app's idle timeout),
    raw (http module: no default headers, body as sent), decode (with raw: gzip and
    deflate bodies decoded, content-encoding and content-length dropped)}.
    Out: {status, statusText, url, redirected, httpVersion, headers: [[lower, v]],
    rawHeaders: [[Name, v]], body (base64)} or {error: {code, message, ...}}.
    `allow`, `timeout_s` and `max_bytes` are the outbound ones; with `home`, hops on
    the home origin use its own (see Home)."""
    try:
        return json.dumps(_fetch(json.loads(payload), allow, timeout_s, max_bytes, home))
    except (ValueError, TypeError, KeyError, AttributeError, httpx.InvalidURL) as e:
        # whatever the app put in the request, the host answers instead of failing
        return json.dumps({"error": {"code": "ERR_BRYGGE_OUTBOUND_REFUSED", "brygge": True,
                                     "message": f"invalid request: {e}"}})
    except OutboundRefused as e:
        return json.dumps({"error": {"code": e.code, "message": str(e), "brygge": True}})
    except NetError as e:
        return json.dumps({"error": {"code": e.code, "message": str(e), **e.extra}})


def _fetch(req: dict[str, Any], allow: list[ipaddress._BaseNetwork], timeout_s: float,
           max_bytes: int, home: Home | None = None) -> dict[str, Any]:
    url = str(req.get("url", ""))
    home_origin = _origin(home.url) if home is not None else None
    out_allow, out_timeout, out_max = allow, timeout_s, max_bytes
    at_home = home is not None and _origin(url) == home_origin
    if home is not None and at_home:
        allow, timeout_s, max_bytes = home.allow, home.timeout_s, home.max_bytes
    method = str(req.get("method") or "GET")
    raw = bool(req.get("raw"))
    mode = str(req.get("redirect") or ("manual" if raw else "follow"))
    follow = max(0, min(int(req.get("follow", MAX_REDIRECTS)), MAX_REDIRECTS))
    # a list value goes out as one header line per item
    headers = [(str(k), str(v).encode("latin-1")) for k, vs in (req.get("headers") or {}).items()
               for v in (vs if isinstance(vs, list) else [vs]) if str(k).lower() not in _HOST_OWNED]
    body = base64.b64decode(req["body"]) if req.get("body") else None
    # The app's idle timeout (Node's socket timeout) if shorter than the knob; the
    # knob also bounds the whole request, hops and slow bodies included.
    app_timeout = float(req["timeout_ms"]) / 1000 if req.get("timeout_ms") else None
    idle = min(timeout_s, app_timeout) if app_timeout else timeout_s
    by_app = app_timeout is not None and app_timeout < timeout_s
    deadline = time.monotonic() + timeout_s
    redirected = False
    hops = 0

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NetError(f"outbound request took longer than {timeout_s:g} s", "ETIMEDOUT",
                           timeout="limit", brygge=True)
        return min(idle, remaining)

    with httpx.Client(follow_redirects=False, trust_env=False) as client:
        for name in list(client.headers):
            if raw or name not in ("connection",):
                del client.headers[name]
        if not raw:
            client.headers.update(FETCH_DEFAULT_HEADERS)
        while True:
            host, addr = check_url(url, allow)
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            # connect to the checked address; keep Host and TLS SNI on the name
            netloc = f"[{addr}]" if ":" in addr else addr
            if parts.port:
                netloc += f":{parts.port}"
            target = parts._replace(netloc=netloc).geturl()
            ext: dict[str, Any] = {"sni_hostname": host} if parts.scheme == "https" else {}
            ext["timeout"] = {k: left() for k in ("connect", "read", "write", "pool")}
            hostport = parts.netloc.rsplit("@", 1)[-1]
            if not hostport.isascii():  # an international name goes out in IDNA
                hostport = host.encode("idna").decode() + (f":{parts.port}" if parts.port else "")
            h = [("host", hostport), *headers]
            if parts.username and not any(k.lower() == "authorization" for k, _ in h):
                h.append(("authorization", "Basic " + base64.b64encode(
                    f"{parts.username}:{parts.password or ''}".encode()).decode()))
            try:
                with client.stream(method, target, headers=h, content=body,
                                   extensions=ext) as r:
                    if r.status_code in (301, 302, 303, 307, 308) and "location" in r.headers \
                            and mode != "manual":
                        if mode == "error":
                            raise NetError("unexpected redirect", "ERR_BRYGGE_REDIRECT")
                        hops += 1
                        if hops > follow:
                            raise NetError("redirect count exceeded", "ERR_BRYGGE_REDIRECTS",
                                           max=follow)
                        nxt = urljoin(url, r.headers["location"])
                        if _origin(nxt) != _origin(url):
                            headers = [(k, v) for k, v in headers if k.lower() not in _CROSS_ORIGIN_DROP]
                        if home is not None and at_home and _origin(nxt) != home_origin:
                            # Off the router: from here on an ordinary outbound request
                            # (checked, limited, without the internal credential).
                            at_home = False
                            headers = [(k, v) for k, v in headers if k.lower() not in home.private]
                            allow, max_bytes = out_allow, min(max_bytes, out_max)
                            timeout_s = out_timeout
                            deadline = min(deadline, time.monotonic() + out_timeout)
                            idle = min(idle, out_timeout)
                        url, redirected = nxt, True
                        if (r.status_code == 303 and method.upper() != "HEAD") or \
                                (r.status_code in (301, 302) and method.upper() == "POST"):
                            method, body = "GET", None
                            headers = [(k, v) for k, v in headers
                                       if not k.lower().startswith("content-")]
                        continue
                    # http module bodies stay as sent, unless the guest asks the host to
                    # decode what it has no zlib for (then the headers say identity).
                    enc = [e.strip().lower() for e in r.headers.get("content-encoding", "").split(",")
                           if e.strip()]
                    decode = not raw or (bool(req.get("decode")) and bool(enc)
                                         and all(e in _DECODABLE for e in enc))
                    drop = {b"content-encoding", b"content-length"} if raw and decode else set()
                    data = bytearray()
                    for chunk in (r.iter_bytes() if decode else r.iter_raw()):
                        data += chunk
                        if len(data) > max_bytes:
                            raise OutboundRefused(
                                f"response from {host} is larger than {max_bytes} bytes",
                                "ERR_BRYGGE_RESPONSE_TOO_LARGE")
                        left()
                    return {"status": r.status_code, "statusText": r.reason_phrase,
                            "url": url, "redirected": redirected,
                            "httpVersion": r.http_version.removeprefix("HTTP/"),
                            "headers": [[k, v] for k, v in r.headers.multi_items()
                                        if k.encode() not in drop],
                            "rawHeaders": [[k.decode("latin-1"), v.decode("latin-1")]
                                           for k, v in r.headers.raw if k.lower() not in drop],
                            "body": base64.b64encode(bytes(data)).decode()}
            except httpx.TimeoutException as e:
                sent = isinstance(e, httpx.ReadTimeout)  # the request had gone out
                if time.monotonic() >= deadline or not by_app:
                    raise NetError(f"outbound request took longer than {timeout_s:g} s",
                                   "ETIMEDOUT", timeout="limit", brygge=True, sent=sent) from None
                raise NetError("socket timeout", "ETIMEDOUT", timeout="app", sent=sent) from None
            except httpx.HTTPError as e:
                err = _net_error(e, addr, port)
                if isinstance(e, (httpx.RemoteProtocolError, httpx.ReadError)):
                    err.extra["sent"] = True
                raise err from None


def parse_allow(spec: str) -> list[ipaddress._BaseNetwork]:
    return [ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip()]
