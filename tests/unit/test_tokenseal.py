"""Space API tokens at rest (brygge/tokenseal.py, storage/space_tokens.py): the lookup
HMAC and the seal, and the catalog's token records on a real RocksDB (no node)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from brygge.tokenseal import SEALED_PREFIX, TokenKeys
from storage.catalog import Catalog, CatalogError
from storage.engine import Engine

TOKEN = "0b5e2c4e-8a51-4a49-9d0e-5d1f3c2b7a66"


def keys(n: int = 1) -> TokenKeys:
    return TokenKeys(bytes([n]) * 32)


def test_lookup_is_a_keyed_hash_of_its_own() -> None:
    k = keys()
    h = k.lookup(TOKEN)
    assert h == k.lookup(TOKEN) and len(h) == 64 and TOKEN not in h
    assert h != keys(2).lookup(TOKEN)  # another node key: another record key
    assert h != k.lookup(TOKEN + "x")
    # HKDF-derived, not the node key itself (domain separation from envcrypt's use)
    assert h != hmac.new(bytes([1]) * 32, TOKEN.encode(), hashlib.sha256).hexdigest()


def test_sealed_token_opens_only_under_its_key_project_space_and_record() -> None:
    k = keys()
    h = k.lookup(TOKEN)
    sealed = k.seal(TOKEN, "p", "dev")
    assert sealed.startswith(SEALED_PREFIX) and TOKEN not in sealed
    assert sealed != k.seal(TOKEN, "p", "dev")  # a fresh nonce each time
    assert k.open(sealed, "p", "dev", h) == TOKEN
    assert keys(2).open(sealed, "p", "dev", h) is None  # wrong key
    assert k.open(sealed, "p", "prod", h) is None  # the AD binds the space
    assert k.open(sealed, "q", "dev", h) is None  # and the project
    assert k.open(sealed, "p", "dev", k.lookup("other")) is None  # moved to another record
    raw = bytearray(base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX):]))
    raw[-1] ^= 1
    assert k.open(SEALED_PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode(),
                  "p", "dev", h) is None  # tampered
    for bad in (None, 5, "", "brygge-token:v1:!!!", "brygge-token:v1:AAAA", TOKEN):
        assert k.open(bad, "p", "dev", h) is None
    with pytest.raises(ValueError):
        TokenKeys(b"short")


class _Store:
    """The catalog's storage calls answered by a real Engine on a temp RocksDB."""

    def __init__(self, path: Path) -> None:
        self.engine = Engine(str(path))

    async def call(self, space: str, op: str, args: Any = None) -> Any:
        return json.loads(self.engine.call(space, op, json.dumps(args).encode()))


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = _Store(tmp_path / "db")
    yield s
    s.engine.close()


async def _setup(cat: Catalog) -> None:
    await cat.create_project("p")
    await cat.create_space("p", "dev")
    await cat.create_space("p", "prod")


def _raw_records(store: _Store) -> list[tuple[str, Any]]:
    return asyncio.run(store.call("", "sys.scan", {"prefix": "token/"}))


def test_catalog_keeps_tokens_sealed_and_finds_them_by_hmac(store: _Store) -> None:
    cat, other_node = Catalog(store, keys()), Catalog(store, keys(2))

    async def go() -> tuple[str, str]:
        await _setup(cat)
        rw = await cat.add_token("p", "dev", "RW", "ci")
        ro = await cat.add_token("p", "prod", "R")
        assert (await cat.token(rw))["space"] == "dev"
        assert (await cat.token(ro))["access"] == "R"
        assert await cat.token("nope") is None and await cat.token("x" * 5000) is None
        listed = {t["token"]: t for t in await cat.tokens("p")}
        assert set(listed) == {rw, ro} and listed[rw]["description"] == "ci"
        assert "sealed" not in listed[rw]
        assert [t["token"] for t in await cat.tokens("p", "prod")] == [ro]
        # another node key neither finds nor opens them
        assert await other_node.token(rw) is None
        assert [t["token"] for t in await other_node.tokens("p")] == [None, None]
        return rw, ro

    rw, ro = asyncio.run(go())
    raw = _raw_records(store)
    assert {k for k, _ in raw} == {f"token/{keys().lookup(t)}" for t in (rw, ro)}
    assert rw not in json.dumps(raw) and ro not in json.dumps(raw)


def test_remove_by_value_and_with_the_space(store: _Store) -> None:
    cat = Catalog(store, keys())

    async def go() -> None:
        await _setup(cat)
        a = await cat.add_token("p", "dev")
        b = await cat.add_token("p", "prod")
        with pytest.raises(CatalogError, match="no token"):
            await cat.remove_token("p", "dev", b)  # another space's token
        removed = await cat.remove_token("p", "dev", a)
        assert removed["token"] == a and "sealed" not in removed
        assert await cat.token(a) is None
        with pytest.raises(CatalogError, match="no token"):
            await cat.remove_token("p", "dev", a)
        await cat.remove_space("p", "prod")
        assert await cat.token(b) is None

    asyncio.run(go())
    assert _raw_records(store) == []


def test_clear_records_are_rekeyed_and_sealed_once(store: _Store) -> None:
    cat = Catalog(store, keys())

    async def go() -> None:
        await _setup(cat)
        sp = await cat.space("p", "dev")
        await cat._put({f"token/{TOKEN}": {"project": "p", "space": "dev",
                                           "space_id": sp["id"], "access": "R",
                                           "description": "old", "created": "2024"},
                        "token/broken": {"project": 5}})
        assert await cat.token(TOKEN) is None  # the old format is no credential
        assert await cat.space_tokens.migrate_clear() == 1
        rec = await cat.token(TOKEN)
        assert rec["access"] == "R" and rec["space_id"] == sp["id"]
        assert [t["token"] for t in await cat.tokens("p", "dev")] == [TOKEN]
        assert await cat.space_tokens.migrate_clear() == 0  # idempotent
        boot = await cat.bootstrap("p", "dev")  # reuses no read-only token
        assert boot["token"] != TOKEN and await cat.token(boot["token"]) is not None

    asyncio.run(go())
    assert TOKEN not in json.dumps(_raw_records(store))
    assert all(k != "token/broken" for k, _ in _raw_records(store))


def test_a_catalog_without_keys_refuses_token_work(store: _Store) -> None:
    cat = Catalog(store)

    async def go() -> None:
        await _setup(cat)
        with pytest.raises(RuntimeError, match="token keys"):
            await cat.add_token("p", "dev")

    asyncio.run(go())
