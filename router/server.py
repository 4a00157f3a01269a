"""The router process.

    python -m router.server --storage unix:PATH --executor unix:PATH --nats URL --admin-url URL
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from brygge.settings import Settings
from router.app import Router


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--storage", required=True)
    ap.add_argument("--executor", action="append", default=[])
    ap.add_argument("--nats", default="")
    ap.add_argument("--admin-url", required=True)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s router %(levelname)s %(message)s")
    s = Settings.from_env()
    router = Router(s, a.storage, a.executor, a.nats, a.admin_url)
    uvicorn.run(router, host=s.host, port=s.http_port, log_level="warning", access_log=False,
                lifespan="on", http="httptools", loop="uvloop",
                proxy_headers=False,  # X-Forwarded-* are ours to judge (router/admission.py)
                limit_concurrency=None, h11_max_incomplete_event_size=64 * 1024)


if __name__ == "__main__":
    main()
