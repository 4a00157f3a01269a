"""The bounded channel from the guest's thread to an event loop (sandbox/outbox.py):
writes wait while the consumer does not take, until the wall-clock deadline; a
consumer that leaves releases them at once."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from sandbox.engine import SandboxTrap
from sandbox.outbox import Outbox
from tests.support.nodes import wait_until

KB = 1024


def test_the_producer_waits_until_the_consumer_takes() -> None:
    async def main() -> None:
        box = Outbox(asyncio.get_running_loop(), 64 * KB)
        written: list[int] = []

        def produce() -> None:
            for i in range(8):  # 8 x 32 KiB through a 64 KiB window
                box.reserve(32 * KB, time.monotonic() + 30)
                box.put(i, 32 * KB)
                written.append(i)
            box.put(None)

        t = threading.Thread(target=produce)
        t.start()
        await asyncio.to_thread(wait_until, lambda: box.waiting, 30, "the producer to wait")
        assert written == [0, 1] and box.held == 64 * KB
        got = []
        while (item := await box.get()) is not None:
            got.append(item)
            assert box.held <= 64 * KB
        assert got == list(range(8))
        t.join(30)

    asyncio.run(main())


def test_a_piece_larger_than_the_window_passes_alone() -> None:
    async def main() -> None:
        box = Outbox(asyncio.get_running_loop(), 64 * KB)
        assert box.reserve(1024 * KB, time.monotonic() + 30) is False  # empty: at once
        box.put("big", 1024 * KB)
        assert await box.get() == "big" and box.held == 0

    asyncio.run(main())


def test_the_wall_clock_deadline_ends_a_waiting_write() -> None:
    async def main() -> None:
        box = Outbox(asyncio.get_running_loop(), 64 * KB)
        box.reserve(64 * KB, time.monotonic() + 30)
        box.put("kept", 64 * KB)
        with pytest.raises(SandboxTrap, match="wall-clock deadline exceeded"):
            await asyncio.to_thread(box.reserve, 1, time.monotonic() + 0.05)

    asyncio.run(main())


def test_a_consumer_that_leaves_releases_the_producer() -> None:
    async def main() -> None:
        box = Outbox(asyncio.get_running_loop(), 64 * KB)
        box.reserve(64 * KB, time.monotonic() + 30)
        box.put("unread", 64 * KB)
        waiting = asyncio.create_task(asyncio.to_thread(box.reserve, KB, time.monotonic() + 30))
        await asyncio.to_thread(wait_until, lambda: box.waiting, 30, "the write to wait")
        box.close()
        assert await waiting is True
        for _ in range(100):  # nothing waits or is kept any more
            assert box.reserve(64 * KB, time.monotonic() + 30) is False
            box.put("dropped", 64 * KB)
        assert box.q.qsize() == 1  # only what was there before the close

    asyncio.run(main())


def test_held_back_messages_go_with_the_next_wake_in_order() -> None:
    async def main() -> None:
        box = Outbox(asyncio.get_running_loop(), 64 * KB)

        def produce() -> None:
            box.put("head", wake=False)
            box.put("body", wake=False)
            box.put("end")  # one call_soon_threadsafe carries all three

        await asyncio.to_thread(produce)
        await asyncio.sleep(0)
        assert box.q.qsize() == 3 and not box.pending
        assert [await box.get() for _ in range(3)] == ["head", "body", "end"]

    asyncio.run(main())


def test_a_write_that_must_wait_first_sends_what_it_held_back() -> None:
    # Without that, a response's held-back last pieces would never reach the consumer
    # and the producer would wait for room until its deadline.
    async def main() -> None:
        box = Outbox(asyncio.get_running_loop(), 64 * KB)

        def produce() -> None:
            for i in range(4):  # a final write of 4 x 32 KiB, all put with wake=False
                box.reserve(32 * KB, time.monotonic() + 30)
                box.put(i, 32 * KB, wake=False)
            box.put(None)

        t = threading.Thread(target=produce)
        t.start()
        got = []
        while (item := await asyncio.wait_for(box.get(), 30)) is not None:
            got.append(item)
        assert got == [0, 1, 2, 3]
        t.join(30)

    asyncio.run(main())
