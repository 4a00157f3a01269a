"""Request bodies streamed into the app (router/body.py decides when): the guest's
`req` stream pulls them with the blocking host op `http.body_read`.

A BodySource hands out the part that came with the invocation, then whatever its
`more` function fetches with a coroutine on an event loop: the router's read of the
client (in-process) or the gRPC server's read of the next InvokeIn message
(sandbox/grpc_service.py). Pieces are at most CHUNK bytes so the guest's heap holds
little of a large upload at a time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable

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


def from_loop(first: bytes, loop: asyncio.AbstractEventLoop,
              pull: Callable[[], Awaitable[bytes | None]]) -> BodySource:
    """`pull` runs on `loop`: the router's (in-process) or the gRPC server's."""

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
