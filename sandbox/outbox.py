"""An invocation's output on its way from the guest's thread to an event loop (the
router's, in-process; the executor's gRPC server's otherwise), with backpressure.

At most `limit` body bytes are between the guest and the consumer: a guest writing
faster than the client reads waits in its write host call (`reserve`) until the
consumer has taken enough, or until its wall-clock deadline. A piece larger than
`limit` is let through alone, so progress never stops; emitters split large writes
(sandbox/executor.py). Once the consumer is gone (`close`) writes neither wait nor
keep anything.

Hand-offs are coalesced: a message put with `wake=False` waits in the producer for the
next one that wakes the loop, and both go over in one `call_soon_threadsafe`. A simple
response (head, body, end) is then one wake-up of the event loop instead of five; on
this class of machine (a VM where a thread switch costs tens of µs) the wake-ups, not
the work, were most of the router's CPU per request (docs/BENCHMARKS.md). Nothing is
held back while the producer waits for room (`reserve`), so backpressure never stalls.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from sandbox.engine import SandboxTrap


class Outbox:
    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.loop = loop
        self.limit = limit
        self.q: asyncio.Queue[tuple[Any, int]] = asyncio.Queue()
        self.lock = threading.Lock()
        # made when a write first has to wait: a Condition costs more to build than the
        # whole hand-off of a small response
        self.cond: threading.Condition | None = None
        self.held = 0  # body bytes put and not yet taken
        self.waiting = False  # the producer waits for room
        self.closed = False
        self.pending: list[tuple[Any, int]] = []  # producer-side: put with wake=False

    # -- producer (the invocation's thread) ----------------------------------------------
    def reserve(self, n: int, deadline: float) -> bool:
        """Room for a body piece of n bytes, waiting until time.monotonic() reaches
        `deadline` at most (then SandboxTrap). True when it had to wait."""
        with self.lock:
            if self.closed or self.held == 0 or self.held + n <= self.limit:
                self.held += n
                return False
            if self.pending:  # what it waits on must reach the consumer first
                self._send()
            if self.cond is None:
                self.cond = threading.Condition(self.lock)
            self.waiting = True
            try:
                while not (self.closed or self.held == 0 or self.held + n <= self.limit):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise SandboxTrap("wall-clock deadline exceeded")
                    self.cond.wait(left)
            finally:
                self.waiting = False
            self.held += n
            return True

    def put(self, item: Any, n: int = 0, wake: bool = True) -> None:
        """Hand on a message; `n` body bytes of it were reserved. With wake=False it goes
        with the next message that wakes the loop (the producer must send one: the
        invocation's last message always does)."""
        if self.closed:
            return
        self.pending.append((item, n))
        if wake:
            self._send()

    def _send(self) -> None:
        items, self.pending = self.pending, []
        if len(items) == 1:
            self.loop.call_soon_threadsafe(self.q.put_nowait, items[0])
        else:
            self.loop.call_soon_threadsafe(self._deliver, items)

    def _deliver(self, items: list[tuple[Any, int]]) -> None:
        for item in items:
            self.q.put_nowait(item)

    # -- consumer (the event loop) ----------------------------------------------------------
    async def get(self) -> Any:
        item, n = await self.q.get()
        if n:
            with self.lock:
                self.held -= n
                if self.waiting:
                    assert self.cond is not None
                    self.cond.notify()
        return item

    def close(self) -> None:
        """The consumer is gone: the producer must never wait for it again."""
        with self.lock:
            self.closed = True
            self.held = 0
            if self.cond is not None:
                self.cond.notify_all()
