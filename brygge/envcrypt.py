"""Env var values kept encrypted at rest (`coho set-env K V --encrypted`).

The control plane seals the value with AES-256-GCM under a node key, and the space
record keeps only the sealed text (`SEALED_PREFIX` + base64url(nonce ‖ ciphertext))
and lists the name in `env_encrypted`. The associated data binds the value to its
project, its space (by name: the internal id changes on every restore) and the
variable's name, so a sealed value copied into another space, project or name (a
backup restored elsewhere, a record edited by hand) does not open there.

The executor opens sealed values just before it hands the env to the app's
`process.env` (`open_env_json`, called by `sandbox/server.py` with the space's record
read from the catalog by space id, never from the invocation), and only values the
record lists as encrypted: a plain value that happens to look sealed stays as it is.
Listings (`coho info`, the GraphQL `Env` field) never show sealed values.

Format v1 (before issue 15) bound only the name. `migrate_v1` re-seals those once per
node (the control plane at start, control_plane/env_migration.py); after that
a v1 value (e.g. in an old backup restored later) is never opened again: set it anew.

The key is 32 random bytes in `<data dir>/env.key` (mode 0600), created by the first
process that needs it; the control plane and the executors of a node share the data
dir. A node that cannot read the key leaves sealed values sealed (the app sees the
sealed text, never a wrong plaintext).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_PREFIX = "brygge-sealed:v2:"
V1_PREFIX = "brygge-sealed:v1:"
ANY_PREFIX = "brygge-sealed:"
KEY_FILE = "env.key"
MIGRATED = "envcrypt/v2-migrated"  # + /<key_id>: this node key's v1 values were re-sealed

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


def key_id(data_dir: Path) -> str:
    """A fingerprint of the node key (names it in records; reveals nothing of it)."""
    return hashlib.sha256(b"brygge-env-key-id\0" + node_key(data_dir)).hexdigest()[:16]


def _aad(project: str, space: str, name: str) -> bytes:
    # Project and space names are [a-z0-9-], env names [A-Za-z0-9_]: NUL separates.
    return b"brygge-env\0" + f"{project}\0{space}\0{name}".encode()


def seal(data_dir: Path, project: str, space: str, name: str, value: str) -> str:
    nonce = secrets.token_bytes(12)
    ct = AESGCM(node_key(data_dir)).encrypt(nonce, value.encode(), _aad(project, space, name))
    return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + ct).decode()


def _open(data_dir: Path, prefix: str, aad: bytes, sealed: str) -> str | None:
    if not isinstance(sealed, str) or not sealed.startswith(prefix):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed[len(prefix):])
        return AESGCM(node_key(data_dir)).decrypt(raw[:12], raw[12:], aad).decode()
    except (ValueError, InvalidTag, OSError):
        return None


def unseal(data_dir: Path, project: str, space: str, name: str, sealed: str) -> str | None:
    """The plaintext, or None when `sealed` is not a value sealed under this node's key
    for this project, space and name."""
    return _open(data_dir, SEALED_PREFIX, _aad(project, space, name), sealed)


def open_env(data_dir: Path, env: dict[str, Any], record: dict[str, Any] | None
             ) -> dict[str, Any]:
    """The env with the values `record` (the space's catalog record) lists as encrypted
    opened; every other value untouched."""
    if not record:
        return env
    project, space = record.get("project"), record.get("name")
    if not isinstance(project, str) or not isinstance(space, str):
        return env
    out = dict(env)
    for k in record.get("env_encrypted") or []:
        v = out.get(k)
        if isinstance(k, str) and isinstance(v, str):
            plain = unseal(data_dir, project, space, k, v)
            if plain is not None:
                out[k] = plain
    return out


def open_env_json(env_json: str, space_id: str,
                  record_of: Callable[[str], dict[str, Any] | None]) -> str:
    """The env as the app sees it (needs `configure`). `record_of(space_id)` reads the
    space's record from the catalog; it is only asked when something looks sealed."""
    if not env_json or ANY_PREFIX not in env_json or _data_dir is None:
        return env_json
    env = json.loads(env_json)
    if not isinstance(env, dict):
        return env_json
    return json.dumps(open_env(_data_dir, env, record_of(space_id)), sort_keys=True)


def record_reader(sys_get: Callable[[str], Any]) -> Callable[[str], dict[str, Any] | None]:
    """`record_of` for `open_env_json` over a catalog `sys.get`: space id → its record
    (`space-id/<id>` names it; the record must carry that id)."""
    def record_of(space_id: str) -> dict[str, Any] | None:
        ref = sys_get(f"space-id/{space_id}")
        if not isinstance(ref, dict):
            return None
        sp = sys_get(f"space/{ref.get('project')}/{ref.get('name')}")
        return sp if isinstance(sp, dict) and sp.get("id") == space_id else None
    return record_of


def migrate_v1(data_dir: Path, record: dict[str, Any]) -> dict[str, Any] | None:
    """The record with its v1 values (name-bound only) re-sealed as v2 for its own
    project and space, or None when it has none this node's key opens."""
    env = dict(record.get("env") or {})
    changed = False
    for k in record.get("env_encrypted") or []:
        v = env.get(k)
        plain = _open(data_dir, V1_PREFIX, str(k).encode(), v) if isinstance(v, str) else None
        if plain is not None:
            env[k] = seal(data_dir, record["project"], record["name"], k, plain)
            changed = True
    return {**record, "env": env} if changed else None
