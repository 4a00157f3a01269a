"""Login throttling: after `login_max_failures` failed logins for one email address
(or four times as many from one client IP, over all emails) that email or IP is refused
for `login_lockout_s` with 429 and Retry-After. Counters live in the control plane's
memory (a restart forgets them; each control plane of a cluster counts its own), bounded
in size so a flood of distinct emails cannot grow them without limit."""

from __future__ import annotations

import time
from collections.abc import Callable

IP_FACTOR = 4
MAX_ENTRIES = 100_000


class Throttle:
    def __init__(self, max_failures: int, lockout_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.lockout_s, self.clock = max_failures, lockout_s, clock
        self._state: dict[str, list[float]] = {}  # key → [failures, locked until]

    def _keys(self, email: str, ip: str) -> list[tuple[str, int]]:
        return [(f"e:{email.strip().lower()}", self.max_failures),
                (f"i:{ip}", self.max_failures * IP_FACTOR)]

    def retry_after(self, email: str, ip: str) -> float:
        """Seconds until a login may be tried (0: now)."""
        now = self.clock()
        wait = 0.0
        for key, _ in self._keys(email, ip):
            st = self._state.get(key)
            if st and st[1] > now:
                wait = max(wait, st[1] - now)
        return wait

    def failed(self, email: str, ip: str) -> None:
        now = self.clock()
        if len(self._state) >= MAX_ENTRIES:
            self._state = {k: v for k, v in self._state.items() if v[1] > now}
            if len(self._state) >= MAX_ENTRIES:  # all locked: forget the oldest half
                self._state = dict(list(self._state.items())[MAX_ENTRIES // 2:])
        for key, limit in self._keys(email, ip):
            st = self._state.setdefault(key, [0, 0.0])
            if st[1] and st[1] <= now:  # an old lockout is over: count anew
                st[0], st[1] = 0, 0.0
            st[0] += 1
            if st[0] >= limit:
                st[0], st[1] = 0, now + self.lockout_s

    def succeeded(self, email: str) -> None:
        self._state.pop(f"e:{email.strip().lower()}", None)
