"""Strict JSON for input that comes from outside the platform (admin API bodies,
backup files, imports, storage op arguments).

Python's `json.loads` accepts `NaN`, `Infinity` and numbers such as `1e999` (which
become float infinities). JSON (RFC 8259 §6) has no such values: once stored, a
document holding one makes every later read answer an error and exports emit
invalid JSON. `loads` refuses them, and refuses nesting deeper than `max_depth`
(code that walks a document recursively must not hit Python's recursion limit).
"""

from __future__ import annotations

import json
from typing import Any

DEFAULT_MAX_DEPTH = 100  # brygge/settings.py max_doc_depth


class JSONError(ValueError):
    """The input is not strict JSON; the message says why."""


def _constant(name: str) -> Any:
    raise JSONError(f"{name} is not a JSON number (NaN and Infinity are not allowed)")


def check(value: Any, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """`value` itself, or JSONError when it holds a non-finite float or nests more
    than `max_depth` levels. One walk without recursion (about half the time
    json.loads took to build the value)."""
    if type(value) is float:
        _finite(value)
    if type(value) is not dict and type(value) is not list:
        return value
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        x, depth = pop()
        if depth > max_depth:
            raise JSONError(f"the JSON nests more than {max_depth} levels deep")
        for c in (x.values() if type(x) is dict else x):
            tc = type(c)
            if tc is dict or tc is list:
                push((c, depth + 1))
            elif tc is float and c - c != 0:  # inf - inf and nan - nan are nan
                _finite(c)
    return value


def _finite(x: float) -> None:
    if x - x != 0:
        raise JSONError(f"{x} is not a finite number (JSON has no NaN or Infinity)")


def loads(data: str | bytes | bytearray, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """`json.loads`, but NaN, ±Infinity, out-of-range numbers (`1e999`) and nesting
    deeper than `max_depth` raise JSONError (a ValueError: handlers that answer 400
    on a ValueError name the problem)."""
    try:
        value = json.loads(data, parse_constant=_constant)
    except RecursionError:
        raise JSONError(f"the JSON nests more than {max_depth} levels deep") from None
    return check(value, max_depth)


def decoder() -> json.JSONDecoder:
    """A decoder whose `raw_decode` refuses NaN/Infinity (pass its result to `check`
    for out-of-range numbers and depth)."""
    return json.JSONDecoder(parse_constant=_constant)


def dumps(value: Any, **kw: Any) -> str:
    """`json.dumps` that refuses NaN/Infinity instead of writing invalid JSON."""
    return json.dumps(value, allow_nan=False, **kw)
