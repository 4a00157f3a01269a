"""Request ids: 16 hex characters, a random prefix of the process and a counter.

`secrets.token_hex` per request was a system call (getrandom) on the hot path, and each
system call that releases the GIL can hand it to another thread (docs/BENCHMARKS.md).
Ids only need to be unique (they name a request in logs and error bodies, never grant
anything): 32 random bits per router process, then a counter, unique across a node's
routers and their restarts but for a 1 in 2^32 chance per pair of processes."""

from __future__ import annotations

import itertools
import os

_PREFIX = os.urandom(4).hex()
_next = itertools.count(int.from_bytes(os.urandom(4), "big")).__next__  # atomic under the GIL


def new() -> str:
    return f"{_PREFIX}{_next() & 0xFFFFFFFF:08x}"
