"""The router's client for /_A_D_M_* calls must drop pooled connections before the admin
API closes them; with equal idle timeouts a proxied `coho deploy` could land on a socket
the control plane is closing and come back as 502 "the admin API is not reachable"."""

from __future__ import annotations

import asyncio

import pytest

from brygge.settings import Settings
from router.app import admin_client


@pytest.mark.parametrize("keep_alive", [5.0, 65.0, 3600.0])
def test_pool_expires_before_the_admin_api_closes_idle_connections(keep_alive: float) -> None:
    s = Settings().replace(keep_alive_s=keep_alive)
    client = admin_client(s)
    try:
        pool = client._transport._pool  # type: ignore[attr-defined]  # httpcore's pool
        assert pool._keepalive_expiry <= keep_alive / 2
        assert pool._retries >= 1  # a refused connect is re-dialled
    finally:
        asyncio.run(client.aclose())
