"""JSON text as Node's `JSON.stringify` writes it: the one encoder for every JSON answer
and output made by hand (`_A_D_M_*` answers, the admin API, the `brygge` CLI, the
router's error bodies and realtime frames).

Byte for byte what the hosted product (Node) sends, so scripts that grep or diff `coho`
output keep working: every code point raw UTF-8 (`"Ø1"`, not `"\\u00d81"`; U+2028/2029
raw too), lone surrogates as lowercase `\\udxxx` (well-formed JSON.stringify; raw they
cannot be encoded as UTF-8 at all), control characters as `\\n`/`\\u001f`, numbers as
JavaScript prints them (`1e-7`, `100`, `1e+21`; an integer beyond 2**53 is the double
Node would hold; NaN/Infinity `null`), integer-like keys first in ascending order (a
JavaScript object's own key order).

Speed: the C encoder writes the text; the exact (Python) fixes run only when a cheap
scan of that text finds something they would change, so the common document costs one
`json.dumps` and a few scans (about twice `json.dumps` alone).
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR_OR_LONE = re.compile("[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]")
# A float token, a long integer or a non-finite constant somewhere (maybe in a string:
# then the exact pass below finds nothing to change).
_NUMBERISH = re.compile(r"[:\[,\s]-?(?:\d{16}|\d+[.eE])")
_NUMBER_START = frozenset("-0123456789")  # a bare number: no separator before it
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(-?(?:\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|Infinity)|NaN)')
_INDEX_KEY = re.compile(r'"(?:0|[1-9]\d*)":')
_MAX_INDEX = 2**32 - 2  # an array index, the keys a JS object orders first
_SAFE = 2**53


def dumps(obj: Any, indent: int | None = None) -> str:
    """`JSON.stringify(obj)` (or `JSON.stringify(obj, null, indent)`) for a value made of
    dict, list/tuple, str, int, float, bool and None."""
    text = _c_dumps(obj, indent)
    if _INDEX_KEY.search(text):
        text = _c_dumps(_js_key_order(obj), indent)
    if _NUMBERISH.search(text) or text[:1] in _NUMBER_START or "NaN" in text \
            or "Infinity" in text:
        text = _TOKEN.sub(_js_number_token, text)
    if _SURROGATE.search(text):
        text = _PAIR_OR_LONE.sub(_surrogate, text)
    return text


def dumps_bytes(obj: Any, indent: int | None = None) -> bytes:
    """`dumps(obj)` as UTF-8 (always encodable: lone surrogates are escaped)."""
    return dumps(obj, indent).encode()


def _c_dumps(obj: Any, indent: int | None) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=indent,
                      separators=(",", ":") if indent is None else (",", ": "))


def _surrogate(m: re.Match[str]) -> str:
    s = m.group()
    if len(s) == 2:  # two halves side by side are one code point in JavaScript
        return chr(0x10000 + ((ord(s[0]) - 0xD800) << 10) + ord(s[1]) - 0xDC00)
    return f"\\u{ord(s):04x}"


def _js_number_token(m: re.Match[str]) -> str:
    tok = m.group(1)
    if tok is None:
        return m.group()  # a string: left as it is
    if tok == "NaN" or tok.endswith("Infinity"):
        return "null"
    if "." not in tok and "e" not in tok and "E" not in tok and abs(int(tok)) < _SAFE:
        return tok
    try:
        return js_number(float(tok))
    except OverflowError:  # an integer beyond the largest double: Infinity in Node
        return "null"


def js_number(x: float) -> str:
    """ECMAScript Number::toString for a finite double (repr's digits are the same
    shortest round-trip digits JavaScript chooses)."""
    if x != x or x in (float("inf"), float("-inf")):
        return "null"
    if x == 0:
        return "0"  # -0 too
    sign = "-" if x < 0 else ""
    mant, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mant.partition(".")
    digits = whole + frac
    stripped = digits.lstrip("0")
    n = len(whole) + int(exp or 0) - (len(digits) - len(stripped))  # value = 0.digits × 10**n
    s = stripped.rstrip("0")
    k = len(s)
    if k <= n <= 21:
        return sign + s + "0" * (n - k)
    if 0 < n <= 21:
        return sign + s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + s
    e = n - 1
    return sign + (s if k == 1 else s[0] + "." + s[1:]) + ("e+" if e >= 0 else "e-") + str(abs(e))


def _js_key_order(v: Any) -> Any:
    """`v` with every object's array-index keys ("0", "42") first, ascending, then the
    others in insertion order, as JavaScript enumerates an object's keys."""
    if isinstance(v, dict):
        idx = sorted((int(k), k) for k in v if _is_index(k))
        if idx:
            keys = [k for _, k in idx] + [k for k in v if not _is_index(k)]
        else:
            keys = list(v)
        return {k: _js_key_order(v[k]) for k in keys}
    if isinstance(v, (list, tuple)):
        return [_js_key_order(x) for x in v]
    return v


def _is_index(k: Any) -> bool:
    if isinstance(k, int) and not isinstance(k, bool):
        k = str(k)
    return isinstance(k, str) and k.isdecimal() and k.isascii() and (k == "0" or k[0] != "0") \
        and int(k) <= _MAX_INDEX
