"""Request bodies streamed into the app (router/body.py decides when): the guest's
`req` stream pulls them with the blocking host op `http.body_read`.

A BodySource hands out the part that came with the invocation, then whatever its
`more` function fetches: the next InvokeIn message on the gRPC transport, or a
coroutine on the router's event loop with the in-process one. Pieces are at most
CHUNK bytes so the guest's heap holds little of a large upload at a time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

CHUNK = 256 * 1024


class BodyReadError(Exception):
    """The upload broke off (client gone, over the size limit, too slow)."""


class BodySource:
    def __init__(self, first: bytes, more: Callable[[float], bytes | None]) -> None:
        self.buf = memoryview(first)
        self.more = more
        self.ended = False

    def read(self, timeout: float) -> bytes | None:
        """The next piece, None at the end; BodyReadError when the upload broke off."""
        while not self.buf:
            if self.ended:
                return None
            nxt = self.more(timeout)
            if nxt is None:
                self.ended = True
                return None
            self.buf = memoryview(nxt)
        piece, self.buf = self.buf[:CHUNK], self.buf[CHUNK:]
        return bytes(piece)


def from_messages(first: bytes, messages: Iterator[Any]) -> BodySource:
    """gRPC transport: the InvokeIn messages after `start`."""

    def more(_timeout: float) -> bytes | None:
        m = next(messages, None)
        if m is None:
            raise BodyReadError("the request body broke off")
        part = m.WhichOneof("part")
        if part == "body_chunk":
            return bytes(m.body_chunk)
        if part == "body_error":
            raise BodyReadError(m.body_error)
        return None  # body_end

    return BodySource(first, more)


def from_loop(first: bytes, loop: asyncio.AbstractEventLoop,
              pull: Callable[[], Awaitable[bytes | None]]) -> BodySource:
    """In-process transport: `pull` runs on the router's event loop."""

    def more(timeout: float) -> bytes | None:
        fut = asyncio.run_coroutine_threadsafe(pull(), loop)  # type: ignore[arg-type]
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            raise BodyReadError("the request body did not arrive in time") from None
        except Exception as e:  # router/body.py's BodyError: its message is for the app
            raise BodyReadError(str(e)) from None

    return BodySource(first, more)
