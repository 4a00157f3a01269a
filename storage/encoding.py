"""Order-preserving, self-delimiting byte encoding of JSON values for index keys.

Byte order of `encode(a)` and `encode(b)` equals the document order of a and b
(MongoDB's cross-type order: null < numbers < strings < objects < arrays <
booleans), so an index scan is a plain RocksDB range scan. Self-delimiting: no
encoding is a prefix of another, so the document id can follow it in the key.
"""

from __future__ import annotations

import json
import struct
from typing import Any

T_NULL, T_NUM, T_STR, T_OBJ, T_ARR, T_BOOL = b"\x10", b"\x20", b"\x30", b"\x40", b"\x50", b"\x60"
T_EMPTY_ARRAY = b"\x08"  # index entry of an empty array: sorts before null, as in MongoDB
TAGS = {"null": T_NULL, "number": T_NUM, "string": T_STR, "object": T_OBJ, "array": T_ARR,
        "bool": T_BOOL}


def _num(x: float) -> bytes:
    b = bytearray(struct.pack(">d", float(x)))
    if b[0] & 0x80:  # negative: flip all bits
        return bytes(255 - c for c in b)
    b[0] |= 0x80
    return bytes(b)


def _str(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass").replace(b"\x00", b"\x00\xff") + b"\x00\x00"


def encode(v: Any) -> bytes:
    if v is None:
        return T_NULL
    if isinstance(v, bool):
        return T_BOOL + (b"\x01" if v else b"\x00")
    if isinstance(v, (int, float)):
        return T_NUM + _num(v)
    if isinstance(v, str):
        return T_STR + _str(v)
    if isinstance(v, list):
        return T_ARR + _str(json.dumps(v, sort_keys=True, separators=(",", ":")))
    return T_OBJ + _str(json.dumps(v, sort_keys=True, separators=(",", ":")))


def kind_of(v: Any) -> bytes:
    """The type tag a value sorts under."""
    return encode(v)[:1]


def decode_len(buf: bytes, start: int) -> int:
    """Length of the encoded value at `start` (so the document id after it can be found)."""
    tag = buf[start:start + 1]
    if tag in (T_NULL, T_EMPTY_ARRAY):
        return 1
    if tag == T_BOOL:
        return 2
    if tag == T_NUM:
        return 9
    i = start + 1
    while True:
        j = buf.index(b"\x00", i)
        if buf[j + 1:j + 2] == b"\x00":
            return j + 2 - start
        i = j + 2
