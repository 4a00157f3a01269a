"""Env values sealed at rest (brygge/envcrypt.py): round trip, binding to project,
space and name, tampering, foreign keys, the key file's mode, what the app's
process.env receives (only values the record lists as encrypted are opened), and the
once-per-key migration of format v1 values (control_plane/env_migration.py)."""

from __future__ import annotations

import asyncio
import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from brygge import envcrypt
from control_plane import env_migration
from storage.catalog import Catalog
from storage.engine import Engine


def test_round_trip_and_key_file(tmp_path: Path) -> None:
    sealed = envcrypt.seal(tmp_path, "p", "s", "API_KEY", "s3cr3t ø ✓")
    assert sealed.startswith(envcrypt.SEALED_PREFIX) and "s3cr3t" not in sealed
    assert envcrypt.unseal(tmp_path, "p", "s", "API_KEY", sealed) == "s3cr3t ø ✓"
    key = tmp_path / envcrypt.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    assert envcrypt.seal(tmp_path, "p", "s", "A", "x") != envcrypt.seal(tmp_path, "p", "s", "A", "x")


def test_bound_to_project_space_and_name(tmp_path: Path) -> None:
    sealed = envcrypt.seal(tmp_path, "p", "s", "A", "value")
    for project, space, name in (("p", "s", "B"), ("p", "other", "A"), ("q", "s", "A"),
                                 ("p\0s", "", "A"), ("p", "s\0A", "")):
        assert envcrypt.unseal(tmp_path, project, space, name, sealed) is None


def test_refuses_tampering_and_other_keys(tmp_path: Path) -> None:
    sealed = envcrypt.seal(tmp_path, "p", "s", "A", "value")
    raw = bytearray(base64.urlsafe_b64decode(sealed[len(envcrypt.SEALED_PREFIX):]))
    raw[-1] ^= 1
    flipped = envcrypt.SEALED_PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()
    assert envcrypt.unseal(tmp_path, "p", "s", "A", flipped) is None
    for junk in ("plain", envcrypt.SEALED_PREFIX, envcrypt.SEALED_PREFIX + "!!!",
                 envcrypt.SEALED_PREFIX + "AAAA"):
        assert envcrypt.unseal(tmp_path, "p", "s", "A", junk) is None
    other = tmp_path / "other"
    other.mkdir()
    assert envcrypt.unseal(other, "p", "s", "A", sealed) is None  # another node's key


def test_short_key_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / envcrypt.KEY_FILE).write_bytes(b"short")
    with pytest.raises(ValueError):
        envcrypt.seal(tmp_path, "p", "s", "A", "v")


def _v1(data_dir: Path, name: str, value: str) -> str:
    """A value as the format before issue 15 sealed it (bound to the name only)."""
    nonce = b"\1" * 12
    ct = AESGCM(envcrypt.node_key(data_dir)).encrypt(nonce, value.encode(), name.encode())
    return envcrypt.V1_PREFIX + base64.urlsafe_b64encode(nonce + ct).decode()


def test_open_env_json_opens_only_values_recorded_encrypted(tmp_path: Path) -> None:
    envcrypt.configure(tmp_path)
    mine = envcrypt.seal(tmp_path, "p", "s", "SECRET", "pw")
    env = {"PLAIN": "hello", "SECRET": mine,
           "NOT_LISTED": envcrypt.seal(tmp_path, "p", "s", "NOT_LISTED", "shut"),
           "MOVED": envcrypt.seal(tmp_path, "p", "s", "ELSEWHERE", "no"),
           "COPIED": envcrypt.seal(tmp_path, "p", "victim", "COPIED", "theirs"),
           "OLD": _v1(tmp_path, "OLD", "v1 stays shut"),
           "LOOKALIKE": envcrypt.SEALED_PREFIX + "not-really"}
    record = {"id": "sid", "project": "p", "name": "s",
              "env_encrypted": ["SECRET", "MOVED", "COPIED", "OLD", "LOOKALIKE"]}
    asked: list[str] = []

    def record_of(space_id: str) -> dict[str, Any] | None:
        asked.append(space_id)
        return record if space_id == "sid" else None
    opened = json.loads(envcrypt.open_env_json(json.dumps(env), "sid", record_of))
    assert opened == {**env, "SECRET": "pw"}  # everything else exactly as stored
    assert asked == ["sid"]
    # no record for the space (another space's id, a deleted space): nothing opens
    assert json.loads(envcrypt.open_env_json(json.dumps(env), "other", record_of)) == env
    # the catalog is not read when nothing looks sealed
    assert envcrypt.open_env_json("", "sid", record_of) == ""
    assert envcrypt.open_env_json('{"A": "b"}', "sid", record_of) == '{"A": "b"}'
    assert asked == ["sid", "other"]


def test_record_reader_checks_the_id(tmp_path: Path) -> None:
    db = {"space-id/sid": {"project": "p", "name": "s"},
          "space/p/s": {"id": "sid", "project": "p", "name": "s"},
          "space-id/stale": {"project": "p", "name": "s"}}  # a restore gave s a new id
    record_of = envcrypt.record_reader(db.get)
    assert record_of("sid") == db["space/p/s"]
    assert record_of("stale") is None and record_of("missing") is None


class _Store:
    """The catalog's storage calls answered by a real Engine on a temp RocksDB."""

    def __init__(self, path: Path) -> None:
        self.engine = Engine(str(path))

    async def call(self, space: str, op: str, args: Any = None) -> Any:
        return json.loads(self.engine.call(space, op, json.dumps(args).encode()))


def test_v1_values_are_resealed_once_for_their_own_space(tmp_path: Path) -> None:
    store = _Store(tmp_path / "db")
    cat = Catalog(store)
    old = _v1(tmp_path, "K", "old secret")

    async def go() -> None:
        await cat.create_project("p")
        a = await cat.create_space("p", "a")
        await cat.create_space("p", "b")
        await cat._put({"space/p/a": {**a, "env": {"K": old, "P": old},
                                      "env_encrypted": ["K"]}})
        assert await env_migration.migrate(cat, tmp_path) == 1
        a = await cat.space("p", "a")
        assert a["env"]["K"].startswith(envcrypt.SEALED_PREFIX)
        assert envcrypt.unseal(tmp_path, "p", "a", "K", a["env"]["K"]) == "old secret"
        assert a["env"]["P"] == old  # a plain value that looks sealed is not touched
        # done for this key: a v1 value arriving later (an old backup) is left shut
        b = await cat.space("p", "b")
        await cat._put({"space/p/b": {**b, "env": {"K": old}, "env_encrypted": ["K"]}})
        assert await env_migration.migrate(cat, tmp_path) == 0
        assert (await cat.space("p", "b"))["env"]["K"] == old
    asyncio.run(go())


def test_a_restore_takes_env_encrypted_with_the_env_and_checks_both() -> None:
    from control_plane.api.backups import _restored_env
    from control_plane.api.errors import ApiError
    got = _restored_env({"env": {"A": "x", "B": "y"}, "env_encrypted": ["B", "GHOST", 3]})
    assert got == {"env": {"A": "x", "B": "y"}, "env_encrypted": ["B"]}
    assert _restored_env({"env": {"A": "x"}}) == {"env": {"A": "x"}}
    for bad in ({"env": ["A"]}, {"env": {"A": 1}}, {"env": {"no-dash": "x"}},
                {"env": {"A": "x" * (64 * 1024 + 1)}}, {"env": {"A": "x"}, "env_encrypted": "A"}):
        with pytest.raises(ApiError) as e:
            _restored_env(bad)
        assert e.value.status == 400
