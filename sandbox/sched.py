"""Which invocation runs next: warm instances per space, runner threads per process.

An HTTP invocation takes a thread of the executor's shared runner pool only once
it holds an instance of its space (`submit`). Until then it waits in its pool's
queue, holding nothing: a space whose instances are all busy (e.g. handlers that
answered but keep promises pending) cannot stall other spaces by parking threads
on its own instances. When threads are short, pools with waiting work take turns
(round robin), one space never runs more than `space_max_running` invocations at
once, and at most `space_max_waiting` wait per space (beyond: refused at once).
A waiter whose deadline passes before it gets an instance is refused too.

Jobs (sandbox/dispatcher.py) run on the dispatcher's own threads: they wait for an
instance with `acquire` on that thread and share the instances first come, first
served with the HTTP invocations of the same pool.

All decisions are a few counter updates under one lock: nothing here blocks the
caller (the router's event loop calls `submit`) except `acquire`.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

# refuse(status, message): answer the invocation that will not run
Refuse = Callable[[int, str], None]


class _Space:
    __slots__ = ("running", "waiting")

    def __init__(self) -> None:
        self.running = 0  # HTTP invocations on runner threads (all its pools)
        self.waiting = 0  # HTTP invocations in its pools' queues


@dataclass(eq=False)
class _Waiter:
    seq: int
    slots: Slots
    run: Callable[[], None] | None = None  # HTTP: runs on a runner thread
    refuse: Refuse | None = None
    event: threading.Event | None = None  # a job: its own thread waits on this
    done: bool = False  # started, granted, refused or gone


@dataclass(eq=False)
class Slots:
    """The instances of one pool (one deployment of one space) and who waits for one."""
    space: _Space
    free: int
    size: int
    http: deque[_Waiter] = field(default_factory=deque)
    jobs: deque[_Waiter] = field(default_factory=deque)


class Scheduler:
    def __init__(self, runner: Executor, threads: int, space_max_running: int,
                 space_max_waiting: int) -> None:
        self.runner = runner
        self.threads = threads
        self.free_threads = threads
        # One space may not take every thread (unless there is only one).
        self.space_cap = max(1, min(space_max_running, threads - 1))
        self.space_max_waiting = space_max_waiting
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)  # the expiry sweeper sleeps on it
        self.spaces: dict[str, _Space] = {}
        self.ring: OrderedDict[Slots, None] = OrderedDict()  # pools with HTTP waiting
        self.expiry: list[tuple[float, int, _Waiter]] = []  # heap of HTTP waiters' deadlines
        self.waiting = 0  # HTTP waiters, all spaces
        self.seq = itertools.count()
        self.sweeper: threading.Thread | None = None

    def slots(self, space_id: str, size: int) -> Slots:
        """The instance count of a new pool of `space_id`."""
        with self.lock:
            space = self.spaces.get(space_id)
            if space is None:
                space = self.spaces[space_id] = _Space()
            return Slots(space, size, size)

    # -- HTTP invocations: never block the caller ------------------------------------
    def submit(self, slots: Slots, run: Callable[[], None], refuse: Refuse,
               wait_s: float) -> None:
        """Run `run()` on a runner thread once it holds an instance of `slots` (and
        there is a thread for it); the instance and thread are given back after it.
        Otherwise `refuse` is called: at once when too many wait, or after `wait_s`."""
        sp = slots.space
        with self.lock:
            if (self.free_threads > 0 and slots.free > 0 and not slots.http
                    and sp.running < self.space_cap):
                slots.free -= 1  # the common case: an instance and a thread are free
                sp.running += 1
                self.free_threads -= 1
                start = True
            elif sp.waiting >= self.space_max_waiting:
                start, waiting = False, sp.waiting
            else:
                w = _Waiter(next(self.seq), slots, run, refuse)
                slots.http.append(w)
                sp.waiting += 1
                self.waiting += 1
                if slots not in self.ring:
                    self.ring[slots] = None
                heapq.heappush(self.expiry, (time.monotonic() + wait_s, w.seq, w))
                if len(self.expiry) > 64 and len(self.expiry) > 4 * self.waiting:
                    self.expiry = [e for e in self.expiry if not e[2].done]  # drop stale
                    heapq.heapify(self.expiry)
                self._ensure_sweeper()
                if self.expiry[0][2] is w:  # the sweeper sleeps until an earlier deadline
                    self.wake.notify()
                return
        if start:
            self.runner.submit(self._run, slots, run)
        else:
            refuse(429, "too many requests of this space are waiting for an instance "
                        f"({waiting} wait already; BRYGGE_SPACE_MAX_WAITING)")

    def _run(self, slots: Slots, run: Callable[[], None]) -> None:
        try:
            run()
        finally:
            self.release(slots, thread=True)

    # -- jobs: wait on their own thread ------------------------------------------------
    def acquire(self, slots: Slots, timeout: float) -> bool:
        """Take an instance of `slots` for the calling thread, waiting at most timeout."""
        with self.lock:
            if slots.free > 0:
                slots.free -= 1
                return True
            w = _Waiter(next(self.seq), slots, event=threading.Event())
            slots.jobs.append(w)
        assert w.event is not None
        if w.event.wait(timeout):
            return True
        with self.lock:
            if w.done:  # handed an instance just as the wait timed out: keep it
                return True
            w.done = True
            slots.jobs.remove(w)
            return False

    # -- giving back ---------------------------------------------------------------------
    def release(self, slots: Slots, thread: bool = False) -> None:
        """An instance of `slots` is free again (and a runner thread, with `thread`)."""
        grant: _Waiter | None = None
        with self.lock:
            if thread:
                self.free_threads += 1
                slots.space.running -= 1
            # The instance goes to the pool's oldest waiter: a job (it has its own
            # thread), or an HTTP invocation when a thread is free for it.
            job = slots.jobs[0] if slots.jobs else None
            http = slots.http[0] if slots.http else None
            if job is not None and (http is None or job.seq < http.seq):
                grant = slots.jobs.popleft()
            else:
                slots.free += 1
            starts = self._pump() if self.ring else []
            if grant is None and slots.free > 0 and slots.jobs:  # HTTP had no thread
                slots.free -= 1
                grant = slots.jobs.popleft()
            if grant is not None:
                grant.done = True
        if grant is not None:
            assert grant.event is not None
            grant.event.set()
        for w in starts:
            assert w.run is not None
            self.runner.submit(self._run, w.slots, w.run)

    def _pump(self) -> list[_Waiter]:
        """Start waiting HTTP invocations while threads are free: one per pool per
        turn, pools in round-robin order. Called with the lock held."""
        starts: list[_Waiter] = []
        while self.free_threads > 0 and self.ring:
            progressed = False
            for slots in list(self.ring):
                if self.free_threads == 0:
                    break
                sp = slots.space
                if slots.free == 0 or sp.running >= self.space_cap:
                    continue
                w = slots.http.popleft()
                w.done = True
                sp.waiting -= 1
                self.waiting -= 1
                slots.free -= 1
                sp.running += 1
                self.free_threads -= 1
                starts.append(w)
                if slots.http:
                    self.ring.move_to_end(slots)  # its next turn comes after the others'
                else:
                    del self.ring[slots]
                progressed = True
            if not progressed:
                break
        return starts

    # -- deadlines of waiting HTTP invocations -----------------------------------------------
    def _ensure_sweeper(self) -> None:
        if self.sweeper is None:
            self.sweeper = threading.Thread(target=self._sweep, name="sched-expiry",
                                            daemon=True)
            self.sweeper.start()

    def _sweep(self) -> None:
        while True:
            expired: list[_Waiter] = []
            with self.lock:
                while self.expiry and self.expiry[0][2].done:
                    heapq.heappop(self.expiry)  # started since: nothing to do
                if not self.expiry:
                    self.wake.wait()
                    continue
                now = time.monotonic()
                while self.expiry and self.expiry[0][0] <= now:
                    w = heapq.heappop(self.expiry)[2]
                    if w.done:
                        continue
                    w.done = True
                    w.slots.http.remove(w)
                    w.slots.space.waiting -= 1
                    self.waiting -= 1
                    if not w.slots.http:
                        self.ring.pop(w.slots, None)
                    expired.append(w)
                if not expired:
                    self.wake.wait(self.expiry[0][0] - now)
                    continue
            for w in expired:
                assert w.refuse is not None
                w.refuse(503, f"all {w.slots.size} instances of this space stayed busy for "
                              "the request's whole deadline")
