"""An SSE client for tests of realtime channels: reads a stream in a thread."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx


class Sse:
    """An SSE client in a thread: `events` gets {id, data} as they arrive."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.events: list[dict[str, Any]] = []
        self.comments = 0
        self.status = 0
        self.headers: dict[str, str] = {}
        self.closed = threading.Event()
        self.opened = threading.Event()
        self._stop = False
        self._t = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self._t.start()
        self.opened.wait(30)

    def _run(self, url: str, headers: dict[str, str]) -> None:
        try:
            with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(60)) as r:
                self.status = r.status_code
                self.headers = dict(r.headers)
                self.opened.set()
                cur: dict[str, Any] = {}
                for line in r.iter_lines():
                    if self._stop:
                        return
                    if line.startswith(":"):
                        self.comments += 1
                    elif line.startswith("id: "):
                        cur["id"] = int(line[4:])
                    elif line.startswith("data: "):
                        cur["data"] = json.loads(line[6:])
                    elif line == "" and cur:
                        self.events.append(cur)
                        cur = {}
        except httpx.HTTPError:
            pass
        finally:
            self.opened.set()
            self.closed.set()

    def close(self) -> None:
        self._stop = True

    def datas(self) -> list[Any]:
        return [e["data"] for e in self.events]
