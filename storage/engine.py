"""The per-node data engine: one RocksDB instance, documents of every space,
system records and blobs. This process is the single writer of the database.

Operations are addressed by name (`db.insertOne`, `sys.get`, ...) with JSON
arguments and JSON results, so that the executor can pass a guest's host call
through without decoding it (see proto/brygge.proto, service Storage).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

from rocksdict import AccessType, Options, Rdict, WriteBatch, WriteOptions

from storage import keys
from storage.query import BadQuery, get_path, matches, sort_key_fn


class StorageError(Exception):
    name = "StorageError"


class NotFound(StorageError):
    name = "NotFound"


class Conflict(StorageError):
    name = "Conflict"


class BadRequest(StorageError):
    name = "BadRequest"


def _dumps(v: Any) -> bytes:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()


class Engine:
    def __init__(self, path: str, *, sync: str = "wal", read_only: bool = False,
                 page_size: int = 500) -> None:
        opts = Options(raw_mode=True)
        opts.create_if_missing(True)
        self.db = Rdict(path, opts, access_type=AccessType.read_only() if read_only
                        else AccessType.read_write())
        wo = WriteOptions()
        wo.sync = sync == "fsync"
        self.db.set_write_options(wo)
        self.page_size = page_size
        self.ids = keys.ObjectIds()
        # Read-modify-write operations of one space are serialised; different
        # spaces proceed in parallel.
        self._locks = [threading.Lock() for _ in range(64)]
        self.ops: dict[str, Callable[[str, Any], Any]] = {
            "db.insertOne": self.insert_one,
            "db.getOne": self.get_one,
            "db.getMany": self.get_many,
            "db.count": self.count,
            "db.updateOne": self.update_one,
            "db.replaceOne": self.replace_one,
            "db.removeOne": self.remove_one,
            "db.removeMany": self.remove_many,
            "sys.get": self.sys_get,
            "sys.put": self.sys_put,
            "sys.delete": self.sys_delete,
            "sys.scan": self.sys_scan,
            "space.drop": self.drop_space,
        }

    def close(self) -> None:
        self.db.close()

    def _lock(self, sid: str) -> threading.Lock:
        return self._locks[hash(sid) % len(self._locks)]

    # -- dispatch ------------------------------------------------------------------
    def call(self, space: str, op: str, payload: bytes) -> bytes:
        """Run one operation; raises StorageError subclasses for client errors."""
        if op == "blob.put":
            return self.blob_put(payload)
        if op == "blob.get":
            return self.blob_get(payload.decode())
        fn = self.ops.get(op)
        if fn is None:
            raise BadRequest(f"unknown storage operation {op!r}")
        try:
            args = json.loads(payload) if payload else {}
        except ValueError as e:
            raise BadRequest(f"malformed JSON arguments: {e}") from None
        if not isinstance(args, dict):
            raise BadRequest("arguments must be a JSON object")
        try:
            return _dumps(fn(space, args))
        except BadQuery as e:
            raise BadRequest(f"bad query: {e}") from None
        except keys.BadName as e:
            raise BadRequest(str(e)) from None

    # -- documents ---------------------------------------------------------------------
    def _scan(self, prefix: bytes, start: bytes | None = None):  # type: ignore[no-untyped-def]
        it = self.db.iter()
        it.seek(start or prefix)
        while it.valid():
            k = it.key()
            if not k.startswith(prefix):
                break
            yield k, it.value()
            it.next()

    def _find(self, sid: str, coll: str, query: dict[str, Any]):  # type: ignore[no-untyped-def]
        prefix = keys.collection_prefix(sid, coll)
        qid = query.get("_id") if isinstance(query, dict) else None
        if isinstance(qid, str) and len(query) == 1:
            v = self.db.get(prefix + keys.check_name("_id", qid))
            if v is not None:
                yield prefix + qid.encode(), json.loads(v)
            return
        for k, v in self._scan(prefix):
            doc = json.loads(v)
            if matches(doc, query):
                yield k, doc

    @staticmethod
    def _query(args: dict[str, Any]) -> dict[str, Any]:
        q = args.get("query") or {}
        if not isinstance(q, dict):
            raise BadQuery("query must be a JSON object")
        return q

    def insert_one(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        coll, doc = args.get("collection"), args.get("doc")
        if not isinstance(doc, dict):
            raise BadRequest("insertOne needs a JSON object document")
        doc = dict(doc)
        doc_id = doc.get("_id")
        if doc_id is None:
            doc_id = doc["_id"] = self.ids.next()
        elif not isinstance(doc_id, str):
            doc_id = doc["_id"] = str(doc_id)
        key = keys.doc_key(sid, str(coll), doc_id)
        with self._lock(sid):
            if self.db.get(key) is not None:
                raise Conflict(f"a document with _id {doc_id!r} already exists")
            self.db.put(key, _dumps(doc))
        return doc

    def get_one(self, sid: str, args: dict[str, Any]) -> Any:
        for _, doc in self._find(sid, str(args.get("collection")), self._query(args)):
            return doc
        if args.get("orNull"):
            return None
        raise NotFound("document not found")

    def get_many(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        coll = str(args.get("collection"))
        query = self._query(args)
        opts = args.get("options") or {}
        hints = opts.get("hints") or {}
        sort = opts.get("sort") or hints.get("$sort") or hints.get("sort")
        limit = opts.get("limit", hints.get("$limit"))
        offset = int(opts.get("offset", hints.get("$offset", 0)) or 0)
        fields = opts.get("fields") or hints.get("$fields")
        cursor = args.get("cursor") or {}
        # Cursor: position (number of matches already returned) for sorted or
        # offset results, or the last key seen for plain scans.
        returned = int(cursor.get("n", 0))
        remaining = None if limit in (None, 0) else int(limit) - returned
        if remaining is not None and remaining <= 0:
            return {"docs": [], "cursor": None}
        page = min(self.page_size, remaining) if remaining is not None else self.page_size
        if sort:
            if not isinstance(sort, dict):
                raise BadRequest("sort must be an object like {\"field\": 1}")
            docs = sorted((d for _, d in self._find(sid, coll, query)), key=sort_key_fn(sort))
            chunk = docs[offset + returned: offset + returned + page]
            more = offset + returned + page < len(docs)
        else:
            chunk, more, skipped = [], False, 0
            start = bytes.fromhex(cursor["after"]) + b"\x00" if cursor.get("after") else None
            prefix = keys.collection_prefix(sid, coll)
            last = None
            for k, v in self._scan(prefix, start):
                doc = json.loads(v)
                if not matches(doc, query):
                    continue
                if not start and skipped < offset:
                    skipped += 1
                    continue
                if len(chunk) == page:
                    more = True
                    break
                chunk.append(doc)
                last = k
        if fields:
            chunk = [_project(d, fields) for d in chunk]
        n = returned + len(chunk)
        if not more:
            return {"docs": chunk, "cursor": None}
        nxt: dict[str, Any] = {"n": n}
        if not sort:
            nxt["after"] = last.hex() if last else None
        return {"docs": chunk, "cursor": nxt}

    def count(self, sid: str, args: dict[str, Any]) -> dict[str, int]:
        return {"count": sum(1 for _ in self._find(sid, str(args.get("collection")),
                                                   self._query(args)))}

    def update_one(self, sid: str, args: dict[str, Any]) -> Any:
        coll, update = str(args.get("collection")), args.get("update")
        if not isinstance(update, dict):
            raise BadRequest("update must be a JSON object")
        with self._lock(sid):
            for k, doc in self._find(sid, coll, self._query(args)):
                new = apply_update(doc, update)
                self.db.put(k, _dumps(new))
                return new
        raise NotFound("document not found")

    def replace_one(self, sid: str, args: dict[str, Any]) -> Any:
        coll, doc = str(args.get("collection")), args.get("doc")
        if not isinstance(doc, dict):
            raise BadRequest("replacement must be a JSON object")
        with self._lock(sid):
            for k, old in self._find(sid, coll, self._query(args)):
                new = {**doc, "_id": old["_id"]}
                self.db.put(k, _dumps(new))
                return new
        raise NotFound("document not found")

    def remove_one(self, sid: str, args: dict[str, Any]) -> Any:
        with self._lock(sid):
            for k, doc in self._find(sid, str(args.get("collection")), self._query(args)):
                self.db.delete(k)
                return doc
        raise NotFound("document not found")

    def remove_many(self, sid: str, args: dict[str, Any]) -> dict[str, int]:
        n = 0
        with self._lock(sid):
            wb = WriteBatch(raw_mode=True)
            for k, _ in self._find(sid, str(args.get("collection")), self._query(args)):
                wb.delete(k)
                n += 1
            self.db.write(wb)
        return {"count": n}

    def drop_space(self, sid: str, args: dict[str, Any]) -> dict[str, bool]:
        prefix = keys.space_prefix(sid)
        self.db.delete_range(prefix, keys.prefix_end(prefix))
        return {"dropped": True}

    # -- system records and blobs --------------------------------------------------------
    def sys_get(self, _: str, args: dict[str, Any]) -> Any:
        v = self.db.get(keys.system_key(str(args.get("key"))))
        return None if v is None else json.loads(v)

    def sys_put(self, _: str, args: dict[str, Any]) -> dict[str, bool]:
        """Put one record, or several atomically with {"batch": {key: value|null}}."""
        batch = args.get("batch") or {str(args.get("key")): args.get("value")}
        wb = WriteBatch(raw_mode=True)
        for k, v in batch.items():
            if v is None:
                wb.delete(keys.system_key(k))
            else:
                wb.put(keys.system_key(k), _dumps(v))
        self.db.write(wb)
        return {"ok": True}

    def sys_delete(self, _: str, args: dict[str, Any]) -> dict[str, bool]:
        self.db.delete(keys.system_key(str(args.get("key"))))
        return {"ok": True}

    def sys_scan(self, _: str, args: dict[str, Any]) -> list[list[Any]]:
        prefix = keys.system_key(str(args.get("prefix")))
        return [[k[1:].decode(), json.loads(v)] for k, v in self._scan(prefix)]

    def blob_put(self, data: bytes) -> bytes:
        digest = hashlib.sha256(data).hexdigest()
        key = keys.blob_key(digest)
        if self.db.get(key) is None:
            self.db.put(key, data)
        return _dumps({"digest": digest, "size": len(data)})

    def blob_get(self, digest: str) -> bytes:
        try:
            v = self.db.get(keys.blob_key(digest))
        except keys.BadName as e:
            raise BadRequest(str(e)) from None
        if v is None:
            raise NotFound(f"blob {digest} not found")
        return v


def _project(doc: dict[str, Any], fields: Any) -> dict[str, Any]:
    if isinstance(fields, str):
        fields = {f.strip(): 1 for f in fields.split(",") if f.strip()}
    if not isinstance(fields, dict) or not fields:
        return doc
    if any(v in (0, False) for v in fields.values()):
        return {k: v for k, v in doc.items() if fields.get(k, 1) not in (0, False)}
    out = {k: get_path(doc, k) for k in fields}
    out = {k: v for k, v in out.items() if v is not None}
    out.setdefault("_id", doc.get("_id"))
    return out


def apply_update(doc: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    new = json.loads(json.dumps(doc))
    ops = {k: v for k, v in update.items() if k.startswith("$")}
    if not ops:  # a plain object means merge
        new.update({k: v for k, v in update.items() if k != "_id"})
        return new
    for op, spec in ops.items():
        if not isinstance(spec, dict):
            raise BadRequest(f"{op} needs an object")
        for path, val in spec.items():
            parent, leaf = _parent(new, path)
            if op == "$set":
                parent[leaf] = val
            elif op == "$unset":
                parent.pop(leaf, None)
            elif op == "$inc":
                if not isinstance(val, (int, float)):
                    raise BadRequest(f"$inc of '{path}' needs a number")
                parent[leaf] = parent.get(leaf, 0) + val
            elif op == "$push":
                parent.setdefault(leaf, []).append(val)
            else:
                raise BadRequest(f"unknown update operator {op}")
    new["_id"] = doc["_id"]
    return new


def _parent(doc: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    parts = path.split(".")
    cur = doc
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict):
            nxt = cur[p] = {}
        cur = nxt
    return cur, parts[-1]
