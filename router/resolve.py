"""Host and space resolution: which project a request's host names (or which space, for
a custom domain or alternative host: storage/hosts.py), and the space and token records
it refers to, cached briefly (the control plane's change announcements on NATS drop the
cache at once: router/app.py)."""

from __future__ import annotations

import time
from typing import Any

from brygge.settings import Settings
from storage import hosts
from storage.catalog import Catalog

CACHE_TTL_S = 5.0


class TTLCache:
    def __init__(self) -> None:
        self.data: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:
        hit = self.data.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, key: Any, value: Any) -> None:
        if len(self.data) > 100_000:
            self.data.clear()
        self.data[key] = (time.monotonic() + CACHE_TTL_S, value)

    def clear(self) -> None:
        self.data.clear()


_MISSING = {"missing": True}


class Resolver:
    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.s = settings
        self.catalog = catalog
        self.cache = TTLCache()
        self.plain: set[str] = set()  # Host headers that never name a space (bound())

    async def bound(self, host: str) -> dict[str, Any] | None:
        """The host record {project, space, kind} when `host` is a custom domain or an
        alternative host, else None. Project URLs (`<project>.api.<x>`, which no such
        host can have the form of), IP literals and `localhost` are never looked up; any
        other host costs one cache lookup (a catalog read at most every CACHE_TTL_S)."""
        if host in self.plain:  # the hot path of project URLs and the default project
            return None
        h = hosts.normalize(host)
        if not h or h == "localhost" or hosts.project_url_host(h) \
                or h.rpartition(".")[2].isdigit():  # IPv4 (no DNS name's top label is)
            if len(self.plain) < 10_000:  # bounded: Host headers are the client's to choose
                self.plain.add(host)
            return None
        key = ("host", h)
        rec = self.cache.get(key)
        if rec is None:
            rec = await self.catalog.host(h) or _MISSING
            self.cache.put(key, rec)
        return None if rec.get("missing") else rec

    def project_of(self, host: str) -> str:
        """`<project>.api.<anything>` names a project (the official CLI sends
        `<project>.api.codehooks.local.io`); any other host is the default project."""
        host = host.split(":", 1)[0].lower()
        i = host.find(".api.")
        if i > 0:
            return host[:i]
        return self.s.default_project

    async def space(self, project: str, name: str) -> dict[str, Any] | None:
        key = ("space", project, name)
        rec = self.cache.get(key)
        if rec is None:
            rec = await self.catalog.find_space(project, name) or _MISSING
            self.cache.put(key, rec)
        return None if rec is _MISSING or rec.get("missing") else rec

    async def token(self, token: str) -> dict[str, Any] | None:
        # One HMAC per candidate (storage/space_tokens.py); the cache is keyed by it, so
        # the router's memory holds no clear token either.
        lookup = self.catalog.space_tokens.key_of(token)
        if lookup is None:
            return None
        key = ("token", lookup)
        rec = self.cache.get(key)
        if rec is None:
            rec = await self.catalog.space_tokens.find_key(lookup) or _MISSING
            self.cache.put(key, rec)
        return None if rec.get("missing") else rec


def hostname(host: str) -> str:
    """The host without its port ([v6] literals keep their brackets, as Express does)."""
    if host.startswith("["):
        return host[:host.find("]") + 1] if "]" in host else host
    return host.split(":", 1)[0]
