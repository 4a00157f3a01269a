"""The npm `query-to-mongo` 0.10.2 (what `coho query` uses to turn
`'name=Polly&age>3'` into a MongoDB filter client side), ported so `brygge query` sends
the server exactly the `q=` JSON coho sends. JavaScript details kept on purpose:
Node's `querystring.parse`, `Number()` coercion, ISO 8601 strings becoming dates, and
coho's `RegExp.prototype.toJSON` override (`{"$regex": <"/src/flags" minus every "/">,
"$options": "i"}`). `QuerySyntaxError` is raised where query-to-mongo would throw."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

ISO8601 = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?"
                     r"(T([01][0-9]|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")
COMPARISON = re.compile(r"^(!?[^><!=:]+)(?:=?([><]=?|!?=|:.+=)(.+))?$", re.S)
COMMA_SPLIT = re.compile(r"(\"[^\"]*\")|('[^']*')|(/[^/]*/i?)|([^,]+)")
JS_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|Infinity)$")
JS_RADIX = re.compile(r"^0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)$")
JS_SPACE = " \t\n\r\v\f\u00a0\ufeff\u2028\u2029"


class QuerySyntaxError(ValueError):
    pass


class Rx:
    """A JavaScript RegExp (serialised the way coho's toJSON override does)."""

    def __init__(self, source: str, flags: str) -> None:
        try:
            re.compile(source)
        except re.error as e:
            raise QuerySyntaxError(f"invalid regular expression /{source}/: {e}") from None
        self.source = re.sub(r"(?<!\\)/", r"\\/", source) or "(?:)"
        self.flags = flags

    def to_json(self) -> dict[str, Any]:
        return {"$regex": f"/{self.source}/{self.flags}".replace("/", ""), "$options": "i"}


class JsDate:
    def __init__(self, iso: str) -> None:
        self.iso = iso


class JsBoxed:
    """`Object.assign(<primitive>, {...})`: serialises as the primitive."""

    def __init__(self, value: Any) -> None:
        self.value = value


def js_number(s: str) -> float | None:
    """JavaScript `Number(s)`, or None for NaN."""
    t = s.strip(JS_SPACE)
    if t == "":
        return 0
    m = JS_RADIX.match(t)
    if m:
        return int(t, 0)
    if not JS_DECIMAL.match(t):
        return None
    if t.lstrip("+-") == "Infinity":
        return -math.inf if t[0] == "-" else math.inf
    v = float(t)
    return int(v) if v.is_integer() and abs(v) < 2 ** 53 else v


def js_date(value: str) -> JsDate:
    m = re.match(r"^(\d{4})(?:-(\d\d)(?:-(\d\d))?)?(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?"
                 r"(Z|[+-]\d\d:\d\d))?$", value)
    assert m
    y, mo, d, h, mi, sec, frac, zone = m.groups()
    try:
        dt = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0),
                      int(sec or 0), int((frac or "0")[:3].ljust(3, "0")) * 1000, tzinfo=UTC)
    except ValueError:  # 2021-02-31: JavaScript's Date is invalid, JSON null
        return JsDate("")
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        dt -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return JsDate(dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z")


def typed_value(value: str) -> Any:
    if value[:1] == "!":
        value = value[1:]
    rx = re.match(r"^/(.*)/(i?)$", value, re.S)
    quoted = re.search(r"([\"'])(?:\\\1|.)*?\1", value)
    if rx:
        return Rx(rx.group(1), rx.group(2))
    if quoted:
        return quoted.group(0)[1:-1]
    if value == "true":
        return True
    if value == "false":
        return False
    if ISO8601.match(value) and len(value) != 4:
        return js_date(value)
    n = js_number(value)
    if n is not None and math.isfinite(n):
        return n
    return value


def typed_values(svalue: str) -> list[Any]:
    found = [m.group(0) for m in COMMA_SPLIT.finditer(svalue)]
    if not found:
        raise QuerySyntaxError(f"no value in {svalue!r}")
    return [typed_value(v) for v in found]


def comparison(key: str, value: str | list[str]) -> tuple[str, Any] | None:
    sval = ",".join(value) if isinstance(value, list) else value
    join = key if sval == "" else f"{key}={sval}"
    parts = COMPARISON.match(join)
    if not parts:
        return None
    key, op, rhs = parts.group(1), parts.group(2), parts.group(3)
    out: Any
    if not op:
        if key[0] != "!":
            out = {"$exists": True}
        else:
            key, out = key[1:], {"$exists": False}
    elif op == "=" and rhs == "!":
        out = {"$exists": False}
    elif op in ("=", "!="):
        if op == "=" and rhs[0] == "!":
            op = "!="
        arr = typed_values(rhs)
        if len(arr) > 1:
            out = {"$in" if op == "=" else "$nin": arr}
        elif op == "!=":
            out = {"$not": arr[0]} if isinstance(arr[0], Rx) else {"$ne": arr[0]}
        elif isinstance(arr[0], str) and arr[0][:1] == "!":
            s = arr[0][1:]
            rx = re.match(r"^/(.*)/(i?)$", s, re.S)
            out = {"$not": Rx(rx.group(1), rx.group(2))} if rx else {"$ne": s}
        else:
            out = arr[0]
    elif op[0] == ":" and op[-1] == "=":
        vals = [typed_value(v) for v in rhs.split(",")]
        out = {"$" + op[1:-1]: vals[0] if len(vals) == 1 else vals}
    else:
        v = typed_value(rhs)
        out = {">": {"$gt": v}, ">=": {"$gte": v}, "<": {"$lt": v}, "<=": {"$lte": v}}[op]
    return key, out


def _js_key_order(d: dict[str, Any]) -> dict[str, Any]:
    """JavaScript objects list integer-like keys first, ascending."""
    ints = sorted((k for k in d if re.fullmatch(r"0|[1-9]\d{0,9}", k) and int(k) < 2**32 - 1),
                  key=int)
    return {**{k: d[k] for k in ints}, **{k: v for k, v in d.items() if k not in ints}}


def parse_qs(s: str) -> dict[str, str | list[str]]:
    """Node's `querystring.parse`."""
    out: dict[str, str | list[str]] = {}
    for part in s.split("&")[:1000]:
        if not part:
            continue
        k, _, v = part.partition("=")
        k, v = _unescape(k), _unescape(v)
        if k in out:
            prev = out[k]
            out[k] = [*prev, v] if isinstance(prev, list) else [prev, v]
        else:
            out[k] = v
    return _js_key_order(out)


def _unescape(s: str) -> str:
    return unquote(s.replace("+", " "), errors="surrogateescape")


def _assign(target: Any, src: Any) -> Any:
    """`Object.assign(target, src)` for the values query-to-mongo merges."""
    if isinstance(target, dict):
        if isinstance(src, dict):
            target.update(src)
        elif isinstance(src, str):
            target.update({str(i): c for i, c in enumerate(src)})
        return target
    return target if isinstance(target, (Rx, JsDate, JsBoxed)) else JsBoxed(target)


def criteria(query: str) -> dict[str, Any]:
    """`q2m(query).criteria`, as plain JSON (what coho puts in `q=`)."""
    parsed = parse_qs(query)
    ignore = {"fields", "omit", "sort", "offset", "limit"}
    out: dict[str, Any] = {}
    for key, value in parsed.items():
        if key in ignore:
            continue
        p = comparison(key, value)
        if p:
            k, v = p
            out[k] = _assign(out[k], v) if k in out else v
    return to_json(_js_key_order(out))


def fields_hint(fields: str) -> dict[str, Any]:
    """`q2m("fields=" + fields).options`: `{"fields": {"a": 1, ...}}`."""
    raw = parse_qs("fields=" + fields).get("fields")
    if isinstance(raw, list):
        raw = raw[0]
    if not raw:
        return {}
    return {"fields": {f.strip(): 1 for f in raw.split(",")}}


def to_json(v: Any) -> Any:
    if isinstance(v, Rx):
        return v.to_json()
    if isinstance(v, JsDate):
        return v.iso or None
    if isinstance(v, JsBoxed):
        return to_json(v.value)
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_json(x) for x in v]
    return v


def dumps(v: Any) -> str:
    """JSON.stringify (compact)."""
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)
