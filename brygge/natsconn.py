"""One way every component connects to NATS: `nats_url` may name one server or a
comma-separated list of a cluster's servers (nats-py wants a list, and learns the
rest of a cluster from the server it reaches), and a lost connection is retried
forever, quickly, since JetStream is where jobs and schedules live.

Credentials: BRYGGE_NATS_USER / BRYGGE_NATS_PASSWORD in the environment (settings
`nats_user`, `nats_password`): the supervisor sets them per component for the
embedded server (brygge/natsauth.py); for an external NATS the operator sets them, or
puts `user:password@` in `nats_url`. They are never logged."""

from __future__ import annotations

import os
from typing import Any

import nats


def servers(url: str) -> list[str]:
    return [u.strip() for u in url.split(",") if u.strip()]


async def connect(url: str, **options: Any) -> Any:
    opts: dict[str, Any] = {"max_reconnect_attempts": -1, "reconnect_time_wait": 0.2,
                            "connect_timeout": 5, **options}
    user = os.environ.get("BRYGGE_NATS_USER", "")
    if user and "user" not in options and "user_credentials" not in options:
        opts.update(user=user, password=os.environ.get("BRYGGE_NATS_PASSWORD", ""))
    return await nats.connect(servers(url), **opts)
