"""Request bodies: buffered up to `max_body_bytes`, streamed into the app beyond.

Bodies the runtime parses before the app runs (JSON, urlencoded, text) must be
whole, so they stay capped at `max_body_bytes` (413 above). Any other body
(binary, multipart uploads) larger than that is streamed: the invocation starts
with the part read so far and the app pulls the rest chunk by chunk through
`req.pipe`/`req.on('data')` (host op `http.body_read`), up to
`max_stream_body_bytes`. The client is read only as fast as the app reads, so an
upload never sits whole in the router's memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]


class BodyError(Exception):
    """A body that cannot be taken: (status, message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def parsed_by_runtime(content_type: str) -> bool:
    """Whether the runtime parses this body before the app runs (then it must be whole)."""
    t = content_type.split(";", 1)[0].strip().lower()
    return (t == "application/json" or t.endswith("+json")
            or t == "application/x-www-form-urlencoded" or t.startswith("text/"))


def parsed_as_json(content_type: str) -> bool:
    """Whether the runtime JSON.parses this body (sandbox/js/runtime/request.js parseBody)."""
    t = content_type.split(";", 1)[0].strip().lower()
    return t == "application/json" or t.endswith("+json")


class RequestBody:
    """Reads one request body from ASGI `receive`."""

    def __init__(self, receive: Receive, max_bytes: int, max_stream_bytes: int,
                 content_type: str) -> None:
        self.receive = receive
        self.max_bytes = max_bytes
        self.max_stream_bytes = max(max_stream_bytes, max_bytes)
        self.streamable = not parsed_by_runtime(content_type)
        self.size = 0
        self.done = False

    def check_length(self, content_length: str | None) -> None:
        if content_length is None:
            return
        limit = self.max_stream_bytes if self.streamable else self.max_bytes
        if not content_length.isdigit() or int(content_length) > limit:
            raise BodyError(413, self._too_big(limit))

    def _too_big(self, limit: int) -> str:
        if self.streamable or limit == self.max_stream_bytes:
            return f"request body is larger than {limit} bytes"
        return (f"request body is larger than {limit} bytes (JSON, form and text bodies are "
                "parsed whole; send large uploads as binary or multipart)")

    async def next_chunk(self) -> bytes | None:
        """The next piece of the body, None at its end; BodyError when it breaks off."""
        if self.done:
            return None
        msg = await self.receive()
        if msg["type"] == "http.disconnect":
            self.done = True
            raise BodyError(400, "client disconnected while sending the body")
        chunk: bytes = msg.get("body", b"")
        self.size += len(chunk)
        if self.size > self.max_stream_bytes:
            self.done = True
            raise BodyError(413, self._too_big(self.max_stream_bytes))
        if not msg.get("more_body"):
            self.done = True
        return chunk

    async def read_head(self) -> tuple[bytes, bool]:
        """(body, more): the whole body, or - for a streamable one larger than
        `max_bytes` - its first part with more=True (the rest via next_chunk)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await self.next_chunk()
            if chunk is None:
                return b"".join(chunks), False
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_bytes:
                if not self.streamable:
                    raise BodyError(413, self._too_big(self.max_bytes))
                return b"".join(chunks), not self.done


async def read_body(receive: Receive, limit: int) -> bytes:
    """A whole body of at most `limit` bytes (admin uploads)."""
    body = RequestBody(receive, limit, limit, "application/json")
    data, _ = await body.read_head()
    return data
