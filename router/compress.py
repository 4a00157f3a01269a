"""gzip for responses when the client accepts it.

The router compresses what the app did not: textual content types, a body of at
least `compress_min_bytes` (or a streamed one), no `Content-Encoding` of the app's
own, not a partial (206) or bodiless response, and never Server-Sent Events (a
proxy could hold events back). Streamed bodies are flushed per chunk
(Z_SYNC_FLUSH), so chunks still reach the client as the app writes them.

Compressing is CPU work: a piece of `offload_min_bytes` or more is compressed on a
worker thread (zlib releases the GIL while it deflates), so a multi-megabyte answer
does not stall the router's event loop and every other tenant's requests with it.
"""

from __future__ import annotations

import asyncio
import zlib

_TEXTUAL = ("text/", "application/json", "application/javascript", "application/xml",
            "application/xhtml", "application/ld+json", "application/manifest+json",
            "application/rss+xml", "application/atom+xml", "application/x-ndjson",
            "application/graphql-response+json", "application/problem+json",
            "image/svg+xml", "application/wasm")
_NO_BODY = {204, 206, 304}


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether Accept-Encoding allows gzip (q > 0, directly or through `*`)."""
    star = False
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        coding = coding.strip()
        if coding in ("gzip", "x-gzip"):
            return q > 0
        if coding == "*":
            star = q > 0
    return star


def should_compress(status: int, headers: list[tuple[bytes, bytes]]) -> bool:
    if status in _NO_BODY or status < 200:
        return False
    ctype = b""
    for k, v in headers:
        lk = k.lower()
        if lk == b"content-encoding" or lk == b"content-range":
            return False
        if lk == b"content-type":
            ctype = v.lower()
    text = ctype.decode("latin-1")
    return (text.startswith(_TEXTUAL) and not text.startswith("text/event-stream"))


def adjust_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Headers of the gzipped representation: Content-Encoding, Vary, and a weak ETag
    (the bytes differ from the identity representation the strong one named)."""
    out: list[tuple[bytes, bytes]] = []
    vary_done = False
    for k, v in headers:
        lk = k.lower()
        if lk == b"etag" and not v.startswith(b"W/"):
            v = b"W/" + v
        elif lk == b"vary":
            vary_done = True
            if b"accept-encoding" not in v.lower() and v.strip() != b"*":
                v = v + b", Accept-Encoding"
        out.append((k, v))
    out.append((b"content-encoding", b"gzip"))
    if not vary_done:
        out.append((b"vary", b"Accept-Encoding"))
    return out


class Gzip:
    """A gzip stream (wbits 31: gzip header and trailer)."""

    def __init__(self, level: int) -> None:
        self.z = zlib.compressobj(level, zlib.DEFLATED, 31)

    def chunk(self, data: bytes) -> bytes:
        return self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)

    def last(self, data: bytes) -> bytes:
        return self.z.compress(data) + self.z.flush(zlib.Z_FINISH)


async def off_loop(z: Gzip, data: bytes, last: bool, offload_min_bytes: int) -> bytes:
    """`z.last(data)` or `z.chunk(data)`: inline when small, else on a worker thread.
    One stream's pieces are compressed one after the other (the caller awaits each)."""
    fn = z.last if last else z.chunk
    if len(data) < offload_min_bytes:
        return fn(data)
    return await asyncio.to_thread(fn, data)
