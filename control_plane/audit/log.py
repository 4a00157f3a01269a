"""The audit log's writer, reader and retention sweep (keys: records.py).

`append` never waits and never raises: the request that is recorded is never slowed or
failed by its record. Entries wait in memory and one writer task stores them, up to
BATCH per write batch (one storage call). A failed write is logged and retried with
backoff; beyond MAX_PENDING waiting entries the oldest are dropped, and the drop is
logged with its count, so a storage outage is never silent and never grows memory
without bound. Readers of this control plane call `flush` first: they see every
entry recorded before their request."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from control_plane.audit import records
from storage.catalog import SysStore

log = logging.getLogger("brygge.audit")

BATCH = 500
MAX_PENDING = 10_000
PAGE = 500  # entries read per storage call
MAX_SCANNED = 100_000  # entries one query reads at most (filters that match rarely)
MAX_LIMIT = 1000


class AuditLog:
    def __init__(self, store: SysStore) -> None:
        self.store = store
        self._pending: list[tuple[str, dict[str, Any]]] = []  # (scope, entry)
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one write at a time; flush waits for the running one
        self.dropped = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    # -- writing ----------------------------------------------------------------------------
    def append(self, entry: dict[str, Any], ts_ns: int | None = None) -> None:
        ts = time.time_ns() if ts_ns is None else ts_ns
        self._pending.append((records.entry_key(records.NODE, ts), entry))
        if len(self._pending) > MAX_PENDING:
            n = len(self._pending) - MAX_PENDING
            del self._pending[:n]
            self.dropped += n
            log.error("audit log: storage is not taking entries; dropped the %d oldest "
                      "(%d in all)", n, self.dropped)
        self._wake.set()

    @staticmethod
    def _batch(items: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        batch: dict[str, Any] = {}
        for node_key, entry in items:
            batch[node_key] = entry
            if entry.get("project"):  # the project's own copy, same timestamp and suffix
                suffix = node_key[len(records.scope_prefix(records.NODE)):]
                batch[records.scope_prefix(entry["project"]) + suffix] = entry
        return batch

    async def _write_some(self) -> None:
        async with self._lock:
            items = self._pending[:BATCH]
            if not items:
                return
            del self._pending[:len(items)]
            try:
                await self.store.call("", "sys.put", {"batch": self._batch(items)})
            except BaseException:
                self._pending[:0] = items  # kept, in order, for the next try
                raise

    async def flush(self) -> None:
        """Store every entry appended so far (raises what storage raises)."""
        while self._pending:
            await self._write_some()

    async def run_writer(self) -> None:
        delay = 0.1
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                try:
                    await self._write_some()
                    delay = 0.1
                except asyncio.CancelledError:
                    raise
                except Exception as e:
                    log.warning("audit log: %d entries not stored yet (retrying in %.1f s): "
                                "%s", len(self._pending), delay, e)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10)

    # -- reading ----------------------------------------------------------------------------
    async def query(self, scope: str, since_ns: int | None = None, limit: int = 100,
                    actor: str | None = None, action: str | None = None
                    ) -> list[dict[str, Any]]:
        """Newest first: up to `limit` entries of `scope` (a project, or records.NODE)
        at or after `since_ns` that match the actor/action filters (records.matches)."""
        prefix = records.scope_prefix(scope)
        start = records.ts_key(scope, since_ns) if since_ns is not None else None
        end: str | None = None
        out: list[dict[str, Any]] = []
        scanned = 0
        while len(out) < limit and scanned < MAX_SCANNED:
            page = await self.store.call("", "sys.scan", {"prefix": prefix, "start": start,
                                                          "end": end, "reverse": True,
                                                          "limit": PAGE})
            for _, entry in page:
                if records.matches(entry.get("actor"), actor) and \
                        records.matches(entry.get("action"), action):
                    out.append(entry)
                    if len(out) >= limit:
                        break
            scanned += len(page)
            if len(page) < PAGE:
                break
            end = page[-1][0]  # exclusive: the next page is older
        return out

    # -- retention --------------------------------------------------------------------------
    async def sweep(self, older_than_ns: int) -> int:
        """Remove every entry of every scope (deleted projects' too) older than
        `older_than_ns`; returns how many. Scopes are found by skipping from one to the
        next (one storage call each); each removal is a write batch of up to PAGE."""
        removed = 0
        start = records.PREFIX
        while True:
            first = await self.store.call("", "sys.scan", {"prefix": records.PREFIX,
                                                           "start": start, "limit": 1})
            if not first:
                return removed
            scope = first[0][0][len(records.PREFIX):].split("/", 1)[0]
            prefix = records.scope_prefix(scope)
            cutoff = records.ts_key(scope, older_than_ns)
            while True:
                old = await self.store.call("", "sys.scan", {"prefix": prefix, "end": cutoff,
                                                             "limit": PAGE})
                if old:
                    await self.store.call("", "sys.put", {"batch": {k: None for k, _ in old}})
                    removed += len(old)
                if len(old) < PAGE:
                    break
            start = prefix[:-1] + "0"  # '0' sorts right after '/': the next scope
