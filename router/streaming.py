"""Streaming an invocation's response to the client: the head held until the body's
second chunk or its end (so a one-chunk answer carries Content-Length), later chunks
forwarded as they arrive, gzipped per chunk when the client accepts it; or, for a
realtime connect, the hand-off to router/realtime.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc.aio

from brygge.settings import Settings
from proto import brygge_pb2 as pb
from router import compress
from router.errors import rid as _rid
from router.errors import send_json

log = logging.getLogger("brygge.router")

Send = Callable[[dict[str, Any]], Awaitable[None]]

_HOP_HEADERS = {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade",
                b"proxy-connection", b"te", b"trailer", b"content-length"}


async def stream_invocation(s: Settings, call: AsyncIterator[pb.InvokeOut], inv: pb.Invocation,
                            send: Send, extra: list[tuple[bytes, bytes]] | None = None,
                            gzip: bool = False, sse: bool = False
                            ) -> tuple[str, list[tuple[bytes, bytes]]] | None:
    """Send the invocation's response; or, when it is a realtime hand-off (`sse`
    allowed and the head tagged x-realtime-connect), send nothing and return
    (channel, the head's headers) for router/realtime.py."""
    # The head is held until the body's second chunk or its end, so that a
    # response that fits in one chunk goes out with Content-Length rather than
    # chunked; later chunks are forwarded as they arrive (gzipped per chunk when
    # the client accepts it: router/compress.py).
    head: dict[str, Any] | None = None
    head_length: bytes | None = None  # an app's Content-Length, kept for HEAD only
    started = False
    pending: bytes | None = None
    z: compress.Gzip | None = None
    try:
        async for out in call:
            part = out.WhichOneof("part")
            if part == "head":
                hdrs = [(h.name.encode("latin-1", "replace"),
                         h.value.encode("latin-1", "replace"))
                        for h in out.head.headers if h.name.encode() not in _HOP_HEADERS]
                hdrs.append((b"x-request-id", inv.request_id.encode()))
                if extra:
                    names = {k.lower() for k, _ in hdrs}
                    hdrs += [h for h in extra if h[0] not in names]  # the app's own win
                head = {"type": "http.response.start", "status": out.head.status,
                        "headers": hdrs}
                if inv.http.method == "HEAD":
                    head_length = next((h.value.encode() for h in out.head.headers
                                        if h.name.lower() == "content-length"
                                        and h.value.isdigit()), None)
                channel = next((v for k, v in hdrs if k.lower() == b"x-realtime-connect"),
                               None)
                if channel is not None and sse and out.head.status == 200:
                    # The listener's event stream (router/realtime.py); the rest of
                    # the invocation (its `{}` body) drains apart.
                    task = asyncio.create_task(_drain(call, inv.request_id))
                    _background.add(task)
                    task.add_done_callback(_background.discard)
                    return channel.decode("latin-1"), [
                        (k, v) for k, v in hdrs if k.lower() != b"x-realtime-connect"]
            elif part == "body_chunk":
                if pending is not None:
                    if not started and head is not None:
                        if gzip and compress.should_compress(head["status"], head["headers"]):
                            z = compress.Gzip(s.compress_level)
                            head["headers"] = compress.adjust_headers(head["headers"])
                        await send(head)
                        started = True
                    await send({"type": "http.response.body", "more_body": True,
                                "body": await _gzip(s, z, pending) if z else pending})
                pending = out.body_chunk
            elif part == "end":
                break
            elif part == "body_end":
                # The app ended its response but may keep working: answer the
                # client now and let the rest of the invocation drain apart.
                task = asyncio.create_task(_drain(call, inv.request_id))
                _background.add(task)
                task.add_done_callback(_background.discard)
                break
    except grpc.aio.AioRpcError:
        if not started and head is None:
            raise
        log.warning("request %s: executor stream broke mid-response", inv.request_id)
    if head is None:
        await send_json(send, 502, {"error": "the executor sent no response",
                                    "requestId": inv.request_id}, _rid(inv.request_id))
        return
    body = pending or b""
    if not started:
        if (gzip and len(body) >= s.compress_min_bytes
                and compress.should_compress(head["status"], head["headers"])):
            body = await _gzip(s, compress.Gzip(s.compress_level), body, True)
            head["headers"] = compress.adjust_headers(head["headers"])
        if head["status"] not in (204, 304):  # RFC 9110: no Content-Length on these
            # HEAD: the size the app says a GET would have (app.static/app.storage
            # answer HEAD without reading the file), else that of the body it made
            length = head_length if head_length is not None and not body else \
                str(len(body)).encode()
            head["headers"].append((b"content-length", length))
        await send(head)
    elif z is not None:
        body = await _gzip(s, z, body, True)
    await send({"type": "http.response.body", "body": body, "more_body": False})

async def _gzip(s: Settings, z: compress.Gzip, data: bytes, last: bool = False) -> bytes:
    return await compress.off_loop(z, data, last, s.offload_min_bytes)


_background: set[asyncio.Task[None]] = set()  # drains kept referenced until done


async def _drain(call: AsyncIterator[pb.InvokeOut], request_id: str) -> None:
    try:
        async for _ in call:
            pass
    except grpc.aio.AioRpcError:
        log.warning("request %s: executor stream broke after the response", request_id)
