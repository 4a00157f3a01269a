"""The per-node data engine: one RocksDB instance, documents of every space,
key-value entries, files (storage/files.py), system records and blobs. This
process is the single writer of the database.

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
from typing import Any

from rocksdict import (
    AccessType,
    BottommostLevelCompaction,
    CompactOptions,
    Options,
    Rdict,
    WriteBatch,
    WriteOptions,
)

from brygge import strictjson
from brygge.ratelimit import RateLimiter
from storage import keys
from storage.backup import Backups
from storage.blobs import BlobRefs
from storage.datastore import Datastore
from storage.errors import BY_NAME as _ERRORS
from storage.errors import BadRequest, Conflict, NotFound, SchemaFailed, StorageError, TooLarge
from storage.files import MAX_READ, Files
from storage.kv import KV, KVError
from storage.query import BadQuery
from storage.quota import parse_plans
from storage.quota_store import QuotaStore, today


def _dumps(v: Any) -> bytes:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


_METER = b"c"  # per-space API/invocation counters (space.meter)
METER_FIELDS = ("api", "codehook_invocation", "codehook_time")


class Engine:
    def __init__(self, path: str, *, sync: str = "wal", read_only: bool = False,
                 page_size: int = 500, clock: Callable[[], float] = time.time,
                 max_doc_bytes: int = 16 * 1024 * 1024, sort_limit: int = 200_000,
                 max_file_bytes: int = 16 * 1024 * 1024,
                 file_quota_bytes: int = 1024**3, max_doc_depth: int = 100,
                 max_blob_bytes: int = 128 * 1024**2, plans: str = '{"unlimited": {}}',
                 default_plan: str = "unlimited") -> None:
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
        self._claim_lock = threading.Lock()  # sys.put with "absent" (claims of unique keys)

        def room(which: str) -> Callable[[str, int], None]:
            return lambda sid, more: self.quotas.check_bytes(sid, which, more)

        self.datastore = Datastore(self.db, page_size=page_size, lock_for=self._lock,
                                   max_doc_bytes=max_doc_bytes, sort_limit=sort_limit,
                                   check_room=room("data_bytes"))
        self.kv = KV(self.db, clock=clock, lock_for=self._lock, check_room=room("data_bytes"))
        self.files = Files(self.db, lock_for=self._lock, new_id=self.datastore.ids.next,
                           max_file_bytes=max_file_bytes, quota_bytes=file_quota_bytes,
                           check_room=room("file_bytes"))
        # project quotas (storage/quota_store.py): the catalog's records, cached here
        self.quotas = QuotaStore(
            self.db, parse_plans(plans), default_plan,
            data_bytes=lambda sid: (self.datastore.usage(sid)["bytes"]
                                    + self.kv.usage(sid)["bytes"]),
            file_bytes=self.files.counted, day_ms=self._day_ms)
        self.max_doc_depth = max_doc_depth
        self.max_blob_bytes = max_blob_bytes
        self.backups = Backups(self.db, datastore=self.datastore, clock=clock,
                               erase_space=lambda sid: self.drop_space(sid, {}),
                               max_doc_bytes=max_doc_bytes, max_blob_bytes=max_blob_bytes,
                               max_doc_depth=max_doc_depth)
        self.limiter = RateLimiter()  # space.ratelimit: one bucket per space for the node
        self.blobs = BlobRefs(self.db)  # blob.gc: storage/blobs.py
        # Space ids deleted for good (space.delete): any later call for one is refused, so a
        # late write (a router's metering flush, a job still running) cannot bring back a
        # key of a deleted space. Ids are random and never reused; in memory (a restart
        # also ends whatever was still running).
        self.deleted: set[str] = set()
        self.ops: dict[str, Callable[[str, Any], Any]] = {
            **self.datastore.ops,
            **self.kv.ops,
            "sys.get": self.sys_get,
            "sys.put": self.sys_put,
            "sys.delete": self.sys_delete,
            "sys.scan": self.sys_scan,
            "sys.purge": self.sys_purge,
            "space.drop": self.drop_space,
            "space.usage": self.usage,
            "space.meter": self.meter,
            "space.ratelimit": self.ratelimit,
            "quota.get": self.quota_get,
            **self.files.ops,
            "file.asset": self.file_asset,
            **self.backups.ops,  # backup and restore of a space (storage/backup.py)
            "space.delete": self.delete_space,
            "blob.gc": self.blobs.gc,
        }

    def close(self) -> None:
        self.db.close()

    def _lock(self, sid: str) -> threading.Lock:
        return self._locks[hash(sid) % len(self._locks)]

    # -- dispatch ------------------------------------------------------------------
    def call(self, space: str, op: str, payload: bytes) -> bytes:
        """Run one operation; raises StorageError subclasses for client errors."""
        if space in self.deleted and op != "space.delete":
            raise NotFound(f"space {space} was deleted")
        if op == "blob.put":
            return self.blob_put(payload)
        if op == "blob.get":
            return self.blob_get(payload.decode())
        if op in self.backups.raw_ops:  # backup.read, restore.write: raw bytes
            return self.backups.raw_ops[op](space, payload)
        fn = self.ops.get(op)
        if fn is None:
            raise BadRequest(f"unknown storage operation {op!r}")
        try:  # strict: NaN/Infinity stored once would break every later read
            args = strictjson.loads(payload, max_depth=self.max_doc_depth) if payload else {}
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
        self.files.drop_space(sid)
        self.db.delete(_METER + keys.check_space(sid))
        return {"dropped": True}

    def delete_space(self, sid: str, args: dict[str, Any]) -> dict[str, bool]:
        """Erase every key and system record of the space (space.erase) and refuse every
        later call for its id (control_plane/lifecycle.py: a deleted space or project)."""
        keys.check_space(sid)
        self.deleted.add(sid)
        return self.backups.erase(sid, args)

    def usage(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """Datastore objects and bytes of a space, kept current by every write, and
        its metered API calls, invocations and invocation time (ms)."""
        raw = self.db.get(_METER + keys.check_space(sid))
        files = self.files.usage(sid, {})
        meter = json.loads(raw) if raw else {}
        return {**{f: meter.get(f, 0) for f in METER_FIELDS},
                **self.datastore.usage(sid), "file_bytes": files["bytes"],
                "file_count": files["files"]}

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
        (routers and workers flush what they counted every few seconds). `day_time` counts
        today's invocation time (UTC; the cpu_seconds_per_day quota); the answer adds
        `project` and `project_day_s`, the project's seconds today over all its spaces."""
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
            day = today()
            cur["day_time"] = round((cur.get("day_time", 0) if cur.get("day") == day else 0)
                                    + add["codehook_time"], 3)
            cur["day"] = day
            self.db.put(key, _dumps(cur))
        project = self.quotas.project_of(sid)
        if project is not None:
            st = self.quotas.status(project)
            cur = {**cur, "project": project,
                   "project_day_s": st["usage"]["cpu_seconds_per_day"]}
        return cur

    def _day_ms(self, sid: str) -> float:
        """Today's (UTC) metered invocation time of a space, ms."""
        raw = self.db.get(_METER + keys.check_space(sid))
        cur = json.loads(raw) if raw else {}
        return float(cur.get("day_time", 0)) if cur.get("day") == today() else 0.0

    def quota_get(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{project?, deployments?} -> {project, plan, limits, usage, spaces} of the named
        project, or of the space's (storage/quota_store.py); {project: null} for a space
        no project owns."""
        project = args.get("project")
        if project is None:
            project = self.quotas.project_of(sid) if sid else None
        if not isinstance(project, str) or not project:
            return {"project": None}
        return self.quotas.status(project, bool(args.get("deployments")))

    # -- system records and blobs --------------------------------------------------------
    def sys_get(self, _: str, args: dict[str, Any]) -> Any:
        v = self.db.get(keys.system_key(str(args.get("key"))))
        return None if v is None else json.loads(v)

    def sys_put(self, _: str, args: dict[str, Any]) -> dict[str, Any]:
        """Put one record, or several atomically with {"batch": {key: value|null}}.
        With {"absent": [key, ...]} the batch is written only if none of those keys
        exists (checked and written under one lock: a claim two writers cannot both
        win); otherwise nothing is written and the answer is {ok: false, present: key}."""
        batch = args.get("batch") or {str(args.get("key")): args.get("value")}
        absent = args.get("absent")
        if absent is not None and not isinstance(absent, list):
            raise BadRequest("sys.put: absent must be a list of keys")
        if absent:
            with self._claim_lock:
                for k in absent:
                    if self.db.get(keys.system_key(str(k))) is not None:
                        return {"ok": False, "present": str(k)}
                return self._sys_write(batch)
        return self._sys_write(batch)

    def _sys_write(self, batch: dict[str, Any]) -> dict[str, Any]:
        wb = WriteBatch(raw_mode=True)
        for k, v in batch.items():
            if v is None:
                wb.delete(keys.system_key(k))
            else:
                wb.put(keys.system_key(k), _dumps(v))
        self.db.write(wb)
        for k, v in batch.items():
            if v is not None and k.startswith("deploy/"):
                self.blobs.recorded(v)  # its blobs are referenced now (storage/blobs.py)
        for k in batch:
            self.quotas.touched(k)
        return {"ok": True}

    def sys_delete(self, _: str, args: dict[str, Any]) -> dict[str, bool]:
        key = str(args.get("key"))
        self.db.delete(keys.system_key(key))
        self.quotas.touched(key)
        return {"ok": True}

    def sys_purge(self, _: str, args: dict[str, Any]) -> dict[str, bool]:
        """{prefix}: rewrite the files holding those system records now, so that what was
        deleted under it (a secret stored in clear by an older version) is gone from disk
        rather than waiting for a compaction: flush the memtable (its WAL is then
        dropped) and compact the range down to the bottommost level."""
        prefix = keys.system_key(str(args.get("prefix")))
        self.db.flush(True)
        opt = CompactOptions()
        opt.set_bottommost_level_compaction(BottommostLevelCompaction.force())
        self.db.compact_range(prefix, prefix + b"\xff", opt)
        return {"ok": True}

    def sys_scan(self, _: str, args: dict[str, Any]) -> list[list[Any]]:
        """Records under `prefix`; optional `start` (inclusive) and `end` (exclusive) keys,
        `reverse` (newest key first) and `limit`, so a long log is read a page at a time."""
        prefix = keys.system_key(str(args.get("prefix")))
        start, end = (keys.system_key(str(args[b])) if args.get(b) else None
                      for b in ("start", "end"))
        limit = args.get("limit")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise BadRequest("sys.scan: limit must be a positive integer")
        out: list[list[Any]] = []
        for k, v in self.datastore._scan(prefix, start, end, bool(args.get("reverse"))):
            out.append([k[1:].decode(), json.loads(v)])
            if limit is not None and len(out) >= limit:
                break
        return out

    # -- files of a space: storage/files.py; deployed binary assets ---------------------
    def file_asset(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{digest, offset=0, length}: bytes of a binary source file of a deployment (a
        content-addressed blob the control plane stored on deploy), in base64. Only the
        executor asks, from the artifact's `assets` (sandbox/app.py refuses it from guests)."""
        offset, length = args.get("offset", 0), args.get("length", MAX_READ)
        if not (isinstance(offset, int) and isinstance(length, int) and offset >= 0
                and 0 <= length <= MAX_READ):
            raise BadRequest(f"file.asset: offset ≥ 0 and 0 ≤ length ≤ {MAX_READ}")
        data = self.blob_get(str(args.get("digest")))
        return {"data": base64.b64encode(data[offset:offset + length]).decode(),
                "size": len(data)}

    def blob_put(self, data: bytes) -> bytes:
        if len(data) > self.max_blob_bytes:  # a restore could not hold it in one frame
            raise TooLarge(f"a blob of {len(data)} bytes is larger than {self.max_blob_bytes} "
                           "(BRYGGE_MAX_BLOB_BYTES)")
        digest = hashlib.sha256(data).hexdigest()
        key = keys.blob_key(digest)

        def write() -> None:
            if self.db.get(key) is None:
                self.db.put(key, data)

        self.blobs.put(digest, write)  # pending until a deployment names it
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
