"""A token bucket per key: the router's in-process rate limit, and storage's
`space.ratelimit` op that several routers of a node share."""

from __future__ import annotations

import time


class RateLimiter:
    """A token bucket per space: `burst` requests at once, refilled at `rate`/s."""

    def __init__(self, max_buckets: int = 100_000) -> None:
        self.buckets: dict[str, tuple[float, float]] = {}  # space id -> (tokens, at)
        self.max_buckets = max_buckets

    def take(self, key: str, rate: float, burst: int, now: float | None = None) -> float:
        """0 when admitted, else seconds until a request would be."""
        now = time.monotonic() if now is None else now
        tokens, at = self.buckets.get(key, (float(burst), now))
        tokens = min(float(burst), tokens + (now - at) * rate)
        if tokens >= 1:
            if len(self.buckets) >= self.max_buckets and key not in self.buckets:
                self.buckets.clear()  # bounded memory; a reset only grants fresh bursts
            self.buckets[key] = (tokens - 1, now)
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1 - tokens) / rate
