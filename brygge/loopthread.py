"""The one loop-thread bridge: a private asyncio loop run by a daemon thread, for code
that lives on plain threads (invocation threads, the executor's gRPC workers) but talks
to NATS, whose client is asyncio-only. Used by the log publisher (brygge/logbus.py),
the job publisher (sandbox/jobs.py) and the queue/cron dispatcher (sandbox/dispatcher.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str) -> None:
        self.name = name
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()  # set once start()'s setup has returned

    def start(self, setup: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Run `setup()` to its end on the loop (connect, subscribe...), set `ready`, then
        keep the loop running for the tasks it made and the coroutines submitted."""
        threading.Thread(target=self._run, args=(setup,), name=self.name, daemon=True).start()

    def _run(self, setup: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(setup())
        self.ready.set()
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run `coro` on the loop from any other thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)
