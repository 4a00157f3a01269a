"""The per-node data engine: one RocksDB instance, documents of every space,
system records and blobs. This process is the single writer of the database.

Operations are addressed by name (`db.insertOne`, `sys.get`, ...) with JSON
arguments and JSON results, so that the executor can pass a guest's host call
through without decoding it (see proto/brygge.proto, service Storage).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rocksdict import AccessType, Options, Rdict, WriteBatch, WriteOptions

from brygge.ratelimit import RateLimiter
from storage import keys
from storage.datastore import Datastore
from storage.errors import BY_NAME as _ERRORS
from storage.errors import BadRequest, Conflict, NotFound, SchemaFailed, StorageError
from storage.kv import KV, KVError
from storage.query import BadQuery


def _dumps(v: Any) -> bytes:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


_FILE_META = b"f"  # key kinds of space files (the others: storage/keys.py, datastore, kv)
_FILE_DATA = b"g"
_METER = b"c"  # per-space API/invocation counters (space.meter)
METER_FIELDS = ("api", "codehook_invocation", "codehook_time")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Engine:
    def __init__(self, path: str, *, sync: str = "wal", read_only: bool = False,
                 page_size: int = 500, clock: Callable[[], float] = time.time,
                 max_doc_bytes: int = 16 * 1024 * 1024, sort_limit: int = 200_000,
                 max_file_bytes: int = 16 * 1024 * 1024) -> None:
        opts = Options(raw_mode=True)
        opts.create_if_missing(True)
        self.db = Rdict(path, opts, access_type=AccessType.read_only() if read_only
                        else AccessType.read_write())
        wo = WriteOptions()
        wo.sync = sync == "fsync"
        self.db.set_write_options(wo)
        # Read-modify-write operations of one space are serialised; different
        # spaces proceed in parallel.
        self._locks = [threading.Lock() for _ in range(64)]
        self.datastore = Datastore(self.db, page_size=page_size, lock_for=self._lock,
                                   max_doc_bytes=max_doc_bytes, sort_limit=sort_limit)
        self.kv = KV(self.db, clock=clock, lock_for=self._lock)
        self.max_file_bytes = max_file_bytes
        self.limiter = RateLimiter()  # space.ratelimit: one bucket per space for the node
        self.ops: dict[str, Callable[[str, Any], Any]] = {
            **self.datastore.ops,
            **self.kv.ops,
            "sys.get": self.sys_get,
            "sys.put": self.sys_put,
            "sys.delete": self.sys_delete,
            "sys.scan": self.sys_scan,
            "space.drop": self.drop_space,
            "space.usage": self.usage,
            "space.meter": self.meter,
            "space.ratelimit": self.ratelimit,
            "file.save": self.file_save,
            "file.get": self.file_get,
            "file.list": self.file_list,
            "file.delete": self.file_delete,
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
        except (keys.BadName, KVError) as e:
            raise BadRequest(str(e)) from None

    def drop_space(self, sid: str, args: dict[str, Any]) -> dict[str, bool]:
        self.datastore.drop_space(sid)
        self.kv.drop_space(sid)
        for kind in (_FILE_META, _FILE_DATA):
            p = kind + keys.check_space(sid) + b"\x00"
            self.db.delete_range(p, keys.prefix_end(p))
        self.db.delete(_METER + keys.check_space(sid))
        return {"dropped": True}

    def usage(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """Datastore objects and bytes of a space, kept current by every write, and
        its metered API calls, invocations and invocation time (ms)."""
        raw = self.db.get(_METER + keys.check_space(sid))
        return {**dict.fromkeys(METER_FIELDS, 0), **(json.loads(raw) if raw else {}),
                **self.datastore.usage(sid)}

    def ratelimit(self, sid: str, args: dict[str, Any]) -> dict[str, float]:
        """{rate, burst} -> {wait}: take one token of the space's bucket (0 = admitted,
        else seconds until one would be). In memory: shared by every router of the node
        that reaches this storage process; a restart only grants fresh bursts."""
        try:
            rate, burst = float(args["rate"]), int(args["burst"])
        except (KeyError, TypeError, ValueError):
            raise BadRequest("space.ratelimit needs numbers rate and burst") from None
        if not (0 < rate <= 1e6 and 1 <= burst <= 1e7):
            raise BadRequest("space.ratelimit: rate in (0, 1e6], burst in [1, 1e7]")
        with self._lock(sid):
            return {"wait": self.limiter.take(sid, rate, burst)}

    def meter(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{api?, codehook_invocation?, codehook_time?}: add to the space's counters
        (routers and workers flush what they counted every few seconds)."""
        add = {}
        for f in METER_FIELDS:
            v = args.get(f, 0)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < 2**53:
                raise BadRequest(f"space.meter: {f} must be a non-negative number")
            add[f] = v
        key = _METER + keys.check_space(sid)
        with self._lock(sid):
            raw = self.db.get(key)
            cur = json.loads(raw) if raw else dict.fromkeys(METER_FIELDS, 0)
            for f, v in add.items():
                cur[f] = round(cur.get(f, 0) + v, 3)
            self.db.put(key, _dumps(cur))
        return cur

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
        return [[k[1:].decode(), json.loads(v)] for k, v in self.datastore._scan(prefix)]

    # -- files of a space (codehooks-js filestore, app.storage; spec §10) ----------------
    # Blob storage keyed by absolute path: f<sid>\0<path> holds {path, size, date, _id}
    # (what list() returns, without reading contents), g<sid>\0<path> the bytes.
    # Contents cross as base64 in the JSON arguments and replies.
    @staticmethod
    def _file_keys(sid: str, path: Any) -> tuple[str, bytes, bytes]:
        if not isinstance(path, str) or not path.strip("/"):
            raise BadRequest("file path must be a non-empty string such as '/docs/a.pdf'")
        path = "/" + "/".join(p for p in path.split("/") if p)
        name = keys.check_name("file path", path)
        sp = keys.check_space(sid) + b"\x00"
        return path, _FILE_META + sp + name, _FILE_DATA + sp + name

    def file_save(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        path, mk, dk = self._file_keys(sid, args.get("path"))
        try:
            data = base64.b64decode(str(args.get("data") or ""), validate=True)
        except ValueError:
            raise BadRequest("file data must be base64") from None
        if len(data) > self.max_file_bytes:
            raise BadRequest(f"file {path} is larger than {self.max_file_bytes} bytes")
        with self._lock(sid):
            old = self.db.get(mk)
            file_id = json.loads(old)["_id"] if old is not None else self.datastore.ids.next()
            meta = {"path": path, "size": len(data), "date": _now_iso(), "_id": file_id}
            wb = WriteBatch(raw_mode=True)
            wb.put(mk, _dumps(meta))
            wb.put(dk, data)
            self.db.write(wb)
        return meta

    def file_get(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{path, size, date, _id, data}: data in base64, or as text when
        args.encoding is "utf8" (invalid UTF-8 becomes U+FFFD, as Buffer.toString does)."""
        path, mk, dk = self._file_keys(sid, args.get("path"))
        meta, data = self.db.get(mk), self.db.get(dk)
        if meta is None or data is None:
            raise NotFound(f"ENOENT: no such file or directory, open '{path}'")
        out = json.loads(meta)
        out["data"] = (data.decode("utf-8", "replace") if args.get("encoding") == "utf8"
                       else base64.b64encode(data).decode())
        return out

    def file_list(self, sid: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Every file under a folder (recursive), or the file itself, in path order."""
        raw = args.get("path")
        folder = "/" + "/".join(p for p in str(raw or "/").split("/") if p)
        sp = _FILE_META + keys.check_space(sid) + b"\x00"
        out = []
        if folder != "/":
            exact = self.db.get(sp + keys.check_name("file path", folder))
            if exact is not None:
                out.append(json.loads(exact))
            folder += "/"
        for _, v in self.datastore._scan(sp + folder.encode("utf-8", "surrogatepass")):
            out.append(json.loads(v))
        return out

    def file_delete(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        path, mk, dk = self._file_keys(sid, args.get("path"))
        with self._lock(sid):
            if self.db.get(mk) is None:
                raise NotFound(f"ENOENT: no such file or directory, unlink '{path}'")
            wb = WriteBatch(raw_mode=True)
            wb.delete(mk)
            wb.delete(dk)
            self.db.write(wb)
        return {"path": path, "deleted": True}

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


__all__ = [
    "_ERRORS",
    "BadRequest",
    "Conflict",
    "Engine",
    "NotFound",
    "SchemaFailed",
    "StorageError",
]
