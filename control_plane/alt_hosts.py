"""At control-plane start: every space has its alternative host below the current
alternative-host domain (storage/hosts.py). Idempotent, so every start (and every control
plane of a cluster) may run it:
- a space without one (created before issue 18, or by `brygge up`'s bootstrap, which
  runs before any control plane) gets one;
- one below another domain (`alt_host_domain` changed) moves, keeping its generated name;
- an `alt` record no space names (two control planes that raced on one space) goes.
Every claim is atomic (sys.put with `absent`), so two starts never share a name."""

from __future__ import annotations

import logging
from typing import Any

from storage import hosts
from storage.catalog import Catalog

log = logging.getLogger("brygge.control")


def _rec(sp: dict[str, Any]) -> dict[str, Any]:
    return {"project": sp["project"], "space": sp["name"], "kind": "alt"}


def _ours(rec: Any, sp: dict[str, Any]) -> bool:
    return isinstance(rec, dict) and {k: rec.get(k) for k in ("project", "space", "kind")} \
        == _rec(sp)


async def ensure(cat: Catalog, domain: str) -> list[str]:
    """Bring every space's alternative host below `domain`; returns the ids of the
    spaces whose host changed (their routers must drop what they cached)."""
    before = {h["host"]: h for h in await cat.hosts() if h.get("kind") == "alt"}
    changed: list[str] = []
    named: set[str] = set()
    for sp in await cat.all_spaces():
        cur = sp.get("alt_host") or ""
        want = f"{hosts.alt_label(cur)}.{domain}" if cur else ""
        if cur and cur == want:
            named.add(cur)
            rec = await cat.host(cur)
            if _ours(rec, sp):
                continue
            if rec is None and await cat.claim({f"host/{cur}": _rec(sp)},
                                                [f"host/{cur}"]) is None:
                changed.append(sp["id"])
                continue
        for attempt in range(8):
            h = want if want and attempt == 0 else hosts.new_alt_host(domain)
            batch: dict[str, Any] = {f"space/{sp['project']}/{sp['name']}":
                                     {**sp, "alt_host": h}, f"host/{h}": _rec(sp)}
            if cur and cur != h and _ours(before.get(cur), sp):
                batch[f"host/{cur}"] = None
            if await cat.claim(batch, [f"host/{h}"]) is None:
                named.add(h)
                changed.append(sp["id"])
                break
        else:
            log.warning("no free alternative host for space %s/%s", sp["project"], sp["name"])
    for h in set(before) - named:  # names no space holds any more
        rec = before[h]
        sp = await cat.find_space(str(rec.get("project")), str(rec.get("space")))
        if sp is None or sp.get("alt_host") != h:
            await cat.store.call("", "sys.delete", {"key": f"host/{h}"})
    return changed
