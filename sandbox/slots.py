"""A counting semaphore that hands a freed slot to the longest waiter.

`threading.Semaphore` lets a thread that arrives just as a slot frees up take it
ahead of threads already waiting; under load (more invocation threads than warm
instances of a space) a waiter can lose that race again and again, which showed
as multi-second p99 stalls at 32 connections (docs/BENCHMARKS.md). Here release()
gives the slot directly to the first waiter, so waiting is first come, first served.
"""

from __future__ import annotations

import threading
from collections import deque


class FairSlots:
    def __init__(self, size: int) -> None:
        self._free = size
        self._lock = threading.Lock()
        self._waiters: deque[threading.Event] = deque()

    def acquire(self, timeout: float | None = None) -> bool:
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return True
            me = threading.Event()
            self._waiters.append(me)
        if me.wait(timeout):
            return True
        with self._lock:
            if me.is_set():  # handed a slot just as the wait timed out: keep it
                return True
            self._waiters.remove(me)
            return False

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()  # the slot passes straight to it
            else:
                self._free += 1
