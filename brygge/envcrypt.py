"""Env var values kept encrypted at rest (`coho set-env K V --encrypted`).

The control plane seals the value with AES-256-GCM under a node key, and the space
record keeps only the sealed text (`SEALED_PREFIX` + base64url(nonce ‖ ciphertext));
the env var's name is the associated data, so a sealed value only opens under the name
it was set for. The executor opens sealed values just before it hands the env to the
app's `process.env` (`open_env_json`, called by `sandbox/app.py`). Listings (`coho
info`, the GraphQL `Env` field) never show them.

The key is 32 random bytes in `<data dir>/env.key` (mode 0600), created by the first
process that needs it; the control plane and the executors of a node share the data
dir. A node that cannot read the key leaves sealed values sealed (the app sees the
sealed text, never a wrong plaintext).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_PREFIX = "brygge-sealed:v1:"
KEY_FILE = "env.key"

_lock = threading.Lock()
_keys: dict[Path, bytes] = {}
_data_dir: Path | None = None


def configure(data_dir: Path) -> None:
    """Where `open_env_json` finds the node key (executor start)."""
    global _data_dir
    _data_dir = Path(data_dir)


def node_key(data_dir: Path) -> bytes:
    path = Path(data_dir) / KEY_FILE
    with _lock:
        if path in _keys:
            return _keys[path]
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_bytes()
        else:
            key = secrets.token_bytes(32)
            with os.fdopen(fd, "wb") as f:
                f.write(key)
                f.flush()
                os.fsync(f.fileno())
        if len(key) != 32:  # a concurrent creator has not written it yet
            key = path.read_bytes()
        if len(key) != 32:
            raise ValueError(f"{path} must hold 32 bytes")
        _keys[path] = key
        return key


def seal(data_dir: Path, name: str, value: str) -> str:
    nonce = secrets.token_bytes(12)
    ct = AESGCM(node_key(data_dir)).encrypt(nonce, value.encode(), name.encode())
    return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + ct).decode()


def unseal(data_dir: Path, name: str, sealed: str) -> str | None:
    """The plaintext, or None when `sealed` is not a value sealed under this node's key
    and this name."""
    if not sealed.startswith(SEALED_PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX):])
        return AESGCM(node_key(data_dir)).decrypt(raw[:12], raw[12:], name.encode()).decode()
    except (ValueError, InvalidTag, OSError):
        return None


def open_env_json(env_json: str) -> str:
    """The env as the app sees it: sealed values opened (needs `configure`)."""
    if not env_json or SEALED_PREFIX not in env_json or _data_dir is None:
        return env_json
    env = json.loads(env_json)
    for k, v in env.items():
        if isinstance(v, str):
            plain = unseal(_data_dir, k, v)
            if plain is not None:
                env[k] = plain
    return json.dumps(env, sort_keys=True)
