"""The per-space key-value store (codehooks `conn.set/get/getAll/incr/...`, spec §6).

Layout in the node's RocksDB (raw bytes keys and values):

    k <sid> \\0 <keyspace> \\0 <key>            -> value record
    x <expiry ms, 16 hex digits> k <sid> ...   -> b"" (expiry index, one per value with a TTL)
    v <sid>                                    -> {bytes, keys}: the space's usage (key + record
                                                  bytes of every stored entry, expired ones
                                                  until they are reclaimed)

A value record is a 9-byte header, the format byte 0x01 then the expiry as a
big-endian uint64 of milliseconds since the epoch (0 = never), followed by the
JSON value: a string for `set`, a number for `incr`/`decr`, an object or array
for `setObj`.

Keyspace and key may not contain NUL and the space id is fixed-length and
platform-chosen, so `k<sid>\\0<keyspace>\\0` is a prefix of exactly the keys of
one keyspace of one space: no guest-chosen name can reach another space or
keyspace. The default keyspace is the empty name (an empty or absent
`keyspace`), which no explicit keyspace can equal.

The expiry index sorts by due time, so `reclaim_expired` reads a prefix range of
due entries instead of scanning the store. Expired values are invisible to every
operation before they are reclaimed.

The usage counter is written in the same batch as the write that changes it, and a
write that grows the space asks `check_room(sid, more)` first (the project's data quota,
storage/quota_store.py), so nothing over the quota is ever written.

Every operation takes `(space_id, args)` with JSON arguments and returns a JSON
result; bad arguments raise `KVError`. Options may be given flat in `args` or in
`args["options"]` (flat wins). Writes of one space are serialised by
`lock_for(space)`; reads take no lock.
"""

from __future__ import annotations

import json
import math
import re
import struct
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import rocksdict
from rocksdict import WriteBatch

from storage import keys

KIND = b"k"
INDEX = b"x"
USAGE = b"v"
_FORMAT = 1
_HEADER = struct.Struct(">BQ")  # format byte, expiry ms (0 = no expiry)
_INDEX_LEN = 1 + 16  # b"x" + 16 hex digits
MAX_SAFE_INT = 2**53 - 1
MAX_TTL_MS = 100 * 365 * 86_400_000  # a century
DEFAULT_PAGE = 500
MAX_PAGE = 10_000
_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class KVError(ValueError):
    """An invalid key-value request (reported to the guest as a bad request)."""


# -- encoding ---------------------------------------------------------------------------
def _encode(value: Any, expiry: int) -> bytes:
    # surrogatepass: a JS string may hold a lone surrogate; it must round-trip.
    return _HEADER.pack(_FORMAT, expiry) + json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8", "surrogatepass")


def _expiry_of(raw: bytes) -> int:
    fmt, exp = _HEADER.unpack_from(raw)
    if fmt != _FORMAT:
        raise KVError(f"unknown key-value record format {fmt}")
    return int(exp)


def _decode(raw: bytes) -> Any:
    return json.loads(raw[_HEADER.size:].decode("utf-8", "surrogatepass"))


def _index_key(expiry: int, kvkey: bytes) -> bytes:
    return INDEX + b"%016x" % expiry + kvkey


def _prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key starting with `prefix` (None: no bound)."""
    p = prefix.rstrip(b"\xff")
    return p[:-1] + bytes([p[-1] + 1]) if p else None


def _js_number(x: int | float) -> str:
    """JavaScript's String(number)."""
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    r = repr(x)
    if "e" not in r:
        return r
    if 1e-6 <= abs(x) < 1e21:  # JS writes these without an exponent
        return format(Decimal(r), "f")
    mant, exp = r.split("e")
    return f"{mant}e{'-' if exp[0] == '-' else '+'}{exp.lstrip('+-').lstrip('0') or '0'}"


def _js_jsonable(v: Any) -> Any:
    """What JSON.stringify would write: integral floats as integers, NaN/Infinity as null."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 1e21 else v
    if isinstance(v, dict):
        return {str(k): _js_jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_js_jsonable(x) for x in v]
    return v


def _to_string(v: Any) -> str:
    """The string `set` stores for a value: String(v), JSON for objects and arrays."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return _js_number(v)
    if isinstance(v, (dict, list)):
        return json.dumps(_js_jsonable(v), separators=(",", ":"), ensure_ascii=False)
    raise KVError(f"value must be a string, number, boolean, object or array, not {_type(v)}")


def _as_string(stored: Any) -> str:
    """What `get` returns for a stored JSON value."""
    return stored if isinstance(stored, str) else _to_string(stored)


def _normal_number(x: int | float) -> int | float:
    if isinstance(x, float) and x.is_integer() and abs(x) <= MAX_SAFE_INT:
        return int(x)
    return x


def _type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


# -- the store ------------------------------------------------------------------------------
class KV:
    def __init__(self, db: rocksdict.Rdict, clock: Callable[[], float] = time.time,
                 lock_for: Callable[[str], threading.Lock] | None = None,
                 check_room: Callable[[str, int], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.check_room = check_room or (lambda sid, more: None)
        self._usage: dict[str, dict[str, int]] = {}
        if lock_for is None:
            stripes = [threading.Lock() for _ in range(64)]

            def lock_for(sid: str) -> threading.Lock:
                return stripes[hash(sid) % len(stripes)]
        self.lock_for = lock_for
        self.ops: dict[str, Callable[[str, dict[str, Any]], Any]] = {
            "kv.set": self.set,
            "kv.get": self.get,
            "kv.getAll": self.get_all,
            "kv.incr": self.incr,
            "kv.decr": self.decr,
            "kv.del": self.delete,
            "kv.delAll": self.del_all,
            "kv.setObj": self.set_obj,
            "kv.getObj": self.get_obj,
            "kv.count": self.count,
        }

    # -- helpers ----------------------------------------------------------------------------
    def _now(self) -> int:
        return round(self.clock() * 1000)

    @staticmethod
    def _opt(args: dict[str, Any], name: str) -> Any:
        if not isinstance(args, dict):
            raise KVError("arguments must be a JSON object")
        if name in args:
            return args[name]
        opts = args.get("options")
        if opts is None:
            return None
        if not isinstance(opts, dict):
            raise KVError(f"options must be an object, not {_type(opts)}")
        return opts.get(name)

    def _ks_prefix(self, sid: str, args: dict[str, Any]) -> bytes:
        s = _space(sid)
        ks = self._opt(args, "keyspace")
        if ks is None or ks == "":
            ksb = b""
        else:
            if not isinstance(ks, str):
                raise KVError(f"keyspace must be a string, not {_type(ks)}")
            try:
                ksb = keys.check_name("keyspace", ks)
            except keys.BadName as e:
                raise KVError(str(e)) from None
        return KIND + s + b"\x00" + ksb + b"\x00"

    def _key(self, sid: str, args: dict[str, Any]) -> tuple[str, bytes]:
        prefix = self._ks_prefix(sid, args)
        key = args.get("key")
        if not isinstance(key, str):
            raise KVError(f"key must be a string, not {_type(key)}")
        try:
            return key, prefix + keys.check_name("key", key)
        except keys.BadName as e:
            raise KVError(str(e)) from None

    def _prefix(self, sid: str, args: dict[str, Any]) -> bytes:
        base = self._ks_prefix(sid, args)
        p = args.get("prefix")
        if p is None or p == "":
            return base
        if not isinstance(p, str):
            raise KVError(f"key prefix must be a string, not {_type(p)}")
        try:
            return base + keys.check_name("key prefix", p)
        except keys.BadName as e:
            raise KVError(str(e)) from None

    def _ttl(self, args: dict[str, Any]) -> int:
        """The expiry (ms since the epoch) a write's `ttl` option asks for; 0 = none."""
        ttl = self._opt(args, "ttl")
        if ttl is None or ttl == 0:
            return 0
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise KVError(f"ttl must be a number of milliseconds, not {_type(ttl)}")
        if ttl < 0 or (isinstance(ttl, float) and not math.isfinite(ttl)):
            raise KVError(f"ttl must be a non-negative finite number of milliseconds, not {ttl!r}")
        if ttl > MAX_TTL_MS:
            raise KVError(f"ttl must be at most {MAX_TTL_MS} ms")
        return self._now() + math.ceil(ttl)

    def _live(self, raw: bytes | None, now: int) -> bool:
        if raw is None:
            return False
        exp = _expiry_of(raw)
        return exp == 0 or exp > now

    def _read(self, kvkey: bytes) -> Any:
        """The live value stored under kvkey, or None."""
        raw = self.db.get(kvkey)
        return _decode(raw) if self._live(raw, self._now()) else None

    def _write(self, sid: str, kvkey: bytes, value: Any, expiry: int,
               old_raw: bytes | None) -> None:
        """Store a value and its expiry index entry, replacing the old record's entry.
        The caller holds the space's lock and read `old_raw` under it."""
        wb = WriteBatch(raw_mode=True)
        if old_raw is not None:
            old_exp = _expiry_of(old_raw)
            if old_exp and old_exp != expiry:
                wb.delete(_index_key(old_exp, kvkey))
        rec = _encode(value, expiry)
        more = len(rec) - len(old_raw) if old_raw is not None else len(kvkey) + len(rec)
        self.check_room(sid, more)
        wb.put(kvkey, rec)
        if expiry:
            wb.put(_index_key(expiry, kvkey), b"")
        self._commit(wb, sid, more, 0 if old_raw is not None else 1)

    # -- usage ------------------------------------------------------------------------------
    def usage(self, sid: str) -> dict[str, int]:
        """{bytes, keys} of the space's stored entries (kept by every write)."""
        u = self._usage.get(sid)
        if u is None:
            raw = self.db.get(USAGE + _space(sid))
            if raw is not None:
                u = json.loads(raw)
            else:  # entries stored before the counter existed: count them once
                u = {"bytes": 0, "keys": 0}
                for k, v in self._scan(KIND + _space(sid) + b"\x00"):
                    u["bytes"] += len(k) + len(v)
                    u["keys"] += 1
            self._usage[sid] = u
        return dict(u)

    def _commit(self, wb: WriteBatch, sid: str, size: int, count: int) -> None:
        """Write the batch with the space's usage counter moved by (size, count)."""
        if size or count:
            u = self.usage(sid)
            u = {"bytes": max(0, u["bytes"] + size), "keys": max(0, u["keys"] + count)}
            if u["keys"]:
                wb.put(USAGE + _space(sid), json.dumps(u).encode())
            else:  # an empty store leaves no key behind (an absent counter counts 0 keys)
                wb.delete(USAGE + _space(sid))
        self.db.write(wb)
        if size or count:
            self._usage[sid] = u

    def _scan(self, prefix: bytes, start: bytes | None = None,
              reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """Entries whose key starts with prefix, in key order (or reversed); `start`
        is the first key to consider (inclusive)."""
        it = self.db.iter()
        if not reverse:
            it.seek(max(start, prefix) if start else prefix)
            while it.valid():
                k = it.key()
                if not k.startswith(prefix):
                    break
                yield k, it.value()
                it.next()
            return
        end = _prefix_end(prefix)
        bound = min(start, end) if start is not None and end is not None else (start or end)
        if bound is None:
            it.seek_to_last()
        else:
            it.seek_for_prev(bound)
            if it.valid() and it.key() == bound and bound == end:
                it.prev()
        while it.valid():
            k = it.key()
            if not k.startswith(prefix):
                break
            yield k, it.value()
            it.prev()

    # -- operations ---------------------------------------------------------------------------
    def set(self, sid: str, args: dict[str, Any]) -> str:
        """{key, value, ttl?, keyspace?} -> the stored string."""
        _, kvkey = self._key(sid, args)
        if "value" not in args or args["value"] is None:
            raise KVError("set needs a value (null is not allowed)")
        value = _to_string(args["value"])
        return self._put(sid, kvkey, value, args)

    def set_obj(self, sid: str, args: dict[str, Any]) -> Any:
        """{key, value: object|array, ttl?, keyspace?} -> the stored object."""
        _, kvkey = self._key(sid, args)
        value = args.get("value")
        if not isinstance(value, (dict, list)):
            raise KVError(f"setObj value must be an object or array, not {_type(value)}")
        return self._put(sid, kvkey, _js_jsonable(value), args)

    def _put(self, sid: str, kvkey: bytes, value: Any, args: dict[str, Any]) -> Any:
        with self.lock_for(sid):
            expiry = self._ttl(args)
            self._write(sid, kvkey, value, expiry, self.db.get(kvkey))
        return value

    def get(self, sid: str, args: dict[str, Any]) -> str | None:
        """{key, keyspace?} -> the string, or null when missing or expired."""
        _, kvkey = self._key(sid, args)
        v = self._read(kvkey)
        return None if v is None else _as_string(v)

    def get_obj(self, sid: str, args: dict[str, Any]) -> Any:
        """{key, keyspace?} -> the object (a string value is parsed as JSON), or null."""
        key, kvkey = self._key(sid, args)
        v = self._read(kvkey)
        if not isinstance(v, str):
            return v
        try:
            return json.loads(v, parse_constant=_reject_constant)
        except ValueError:
            raise KVError(f"the value of key {key!r} is not JSON") from None

    def incr(self, sid: str, args: dict[str, Any]) -> int | float:
        """{key, n=1, ttl?, keyspace?} -> the new number."""
        return self._add(sid, args, 1)

    def decr(self, sid: str, args: dict[str, Any]) -> int | float:
        """{key, n=1, ttl?, keyspace?} -> the new number."""
        return self._add(sid, args, -1)

    def _add(self, sid: str, args: dict[str, Any], sign: int) -> int | float:
        key, kvkey = self._key(sid, args)
        n = args.get("n", 1)
        if n is None:
            n = 1
        if isinstance(n, bool) or not isinstance(n, (int, float)):
            raise KVError(f"the step n must be a number, not {_type(n)}")
        if (isinstance(n, float) and not math.isfinite(n)) or abs(n) > MAX_SAFE_INT:
            raise KVError(f"the step n must be a finite number of magnitude <= 2^53-1, not {n!r}")
        with self.lock_for(sid):
            new_exp = self._ttl(args)
            now = self._now()
            raw = self.db.get(kvkey)
            if self._live(raw, now):
                assert raw is not None
                cur = _decode(raw)
                old = _number_of(key, cur)
                if not new_exp:
                    new_exp = _expiry_of(raw)  # incr without ttl keeps the key's deadline
            else:
                old = 0  # missing or expired: start from zero, no TTL unless given
            result = _normal_number(old + sign * n)
            if (isinstance(result, float) and not math.isfinite(result)) or abs(result) > MAX_SAFE_INT:
                raise KVError(f"incrementing key {key!r} would leave the safe integer range")
            self._write(sid, kvkey, result, new_exp, raw)
        return result

    def delete(self, sid: str, args: dict[str, Any]) -> dict[str, str] | None:
        """{key, keyspace?} -> {key} when a live key was deleted, else null."""
        key, kvkey = self._key(sid, args)
        with self.lock_for(sid):
            raw = self.db.get(kvkey)
            if raw is None:
                return None
            live = self._live(raw, self._now())
            wb = WriteBatch(raw_mode=True)
            wb.delete(kvkey)
            if exp := _expiry_of(raw):
                wb.delete(_index_key(exp, kvkey))
            self._commit(wb, sid, -(len(kvkey) + len(raw)), -1)
        return {"key": key} if live else None

    def del_all(self, sid: str, args: dict[str, Any]) -> dict[str, int]:
        """{prefix?, keyspace?} -> {count}: live keys deleted (expired ones go too)."""
        with self.lock_for(sid):
            return {"count": self._delete_prefix(sid, self._prefix(sid, args))}

    def _delete_prefix(self, sid: str, prefix: bytes) -> int:
        """Delete every entry below `prefix` and its expiry-index entry, moving the usage
        counter with them (caller holds the space's lock); returns how many were live."""
        n = 0
        now = self._now()
        wb, pending, size = WriteBatch(raw_mode=True), 0, 0
        for k, raw in self._scan(prefix):
            wb.delete(k)
            exp = _expiry_of(raw)
            if exp:
                wb.delete(_index_key(exp, k))
            if exp == 0 or exp > now:
                n += 1
            pending += 1
            size += len(k) + len(raw)
            if pending >= 10_000:
                self._commit(wb, sid, -size, -pending)
                wb, pending, size = WriteBatch(raw_mode=True), 0, 0
        if pending:
            self._commit(wb, sid, -size, -pending)
        return n

    def count(self, sid: str, args: dict[str, Any]) -> dict[str, int]:
        """{prefix?, keyspace?} -> {count} of live keys."""
        prefix = self._prefix(sid, args)
        now = self._now()
        return {"count": sum(1 for _, raw in self._scan(prefix) if self._live(raw, now))}

    def get_all(self, sid: str, args: dict[str, Any]) -> Any:
        """{prefix?, keyspace?, reverse?, limit?, cursor?, page?} -> [{key, val}] in key
        order, or {items, cursor} with page: true (cursor null on the last page)."""
        prefix = self._prefix(sid, args)
        base = self._ks_prefix(sid, args)
        reverse = self._opt(args, "reverse")
        if reverse is not None and not isinstance(reverse, bool):
            raise KVError(f"reverse must be a boolean, not {_type(reverse)}")
        page = args.get("page")
        if page is not None and not isinstance(page, bool):
            raise KVError(f"page must be a boolean, not {_type(page)}")
        limit = args.get("limit")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or not 1 <= limit <= MAX_PAGE):
            raise KVError(f"limit must be an integer from 1 to {MAX_PAGE}, not {limit!r}")
        if page and limit is None:
            limit = DEFAULT_PAGE
        cursor = args.get("cursor")
        start = None
        if cursor is not None:
            if not isinstance(cursor, str):
                raise KVError(f"cursor must be a string, not {_type(cursor)}")
            try:
                after = bytes.fromhex(cursor)
            except ValueError:
                raise KVError("invalid cursor") from None
            if b"\x00" in after or len(after) > keys.MAX_NAME_BYTES:
                raise KVError("invalid cursor")
            # The cursor is the last key already seen; resume strictly after it.
            start = base + after + (b"" if reverse else b"\x00")
        now = self._now()
        items: list[dict[str, str]] = []
        budget = max(4 * (limit or 0), 1_000)
        scanned = 0
        last: bytes | None = None
        for k, raw in self._scan(prefix, start, bool(reverse)):
            if reverse and start is not None and k == start:
                continue
            if limit is not None and len(items) >= limit:
                return self._page(items, last, base, page)
            if page and scanned >= budget:  # many expired keys: hand back a short page
                return self._page(items, last, base, page)
            scanned += 1
            last = k
            if self._live(raw, now):
                items.append({"key": k[len(base):].decode("utf-8", "surrogatepass"),
                              "val": _as_string(_decode(raw))})
        return self._page(items, None, base, page)

    @staticmethod
    def _page(items: list[dict[str, str]], last: bytes | None, base: bytes, page: Any) -> Any:
        if not page:
            return items
        return {"items": items, "cursor": None if last is None else last[len(base):].hex()}

    # -- maintenance ------------------------------------------------------------------------------
    def reclaim_expired(self, limit: int = 10_000) -> int:
        """Delete up to `limit` due expiry-index entries and the expired values they
        point to; return how many values were deleted."""
        now = self._now()
        end = INDEX + b"%016x" % (now + 1)
        due: dict[str, list[tuple[bytes, bytes, int]]] = {}
        taken = 0
        for ik, _ in self._scan(INDEX):
            if ik >= end or taken >= limit:
                break
            exp = int(ik[1:_INDEX_LEN], 16)
            kvkey = ik[_INDEX_LEN:]
            sid = kvkey[1:1 + keys.SPACE_ID_LEN].decode("ascii", "replace")
            due.setdefault(sid, []).append((ik, kvkey, exp))
            taken += 1
        n = 0
        for sid, entries in due.items():
            with self.lock_for(sid):
                wb = WriteBatch(raw_mode=True)
                size = count = 0
                for ik, kvkey, exp in entries:
                    wb.delete(ik)
                    raw = self.db.get(kvkey)
                    # Re-read under the lock: a write since the scan replaces the
                    # record and its index entry, and must not be deleted.
                    if raw is not None and _expiry_of(raw) == exp:
                        wb.delete(kvkey)
                        n += 1
                        size += len(kvkey) + len(raw)
                        count += 1
                try:
                    self._commit(wb, sid, -size, -count)
                except KVError:  # an index entry without a valid space id: just drop it
                    self.db.write(wb)
        return n

    def drop_space(self, sid: str) -> None:
        """Delete every key of a space and the expiry-index entries of those with a TTL
        (the index keys hold the space id too: a deleted space leaves no key behind)."""
        with self.lock_for(sid):
            self._delete_prefix(sid, KIND + _space(sid) + b"\x00")
            self.db.delete(USAGE + _space(sid))
            self._usage.pop(sid, None)


def _space(sid: Any) -> bytes:
    if not isinstance(sid, str):
        raise KVError(f"invalid space id {sid!r}")
    try:
        return keys.check_space(sid)
    except keys.BadName as e:
        raise KVError(str(e)) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _number_of(key: str, v: Any) -> int | float:
    if isinstance(v, bool):
        raise KVError(f"the value of key {key!r} is not a number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str) and _NUMBER_RE.fullmatch(v.strip()):
        x = float(v)
        if math.isfinite(x):
            return _normal_number(x)
    raise KVError(f"the value of key {key!r} is not a number")
