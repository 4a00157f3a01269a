"""Env values sealed at rest (brygge/envcrypt.py): round trip, name binding, tampering,
foreign keys, the key file's mode, and what the app's process.env receives."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from brygge import envcrypt


def test_round_trip_and_key_file(tmp_path: Path) -> None:
    sealed = envcrypt.seal(tmp_path, "API_KEY", "s3cr3t ø ✓")
    assert sealed.startswith(envcrypt.SEALED_PREFIX) and "s3cr3t" not in sealed
    assert envcrypt.unseal(tmp_path, "API_KEY", sealed) == "s3cr3t ø ✓"
    key = tmp_path / envcrypt.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    assert envcrypt.seal(tmp_path, "API_KEY", "x") != envcrypt.seal(tmp_path, "API_KEY", "x")


def test_refuses_other_names_tampering_and_other_keys(tmp_path: Path) -> None:
    sealed = envcrypt.seal(tmp_path, "A", "value")
    assert envcrypt.unseal(tmp_path, "B", sealed) is None
    raw = bytearray(base64.urlsafe_b64decode(sealed[len(envcrypt.SEALED_PREFIX):]))
    raw[-1] ^= 1
    flipped = envcrypt.SEALED_PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()
    assert envcrypt.unseal(tmp_path, "A", flipped) is None
    for junk in ("plain", envcrypt.SEALED_PREFIX, envcrypt.SEALED_PREFIX + "!!!",
                 envcrypt.SEALED_PREFIX + "AAAA"):
        assert envcrypt.unseal(tmp_path, "A", junk) is None
    other = tmp_path / "other"
    other.mkdir()
    assert envcrypt.unseal(other, "A", sealed) is None  # another node's key


def test_short_key_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / envcrypt.KEY_FILE).write_bytes(b"short")
    with pytest.raises(ValueError):
        envcrypt.seal(tmp_path, "A", "v")


def test_open_env_json_opens_only_sealed_values(tmp_path: Path) -> None:
    env = {"PLAIN": "hello", "SECRET": envcrypt.seal(tmp_path, "SECRET", "pw"),
           "MOVED": envcrypt.seal(tmp_path, "ELSEWHERE", "no"),
           "LOOKALIKE": envcrypt.SEALED_PREFIX + "not-really"}
    envcrypt.configure(tmp_path)
    opened = json.loads(envcrypt.open_env_json(json.dumps(env)))
    assert opened["PLAIN"] == "hello" and opened["SECRET"] == "pw"
    assert opened["MOVED"] == env["MOVED"] and opened["LOOKALIKE"] == env["LOOKALIKE"]
    assert envcrypt.open_env_json("") == ""
    assert envcrypt.open_env_json('{"A": "b"}') == '{"A": "b"}'
