"""brygge/loopthread.py: the one bridge from plain threads to a private asyncio loop
(log publisher, job publisher, dispatcher)."""

from __future__ import annotations

import asyncio
import threading

from brygge.loopthread import LoopThread


def test_setup_runs_on_the_loop_thread_before_ready_then_submissions_run_there() -> None:
    bridge = LoopThread("test-bridge")
    seen: dict[str, object] = {}

    async def setup() -> None:
        seen["setup_thread"] = threading.current_thread().name
        seen["ready_during_setup"] = bridge.ready.is_set()

    bridge.start(setup)
    assert bridge.ready.wait(10)
    assert seen == {"setup_thread": "test-bridge", "ready_during_setup": False}

    async def where() -> tuple[str, bool]:
        return threading.current_thread().name, asyncio.get_running_loop() is bridge.loop

    assert bridge.submit(where()).result(10) == ("test-bridge", True)
    bridge.loop.call_soon_threadsafe(bridge.loop.stop)


def test_a_setup_that_never_returns_leaves_ready_unset_but_its_tasks_run() -> None:
    bridge = LoopThread("test-forever")
    ran = threading.Event()

    async def main() -> None:  # the dispatcher's shape: its tasks do the work
        asyncio.get_running_loop().call_soon(ran.set)
        await asyncio.Event().wait()

    bridge.start(main)
    assert ran.wait(10)
    assert not bridge.ready.is_set()
