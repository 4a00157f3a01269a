"""Usage metering of space APIs: API calls, invocations and invocation time.

Counted in memory per space on the request path (a dict update, no I/O) and added
to the space's counters in storage (`space.meter`, an atomic add) every
`meter_flush_s` and at shutdown, so `coho stats` and the usage API see them within
seconds. A crash loses at most one interval of counts (metering, not billing-grade).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

import grpc.aio

log = logging.getLogger("brygge.meter")


class Meter:
    def __init__(self, storage: Any, interval_s: float, quotas: Any = None) -> None:
        self.storage = storage
        self.interval_s = interval_s
        self.quotas = quotas  # router/quota.py: told what storage counted for each project
        self.counts: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
        self.task: asyncio.Task[None] | None = None

    def api(self, space_id: str) -> None:
        self.counts[space_id][0] += 1

    def invocation(self, space_id: str, ms: float) -> None:
        c = self.counts[space_id]
        c[1] += 1
        c[2] += ms

    def start(self) -> None:
        self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.flush(timeout=3)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.flush()

    async def flush(self, timeout: float = 30) -> None:
        counts, self.counts = self.counts, defaultdict(lambda: [0, 0, 0.0])
        if self.quotas is not None and counts:
            self.quotas.flushing()
        for sid, (api, inv, ms) in counts.items():
            try:
                reply = await self.storage.call(sid, "space.meter", {
                    "api": api, "codehook_invocation": inv, "codehook_time": round(ms, 3)},
                    timeout=timeout)
                if self.quotas is not None and isinstance(reply, dict):
                    self.quotas.stored(reply)
            except grpc.aio.AioRpcError as e:  # storage restarting: keep them for next time
                log.warning("metering of space %s not saved yet: %s", sid, e.code().name)
                c = self.counts[sid]
                c[0] += api
                c[1] += inv
                c[2] += ms
            except Exception as e:  # e.g. the space was deleted meanwhile
                log.warning("metering of space %s dropped: %s", sid, e)
