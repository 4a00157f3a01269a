"""FairSlots (sandbox/slots.py): bounded, first come first served, timeouts."""

from __future__ import annotations

import threading
import time

from sandbox.slots import FairSlots


def test_bounded_and_timeout() -> None:
    s = FairSlots(2)
    assert s.acquire(0) and s.acquire(0)
    assert not s.acquire(0.01)
    s.release()
    assert s.acquire(0)


def test_freed_slot_goes_to_the_longest_waiter() -> None:
    s = FairSlots(1)
    assert s.acquire()
    order: list[int] = []
    started = [threading.Event() for _ in range(3)]

    def wait(i: int) -> None:
        started[i].set()
        got = s.acquire(10)
        order.append(i if got else -1)  # checked in the main thread (-1: timed out)
        if got:
            s.release()

    threads = []
    for i in range(3):  # queue up in a known order
        t = threading.Thread(target=wait, args=(i,))
        t.start()
        started[i].wait()
        while len(s._waiters) < i + 1:
            pass
        threads.append(t)
    # a newcomer cannot jump the queue while others wait
    assert not s.acquire(0)
    s.release()
    for t in threads:
        t.join()
    assert order == [0, 1, 2]
    assert s.acquire(0)


def test_many_threads_never_exceed_the_bound() -> None:
    s = FairSlots(3)
    lock = threading.Lock()
    inside = [0, 0]  # now, most
    timeouts: list[int] = []  # checked in the main thread: an assert in a thread is a warning

    def work() -> None:
        for _ in range(200):
            if not s.acquire(10):
                timeouts.append(1)
                return
            with lock:
                inside[0] += 1
                inside[1] = max(inside[1], inside[0])
            time.sleep(0)  # hold the slot while other threads run
            with lock:
                inside[0] -= 1
            s.release()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not timeouts
    assert inside[0] == 0 and 1 <= inside[1] <= 3, inside
