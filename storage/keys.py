"""Key layout of the RocksDB instance a storage node owns.

Every tenant key starts with a one-byte kind and the space's internal id, so no
guest-chosen name can reach another space's keys: the space id is fixed-length
and chosen by the platform, and names are separated by NUL, which names may not
contain (checked here, not trusted from callers).

    d <sid> \\0 <collection> \\0 <_id>   -> document JSON
    s <key>                             -> system record JSON (catalog, deployments)
    b <sha256 hex>                      -> blob (deployment artifacts)
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from functools import lru_cache

SPACE_ID_LEN = 12
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
MAX_NAME_BYTES = 256


class BadName(ValueError):
    """A collection name or id that cannot be stored."""


def new_space_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(SPACE_ID_LEN))


_SPACE_ID = re.compile(f"[a-z0-9]{{{SPACE_ID_LEN}}}")


@lru_cache(maxsize=65536)
def check_space(sid: str) -> bytes:
    """The key bytes of a valid space id (cached: checked on every key built)."""
    if not isinstance(sid, str) or not _SPACE_ID.fullmatch(sid):
        raise BadName(f"invalid space id {sid!r}")
    return sid.encode()


def check_name(kind: str, name: object) -> bytes:
    if not isinstance(name, str) or not name:
        raise BadName(f"{kind} must be a non-empty string")
    b = name.encode("utf-8", "surrogatepass")
    if b"\x00" in b:
        raise BadName(f"{kind} must not contain NUL")
    if len(b) > MAX_NAME_BYTES:
        raise BadName(f"{kind} is longer than {MAX_NAME_BYTES} bytes")
    return b


def collection_prefix(sid: str, collection: str) -> bytes:
    return b"d" + check_space(sid) + b"\x00" + check_name("collection name", collection) + b"\x00"


def space_prefix(sid: str) -> bytes:
    return b"d" + check_space(sid) + b"\x00"


def doc_key(sid: str, collection: str, doc_id: str) -> bytes:
    return collection_prefix(sid, collection) + check_name("_id", doc_id)


def system_key(key: str) -> bytes:
    return b"s" + check_name("system key", key)


def blob_key(digest: str) -> bytes:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise BadName(f"invalid blob digest {digest!r}")
    return b"b" + digest.encode()


def prefix_end(prefix: bytes) -> bytes:
    """The smallest key greater than every key starting with `prefix`."""
    p = prefix.rstrip(b"\xff")
    if not p:
        raise ValueError("a prefix of only 0xff bytes has no upper bound")
    return p[:-1] + bytes([p[-1] + 1])


class ObjectIds:
    """24-hex ids like MongoDB ObjectIds: 4-byte seconds, 5-byte process random,
    3-byte counter. The leading timestamp lets `_id` order follow creation time."""

    def __init__(self) -> None:
        self._rand = os.urandom(5).hex()
        self._counter = int.from_bytes(os.urandom(3), "big")
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            self._counter = (self._counter + 1) & 0xFFFFFF
            c = self._counter
        return f"{int(time.time()):08x}{self._rand}{c:06x}"
