"""The document datastore of every space: collections, indexes with a query
planner, JSON-schema validation, and paged result cursors.

Key layout (see storage/keys.py for the space prefix rules):
    d <sid> \\0 <coll> \\0 <_id>                       -> document JSON
    i <sid> \\0 <coll> \\0 <field> \\0 <enc(v)> <_id>     -> b"" (one entry per indexed value)
    m <sid> \\0 <coll>                                 -> collection metadata JSON
    u <sid>                                           -> usage {objects, bytes} of the space
Every write of a document, its index entries and the usage counter is one atomic
RocksDB batch; writes of one space are serialised by its lock, so the counter is
a cheap read-modify-write of a value cached in memory (this process is the only
writer).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from rocksdict import Rdict, WriteBatch

from brygge.clock import now_iso
from storage import encoding, keys, schema
from storage.errors import BadRequest, Conflict, NotFound, SchemaFailed
from storage.query import MISSING, BadQuery, get_path, sort_key_fn
from storage.update import BadUpdate, apply_update, upsert_document

try:  # the precompiling evaluator, when present
    from storage.query import compile_query
except ImportError:  # pragma: no cover
    from storage.query import matches

    def compile_query(q: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:  # type: ignore[misc]
        matches({}, q)
        return lambda d: matches(d, q)


# Local names for the shared storage errors (storage/errors.py).
DataError = BadRequest
NotFoundError = NotFound
ConflictError = Conflict
SchemaError = SchemaFailed


def _dumps(v: Any) -> bytes:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def _first(d: dict[str, Any], *names: str, default: Any = None) -> Any:
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    return default


class Datastore:
    def __init__(self, db: Rdict, *, page_size: int = 500, sort_limit: int = 200_000,
                 max_doc_bytes: int = 16 * 1024 * 1024,
                 lock_for: Callable[[str], threading.Lock] | None = None,
                 check_room: Callable[[str, int], None] | None = None) -> None:
        self.db = db
        # A write batch that grows a space asks first (the project's data quota,
        # storage/quota_store.py): nothing over the quota is written.
        self.check_room = check_room or (lambda sid, more: None)
        self.page_size = page_size
        self.sort_limit = sort_limit
        self.max_doc_bytes = max_doc_bytes
        self.ids = keys.ObjectIds()
        self._meta: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._usage: dict[str, dict[str, int]] = {}
        # index builds under way: (sid, coll) -> {fields, total, processed}
        self.building: dict[tuple[str, str], dict[str, Any]] = {}
        self._locks = [threading.Lock() for _ in range(64)]
        self.lock_for = lock_for or (lambda sid: self._locks[hash(sid) % 64])
        # cursor id -> (expiry, space id that opened it, read-ahead doc, iterator)
        self._cursors: OrderedDict[
            str, tuple[float, str, dict[str, Any], Iterator[dict[str, Any]]]] = OrderedDict()
        self._cursor_lock = threading.Lock()
        self.ops: dict[str, Callable[[str, dict[str, Any]], Any]] = {
            "db.insertOne": self.insert_one, "db.insertMany": self.insert_many,
            "db.getOne": self.get_one, "db.getMany": self.get_many, "db.count": self.count,
            "db.updateOne": self.update_one, "db.updateMany": self.update_many,
            "db.replaceOne": self.replace_one, "db.replaceMany": self.replace_many,
            "db.removeOne": self.remove_one, "db.removeMany": self.remove_many,
            "db.createIndex": self.create_index, "db.removeIndex": self.remove_index,
            "db.setSchema": self.set_schema, "db.getSchema": self.get_schema,
            "db.removeSchema": self.remove_schema, "db.createCollection": self.create_collection,
            "db.dropCollection": self.drop_collection, "db.collections": self.collections,
            "db.indexProgress": self.index_progress,
        }

    # -- metadata ----------------------------------------------------------------------
    @staticmethod
    def _meta_key(sid: str, coll: str) -> bytes:
        return b"m" + keys.check_space(sid) + b"\x00" + keys.check_name("collection name", coll)

    def meta(self, sid: str, coll: str) -> dict[str, Any] | None:
        k = (sid, coll)
        if k not in self._meta:
            raw = self.db.get(self._meta_key(sid, coll))
            self._meta[k] = json.loads(raw) if raw is not None else None
        return self._meta[k]

    def _put_meta(self, wb: WriteBatch, sid: str, coll: str, meta: dict[str, Any] | None) -> None:
        if meta is None:
            wb.delete(self._meta_key(sid, coll))
        else:
            wb.put(self._meta_key(sid, coll), _dumps(meta))

    def _ensure_meta(self, wb: WriteBatch, sid: str, coll: str) -> dict[str, Any]:
        m = self.meta(sid, coll)
        if m is None:
            m = {"name": coll, "created": now_iso(), "indexes": {}, "schema": None}
            self._put_meta(wb, sid, coll, m)
        return m

    def _commit(self, wb: WriteBatch, metas: dict[tuple[str, str], dict[str, Any] | None],
                sid: str | None = None, objects: int = 0, size: int = 0) -> None:
        if objects or size:
            assert sid is not None
            if size > 0:
                self.check_room(sid, size)
            u = self.usage(sid)
            u = {"objects": u["objects"] + objects, "bytes": u["bytes"] + size}
            wb.put(b"u" + keys.check_space(sid), _dumps(u))
        self.db.write(wb)
        self._meta.update(metas)
        if objects or size:
            self._usage[sid] = u  # type: ignore[index]

    def usage(self, sid: str) -> dict[str, int]:
        u = self._usage.get(sid)
        if u is None:
            raw = self.db.get(b"u" + keys.check_space(sid))
            u = self._usage[sid] = json.loads(raw) if raw else {"objects": 0, "bytes": 0}
        return dict(u)

    # -- index entries -----------------------------------------------------------------
    @staticmethod
    def _index_prefix(sid: str, coll: str, field: str) -> bytes:
        return (b"i" + keys.check_space(sid) + b"\x00" + keys.check_name("collection name", coll)
                + b"\x00" + keys.check_name("index field", field) + b"\x00")

    @staticmethod
    def _index_keys(doc: dict[str, Any], field: str) -> list[bytes]:
        """Encoded index values of a document: one per array element (multikey);
        a missing field sorts as null and an empty array before it, as in MongoDB."""
        v = get_path(doc, field)
        if v is MISSING:
            return [encoding.T_NULL]
        if isinstance(v, list):
            return [encoding.encode(x) for x in v] if v else [encoding.T_EMPTY_ARRAY]
        return [encoding.encode(v)]

    def _index_ops(self, wb: WriteBatch, sid: str, coll: str, meta: dict[str, Any],
                   old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
        """Write the index entries of a document change. Returns True when an index
        became multikey (first array value), so the caller persists the metadata."""
        flipped = False
        for field, info in (meta.get("indexes") or {}).items():
            if new is not None and not info.get("multikey") and \
                    isinstance(get_path(new, field), list):
                info["multikey"] = flipped = True
            prefix = self._index_prefix(sid, coll, field)
            old_keys = {prefix + e + old["_id"].encode()
                        for e in self._index_keys(old, field)} if old else set()
            new_keys = {prefix + e + new["_id"].encode()
                        for e in self._index_keys(new, field)} if new else set()
            for k in old_keys - new_keys:
                wb.delete(k)
            for k in new_keys - old_keys:
                wb.put(k, b"")
        return flipped

    # -- validation ----------------------------------------------------------------------
    def _check_doc(self, meta: dict[str, Any] | None, doc: dict[str, Any]) -> bytes:
        data = _dumps(doc)
        if len(data) > self.max_doc_bytes:
            raise DataError(f"document is larger than {self.max_doc_bytes} bytes")
        if meta and meta.get("schema"):
            try:
                schema.validate(json.dumps(meta["schema"], sort_keys=True), doc)
            except schema.SchemaViolation as e:
                raise SchemaError(e.errors) from None
        return data

    # -- reading -------------------------------------------------------------------------------
    def _scan(self, prefix: bytes, start: bytes | None = None, end: bytes | None = None,
              reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        it = self.db.iter()
        if reverse:
            it.seek_for_prev(end or keys.prefix_end(prefix))
            while it.valid():
                k = it.key()
                if not k.startswith(prefix) or (start is not None and k < start):
                    break
                if end is None or k < end:
                    yield k, it.value()
                it.prev()
        else:
            it.seek(start or prefix)
            while it.valid():
                k = it.key()
                if not k.startswith(prefix) or (end is not None and k >= end):
                    break
                yield k, it.value()
                it.next()

    def _doc(self, sid: str, coll: str, doc_id: str) -> dict[str, Any] | None:
        raw = self.db.get(keys.doc_key(sid, coll, doc_id))
        return None if raw is None else json.loads(raw)

    def _docs_by_index(self, sid: str, coll: str, field: str, start: bytes | None,
                       end: bytes | None, reverse: bool = False) -> Iterator[dict[str, Any]]:
        prefix = self._index_prefix(sid, coll, field)
        seen: set[str] = set()
        for k, _ in self._scan(prefix, prefix + start if start else None,
                               prefix + end if end else None, reverse):
            rest = k[len(prefix):]
            doc_id = rest[encoding.decode_len(rest, 0):].decode()
            if doc_id in seen:
                continue
            seen.add(doc_id)
            d = self._doc(sid, coll, doc_id)
            if d is not None:
                yield d

    def _plan(self, sid: str, coll: str, query: dict[str, Any], sort: dict[str, int] | None
              ) -> tuple[str, Iterator[dict[str, Any]], bool]:
        """(plan description, candidate documents, already sorted?). Candidates are
        re-checked against the whole query by the caller."""
        prefix = keys.collection_prefix(sid, coll)
        qid = query.get("_id")
        if isinstance(qid, str):
            d = self._doc(sid, coll, qid)
            return "by _id", iter([d] if d else []), True
        indexes = (self.meta(sid, coll) or {}).get("indexes") or {}
        for field, cond in query.items():
            if field.startswith("$") or field not in indexes:
                continue
            bounds = _bounds(cond, multikey=bool(indexes[field].get("multikey")))
            if bounds is None:
                continue
            if bounds == "in":
                vals = sorted({json.dumps(v, sort_keys=True): v for v in cond["$in"]}.values(),
                              key=encoding.encode)
                it = itertools.chain.from_iterable(
                    self._docs_by_index(sid, coll, field, encoding.encode(v),
                                        encoding.encode(v) + b"\xff") for v in vals)
                return f"index {field} ($in)", _dedupe(it), False
            lo, hi = bounds
            return (f"index {field}", self._docs_by_index(sid, coll, field, lo, hi),
                    bool(sort) and list(sort) == [field] and sort[field] >= 0)
        if sort and len(sort) == 1:
            [(field, direction)] = sort.items()
            if field in indexes:
                return (f"index {field} (sort)",
                        self._docs_by_index(sid, coll, field, None, None, reverse=direction < 0),
                        True)
            if field == "_id":
                docs = (json.loads(v) for _, v in self._scan(prefix, reverse=direction < 0))
                return "scan (_id order)", docs, True
        return "scan", (json.loads(v) for _, v in self._scan(prefix)), not sort

    def _results(self, sid: str, args: dict[str, Any]) -> Iterator[dict[str, Any]]:
        coll = str(args.get("collection"))
        query, opts = _query_and_options(args)
        hints = opts.get("hints") or {}
        sort = _first(opts, "sort") or _first(hints, "sort", "$orderby", "$sort")
        if sort is not None and not (isinstance(sort, dict) and
                                     all(isinstance(v, (int, float)) for v in sort.values())):
            raise DataError('sort must be an object like {"field": 1} or {"field": -1}')
        limit = _first(opts, "limit", default=None)
        if limit is None:
            limit = _first(hints, "limit", "$limit", "$max")
        offset = int(_first(opts, "offset", default=None) or
                     _first(hints, "offset", "skip", "$offset", "$skip", default=0) or 0)
        fields = _first(hints, "$fields", "fields", "projection") or opts.get("fields")
        check = compile_query(query)
        use_index = opts.get("useIndex")
        if use_index:
            start = opts.get("start", opts.get("startIndex"))
            end = opts.get("end", opts.get("endIndex"))
            lo = encoding.encode(start)[:-2] if isinstance(start, str) else \
                (encoding.encode(start) if start is not None else None)
            hi = (encoding.encode(end)[:-2] + b"\xff" if isinstance(end, str) else
                  encoding.encode(end) + b"\xff") if end is not None else None
            if use_index == "_id":
                docs: Iterator[dict[str, Any]] = (
                    json.loads(v) for _, v in self._scan(keys.collection_prefix(sid, coll),
                                                         reverse=bool(opts.get("reverse"))))
            else:
                if use_index not in ((self.meta(sid, coll) or {}).get("indexes") or {}):
                    raise DataError(f"no index on {coll}.{use_index}: create it with createIndex")
                docs = self._docs_by_index(sid, coll, use_index, lo, hi,
                                           reverse=bool(opts.get("reverse")))
            ordered = True
        else:
            _, docs, ordered = self._plan(sid, coll, query, sort)
        docs = (d for d in docs if check(d))
        if sort and not ordered:
            buf = list(itertools.islice(docs, self.sort_limit + 1))
            if len(buf) > self.sort_limit:
                raise DataError(f"sorting more than {self.sort_limit} documents without an index: "
                                f"create an index on {', '.join(sort)} (createIndex) or narrow the query")
            buf.sort(key=sort_key_fn(sort))
            docs = iter(buf)
        if offset:
            docs = itertools.islice(docs, offset, None)
        if limit not in (None, 0) and int(limit) > 0:
            docs = itertools.islice(docs, int(limit))
        if fields:
            docs = (_project(d, fields) for d in docs)
        return docs

    def get_many(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        """One page of results and a cursor for the next (kept here for 60 s)."""
        cursor = args.get("cursor")
        if cursor:
            # A cursor is redeemed only by the space that opened it (and only here: the
            # iterator lives in this storage process). Another space's id is "expired",
            # as an unknown one, and is left alone for its owner.
            with self._cursor_lock:
                hit = self._cursors.get(str(cursor))
                if hit is not None and hit[1] == sid:
                    del self._cursors[str(cursor)]
                else:
                    hit = None
            if hit is None:
                raise DataError("the result cursor expired; run the query again")
            _, _, head, docs = hit
        else:
            head = None
            _, opts = _query_and_options(args)
            hints = opts.get("hints") or {}
            if _first(hints, "$onlycount", "$count", "count") or opts.get("count") is True:
                return {"docs": [self.count(sid, args)], "cursor": None}
            docs = self._results(sid, args)
        size = int(args.get("pageSize") or self.page_size)
        # The document read ahead to know whether more follow is kept beside the
        # iterator (not chained onto it: chains would nest once per page).
        page = [head] if head is not None else []
        page.extend(itertools.islice(docs, size - len(page)))
        nxt = None
        peek = next(docs, None)
        if peek is not None:
            nxt = secrets.token_urlsafe(16)
            with self._cursor_lock:
                now = time.monotonic()
                self._cursors[nxt] = (now + 60, sid, peek, docs)
                while self._cursors and (len(self._cursors) > 1000 or
                                         next(iter(self._cursors.values()))[0] < now):
                    self._cursors.popitem(last=False)
        return {"docs": page, "cursor": nxt}

    def get_one(self, sid: str, args: dict[str, Any]) -> Any:
        for d in self._results(sid, {**args, "options": {"limit": 1}}):
            return d
        if args.get("orNull"):
            return None
        raise NotFoundError("not found")

    def count(self, sid: str, args: dict[str, Any]) -> dict[str, int]:
        n = self._count_from_index(sid, args)
        if n is not None:
            return {"count": n}
        return {"count": sum(1 for _ in self._results(sid, args))}

    def _count_from_index(self, sid: str, args: dict[str, Any]) -> int | None:
        """Count an equality on one scalar (non-multikey) indexed field from index
        keys alone, without reading documents."""
        coll = str(args.get("collection"))
        query, opts = _query_and_options(args)
        if len(query) != 1 or opts.get("limit") or opts.get("offset"):
            return None
        [(field, cond)] = query.items()
        info = ((self.meta(sid, coll) or {}).get("indexes") or {}).get(field)
        if info is None or info.get("multikey") or isinstance(cond, (dict, list)) or \
                cond is None:
            return None
        compile_query(query)  # same validation as a scan
        prefix = self._index_prefix(sid, coll, field) + encoding.encode(cond)
        return sum(1 for _ in self._scan(prefix))

    # -- writing ---------------------------------------------------------------------------------
    def insert_one(self, sid: str, args: dict[str, Any]) -> Any:
        doc = args.get("doc")
        if isinstance(doc, list):
            return self.insert_many(sid, {**args, "docs": doc})
        return self.insert_many(sid, {**args, "docs": [doc]})[0]

    def insert_many(self, sid: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        coll = str(args.get("collection"))
        docs = args.get("docs")
        if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
            raise DataError("insert needs a JSON object document (or an array of them)")
        out = []
        with self.lock_for(sid):
            wb = WriteBatch(raw_mode=True)
            meta = self._ensure_meta(wb, sid, coll)
            ids = set()
            size = 0
            for d in docs:
                d = dict(d)
                did = d.get("_id")
                generated = did is None
                did = d["_id"] = self.ids.next() if generated else str(did)
                key = keys.doc_key(sid, coll, did)
                # generated ids are unique by construction: no read before the write
                if not generated and (did in ids or self.db.get(key) is not None):
                    raise ConflictError(f"a document with _id {did!r} already exists in {coll}")
                ids.add(did)
                data = self._check_doc(meta, d)
                size += len(data)
                wb.put(key, data)
                if self._index_ops(wb, sid, coll, meta, None, d):
                    self._put_meta(wb, sid, coll, meta)
                out.append(d)
            self._commit(wb, {(sid, coll): meta}, sid, len(out), size)
        return out

    def _targets(self, sid: str, args: dict[str, Any], many: bool) -> list[dict[str, Any]]:
        return list(itertools.islice(self._results(sid, {**args, "options": {}}),
                                     None if many else 1))

    def _update(self, sid: str, args: dict[str, Any], many: bool, replace: bool) -> Any:
        coll = str(args.get("collection"))
        change = args.get("doc") if replace else args.get("update")
        if not isinstance(change, dict):
            raise DataError(f"{'replacement' if replace else 'update'} must be a JSON object")
        opts = args.get("options") or {}
        with self.lock_for(sid):
            wb = WriteBatch(raw_mode=True)
            meta = self._ensure_meta(wb, sid, coll)
            results = []
            added = size = 0
            try:
                for old in self._targets(sid, args, many):
                    new = {**change, "_id": old["_id"]} if replace else apply_update(old, change)
                    data = self._check_doc(meta, new)
                    size += len(data) - len(_dumps(old))
                    wb.put(keys.doc_key(sid, coll, old["_id"]), data)
                    if self._index_ops(wb, sid, coll, meta, old, new):
                        self._put_meta(wb, sid, coll, meta)
                    results.append(new)
                if not results and opts.get("upsert"):
                    query, _ = _query_and_options(args)
                    new = dict(change) if replace else upsert_document(query, change)
                    if replace and isinstance(query.get("_id"), str):
                        new["_id"] = query["_id"]
                    new["_id"] = str(new.get("_id") or self.ids.next())
                    data = self._check_doc(meta, new)
                    wb.put(keys.doc_key(sid, coll, new["_id"]), data)
                    if self._index_ops(wb, sid, coll, meta, None, new):
                        self._put_meta(wb, sid, coll, meta)
                    results.append(new)
                    added, size = 1, size + len(data)
            except BadUpdate as e:
                raise DataError(str(e)) from None
            self._commit(wb, {(sid, coll): meta}, sid, added, size)
        if many:
            return {"count": len(results)}
        if not results:
            query, _ = _query_and_options(args)
            if set(query) <= {"_id"}:
                raise NotFoundError("not found")
            return None  # a conditional update that matched nothing resolves falsy
        return results[0]

    def update_one(self, sid: str, args: dict[str, Any]) -> Any:
        return self._update(sid, args, many=False, replace=False)

    def update_many(self, sid: str, args: dict[str, Any]) -> Any:
        return self._update(sid, args, many=True, replace=False)

    def replace_one(self, sid: str, args: dict[str, Any]) -> Any:
        return self._update(sid, args, many=False, replace=True)

    def replace_many(self, sid: str, args: dict[str, Any]) -> Any:
        return self._update(sid, args, many=True, replace=True)

    def _remove(self, sid: str, args: dict[str, Any], many: bool) -> list[dict[str, Any]]:
        coll = str(args.get("collection"))
        with self.lock_for(sid):
            meta = self.meta(sid, coll) or {}
            wb = WriteBatch(raw_mode=True)
            gone = self._targets(sid, args, many)
            for d in gone:
                wb.delete(keys.doc_key(sid, coll, d["_id"]))
                self._index_ops(wb, sid, coll, meta, d, None)
            self._commit(wb, {}, sid, -len(gone), -sum(len(_dumps(d)) for d in gone))
        return gone

    def remove_one(self, sid: str, args: dict[str, Any]) -> dict[str, str]:
        gone = self._remove(sid, args, many=False)
        if not gone:
            raise NotFoundError("not found")
        return {"_id": gone[0]["_id"]}

    def remove_many(self, sid: str, args: dict[str, Any]) -> dict[str, int]:
        return {"count": len(self._remove(sid, args, many=True))}

    # -- collections, indexes, schemas ---------------------------------------------------------
    def create_index(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        coll = str(args.get("collection"))
        fields = args.get("fields")
        fields = [fields] if isinstance(fields, str) else fields
        if not isinstance(fields, list) or not fields or \
                not all(isinstance(f, str) and f for f in fields):
            raise DataError("createIndex needs a field name or a list of field names")
        built = 0
        with self.lock_for(sid):
            wb = WriteBatch(raw_mode=True)
            meta = json.loads(json.dumps(self._ensure_meta(wb, sid, coll)))
            new = [f for f in fields if f not in meta["indexes"] and f != "_id"]
            for f in new:
                meta["indexes"][f] = {"created": now_iso()}
            only_new = {**meta, "indexes": {f: meta["indexes"][f] for f in new}}
            total = self.count(sid, {"collection": coll})["count"] if new else 0
            progress = self.building[(sid, coll)] = {"collection": coll, "fields": new,
                                                      "total": total, "processed": 0}
            try:
                for _, v in self._scan(keys.collection_prefix(sid, coll)) if new else ():
                    self._index_ops(wb, sid, coll, only_new, None, json.loads(v))
                    built += 1
                    if built % 10_000 == 0:  # bounded batches; progress visible meanwhile
                        self.db.write(wb)
                        wb = WriteBatch(raw_mode=True)
                        progress["processed"] = built
                self._put_meta(wb, sid, coll, meta)
                self._commit(wb, {(sid, coll): meta})
            finally:
                self.building.pop((sid, coll), None)
        return {"collection": coll, "indexes": sorted(meta["indexes"]), "count": built}

    def index_progress(self, sid: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Index builds under way in the space (polled while createIndex runs)."""
        return [dict(p) for (s, _), p in list(self.building.items()) if s == sid]

    def remove_index(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        coll = str(args.get("collection"))
        fields = args.get("fields")
        fields = [fields] if isinstance(fields, str) else fields or []
        with self.lock_for(sid):
            meta = self.meta(sid, coll)
            if meta is None:
                raise NotFoundError(f"no collection {coll!r}")
            meta = json.loads(json.dumps(meta))
            for f in fields:
                if f in meta["indexes"]:
                    p = self._index_prefix(sid, coll, f)
                    self.db.delete_range(p, keys.prefix_end(p))
                    del meta["indexes"][f]
            wb = WriteBatch(raw_mode=True)
            self._put_meta(wb, sid, coll, meta)
            self._commit(wb, {(sid, coll): meta})
        return {"collection": coll, "indexes": sorted(meta["indexes"])}

    def set_schema(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        coll = str(args.get("collection"))
        sch = args.get("schema")
        try:
            schema.check_schema(sch)
        except schema.SchemaInvalid as e:
            raise DataError(str(e)) from None
        with self.lock_for(sid):
            wb = WriteBatch(raw_mode=True)
            meta = {**self._ensure_meta(wb, sid, coll), "schema": sch}
            self._put_meta(wb, sid, coll, meta)
            self._commit(wb, {(sid, coll): meta})
        return {"collection": coll, "schema": sch}

    def get_schema(self, sid: str, args: dict[str, Any]) -> Any:
        return (self.meta(sid, str(args.get("collection"))) or {}).get("schema")

    def remove_schema(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        coll = str(args.get("collection"))
        with self.lock_for(sid):
            meta = self.meta(sid, coll)
            if meta is not None:
                meta = {**meta, "schema": None}
                wb = WriteBatch(raw_mode=True)
                self._put_meta(wb, sid, coll, meta)
                self._commit(wb, {(sid, coll): meta})
        return {"collection": coll, "schema": None}

    def create_collection(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        coll = str(args.get("collection"))
        opts = args.get("options") or {}
        if self.meta(sid, coll) is not None:
            raise ConflictError(f"collection {coll!r} already exists")
        if opts.get("schema") is not None:
            return self.set_schema(sid, {"collection": coll, "schema": opts["schema"]})
        with self.lock_for(sid):
            wb = WriteBatch(raw_mode=True)
            meta = self._ensure_meta(wb, sid, coll)
            self._commit(wb, {(sid, coll): meta})
        return {"collection": coll}

    def drop_collection(self, sid: str, args: dict[str, Any]) -> dict[str, Any]:
        coll = str(args.get("collection"))
        with self.lock_for(sid):
            objects = size = 0
            for _, v in self._scan(keys.collection_prefix(sid, coll)):
                objects += 1
                size += len(v)
            for p in (keys.collection_prefix(sid, coll),
                      b"i" + keys.check_space(sid) + b"\x00" + coll.encode() + b"\x00"):
                self.db.delete_range(p, keys.prefix_end(p))
            wb = WriteBatch(raw_mode=True)
            self._put_meta(wb, sid, coll, None)
            self._commit(wb, {(sid, coll): None}, sid, -objects, -size)
        return {"collection": coll, "dropped": True}

    def collections(self, sid: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        """The catalogue: name, created, indexes, schema, document count and bytes
        (`namesOnly`: without the counts, which read every document)."""
        prefix = b"m" + keys.check_space(sid) + b"\x00"
        out = []
        for _, v in self._scan(prefix):
            meta = json.loads(v)
            if args.get("namesOnly"):
                out.append(meta)
                continue
            count = size = 0
            for dk, dv in self._scan(keys.collection_prefix(sid, meta["name"])):
                count += 1
                size += len(dk) + len(dv)
            out.append({**meta, "count": count, "bytes": size})
        return out

    def drop_space(self, sid: str) -> None:
        for kind in (b"d", b"i", b"m"):
            p = kind + keys.check_space(sid) + b"\x00"
            self.db.delete_range(p, keys.prefix_end(p))
        self.db.delete(b"u" + keys.check_space(sid))
        self._meta = {k: v for k, v in self._meta.items() if k[0] != sid}
        self._usage.pop(sid, None)


def _query_and_options(args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    opts = args.get("options") or {}
    if not isinstance(opts, dict):
        raise DataError("options must be a JSON object")
    q = args.get("query")
    if q is None or q == {}:
        q = opts.get("filter") or {}
    if isinstance(q, str):
        q = {"_id": q}
    if not isinstance(q, dict):
        raise DataError("query must be a JSON object or an _id string")
    return q, opts


_RANGE = {"$gt", "$gte", "$lt", "$lte"}


def _bounds(cond: Any, multikey: bool = False) -> tuple[bytes, bytes] | str | None:
    """Index key bounds [lo, hi) for a field condition the index can serve. On a
    multikey (array-valued) index the bounds of a two-sided range may be met by
    different elements of one array ({$gt: 5, $lt: 3} matches [1, 10]), so only
    the lower bound narrows the scan there; the full query re-checks every
    candidate either way."""
    if not isinstance(cond, dict) or not cond:
        if isinstance(cond, (dict, list)):
            return None
        e = encoding.encode(cond)
        return e, e + b"\xff"
    ops = set(cond)
    if ops == {"$eq"} and not isinstance(cond["$eq"], (dict, list)):
        e = encoding.encode(cond["$eq"])
        return e, e + b"\xff"
    if ops == {"$in"} and isinstance(cond["$in"], list) and \
            all(not isinstance(v, (dict, list)) for v in cond["$in"]):
        return "in"
    if ops and ops <= _RANGE:
        vals = [cond[o] for o in ops]
        if any(isinstance(v, (dict, list, bool)) or v is None for v in vals):
            return None
        kinds = {encoding.kind_of(v) for v in vals}
        if len(kinds) != 1:
            return None
        tag = kinds.pop()
        lo, hi = tag, bytes([tag[0] + 1])
        for o in ops:
            e = encoding.encode(cond[o])
            if o == "$gt":
                lo = max(lo, e + b"\xff")
            elif o == "$gte":
                lo = max(lo, e)
            elif o == "$lt":
                hi = min(hi, e)
            else:
                hi = min(hi, e + b"\xff")
        if multikey and ops & {"$gt", "$gte"} and ops & {"$lt", "$lte"}:
            hi = bytes([tag[0] + 1])
        return lo, hi
    return None


def _dedupe(docs: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    for d in docs:
        if d["_id"] not in seen:
            seen.add(d["_id"])
            yield d


def _project(doc: dict[str, Any], fields: Any) -> dict[str, Any]:
    if isinstance(fields, str):
        fields = {f.strip(): 1 for f in fields.split(",") if f.strip()}
    if not isinstance(fields, dict) or not fields:
        return doc
    if all(v in (0, False) for v in fields.values()):
        out = json.loads(json.dumps(doc))
        for f in fields:
            parent = out
            parts = f.split(".")
            for p in parts[:-1]:
                parent = parent.get(p) if isinstance(parent, dict) else None
            if isinstance(parent, dict):
                parent.pop(parts[-1], None)
        return out
    out: dict[str, Any] = {}
    if fields.get("_id", 1) not in (0, False) and "_id" in doc:
        out["_id"] = doc["_id"]
    for f, on in fields.items():
        if on in (0, False) or f == "_id":
            continue
        v = get_path(doc, f)
        if v is MISSING:
            continue
        cur = out
        parts = f.split(".")
        for p in parts[:-1]:
            cur = cur.setdefault(p, {})
        cur[parts[-1]] = v
    return out


BadQueryError = BadQuery
