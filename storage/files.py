"""Blob storage of a space (codehooks-js `filestore`, `app.storage`; spec §10), chunked.

Layout in the node's RocksDB (raw bytes keys):

    f <sid> \\0 <path>                     -> meta JSON {path, size, date, _id, sha256, upload, chunks}
    g <sid> \\0 <upload> \\0 <index, 8 bytes big-endian>  -> one chunk of the file's bytes
    h <sid> \\0 <upload>                   -> {path, started}: an upload in progress
    q <sid>                               -> {bytes, files}: the space's file usage

A file is written as an *upload*: `file.open` names the path and gets an upload id,
`file.write` appends one piece (≤ `CHUNK` bytes after base64 decoding; pieces are cut into
`CHUNK`-sized chunks as they come), `file.commit` makes it the file at the path in one
write batch (meta, usage counter; the chunks of the file it replaces are deleted), and
`file.abort` drops it. The chunks of an upload live under its own id, never under the
path, so readers of the old version are unaffected until the commit and a crash mid-upload
leaves only chunks that the next start reclaims (the `h` record says which). Neither
this process nor its callers ever hold a whole file: reads are `file.read {path, offset,
length}` of at most `MAX_READ` bytes.

The SHA-256 of the content is computed while the chunks arrive (the hasher lives in
this process with the upload; an upload does not survive a restart of storage) and kept
in the meta, so an ETag never needs the bytes read again.

Limits: `max_file_bytes` per file and `quota_bytes` per space (committed files plus every
upload in progress; a file being replaced is counted once), both refused with `TooLarge`
(HTTP 413); and the project's `file_bytes` quota over all its spaces (`check_room`,
storage/quota_store.py), refused with `QuotaExceeded` (HTTP 507).
Paths are absolute, normalised (`//` and trailing `/` dropped), at most
`keys.MAX_NAME_BYTES` bytes; `.`/`..` segments, NUL and other control characters are
refused with `BadRequest`, so a path names a key of exactly one space.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from rocksdict import Rdict, WriteBatch

from brygge.clock import now_iso
from storage import keys
from storage.errors import BadRequest, NotFound, QuotaExceeded, TooLarge

META = b"f"
DATA = b"g"
PENDING = b"h"
USAGE = b"q"
CHUNK = 256 * 1024  # bytes per stored chunk; also the largest piece file.write accepts
MAX_READ = 1024 * 1024  # most bytes one file.read answers
MAX_WHOLE = 32 * 1024 * 1024  # most bytes file.get (readFile: the whole file at once) answers
_IDX = struct.Struct(">Q")


def _dumps(v: Any) -> bytes:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def normalize_path(path: Any, what: str = "file path") -> str:
    """'/a//b/' -> '/a/b'; raises BadRequest naming the problem for anything that could
    leave the space's namespace or cannot be a key."""
    if not isinstance(path, str) or not path.strip("/"):
        raise BadRequest(f"{what} must be a non-empty string such as '/docs/a.pdf'")
    if "\x00" in path:
        raise BadRequest(f"{what} must not contain NUL")
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        raise BadRequest(f"{what} must not contain control characters")
    segs = [s for s in path.replace("\\", "/").split("/") if s]
    for s in segs:
        if unicodedata.normalize("NFKC", s) in (".", ".."):
            raise BadRequest(f"{what} {path!r}: '.' and '..' segments are not allowed")
    norm = "/" + "/".join(segs)
    if len(norm.encode("utf-8", "surrogatepass")) > keys.MAX_NAME_BYTES:
        raise BadRequest(f"{what} is longer than {keys.MAX_NAME_BYTES} bytes")
    return norm


class _Upload:
    __slots__ = ("hasher", "index", "path", "replaces", "sid", "size", "tail", "touched")

    def __init__(self, sid: str, path: str, replaces: int) -> None:
        self.sid, self.path, self.replaces = sid, path, replaces
        self.size, self.index, self.tail = 0, 0, b""
        self.hasher = hashlib.sha256()
        self.touched = time.monotonic()


class Files:
    """The `file.*` operations of the storage engine."""

    def __init__(self, db: Rdict, *, lock_for: Callable[[str], threading.Lock],
                 new_id: Callable[[], str], max_file_bytes: int = 16 * 1024 * 1024,
                 quota_bytes: int = 1024**3, upload_idle_s: float = 600.0,
                 check_room: Callable[[str, int], None] | None = None) -> None:
        self.db = db
        # the project's file quota (storage/quota_store.py), asked before bytes are taken
        self.check_room = check_room or (lambda sid, more: None)
        self._lock = lock_for
        self._new_id = new_id
        self.max_file_bytes = max_file_bytes
        self.quota_bytes = quota_bytes
        self.upload_idle_s = upload_idle_s
        self.uploads: dict[str, _Upload] = {}
        self._ulock = threading.Lock()
        self.ops: dict[str, Callable[[str, dict[str, Any]], Any]] = {
            "file.open": self.open,
            "file.write": self.write,
            "file.commit": self.commit,
            "file.abort": self.abort,
            "file.save": self.save,
            "file.stat": self.stat,
            "file.read": self.read,
            "file.get": self.get,
            "file.list": self.list,
            "file.delete": self.delete,
            "file.usage": self.usage,
        }
        self._reclaim_orphans()

    # -- keys ----------------------------------------------------------------------
    @staticmethod
    def _sp(kind: bytes, sid: str) -> bytes:
        return kind + keys.check_space(sid) + b"\x00"

    def _meta_key(self, sid: str, path: str) -> bytes:
        return self._sp(META, sid) + path.encode("utf-8", "surrogatepass")

    def _chunk_prefix(self, sid: str, upload: str) -> bytes:
        return self._sp(DATA, sid) + upload.encode() + b"\x00"

    def _reclaim_orphans(self) -> None:
        """Chunks of uploads a previous run left unfinished."""
        for k, _ in list(self._scan(PENDING)):
            sidb, _, upload = k[1:].partition(b"\x00")
            p = DATA + sidb + b"\x00" + upload + b"\x00"
            self.db.delete_range(p, keys.prefix_end(p))
            self.db.delete(k)

    def _meta(self, sid: str, path: str) -> dict[str, Any] | None:
        raw = self.db.get(self._meta_key(sid, path))
        return None if raw is None else json.loads(raw)

    # -- usage ---------------------------------------------------------------------
    def _usage(self, sid: str) -> dict[str, int]:
        raw = self.db.get(USAGE + keys.check_space(sid))
        if raw is not None:
            return json.loads(raw)
        b = n = 0  # not counted yet (files saved before the counter existed)
        for _, v in self._scan(self._sp(META, sid)):
            b += json.loads(v).get("size", 0)
            n += 1
        return {"bytes": b, "files": n}

    def counted(self, sid: str) -> int:
        """Bytes the space holds against its project's file quota: committed files plus
        what uploads in progress add beyond the file each replaces."""
        with self._ulock:
            pending = sum(max(0, u.size - u.replaces) for u in self.uploads.values()
                          if u.sid == sid)
        return self._usage(sid)["bytes"] + pending

    def usage(self, sid: str, args: dict[str, Any]) -> dict[str, int]:
        """{bytes, files} committed, plus {uploading}: bytes of uploads in progress."""
        with self._ulock:
            pending = sum(u.size for u in self.uploads.values() if u.sid == sid)
        return {**self._usage(sid), "uploading": pending, "quota": self.quota_bytes}

    def _scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        it = self.db.iter()
        it.seek(prefix)
        while it.valid():
            k = it.key()
            if not k.startswith(prefix):
                return
            yield k, it.value()
            it.next()

    # -- uploads -------------------------------------------------------------------
    def _expire_idle(self) -> None:
        now = time.monotonic()
        with self._ulock:
            idle = [i for i, u in self.uploads.items() if now - u.touched > self.upload_idle_s]
        for i in idle:
            self._drop(i)

    def _drop(self, upload: str) -> None:
        with self._ulock:
            u = self.uploads.pop(upload, None)
        if u is None:
            return
        p = self._chunk_prefix(u.sid, upload)
        self.db.delete_range(p, keys.prefix_end(p))
        self.db.delete(self._sp(PENDING, u.sid) + upload.encode())

    def open(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{path, size?} -> {upload}. `size`, when known up front, is checked at once."""
        path = normalize_path(args.get("path"))
        self._expire_idle()
        old = self._meta(sid, path)
        u = _Upload(sid, path, old["size"] if old else 0)
        size = args.get("size")
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            self._check_room(u, size)
        upload = secrets.token_hex(12)
        self.db.put(self._sp(PENDING, sid) + upload.encode(),
                    _dumps({"path": path, "started": now_iso()}))
        with self._ulock:
            self.uploads[upload] = u
        return {"upload": upload, "path": path}

    def _get_upload(self, sid: str, args: dict[str, Any]) -> tuple[str, _Upload]:
        upload = args.get("upload")
        with self._ulock:
            u = self.uploads.get(upload) if isinstance(upload, str) else None
        if u is None or u.sid != sid:
            raise NotFound("no such upload in progress (it was committed, aborted, idle for "
                           f"more than {self.upload_idle_s:g} s, or storage restarted)")
        u.touched = time.monotonic()
        return upload, u

    def _check_room(self, u: _Upload, size: int) -> None:
        if size > self.max_file_bytes:
            self._raise_too_large(u, size)
        with self._ulock:
            pending = sum(x.size for x in self.uploads.values() if x.sid == u.sid and x is not u)
        used = self._usage(u.sid)["bytes"] - u.replaces + pending
        if used + size > self.quota_bytes:
            raise TooLarge(f"file {u.path}: the space's file storage quota of {self.quota_bytes} "
                           f"bytes would be exceeded ({used} bytes used, this file "
                           f"{'is' if size == u.size else 'reaches'} {size} bytes; "
                           "BRYGGE_SPACE_FILE_QUOTA_BYTES)")
        # what this upload adds to the project's count (counted()) when it reaches `size`
        self.check_room(u.sid, max(0, size - u.replaces) - max(0, u.size - u.replaces))

    def _raise_too_large(self, u: _Upload, size: int) -> None:
        raise TooLarge(f"file {u.path} is larger than {self.max_file_bytes} bytes, the most a "
                       f"file may have (got {size} bytes; BRYGGE_MAX_FILE_BYTES)")

    def write(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{upload, data: base64 of ≤ CHUNK bytes} -> {size}: append. Over a limit the
        upload is dropped and TooLarge raised."""
        upload, u = self._get_upload(sid, args)
        try:
            piece = base64.b64decode(str(args.get("data") or ""), validate=True)
        except ValueError:
            raise BadRequest("file data must be base64") from None
        if len(piece) > CHUNK:
            raise BadRequest(f"file.write: at most {CHUNK} bytes per piece")
        try:
            self._check_room(u, u.size + len(piece))
        except (TooLarge, QuotaExceeded):
            self._drop(upload)
            raise
        u.hasher.update(piece)
        u.size += len(piece)
        buf = u.tail + piece
        wb = WriteBatch(raw_mode=True)
        prefix = self._chunk_prefix(sid, upload)
        while len(buf) >= CHUNK:
            wb.put(prefix + _IDX.pack(u.index), buf[:CHUNK])
            u.index += 1
            buf = buf[CHUNK:]
        u.tail = buf
        if wb.len():
            self.db.write(wb)
        return {"size": u.size}

    def commit(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{upload} -> {path, size, date, _id}: the upload becomes the file at its path."""
        upload, u = self._get_upload(sid, args)
        with self._ulock:
            self.uploads.pop(upload, None)
        prefix = self._chunk_prefix(sid, upload)
        wb = WriteBatch(raw_mode=True)
        if u.tail:
            wb.put(prefix + _IDX.pack(u.index), u.tail)
            u.index += 1
        mk = self._meta_key(sid, u.path)
        with self._lock(sid):
            old = self._meta(sid, u.path)
            usage = self._usage(sid)
            meta = {"path": u.path, "size": u.size, "date": now_iso(),
                    "_id": old["_id"] if old else self._new_id(),
                    "sha256": u.hasher.hexdigest(), "upload": upload, "chunks": u.index}
            wb.put(mk, _dumps(meta))
            usage["bytes"] += u.size - (old["size"] if old else 0)
            usage["files"] += 0 if old else 1
            wb.put(USAGE + keys.check_space(sid), _dumps(usage))
            wb.delete(self._sp(PENDING, sid) + upload.encode())
            self._delete_data(wb, sid, old)
            self.db.write(wb)
        return self._public(meta)

    def _delete_data(self, wb: WriteBatch, sid: str, meta: dict[str, Any] | None) -> None:
        if meta is None:
            return
        if "upload" in meta:
            p = self._chunk_prefix(sid, meta["upload"])
            wb.delete_range(p, keys.prefix_end(p))
        else:  # saved before chunking: one value under the path
            wb.delete(self._sp(DATA, sid) + meta["path"].encode("utf-8", "surrogatepass"))

    def abort(self, sid: str, args: dict[str, Any]) -> dict[str, bool]:
        upload, _ = self._get_upload(sid, args)
        self._drop(upload)
        return {"aborted": True}

    def save(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{path, data: base64}: a whole (small) file in one call."""
        try:
            data = base64.b64decode(str(args.get("data") or ""), validate=True)
        except ValueError:
            raise BadRequest("file data must be base64") from None
        up = self.open(sid, {"path": args.get("path"), "size": len(data)})["upload"]
        try:
            for i in range(0, len(data), CHUNK):
                self.write(sid, {"upload": up, "data": base64.b64encode(data[i:i + CHUNK]).decode()})
            return self.commit(sid, {"upload": up})
        finally:
            self._drop(up)

    # -- reading -------------------------------------------------------------------
    @staticmethod
    def _public(meta: dict[str, Any]) -> dict[str, Any]:
        return {k: meta[k] for k in ("path", "size", "date", "_id") if k in meta}

    def _need(self, sid: str, args: dict[str, Any], verb: str) -> dict[str, Any]:
        path = normalize_path(args.get("path"))
        meta = self._meta(sid, path)
        if meta is None:
            raise NotFound(f"ENOENT: no such file or directory, {verb} '{path}'")
        return meta

    def stat(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{path} -> {path, size, date, _id, sha256, version}; `version` identifies this
        content (pass it to file.read to fail instead of mixing two versions)."""
        meta = self._need(sid, args, "stat")
        if "sha256" not in meta:  # saved before chunking
            meta["sha256"] = hashlib.sha256(self._legacy(sid, meta)).hexdigest()
        return {**self._public(meta), "sha256": meta["sha256"],
                "version": meta.get("upload", "")}

    def _legacy(self, sid: str, meta: dict[str, Any]) -> bytes:
        return self.db.get(self._sp(DATA, sid) + meta["path"].encode("utf-8", "surrogatepass")) or b""

    def _bytes(self, sid: str, meta: dict[str, Any], offset: int, length: int) -> bytes:
        end = min(meta["size"], offset + length)
        if offset >= end:
            return b""
        if "upload" not in meta:
            return self._legacy(sid, meta)[offset:end]
        prefix = self._chunk_prefix(sid, meta["upload"])
        out = []
        i = offset // CHUNK
        pos = i * CHUNK
        while pos < end:
            c = self.db.get(prefix + _IDX.pack(i))
            if c is None:
                raise NotFound(f"file {meta['path']} changed while it was read")
            out.append(c[max(0, offset - pos):end - pos])
            pos += len(c)
            i += 1
        return b"".join(out)

    def read(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{path, offset=0, length=CHUNK (≤ MAX_READ), version?} -> {data: base64, size}.
        With `version` (from file.stat), a file replaced meanwhile is NotFound rather
        than a mix of two contents."""
        meta = self._need(sid, args, "open")
        version = args.get("version")
        if version not in (None, "") and version != meta.get("upload", ""):
            raise NotFound(f"file {meta['path']} changed while it was read")
        offset, length = args.get("offset", 0), args.get("length", CHUNK)
        for name, v in (("offset", offset), ("length", length)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise BadRequest(f"file.read: {name} must be a non-negative integer")
        data = self._bytes(sid, meta, offset, min(length, MAX_READ))
        return {"data": base64.b64encode(data).decode(), "size": meta["size"]}

    def get(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """{path, size, date, _id, data}: the whole file (readFile), in base64 or as text
        when args.encoding is "utf8" (invalid UTF-8 becomes U+FFFD, as Buffer.toString
        does). Only for files up to max_file_bytes; streams use file.read."""
        meta = self._need(sid, args, "open")
        if meta["size"] > MAX_WHOLE:
            raise TooLarge(f"file {meta['path']} has {meta['size']} bytes; readFile reads at "
                           f"most {MAX_WHOLE} at once, use getReadStream")
        data = self._bytes(sid, meta, 0, meta["size"])
        out = self._public(meta)
        out["data"] = (data.decode("utf-8", "replace") if args.get("encoding") == "utf8"
                       else base64.b64encode(data).decode())
        return out

    def list(self, sid: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Every file under a folder (recursive), or the file itself, in path order."""
        raw = args.get("path")
        folder = "/" if raw in (None, "", "/") else normalize_path(raw, "folder")
        sp = self._sp(META, sid)
        out = []
        if folder != "/":
            exact = self.db.get(sp + folder.encode("utf-8", "surrogatepass"))
            if exact is not None:
                out.append(self._public(json.loads(exact)))
            folder += "/"
        for _, v in self._scan(sp + folder.encode("utf-8", "surrogatepass")):
            out.append(self._public(json.loads(v)))
        return out

    def delete(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        path = normalize_path(args.get("path"))
        with self._lock(sid):
            meta = self._meta(sid, path)
            if meta is None:
                raise NotFound(f"ENOENT: no such file or directory, unlink '{path}'")
            usage = self._usage(sid)
            usage["bytes"] -= meta["size"]
            usage["files"] -= 1
            wb = WriteBatch(raw_mode=True)
            wb.delete(self._meta_key(sid, path))
            wb.put(USAGE + keys.check_space(sid), _dumps(usage))
            self._delete_data(wb, sid, meta)
            self.db.write(wb)
        return {"path": path, "deleted": True}

    def drop_space(self, sid: str) -> None:
        with self._ulock:
            mine = [i for i, u in self.uploads.items() if u.sid == sid]
        for i in mine:
            self._drop(i)
        for kind in (META, DATA, PENDING):
            p = self._sp(kind, sid)
            self.db.delete_range(p, keys.prefix_end(p))
        self.db.delete(USAGE + keys.check_space(sid))
