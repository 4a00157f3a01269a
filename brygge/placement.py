"""Which executor runs a space: rendezvous (highest random weight) hashing, so
that a space's warm instances stay on one executor and adding an executor moves
only the spaces that now hash to it."""

from __future__ import annotations

import hashlib


def pick(space_id: str, targets: list[str]) -> str:
    if not targets:
        raise RuntimeError("no executor is configured")
    return max(targets, key=lambda t: hashlib.blake2b(f"{t}|{space_id}".encode(),
                                                      digest_size=8).digest())
