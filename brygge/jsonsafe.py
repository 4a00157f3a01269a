"""Guards for JSON text that untrusted clients send: nesting depth and non-finite numbers.

Two dangers before anything parses a body (router/app.py, router/admin_proxy.py):
- nesting: QuickJS's JSON.parse overflows the guest's stack near 100,000 levels (a
  trap, answered 500), Python's json raises RecursionError near 1,000; so a depth
  beyond `max_json_depth` is refused with 400 first;
- `NaN`, `Infinity`, `-Infinity`: not JSON (RFC 8259 §6), but Python's json accepts
  them, so a control-plane endpoint would store numbers no client can read back.

The scan is string-aware and works at C speed on pieces of the text: escape pairs
are dropped (`\\\\`, then `\\"`), quotes then only delimit strings, so splitting on `"`
separates what is inside strings from what is outside; brackets and the constants are
looked for outside only. Python-level work is per piece, not per byte, and a large
text is cut into pieces so that a caller on a worker thread gives the GIL back
between them. It is exact for any text Python's json or JSON.parse accepts; for other
text it may refuse what the parser would refuse anyway.
"""

from __future__ import annotations

import json
from itertools import accumulate, count
from operator import sub
from typing import Any

PIECE = 256 * 1024  # bytes scanned per step of check(); a few ms of C work at most
_DEPTH = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")  # openers 2, closers 0
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_TAIL = 8  # longest constant is `Infinity`: keep this much of a piece's end outside strings


class JsonUnsafe(ValueError):
    """The text nests too deep or holds a non-finite number: a 400 for the client."""


def too_deep_message(max_depth: int) -> str:
    return (f"JSON nests arrays/objects deeper than {max_depth} levels "
            "(BRYGGE_MAX_JSON_DEPTH)")


NON_FINITE_MESSAGE = "JSON numbers must be finite: NaN and Infinity are not JSON"


class JsonGuard:
    """Incremental check of one JSON text fed in chunks of any size (a streamed body).
    feed() raises JsonUnsafe as soon as a chunk shows the problem."""

    def __init__(self, max_depth: int, finite: bool = True) -> None:
        self.max_depth = max_depth
        self.finite = finite
        self.depth = 0
        self.in_string = False
        self.held = b""   # a trailing run of backslashes: its pairing needs the next byte
        self.tail = b""   # the end of the last piece when it ended outside a string

    def feed(self, chunk: bytes) -> None:
        data = self.held + chunk if self.held else chunk
        kept = data.rstrip(b"\\")
        run = len(data) - len(kept)
        # Pairs of a run are whole escapes; only the parity matters to what follows.
        self.held = b"\\" if run % 2 else b""
        if kept:
            self._scan(kept)

    def finish(self) -> None:
        """The end of the text: nothing is held back that could still be refused."""
        self.held = b""

    def _scan(self, data: bytes) -> None:
        if b"\\" in data:
            data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
        started_outside = not self.in_string
        if b'"' in data:
            parts = data.split(b'"')
            outs = parts[0::2] if started_outside else parts[1::2]
            if (len(parts) - 1) % 2:
                self.in_string = not self.in_string
        else:
            outs = [data] if started_outside else []
        if not outs:
            return
        outside = outs[0] if len(outs) == 1 else b" ".join(outs)  # no constant spans a string
        if self.finite:
            probe = self.tail + outside if started_outside else outside
            if b"NaN" in probe or b"Infinity" in probe:
                raise JsonUnsafe(NON_FINITE_MESSAGE)
            self.tail = b"" if self.in_string else probe[-_TAIL:]
        self._depth(outside.translate(_DEPTH, _NOT_BRACKET))

    def _depth(self, br: bytes) -> None:
        """Follow the depth over `br` (2 per opener, 0 per closer); JsonUnsafe when it
        passes the limit. A block of `step` brackets starting at depth d cannot pass it
        when d plus its openers stays within: one C count per block, and the exact walk
        only for blocks that could (a text nesting near the limit)."""
        limit, d, n = self.max_depth, self.depth, len(br)
        opens = br.count(2)
        if d + opens <= limit:
            self.depth = d + 2 * opens - n
            return
        step = max(limit // 2, 1)
        for i in range(0, n, step):
            o = br.count(2, i, i + step)
            if d + o > limit:
                # depth after k brackets of the block: d + 2 * opens_k - k
                if d + max(map(sub, accumulate(br[i:i + step]), count(1))) > limit:
                    raise JsonUnsafe(too_deep_message(limit))
            d += 2 * o - min(step, n - i)
        self.depth = d


def check(data: bytes, max_depth: int, finite: bool = True) -> None:
    """Raise JsonUnsafe when the whole JSON text `data` nests deeper than `max_depth`
    or (with `finite`) holds NaN/Infinity outside strings. Cheap when it obviously
    cannot: fewer openers than the limit in all (strings included) and, with `finite`,
    no `NaN`/`Infinity` anywhere."""
    if (data.count(b"[") + data.count(b"{") <= max_depth
            and not (finite and (b"NaN" in data or b"Infinity" in data))):
        return
    guard = JsonGuard(max_depth, finite)
    for i in range(0, len(data), PIECE):
        guard.feed(data[i:i + PIECE])
    guard.finish()


def _no_constant(name: str) -> Any:
    raise JsonUnsafe(NON_FINITE_MESSAGE)


def loads(data: bytes | str, max_depth: int = 256) -> Any:
    """json.loads that refuses what check() refuses (JsonUnsafe) and stays a ValueError
    for malformed text: never a RecursionError, never a NaN."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    check(raw, max_depth)
    return json.loads(data, parse_constant=_no_constant)
