"""Space API tokens at rest: found by a keyed hash, kept sealed (issue 18).

Members who may see a space's tokens read them back (`coho info`, `brygge token`, as on
Codehooks), so a token cannot be stored only as a hash; it is never stored in clear either.
Its catalog record is `token/<lookup>`, where `lookup` is HMAC-SHA256 of the token under a
key derived from the node key: the router finds the record from the token a request
carries without anything on disk naming the token. The record's `sealed` field holds the
token itself, AES-256-GCM under a second derived key, the associated data binding it to
its project and space (by name: the internal id changes on every restore), so a record
copied into another space does not open there; `open` also checks the opened token hashes
to the record's own key.

Both keys come from the node key `<data dir>/env.key` (brygge/envcrypt.py) by HKDF-SHA256
with distinct `info` strings, so neither key serves the other's purpose (nor envcrypt's,
which uses the node key itself). Another node's key neither finds nor opens these records.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED_PREFIX = "brygge-token:v1:"
_LOOKUP_INFO = b"brygge space-token lookup v1"
_SEAL_INFO = b"brygge space-token seal v1"
MAX_TOKEN = 200  # longer candidates are never tokens (and are not hashed)


def _derive(node_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(node_key)


def _aad(project: str, space: str) -> bytes:
    # Project and space names are [a-z0-9-]: NUL separates.
    return b"brygge-token\0" + f"{project}\0{space}".encode()


class TokenKeys:
    """The two keys of one node key. Construct once per process (HKDF runs here)."""

    def __init__(self, node_key: bytes) -> None:
        if len(node_key) != 32:
            raise ValueError("the node key must be 32 bytes")
        self._mac = _derive(node_key, _LOOKUP_INFO)
        self._aead = AESGCM(_derive(node_key, _SEAL_INFO))

    @classmethod
    def of_data_dir(cls, data_dir: Path) -> TokenKeys:
        """The keys of the node key in `data_dir` (created 0600 if missing)."""
        from brygge import envcrypt
        return cls(envcrypt.node_key(data_dir))

    def lookup(self, token: str) -> str:
        """The record key's hex digest of a token (one HMAC: cheap on the request path)."""
        return hmac.digest(self._mac, token.encode(), "sha256").hex()

    def seal(self, token: str, project: str, space: str) -> str:
        nonce = secrets.token_bytes(12)
        ct = self._aead.encrypt(nonce, token.encode(), _aad(project, space))
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + ct).decode()

    def open(self, sealed: object, project: str, space: str, lookup: str) -> str | None:
        """The token, or None unless `sealed` was sealed under this node key for this
        project and space and the token hashes to `lookup` (its record's key)."""
        if not isinstance(sealed, str) or not sealed.startswith(SEALED_PREFIX):
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX):])
            token = self._aead.decrypt(raw[:12], raw[12:], _aad(project, space)).decode()
        except (ValueError, InvalidTag):
            return None
        ok = isinstance(lookup, str) and hmac.compare_digest(self.lookup(token).encode(),
                                                             lookup.encode())
        return token if ok else None
