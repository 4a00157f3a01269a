"""Retention of the realtime documents codehooks-js writes.

`realtime.publishEvent` stores every event as a document in `_event_publish_<channel>`
(the library's behaviour, which apps may read) before the platform fans it out through
JetStream (storage/realtime.py). Nothing on the platform reads those documents again —
replay comes from the REALTIME stream — so without a bound a chat app's space grows by
one document per message forever. The control plane removes the ones older than
`realtime_event_docs_ttl_s` every `realtime_event_sweep_s` (0 keeps them forever).

Listener documents (`_event_listeners_*`) are kept: a client reconnecting with its
listener id needs its document, however old.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from brygge.clock import iso

log = logging.getLogger("brygge.event_docs")

PREFIX = "_event_publish_"


def cutoff_iso(ttl_s: float, now: datetime | None = None) -> str:
    """The ISO time before which event documents are removed; the same format as the
    `timestamp` codehooks-js writes (`new Date().toISOString()`), so strings compare."""
    t = (now or datetime.now(UTC)) - timedelta(seconds=ttl_s)
    return iso(t)


async def sweep(storage: Any, spaces: list[dict[str, Any]], ttl_s: float,
                now: datetime | None = None) -> int:
    """Remove event documents older than ttl_s from every space; returns how many."""
    if ttl_s <= 0:
        return 0
    before = cutoff_iso(ttl_s, now)
    removed = 0
    for space in spaces:
        sid = space["id"]
        for c in await storage.call(sid, "db.collections", {"namesOnly": True}):
            if not str(c.get("name", "")).startswith(PREFIX):
                continue
            r = await storage.call(sid, "db.removeMany", {
                "collection": c["name"], "query": {"timestamp": {"$lt": before}}})
            removed += int((r or {}).get("count", 0))
    return removed
