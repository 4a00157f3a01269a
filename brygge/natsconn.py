"""One way every component connects to NATS: `nats_url` may name one server or a
comma-separated list of a cluster's servers (nats-py wants a list, and learns the
rest of a cluster from the server it reaches), and a lost connection is retried
forever, quickly, since JetStream is where jobs and schedules live."""

from __future__ import annotations

from typing import Any

import nats


def servers(url: str) -> list[str]:
    return [u.strip() for u in url.split(",") if u.strip()]


async def connect(url: str, **options: Any) -> Any:
    opts: dict[str, Any] = {"max_reconnect_attempts": -1, "reconnect_time_wait": 0.2,
                            "connect_timeout": 5, **options}
    return await nats.connect(servers(url), **opts)
