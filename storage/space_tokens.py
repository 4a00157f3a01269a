"""Space API tokens in the catalog (issue 18): never in clear on disk.

    token/<lookup>   {project, space, space_id, access: RW|R, description, created, sealed}

`lookup` is the token's HMAC under the node's lookup key and `sealed` the token sealed
for its project and space (brygge/tokenseal.py). The request path hashes the token it is
given and reads that one record; listings open `sealed` to show members their tokens
(`token: None` when this node's key does not open it: a record written under another node
key). Removing by value hashes the value, so it works whether or not the record opens.

The keys are injected (`TokenKeys`, made by the process from its data dir): storage reads
no key file. `migrate_clear` re-keys and seals records of the old format
`token/<token itself>` once, at start; it is idempotent.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from brygge.clock import now_iso
from brygge.tokenseal import MAX_TOKEN, TokenKeys

PREFIX = "token/"
SHOWN = ("project", "space", "space_id", "access", "description", "created")


class _Records(Protocol):
    store: Any

    async def _get(self, key: str) -> Any: ...
    async def _put(self, batch: dict[str, Any]) -> None: ...
    async def _scan(self, prefix: str) -> list[tuple[str, Any]]: ...


class SpaceTokens:
    def __init__(self, records: _Records, keys: TokenKeys | None) -> None:
        self.r = records
        self._keys = keys

    @property
    def keys(self) -> TokenKeys:
        if self._keys is None:  # a process that never handles tokens built its Catalog so
            raise RuntimeError("this Catalog was built without token keys")
        return self._keys

    def key_of(self, token: str) -> str | None:
        """The record key of a candidate token, or None if it can be none."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
            return None
        return PREFIX + self.keys.lookup(token)

    async def add(self, project: str, space: str, space_id: str, access: str,
                  description: str) -> str:
        token = str(uuid.uuid4())
        await self.r._put({PREFIX + self.keys.lookup(token): {
            "project": project, "space": space, "space_id": space_id, "access": access,
            "description": description, "created": now_iso(),
            "sealed": self.keys.seal(token, project, space)}})
        return token

    async def find(self, token: str) -> dict[str, Any] | None:
        """The record of a token (one HMAC, one read), or None."""
        key = self.key_of(token)
        return await self.find_key(key) if key else None

    async def find_key(self, key: str) -> dict[str, Any] | None:
        """The record under `key` (from `key_of`), or None."""
        rec = await self.r._get(key)
        return rec if isinstance(rec, dict) and "sealed" in rec else None

    async def records(self, project: str, space: str | None = None
                      ) -> list[tuple[str, dict[str, Any]]]:
        """(record key, record) of the project's (or one space's) tokens."""
        return [(k, v) for k, v in await self.r._scan(PREFIX)
                if isinstance(v, dict) and v.get("project") == project
                and (space is None or v.get("space") == space)]

    async def listing(self, project: str, space: str | None = None) -> list[dict[str, Any]]:
        out = []
        for k, v in await self.records(project, space):
            token = self.keys.open(v.get("sealed"), v["project"], v["space"], k[len(PREFIX):])
            out.append({"token": token, **{f: v.get(f) for f in SHOWN}})
        return out

    async def remove(self, project: str, space: str, token: str) -> dict[str, Any] | None:
        """Delete the space's record of `token`; its record, or None (unknown or another
        space's token)."""
        key = self.key_of(token)
        rec = await self.r._get(key) if key else None
        if not isinstance(rec, dict) or rec.get("project") != project \
                or rec.get("space") != space:
            return None
        await self.r._put({key: None})
        return rec

    async def migrate_clear(self) -> int:
        """Re-key and seal every record of the old format (`token/<token>`, no `sealed`);
        returns how many (0 once done)."""
        batch: dict[str, Any] = {}
        for k, v in await self.r._scan(PREFIX):
            if not isinstance(v, dict) or "sealed" in v:
                continue
            token, project, space = k[len(PREFIX):], v.get("project"), v.get("space")
            batch[k] = None  # a record that cannot be migrated is no credential either
            if isinstance(project, str) and isinstance(space, str) \
                    and 0 < len(token) <= MAX_TOKEN:
                batch[PREFIX + self.keys.lookup(token)] = {
                    **{f: v.get(f) for f in SHOWN},
                    "sealed": self.keys.seal(token, project, space)}
        if batch:
            await self.r._put(batch)
            # the clear keys' old versions leave the RocksDB files now, not at some
            # later compaction
            await self.r.store.call("", "sys.purge", {"prefix": PREFIX})
        return sum(1 for v in batch.values() if v is not None)
