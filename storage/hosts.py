"""Hosts that serve one space with the whole path as its API path (issue 18): the custom
domains a project adds (`brygge domain add api.example.com -s prod`) and the alternative
host every space gets at creation (`<adjective>-<noun>-<4 chars>.<alt domain>`, what
Codehooks calls "alternative URLs without the space name").

Records (storage/catalog.py writes them): `host/<lower hostname>` {project, space, kind:
custom|alt}; the space record's `alt_host`. The router resolves a request's host with
them (router/resolve.py). What may be a custom domain is decided here, once: a DNS name
(no IP, port, wildcard, URL), never a host of the node itself (its `domain` and every
name below it, the alternative-host domain and below, `localhost`, the `<project>.api.<x>`
project URLs). Pure functions: no I/O.
"""

from __future__ import annotations

import ipaddress
import re
import secrets

from brygge.settings import Settings
from storage.host_words import ADJECTIVES, NOUNS

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SUFFIX = "abcdefghijklmnopqrstuvwxyz0123456789"
MAX_HOST = 253


class HostError(ValueError):
    """A host that may not be a custom domain (the message says why)."""


def normalize(host: str) -> str:
    """A request's Host as a record key: lower case, without port and trailing dot
    ("" for an IPv6 literal, which is never a record)."""
    h = host.strip().lower()
    if h.startswith("["):
        return ""
    h = h.split(":", 1)[0]
    return h[:-1] if h.endswith(".") else h


def is_dns_name(h: str, min_labels: int = 2) -> bool:
    """Lower-case labels of a-z, 0-9 and inner '-', 1-63 characters each, at most 253 in
    all, and a top label that is not all digits (so no IPv4 address passes)."""
    labels = h.split(".")
    return (0 < len(h) <= MAX_HOST and len(labels) >= min_labels
            and all(_LABEL.match(x) for x in labels) and not labels[-1].isdigit())


def project_url_host(h: str) -> bool:
    """`<project>.api.<anything>`: a project URL (router/resolve.py project_of)."""
    return h.find(".api.") > 0


def alt_domain(s: Settings) -> str:
    """The domain below which alternative hosts are generated (`alt_host_domain`, else
    the node's `domain`)."""
    return (s.alt_host_domain or s.domain).strip().lower().rstrip(".")


def node_domains(s: Settings) -> set[str]:
    """Names the node itself answers on: none of them, nor a name below one, can be a
    custom domain."""
    out = {s.domain.lower().rstrip("."), alt_domain(s), "localhost"}
    if not _is_ip(s.host):
        out.add(s.host.lower().rstrip("."))
    return {d for d in out if d}


def _is_ip(h: str) -> bool:
    try:
        ipaddress.ip_address(h)
    except ValueError:
        return False
    return True


def check_custom(raw: object, s: Settings) -> str:
    """The custom domain `raw` names, normalised; HostError saying what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise HostError('name the domain: {"host": "api.example.com"}')
    h = raw.strip().lower()
    h = h[:-1] if h.endswith(".") else h
    if "*" in h:
        raise HostError(f"{raw!r}: wildcard domains are not supported; add each host")
    if "/" in h:
        raise HostError(f"{raw!r} is not a host name: give the host alone, e.g. "
                        "api.example.com (no scheme, no path)")
    if _is_ip(h.strip("[]")):
        raise HostError(f"{raw!r} is an IP address: a custom domain is a DNS name")
    if ":" in h or h.startswith("["):
        raise HostError(f"{raw!r}: a custom domain is a host name without a port")
    if not h.isascii():
        raise HostError(f"{raw!r}: give an internationalised domain in its punycode "
                        "(xn--...) form")
    if len(h) > MAX_HOST:
        raise HostError(f"a domain name has at most {MAX_HOST} characters, not {len(h)}")
    if not is_dns_name(h):
        raise HostError(f"{raw!r} is not a valid domain name: two or more labels of a-z, "
                        "0-9 and '-' (not first or last), 1-63 characters each")
    for d in node_domains(s):
        if h == d or h.endswith("." + d):
            raise HostError(f"{h} is a host of this node (below {d}) and cannot be a "
                            "custom domain")
    if project_url_host(h):
        raise HostError(f"{h} has the form <project>.api.<domain> of the node's project "
                        "URLs and cannot be a custom domain")
    return h


def new_alt_host(domain: str) -> str:
    """A fresh alternative host, e.g. `calm-harbor-x7k2.<domain>`."""
    tail = "".join(secrets.choice(_SUFFIX) for _ in range(4))
    return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(NOUNS)}-{tail}.{domain}"


def alt_label(host: str) -> str:
    """The generated part of an alternative host (kept when the domain changes)."""
    return host.split(".", 1)[0]


def host_url(s: Settings, host: str, port: int | None = None) -> str:
    """The URL a host serves its space on (the node's plain-HTTP port, as space_url)."""
    return f"http://{host}:{port or s.http_port}"
