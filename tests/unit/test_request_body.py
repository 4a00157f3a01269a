"""Request bodies: the router's buffered/streamed split (router/body.py) and the
sandbox's pull side (sandbox/body.py)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from router.body import BodyError, RequestBody, parsed_by_runtime, read_body
from sandbox.body import CHUNK, BodyReadError, BodySource, from_loop


def receiver(chunks: list[bytes], disconnect: bool = False) -> Any:
    msgs = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1 or disconnect}
            for i, c in enumerate(chunks)]
    if disconnect:
        msgs.append({"type": "http.disconnect"})

    async def receive() -> dict[str, Any]:
        return msgs.pop(0)

    return receive


@pytest.mark.parametrize(("ctype", "parsed"), [
    ("application/json", True), ("application/vnd.api+json; charset=utf-8", True),
    ("application/x-www-form-urlencoded", True), ("text/plain", True), ("TEXT/CSV", True),
    ("application/octet-stream", False), ("multipart/form-data; boundary=x", False),
    ("image/png", False), ("", False),
])
def test_which_bodies_the_runtime_parses(ctype: str, parsed: bool) -> None:
    assert parsed_by_runtime(ctype) is parsed


@pytest.mark.parametrize(("ctype", "length", "status"), [
    ("application/json", "101", 413),  # parsed: capped at max_bytes
    ("application/octet-stream", "101", None),  # streamable up to max_stream_bytes
    ("application/octet-stream", "1001", 413),
    ("application/octet-stream", "-1", 413),
    ("application/octet-stream", "12abc", 413),
    ("application/json", None, None),
])
def test_content_length_checks(ctype: str, length: str | None, status: int | None) -> None:
    body = RequestBody(receiver([b""]), 100, 1000, ctype)
    if status is None:
        body.check_length(length)
    else:
        with pytest.raises(BodyError) as e:
            body.check_length(length)
        assert e.value.status == status


def test_small_body_is_read_whole() -> None:
    body = RequestBody(receiver([b"ab", b"cd"]), 100, 1000, "application/octet-stream")
    assert asyncio.run(body.read_head()) == (b"abcd", False)


def test_large_binary_body_streams_after_its_head() -> None:
    async def go() -> tuple[bytes, bool, list[bytes | None]]:
        body = RequestBody(receiver([b"x" * 60, b"y" * 60, b"z" * 60, b"w"]), 100, 1000,
                           "application/octet-stream")
        head, more = await body.read_head()
        rest = [await body.next_chunk() for _ in range(3)]
        return head, more, rest

    head, more, rest = asyncio.run(go())
    assert head == b"x" * 60 + b"y" * 60 and more
    assert rest == [b"z" * 60, b"w", None]


def test_large_parsed_body_is_refused() -> None:
    body = RequestBody(receiver([b"x" * 60, b"y" * 60]), 100, 1000, "application/json")
    with pytest.raises(BodyError, match="parsed whole"):
        asyncio.run(body.read_head())


def test_stream_cap_and_disconnect() -> None:
    async def drain(body: RequestBody) -> None:
        await body.read_head()
        while await body.next_chunk() is not None:
            pass

    with pytest.raises(BodyError, match="larger than 150 bytes"):
        asyncio.run(drain(RequestBody(receiver([b"x" * 80] * 3), 100, 150, "")))
    with pytest.raises(BodyError, match="client disconnected"):
        asyncio.run(drain(RequestBody(receiver([b"x" * 120], disconnect=True), 100, 1000, "")))
    with pytest.raises(BodyError, match="larger than 10 bytes"):
        asyncio.run(read_body(receiver([b"x" * 11]), 10))


def test_body_source_hands_out_bounded_pieces() -> None:
    rest = [b"b" * (CHUNK + 5), None]
    src = BodySource(b"a" * 10, lambda _t: rest.pop(0))
    got = []
    while (p := src.read(1)) is not None:
        got.append(p)
    assert got == [b"a" * 10, b"b" * CHUNK, b"b" * 5]
    assert src.read(1) is None  # stays ended


def test_body_source_from_the_event_loop() -> None:
    async def go() -> list[Any]:
        loop = asyncio.get_running_loop()
        parts: list[Any] = [b"two", None]

        async def pull() -> bytes | None:
            return parts.pop(0)

        async def broken() -> bytes | None:
            raise BodyError(413, "request body is larger than 5 bytes")

        out: list[Any] = []

        def reader() -> None:
            src = from_loop(b"one", loop, pull)
            out.extend([src.read(5), src.read(5), src.read(5)])
            try:
                from_loop(b"", loop, broken).read(5)
            except BodyReadError as e:
                out.append(str(e))

        t = threading.Thread(target=reader)
        t.start()
        while t.is_alive():
            await asyncio.sleep(0.01)
        return out

    assert asyncio.run(go()) == [b"one", b"two", None, "request body is larger than 5 bytes"]
