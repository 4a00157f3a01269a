"""Backup and restore of one space (`brygge backup` / `brygge restore`).

A backup is a gzip stream of frames, written from ONE RocksDB iterator: an iterator
pins the database as of its creation (its implicit snapshot), so every part of the
space — documents, index entries, collection metadata with schemas, key-value
entries, files and their chunks, deployment records, artifacts — is read at one
instant while writes go on. (rocksdict 0.3's `Snapshot.iter()` does not honour its
snapshot, checked; point reads on the iterator, via `seek`, do.)

    "BRYGGE-BACKUP\\n"                                      magic, then frames:
    type (1 byte) | key length (u32 BE) | value length (u32 BE) | key | value
      M  manifest JSON {format, created, source, space: the space record or null}
      K  a tenant key WITHOUT its space id (kind byte + the rest), raw value
      S  a system record of the space, relative name (deploy/<seq>, cronrun/<tok>), JSON
      B  a blob (deployment artifact or asset): key = SHA-256 hex, value = bytes
      E  end JSON {frames, sha256}: the count and SHA-256 of every byte before it

Keys carry no space id, so a backup restores into any space id: restore writes each
`K` key as kind + <target sid> + rest, each `S` record under the target sid, and
rebuilds the key-value expiry index. Not in a backup: uploads in progress, metering
counters (`c`), expired key-value entries, and what lives in NATS (queued jobs, dead
letters, logs, realtime events).

A backup file is input from outside, so restore trusts none of it: every frame's
length is bounded by its kind before any of it is buffered (`_limit`: a document or
record by max_doc_bytes, a blob by max_blob_bytes), JSON values are parsed strictly
(brygge/strictjson.py: no NaN/Infinity, bounded nesting), and every artifact a
restored deployment record names, and every asset those artifacts name, must be a
`B` frame of the same file or already belong to the space being replaced
(`_check_artifacts`): a crafted record cannot point a space at another tenant's code.

Restore always writes into a fresh *staging* space id that nothing points at; only
`restore.commit`, after the end frame and the checksum matched, says it is complete,
and the control plane then points the space at it (control_plane/api/backups.py). A
truncated or corrupt file raises BadRequest and `restore.abort` erases the staging
id: the target space is never touched.

Operations (storage/engine.py dispatches them):
    backup.open  {space_key}          -> {backup}        (space = the sid to back up)
    backup.read  raw payload: id      -> raw bytes, b"" at the end (≤ ~1 MiB per call)
    backup.close {backup}
    restore.open {replaces?}          -> {restore}       (space = the staging sid;
                                                          replaces = the target's sid)
    restore.write raw payload: id + b"\\n" + bytes -> {frames}
    restore.commit {restore}          -> {manifest, counts}
    restore.abort {restore}
    space.erase  {}                   every key and system record of a space
    space.isEmpty {}                  -> {empty, documents, collections, kv, files, deployments}
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from rocksdict import Rdict, WriteBatch

from brygge import strictjson
from storage import keys
from storage.errors import BadRequest, NotFound

MAGIC = b"BRYGGE-BACKUP\n"
FORMAT = 1
_FRAME = struct.Struct(">cII")
READ_CHUNK = 1024 * 1024  # compressed bytes per backup.read answer (about)
MAX_KEY = 4096
MAX_END = 64 * 1024  # the end frame's JSON {frames, sha256}
_SLACK = 64 * 1024  # a document's or value's encoding around its max_doc_bytes
IDLE_S = 600.0
# Tenant key kinds of a space, in backup order. Those in _PREFIXED are `kind sid \0 ...`,
# the others `kind sid` (one record per space).
_KINDS = (b"m", b"d", b"i", b"u", b"k", b"f", b"q")
_PREFIXED = {b"m", b"d", b"i", b"k", b"f", b"g"}
_SINGLE = {b"u", b"q"}
_SYS = ("deploy", "cronrun")  # system records named <prefix>/<sid>/<rest>
_SYS_NAME = re.compile(r"^(deploy|cronrun)/([^/\x00]{1,256})$")
_KV_HEADER = struct.Struct(">BQ")


def relative_key(key: bytes, sid: str) -> bytes:
    """`kind sid rest` -> `kind rest` (what a backup stores)."""
    sb = keys.check_space(sid)
    if key[1:1 + len(sb)] != sb:
        raise ValueError(f"key {key!r} is not of space {sid}")
    return key[:1] + key[1 + len(sb):]


def absolute_key(rel: bytes, sid: str) -> bytes:
    """`kind rest` -> `kind sid rest`, checking the kind and shape (restore)."""
    kind, rest = rel[:1], rel[1:]
    if kind in _PREFIXED:
        if not rest.startswith(b"\x00") or len(rest) < 2:
            raise BadRequest(f"corrupt backup: malformed key of kind {kind!r}")
    elif kind in _SINGLE:
        if rest:
            raise BadRequest(f"corrupt backup: malformed key of kind {kind!r}")
    else:
        raise BadRequest(f"corrupt backup: unknown key kind {kind!r}")
    return kind + keys.check_space(sid) + rest


def kv_index_key(expiry: int, kvkey: bytes) -> bytes:
    return b"x" + f"{expiry:016x}".encode() + kvkey


def _frame(kind: bytes, key: bytes, value: bytes) -> bytes:
    return _FRAME.pack(kind, len(key), len(value)) + key + value


def _dumps(v: Any) -> bytes:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8",
                                                                           "surrogatepass")


class _Backup:
    def __init__(self, frames: Iterator[bytes]) -> None:
        self.frames = frames
        self.z = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip
        self.done = False
        self.touched = time.monotonic()
        self.lock = threading.Lock()


class _Restore:
    def __init__(self, sid: str, replaces: str | None) -> None:
        self.sid = sid
        self.replaces = replaces  # the space id the restored one takes over from
        self.blobs: set[str] = set()  # digests of the B frames (contents checked)
        self.named: set[str] = set()  # digests deploy records and artifacts name
        self.z = zlib.decompressobj(31)
        self.buf = bytearray()
        self.magic = False
        self.manifest: dict[str, Any] | None = None
        self.end: dict[str, Any] | None = None
        self.sha = hashlib.sha256()
        self.frames = 0
        self.counts = {"keys": 0, "documents": 0, "kv": 0, "files": 0, "records": 0,
                       "blobs": 0}
        self.touched = time.monotonic()
        self.lock = threading.Lock()


class Backups:
    def __init__(self, db: Rdict, *, datastore: Any, erase_space: Callable[[str], None],
                 clock: Callable[[], float] = time.time, max_doc_bytes: int = 16 * 1024**2,
                 max_blob_bytes: int = 128 * 1024**2, max_doc_depth: int = 100) -> None:
        self.db = db
        self.max_doc_bytes = max_doc_bytes
        self.max_blob_bytes = max_blob_bytes
        self.max_doc_depth = max_doc_depth
        self.datastore = datastore
        self._erase_tenant = erase_space  # Engine.drop_space's work: d i m u k f g h q c
        self.clock = clock
        self.backups: dict[str, _Backup] = {}
        self.restores: dict[str, _Restore] = {}
        self._lock = threading.Lock()
        self.ops: dict[str, Callable[[str, dict[str, Any]], Any]] = {
            "backup.open": self.open_backup,
            "backup.close": self.close_backup,
            "restore.open": self.open_restore,
            "restore.commit": self.commit_restore,
            "restore.abort": self.abort_restore,
            "space.erase": self.erase,
            "space.isEmpty": self.is_empty,
        }
        self.raw_ops: dict[str, Callable[[str, bytes], bytes]] = {
            "backup.read": self.read_backup,
            "restore.write": self.write_restore,
        }

    def _forget(self, sid: str) -> None:
        """Drop what the datastore cached of a space id (metadata, usage): restore wrote
        its keys directly."""
        ds = self.datastore
        ds._meta = {k: v for k, v in ds._meta.items() if k[0] != sid}
        ds._usage.pop(sid, None)

    # -- sessions --------------------------------------------------------------------
    def _expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            old_b = [i for i, b in self.backups.items() if now - b.touched > IDLE_S]
            old_r = [i for i, r in self.restores.items() if now - r.touched > IDLE_S]
            for i in old_b:
                self.backups.pop(i, None)
            dropped = [self.restores.pop(i) for i in old_r]
        for r in dropped:
            self.erase(r.sid, {})

    def _backup(self, bid: str) -> _Backup:
        with self._lock:
            b = self.backups.get(bid)
        if b is None:
            raise NotFound(f"no backup {bid!r} in progress (finished or idle too long)")
        b.touched = time.monotonic()
        return b

    def _restore(self, rid: str) -> _Restore:
        with self._lock:
            r = self.restores.get(rid)
        if r is None:
            raise NotFound(f"no restore {rid!r} in progress (finished or idle too long)")
        r.touched = time.monotonic()
        return r

    # -- backup ------------------------------------------------------------------------
    def open_backup(self, sid: str, args: dict[str, Any]) -> dict[str, str]:
        keys.check_space(sid)
        self._expire()
        space_key = args.get("space_key")
        if space_key is not None and not isinstance(space_key, str):
            raise BadRequest("backup.open: space_key must be a system record name")
        it = self.db.iter()  # the one consistent view everything below is read from
        bid = secrets.token_hex(16)
        with self._lock:
            self.backups[bid] = _Backup(self._frames(it, sid, space_key))
        return {"backup": bid}

    def close_backup(self, sid: str, args: dict[str, Any]) -> dict[str, bool]:
        with self._lock:
            self.backups.pop(str(args.get("backup")), None)
        return {"closed": True}

    def read_backup(self, sid: str, payload: bytes) -> bytes:
        bid = payload.decode(errors="replace")
        b = self._backup(bid)
        out: list[bytes] = []
        size = 0
        with b.lock:
            while size < READ_CHUNK and not b.done:
                piece = next(b.frames, None)
                if piece is None:
                    b.done = True
                    out.append(b.z.flush())
                    break
                c = b.z.compress(piece)
                out.append(c)
                size += len(c)
        data = b"".join(out)
        if b.done and not data:
            with self._lock:
                self.backups.pop(bid, None)
        return data

    def _frames(self, it: Any, sid: str, space_key: str | None) -> Iterator[bytes]:
        sha = hashlib.sha256()
        n = 0

        def emit(kind: bytes, key: bytes, value: bytes) -> bytes:
            nonlocal n
            f = _frame(kind, key, value)
            sha.update(f)
            n += 1
            return f

        def scan(prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
            it.seek(prefix)
            while it.valid():
                k = it.key()
                if not k.startswith(prefix):
                    return
                yield k, it.value()
                it.next()

        def get(key: bytes) -> bytes | None:
            it.seek(key)
            return it.value() if it.valid() and it.key() == key else None

        sb = keys.check_space(sid)
        space = None
        if space_key:
            raw = get(keys.system_key(space_key))
            space = json.loads(raw) if raw is not None else None
        manifest = {"format": FORMAT, "created": datetime.now(UTC).isoformat(),
                    "source": sid, "space": space}
        yield MAGIC
        sha.update(MAGIC)
        yield emit(b"M", b"", _dumps(manifest))
        now_ms = int(self.clock() * 1000)
        for kind in _KINDS:
            if kind in _SINGLE:
                v = get(kind + sb)
                if v is not None:
                    yield emit(b"K", kind, v)
                continue
            for k, v in scan(kind + sb + b"\x00"):
                if kind == b"k":
                    exp = _KV_HEADER.unpack_from(v)[1] if len(v) >= _KV_HEADER.size else 0
                    if exp and exp <= now_ms:
                        continue  # expired, invisible already
                if kind == b"f":
                    meta = json.loads(v)
                    yield emit(b"K", relative_key(k, sid), v)
                    upload = str(meta.get("upload") or "")
                    if upload:
                        resume = k
                        chunks = b"g" + sb + b"\x00" + upload.encode() + b"\x00"
                        for ck, cv in scan(chunks):
                            yield emit(b"K", relative_key(ck, sid), cv)
                        it.seek(resume)  # back to the file's metadata: `scan` moves on
                    continue
                yield emit(b"K", relative_key(k, sid), v)
        digests: list[str] = []
        for prefix in _SYS:
            p = keys.system_key(f"{prefix}/{sid}/")
            for k, v in scan(p):
                rest = k[len(p):].decode()
                yield emit(b"S", f"{prefix}/{rest}".encode(), v)
                if prefix == "deploy":
                    d = json.loads(v).get("digest")
                    if isinstance(d, str) and d not in digests:
                        digests.append(d)
        seen: set[str] = set()
        i = 0
        while i < len(digests):  # artifacts first, then the assets they name
            d = digests[i]
            i += 1
            if d in seen:
                continue
            seen.add(d)
            try:
                data = get(keys.blob_key(d))
            except keys.BadName:
                continue
            if data is None:
                continue
            yield emit(b"B", d.encode(), data)
            digests.extend(sorted(_asset_digests(data)))
        yield _frame(b"E", b"", _dumps({"frames": n, "sha256": sha.hexdigest()}))

    # -- restore -----------------------------------------------------------------------
    def open_restore(self, sid: str, args: dict[str, Any]) -> dict[str, str]:
        keys.check_space(sid)
        replaces = args.get("replaces")
        if replaces is not None:
            if not isinstance(replaces, str):
                raise BadRequest("restore.open: replaces must be a space id")
            keys.check_space(replaces)
        self._expire()
        rid = secrets.token_hex(16)
        with self._lock:
            if any(r.sid == sid for r in self.restores.values()):
                raise BadRequest(f"a restore into {sid} is in progress already")
            self.restores[rid] = _Restore(sid, replaces)
        return {"restore": rid}

    def write_restore(self, sid: str, payload: bytes) -> bytes:
        rid, _, data = payload.partition(b"\n")
        r = self._restore(rid.decode(errors="replace"))
        with r.lock:
            try:
                self._feed(r, data)
            except BadRequest:
                raise
            except (zlib.error, ValueError, KeyError, TypeError, struct.error) as e:
                raise BadRequest(f"corrupt backup: {e}") from None
        return _dumps({"frames": r.frames})

    def _feed(self, r: _Restore, data: bytes) -> None:
        if r.z.eof:
            if data:
                raise BadRequest("corrupt backup: data after the end of the backup")
            return
        wb = WriteBatch(raw_mode=True)
        pending = data
        while True:
            out = r.z.decompress(pending, 4 * 1024 * 1024)
            pending = r.z.unconsumed_tail
            r.buf += out
            self._parse(r, wb)
            if r.z.eof:
                if r.z.unused_data or pending:
                    raise BadRequest("corrupt backup: data after the end of the backup")
                break
            if not pending:
                break
        self.db.write(wb)

    def _parse(self, r: _Restore, wb: WriteBatch) -> None:
        buf = r.buf
        pos = 0
        if not r.magic:
            if len(buf) < len(MAGIC):
                return
            if bytes(buf[:len(MAGIC)]) != MAGIC:
                raise BadRequest("this is not a Brygge backup file")
            r.magic = True
            r.sha.update(MAGIC)
            pos = len(MAGIC)
        while len(buf) - pos >= _FRAME.size:
            kind, klen, vlen = _FRAME.unpack_from(buf, pos)
            if klen > MAX_KEY:  # checked on the header: nothing of the frame is buffered yet
                raise BadRequest("corrupt backup: a frame length is out of range")
            limit, knob = self._limit(kind)
            if vlen > limit:
                raise BadRequest(f"the backup holds a {kind.decode(errors='replace')!r} frame "
                                 f"of {vlen} bytes, more than this node accepts ({limit}, "
                                 f"BRYGGE_{knob.upper()})")
            end = pos + _FRAME.size + klen + vlen
            if len(buf) < end:
                break
            key = bytes(buf[pos + _FRAME.size:pos + _FRAME.size + klen])
            value = bytes(buf[pos + _FRAME.size + klen:end])
            if r.end is not None:
                raise BadRequest("corrupt backup: frames after the end frame")
            if kind != b"E":
                r.sha.update(buf[pos:end])
            pos = end
            self._apply(r, wb, kind, key, value)
        del buf[:pos]

    def _limit(self, kind: bytes) -> tuple[int, str]:
        """The largest value a frame of this kind may carry, and the knob that sets it:
        only blobs (artifacts, assets) are larger than one document."""
        if kind == b"B":
            return self.max_blob_bytes, "max_blob_bytes"
        if kind == b"E":
            return MAX_END, "max_doc_bytes"
        return self.max_doc_bytes + _SLACK, "max_doc_bytes"

    def _json(self, value: bytes | memoryview, what: str) -> Any:
        try:
            return strictjson.loads(bytes(value), max_depth=self.max_doc_depth)
        except (ValueError, UnicodeDecodeError) as e:
            raise BadRequest(f"corrupt backup: {what} is not valid JSON ({e})") from None

    def _check_value(self, kind: bytes, value: bytes) -> None:
        """Tenant values the datastore, KV and files read back as JSON must be strict
        JSON (a NaN document would make every read of its collection fail)."""
        if kind == b"d":
            if not isinstance(self._json(value, "a document"), dict):
                raise BadRequest("corrupt backup: a document is not a JSON object")
        elif kind == b"k":
            _KV_HEADER.unpack_from(value)
            self._json(memoryview(value)[_KV_HEADER.size:], "a key-value entry")
        elif kind in (b"m", b"f", b"u", b"q"):
            self._json(value, f"a record of kind {kind.decode()!r}")

    def _apply(self, r: _Restore, wb: WriteBatch, kind: bytes, key: bytes,
               value: bytes) -> None:
        if r.manifest is None and kind != b"M":
            raise BadRequest("corrupt backup: the manifest is missing")
        if kind == b"E":
            end = self._json(value, "the end frame")
            if not isinstance(end, dict):
                raise BadRequest("corrupt backup: the end frame is not an object")
            if end.get("frames") != r.frames or end.get("sha256") != r.sha.hexdigest():
                raise BadRequest("corrupt backup: the checksum does not match")
            r.end = end
            return
        r.frames += 1
        if kind == b"M":
            if r.manifest is not None:
                raise BadRequest("corrupt backup: two manifests")
            m = self._json(value, "the manifest")
            if not isinstance(m, dict) or m.get("format") != FORMAT:
                raise BadRequest(f"backup format {m.get('format') if isinstance(m, dict) else '?'}"
                                 f" is not supported (this node reads format {FORMAT})")
            r.manifest = m
        elif kind == b"K":
            k = absolute_key(key, r.sid)
            c = key[:1]
            self._check_value(c, value)
            wb.put(k, value)
            r.counts["keys"] += 1
            if c == b"d":
                r.counts["documents"] += 1
            elif c == b"f":
                r.counts["files"] += 1
            elif c == b"k":
                r.counts["kv"] += 1  # the expiry index is built by commit
        elif kind == b"S":
            m = _SYS_NAME.match(key.decode("utf-8"))
            if not m:
                raise BadRequest(f"corrupt backup: unexpected system record {key[:80]!r}")
            rec = self._json(value, f"record {m.group(0)[:80]!r}")
            if m.group(1) == "deploy":
                digest = rec.get("digest") if isinstance(rec, dict) else None
                if not isinstance(digest, str):
                    raise BadRequest(f"corrupt backup: deployment record {m.group(2)!r} names "
                                     "no artifact")
                r.named.add(digest)
            wb.put(keys.system_key(f"{m.group(1)}/{r.sid}/{m.group(2)}"), value)
            r.counts["records"] += 1
        elif kind == b"B":
            digest = key.decode()
            if hashlib.sha256(value).hexdigest() != digest:
                raise BadRequest("corrupt backup: a deployment artifact does not match its "
                                 "digest")
            bk = keys.blob_key(digest)
            if self.db.get(bk) is None:
                wb.put(bk, value)
            r.blobs.add(digest)
            r.named.update(_asset_digests(value))
            r.counts["blobs"] += 1
        else:
            raise BadRequest(f"corrupt backup: unknown frame type {kind!r}")

    def commit_restore(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        r = self._restore(str(args.get("restore")))
        with r.lock:
            if r.end is None or not r.z.eof or r.buf:
                raise BadRequest("the backup file is truncated (its end is missing)")
            with self._lock:
                self.restores.pop(str(args.get("restore")), None)
            try:
                self._check_artifacts(r)
            except BadRequest:
                self.erase(r.sid, {})
                raise
            # The key-value expiry index, only now: an aborted restore leaves no entry
            # outside the staging id's own prefixes.
            prefix = b"k" + keys.check_space(r.sid) + b"\x00"
            wb = WriteBatch(raw_mode=True)
            # The document usage counter (the data quota counts it) follows what was
            # restored, never the file's word; the key-value one is counted when read.
            wb.put(b"u" + keys.check_space(r.sid), _dumps(self._count_docs(r.sid)))
            it = self.db.iter()
            it.seek(prefix)
            while it.valid() and it.key().startswith(prefix):
                exp = _KV_HEADER.unpack_from(it.value())[1]
                if exp:
                    wb.put(kv_index_key(exp, it.key()), b"")
                it.next()
            self.db.write(wb)
        self._forget(r.sid)
        return {"manifest": r.manifest, "counts": r.counts, "space": r.sid}

    def _count_docs(self, sid: str) -> dict[str, int]:
        """{objects, bytes} of a space's documents, as the datastore counts them."""
        prefix = keys.space_prefix(sid)
        objects = size = 0
        it = self.db.iter()
        it.seek(prefix)
        while it.valid() and it.key().startswith(prefix):
            objects += 1
            size += len(it.value())
            it.next()
        return {"objects": objects, "bytes": size}

    def _check_artifacts(self, r: _Restore) -> None:
        """Every artifact a restored deployment names, and every asset of those, comes
        from this backup file (its contents matched the digest) or already belongs to
        the space being replaced. Blobs are shared content-addressed storage: without
        this a crafted record could point the space at another tenant's artifact."""
        missing = r.named - r.blobs
        if missing:
            missing -= self._owned(r.replaces)
        if missing:
            d = sorted(missing)[0]
            raise BadRequest(f"the backup names artifact {d[:16]}… that it does not hold and "
                             "the target space does not own; restore refused")

    def _owned(self, sid: str | None) -> set[str]:
        """The artifacts and assets of a space's deployment history."""
        if not sid:
            return set()
        out: set[str] = set()
        p = keys.system_key(f"deploy/{sid}/")
        it = self.db.iter()
        it.seek(p)
        while it.valid() and it.key().startswith(p):
            try:
                d = json.loads(it.value()).get("digest")
            except (ValueError, AttributeError):
                d = None
            if isinstance(d, str) and d not in out:
                out.add(d)
                try:
                    art = self.db.get(keys.blob_key(d))
                except keys.BadName:
                    art = None
                if art is not None:
                    out.update(_asset_digests(art))
            it.next()
        return out

    def abort_restore(self, sid: str, args: dict[str, Any]) -> dict[str, bool]:
        with self._lock:
            r = self.restores.pop(str(args.get("restore")), None)
        if r is not None:
            with r.lock:
                self.erase(r.sid, {})
        return {"aborted": True}

    # -- whole spaces ------------------------------------------------------------------
    def erase(self, sid: str, args: dict[str, Any]) -> dict[str, bool]:
        """Every tenant key and system record (deployments, cron runs) of a space id."""
        self._erase_tenant(sid)
        for prefix in _SYS:
            p = keys.system_key(f"{prefix}/{sid}/")
            self.db.delete_range(p, keys.prefix_end(p))
        self._forget(sid)
        return {"erased": True}

    def is_empty(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        sb = keys.check_space(sid)

        def count(prefix: bytes, limit: int = 1_000_000) -> int:
            it = self.db.iter()
            it.seek(prefix)
            n = 0
            while it.valid() and it.key().startswith(prefix) and n < limit:
                n += 1
                it.next()
            return n

        out = {"collections": count(b"m" + sb + b"\x00"),
               "documents": count(b"d" + sb + b"\x00"),
               "kv": count(b"k" + sb + b"\x00"),
               "files": count(b"f" + sb + b"\x00"),
               "deployments": count(keys.system_key(f"deploy/{sid}/"))}
        return {"empty": not any(out.values()), **out}


def _asset_digests(blob: bytes) -> set[str]:
    """The asset digests an artifact names (`assets: {path: {digest, size}}`,
    control_plane/api/deployments.py store_assets); nothing for other blobs."""
    if blob[:1] != b"{" or b'"assets"' not in blob:
        return set()
    try:
        assets = json.loads(blob).get("assets") or {}
    except (ValueError, AttributeError):
        return set()
    if not isinstance(assets, dict):
        return set()
    return {a["digest"] for a in assets.values()
            if isinstance(a, dict) and isinstance(a.get("digest"), str)}
