"""The pure parts of the audit log: record keys, outcome names, masking of secrets in
targets, `since` parsing, filters and the client address.

Keys (system records in the storage engine):

    audit/<project>/<ns since epoch, 20 digits>-<4 hex>   a project's actions
    audit/_node/<ns>-<4 hex>                              every action on the node

A project action is written twice, in one write batch: under its project (what the
project's admins read) and under `_node` (what the operator reads, in time order with
one scan, and still there after the project is deleted). Node actions go to `_node`
only. The fixed-width timestamp makes key order time order, so a page of the newest
entries is one reverse range scan and the retention sweep is a range delete.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

from storage import admission
from storage.catalog import NAME_RE

NODE = "_node"
PREFIX = "audit/"
MAX_FIELD = 200  # characters of one target part kept (a path param can be long)
# Path parameters that are (or may hold) a credential: only their first 5 characters are
# recorded, as the admin token listings show them.
SECRET_PARAMS = frozenset({"token", "prefix", "uuid"})
_LOOPBACK = admission.parse_networks(["127.0.0.0/8", "::1/128"])
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def scope_prefix(scope: str) -> str:
    return f"{PREFIX}{scope}/"


def ts_key(scope: str, ts_ns: int) -> str:
    """The first possible key of `scope` at `ts_ns` (a range bound)."""
    return f"{scope_prefix(scope)}{max(ts_ns, 0):020d}"


def entry_key(scope: str, ts_ns: int) -> str:
    return f"{ts_key(scope, ts_ns)}-{secrets.token_hex(2)}"


def outcome_of(status: int) -> str:
    """ok below 400; denied for a refused credential or permission (401, 403) and a
    throttled login (429); error for any other refusal or failure."""
    if status < 400:
        return "ok"
    return "denied" if status in (401, 403, 429) else "error"


def mask(secret: str) -> str:
    return secret[:5] + "…" if len(secret) > 5 else secret


def target_of(path_params: dict[str, Any]) -> tuple[str | None, str]:
    """(project, target) from a route's path parameters, in their order: `p/s` then
    `name=value` for the others, credentials masked (SECRET_PARAMS)."""
    raw = str(path_params.get("project") or "")
    # only a name a project could have becomes a scope (a key); any other stays text
    project = raw if NAME_RE.fullmatch(raw) else None
    parts = [raw[:MAX_FIELD]] if raw else []
    if path_params.get("space"):
        parts.append(str(path_params["space"])[:MAX_FIELD])
    head = "/".join(parts)
    extra = []
    for k, v in path_params.items():
        if k in ("project", "space"):
            continue
        v = str(v)
        extra.append(f"{k}={mask(v) if k in SECRET_PARAMS else v[:MAX_FIELD]}")
    return project, " ".join(([head] if head else []) + extra)


def parse_since(text: str, now_ns: int) -> int:
    """`since` as ns since the epoch: an ISO 8601 time (naive means UTC) or an age such
    as 90s, 15m, 1h, 7d, 2w. ValueError names the accepted forms."""
    text = (text or "").strip()
    m = re.fullmatch(r"(\d{1,9})([smhdw])", text)
    if m:
        return now_ns - int(m.group(1)) * _UNITS[m.group(2)] * 1_000_000_000
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"since={text[:60]!r} is neither an ISO 8601 time "
                         "(2025-01-31T12:00:00Z) nor an age such as 90s, 15m, 1h, 7d") \
            from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return int(t.timestamp() * 1_000_000) * 1000


def matches(value: str | None, pattern: str | None) -> bool:
    """No pattern matches all; `x*` matches what starts with x; else equality."""
    if not pattern:
        return True
    if pattern.endswith("*"):
        return (value or "").startswith(pattern[:-1])
    return value == pattern


def client_ip(peer: str, forwarded_for: str | None, trusted: list[admission.Network],
              via_router: bool) -> str:
    """The client's address: the socket peer, or X-Forwarded-For when the peer is a
    trusted proxy (`trusted_proxies`). On the `/_adm/` routes the node's own routers
    forward the official CLI's calls: there a loopback peer is a router of this host
    and its X-Forwarded-For (which the router sets to the client it saw) counts too."""
    nets = trusted + _LOOPBACK if via_router else trusted
    return admission.client_address(peer, forwarded_for, nets)


def iso_of(ts_ns: int) -> str:
    return datetime.fromtimestamp(ts_ns / 1e9, UTC).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


def new_entry(ts_ns: int, actor: str, action: str, project: str | None, target: str,
              ip: str, status: int, outcome: str | None = None) -> dict[str, Any]:
    return {"time": iso_of(ts_ns), "actor": actor, "action": action, "project": project,
            "target": target, "ip": ip, "outcome": outcome or outcome_of(status),
            "status": status}
