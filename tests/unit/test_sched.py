"""The executor's scheduler (sandbox/sched.py) with a real thread pool: waiting for
an instance holds no thread, spaces take turns when threads are short, one space
never runs more than its cap, the waiting bound and the wait deadline refuse."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox.sched import Scheduler, Slots
from tests.support.nodes import wait_until


class Runs:
    """Invocations that block on their thread until the test releases them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: list[str] = []
        self.gates: dict[str, threading.Event] = {}
        self.refused: dict[str, tuple[int, str]] = {}

    def run(self, name: str) -> Callable[[], None]:
        gate = self.gates[name] = threading.Event()

        def go() -> None:
            with self.lock:
                self.started.append(name)
            assert gate.wait(30), f"{name} was never released"
        return go

    def refuse(self, name: str) -> Callable[[int, str], None]:
        def no(status: int, message: str) -> None:
            with self.lock:
                self.refused[name] = (status, message)
        return no

    def submit(self, sched: Scheduler, slots: Slots, name: str, wait_s: float = 30) -> None:
        sched.submit(slots, self.run(name), self.refuse(name), wait_s)

    def release(self, name: str) -> None:
        self.gates[name].set()

    def running(self, n: int) -> None:
        wait_until(lambda: len(self.started) == n, 30, f"{n} invocations to start")


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    p = ThreadPoolExecutor(max_workers=4)
    yield p
    p.shutdown(wait=False, cancel_futures=True)


def test_waiting_for_an_instance_holds_no_thread(pool: ThreadPoolExecutor) -> None:
    sched = Scheduler(pool, threads=4, space_max_running=3, space_max_waiting=100)
    noisy, quiet = sched.slots("noisy", 2), sched.slots("quiet", 2)
    r = Runs()
    for i in range(10):  # two run and hold their instances; eight wait for one
        r.submit(sched, noisy, f"n{i}")
    r.running(2)
    assert sched.free_threads == 2 and sched.waiting == 8
    r.submit(sched, quiet, "q")  # a thread is still there for another space
    r.running(3)
    assert r.started[-1] == "q"
    for name in r.gates:
        r.release(name)
    r.running(11)
    wait_until(lambda: sched.free_threads == 4, 30, "every thread to be free")
    assert sched.waiting == 0 and noisy.free == 2 and quiet.free == 2 and not r.refused


def test_spaces_take_turns_when_threads_are_short(pool: ThreadPoolExecutor) -> None:
    sched = Scheduler(pool, threads=3, space_max_running=2, space_max_waiting=100)
    a, b, z = sched.slots("a", 4), sched.slots("b", 4), sched.slots("z", 1)
    r = Runs()
    r.submit(sched, z, "z")  # holds one thread throughout
    for i in range(5):  # a0, a1 take the other two; a2..a4 wait
        r.submit(sched, a, f"a{i}")
    r.running(3)
    for i in range(2):  # b queues after all of a's waiters...
        r.submit(sched, b, f"b{i}")
    assert sched.waiting == 5
    # ...but each freed thread goes to the next space in turn, not to a's whole queue
    for n, (done, started) in enumerate([("a0", "a2"), ("a1", "b0"), ("a2", "a3"),
                                         ("b0", "b1"), ("a3", "a4")]):
        r.release(done)
        r.running(4 + n)
        assert r.started[-1] == started, r.started
    for name in ("z", "a4", "b1"):
        r.release(name)
    wait_until(lambda: sched.free_threads == 3, 30, "every thread to be free")
    assert a.free == 4 and b.free == 4 and z.free == 1


def test_one_space_never_runs_more_than_its_cap(pool: ThreadPoolExecutor) -> None:
    sched = Scheduler(pool, threads=4, space_max_running=2, space_max_waiting=100)
    # two deployments of one space share its cap
    old, new = sched.slots("s", 4), sched.slots("s", 4)
    r = Runs()
    for i in range(3):
        r.submit(sched, old, f"o{i}")
        r.submit(sched, new, f"n{i}")
    r.running(2)
    assert sched.free_threads == 2 and sched.waiting == 4
    r.submit(sched, sched.slots("other", 4), "x")
    r.running(3)
    for name in list(r.gates):
        r.release(name)
    r.running(7)
    wait_until(lambda: sched.free_threads == 4, 30, "every thread to be free")


def test_too_many_waiting_are_refused_at_once(pool: ThreadPoolExecutor) -> None:
    sched = Scheduler(pool, threads=4, space_max_running=3, space_max_waiting=2)
    s = sched.slots("s", 1)
    r = Runs()
    for i in range(5):
        r.submit(sched, s, f"s{i}")
    r.running(1)
    assert set(r.refused) == {"s3", "s4"}  # refused before submit returned
    status, message = r.refused["s3"]
    assert status == 429 and "BRYGGE_SPACE_MAX_WAITING" in message
    for i in range(3):
        r.release(f"s{i}")
    r.running(3)
    wait_until(lambda: sched.free_threads == 4, 30, "every thread to be free")


def test_a_waiter_past_its_deadline_is_refused(pool: ThreadPoolExecutor) -> None:
    sched = Scheduler(pool, threads=4, space_max_running=3, space_max_waiting=10)
    s = sched.slots("s", 1)
    r = Runs()
    r.submit(sched, s, "held")
    r.running(1)
    r.submit(sched, s, "late", wait_s=0.05)
    r.submit(sched, s, "patient", wait_s=30)
    wait_until(lambda: "late" in r.refused, 30, "the late waiter's refusal")
    status, message = r.refused["late"]
    assert status == 503 and "stayed busy" in message
    assert sched.waiting == 1 and "patient" not in r.refused
    r.release("held")
    r.running(2)
    assert r.started == ["held", "patient"]
    r.release("patient")
    wait_until(lambda: sched.free_threads == 4 and s.free == 1, 30, "all free")


def test_jobs_and_http_share_instances_in_arrival_order(pool: ThreadPoolExecutor) -> None:
    sched = Scheduler(pool, threads=4, space_max_running=3, space_max_waiting=10)
    s = sched.slots("s", 1)
    r = Runs()
    r.submit(sched, s, "first")
    r.running(1)
    got: list[bool] = []
    job = threading.Thread(target=lambda: got.append(sched.acquire(s, 30)))
    job.start()
    wait_until(lambda: len(s.jobs) == 1, 30, "the job to wait")
    r.submit(sched, s, "after-job")
    r.release("first")
    job.join(30)
    assert got == [True] and r.started == ["first"]  # the job came first
    assert not sched.acquire(s, 0.01)  # the job holds the only instance
    sched.release(s)
    r.running(2)
    r.release("after-job")
    wait_until(lambda: s.free == 1 and sched.free_threads == 4, 30, "all free")
