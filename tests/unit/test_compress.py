"""Response compression decisions and the streamed gzip (router/compress.py)."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest

from router.compress import Gzip, accepts_gzip, adjust_headers, off_loop, should_compress


@pytest.mark.parametrize(("header", "want"), [
    ("gzip", True),
    ("gzip, deflate, br", True),
    ("br;q=1.0, gzip;q=0.8", True),
    ("GZIP", True),
    ("x-gzip", True),
    ("*", True),
    ("gzip;q=0", False),
    ("gzip;q=0.0, *", False),  # an explicit refusal beats the wildcard
    ("*;q=0", False),
    ("deflate, br", False),
    ("identity", False),
    ("", False),
    ("gzip;q=nonsense", False),
])
def test_accepts_gzip(header: str, want: bool) -> None:
    assert accepts_gzip(header) is want


@pytest.mark.parametrize(("status", "headers", "want"), [
    (200, [(b"content-type", b"application/json; charset=utf-8")], True),
    (201, [(b"Content-Type", b"text/html")], True),
    (200, [(b"content-type", b"image/svg+xml")], True),
    (200, [(b"content-type", b"image/png")], False),
    (200, [(b"content-type", b"application/octet-stream")], False),
    (200, [], False),  # unknown type: may already be compressed
    (200, [(b"content-type", b"text/event-stream")], False),  # SSE: never held back
    (200, [(b"content-type", b"text/plain"), (b"content-encoding", b"br")], False),
    (206, [(b"content-type", b"text/plain")], False),
    (200, [(b"content-type", b"text/plain"), (b"content-range", b"bytes 0-1/10")], False),
    (304, [(b"content-type", b"text/plain")], False),
    (204, [(b"content-type", b"application/json")], False),
])
def test_should_compress(status: int, headers: list[tuple[bytes, bytes]], want: bool) -> None:
    assert should_compress(status, headers) is want


def test_adjust_headers_weakens_etag_and_varies() -> None:
    h = dict(adjust_headers([(b"etag", b'"abc"'), (b"content-type", b"text/plain")]))
    assert h[b"etag"] == b'W/"abc"'
    assert h[b"content-encoding"] == b"gzip"
    assert h[b"vary"] == b"Accept-Encoding"
    h = dict(adjust_headers([(b"vary", b"Origin"), (b"etag", b'W/"x"')]))
    assert h[b"vary"] == b"Origin, Accept-Encoding"
    assert h[b"etag"] == b'W/"x"'


def test_streamed_chunks_decode_as_they_arrive() -> None:
    z = Gzip(5)
    d = zlib.decompressobj(31)
    parts = [b'[\n {"a": 1}', b',\n {"b": "' + "ø".encode() * 1000 + b'"}', b"\n]"]
    seen = b""
    for p in parts[:-1]:
        seen += d.decompress(z.chunk(p))
        assert seen.endswith(p)  # each chunk is readable before the next is written
    blob = z.last(parts[-1])
    seen += d.decompress(blob) + d.flush()
    assert seen == b"".join(parts)


def test_one_piece_is_plain_gzip() -> None:
    body = b"x" * 5000
    assert gzip.decompress(Gzip(9).last(body)) == body


@pytest.mark.parametrize("last", [True, False])
def test_large_pieces_are_compressed_off_the_event_loop(last: bool) -> None:
    # issue 15 #9: gzipping a multi-MB answer on the loop stalled every other request.
    # While off_loop() compresses, another task of the same loop must get turns.
    data = b"".join(b"line %d of a compressible answer\n" % i for i in range(400_000))
    ticks_before_done: list[int] = []

    async def go() -> bytes:
        ticks = 0
        done = False

        async def ticker() -> None:
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0)

        t = asyncio.create_task(ticker())
        await asyncio.sleep(0)  # the ticker has started
        start = ticks
        out = await off_loop(Gzip(9), data, last, 32 * 1024)
        ticks_before_done.append(ticks - start)
        done = True
        await t
        return out

    out = asyncio.run(go())
    assert ticks_before_done[0] > 0  # the loop ran other work during the compression
    z = zlib.decompressobj(31)
    assert z.decompress(out) == data


def test_small_pieces_are_compressed_inline() -> None:
    # below offload_min_bytes a thread hop costs more than the work: done at once
    async def go() -> bytes:
        coro = off_loop(Gzip(5), b"x" * 100, True, 32 * 1024)
        try:
            coro.send(None)
        except StopIteration as e:  # finished without suspending
            return bytes(e.value)
        raise AssertionError("a small piece suspended the caller")

    assert gzip.decompress(asyncio.run(go())) == b"x" * 100
