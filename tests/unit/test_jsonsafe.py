"""brygge/jsonsafe.py: nesting depth and NaN/Infinity in untrusted JSON text, checked by
a scan that must agree with a real parser on every text the parser accepts."""

from __future__ import annotations

import json
import random

import pytest

from brygge import jsonsafe
from brygge.jsonsafe import JsonGuard, JsonUnsafe, check


def depth_of(v: object) -> int:
    if isinstance(v, list):
        return 1 + max((depth_of(x) for x in v), default=0)
    if isinstance(v, dict):
        return 1 + max((depth_of(x) for x in v.values()), default=0)
    return 0


def nested(n: int) -> bytes:
    return b"[" * n + b"]" * n


@pytest.mark.parametrize("limit", [16, 256])
def test_depth_limit_is_exact(limit: int) -> None:
    check(nested(limit), limit)
    with pytest.raises(JsonUnsafe, match=f"deeper than {limit}"):
        check(nested(limit + 1), limit)
    obj = b'{"a":' * (limit + 1) + b"1" + b"}" * (limit + 1)
    with pytest.raises(JsonUnsafe):
        check(obj, limit)


def test_a_huge_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(JsonUnsafe):
        jsonsafe.loads(nested(100_000))


@pytest.mark.parametrize("text", [
    b'{"s": "' + b"[" * 1000 + b'"}',          # brackets inside a string do not nest
    b'["\\"' + b"[" * 1000 + b'"]',             # nor after an escaped quote
    b'["\\\\", ' + nested(200) + b"]",           # an escaped backslash ends before the quote
    b'{"NaN": "Infinity", "x": "-Infinity NaN"}',  # the words inside strings are data
    b"[1e308, -0.0, 12345678901234567890]",
])
def test_accepted(text: bytes) -> None:
    check(text, 256)
    assert jsonsafe.loads(text) == json.loads(text)


@pytest.mark.parametrize("text", [
    b"NaN", b"[Infinity]", b'{"a": -Infinity}', b'{"a": [1, 2, NaN]}', b'["x", NaN]',
    b'["\\\\"NaN', b'["\\\\\\"", NaN]',
])
def test_non_finite_refused(text: bytes) -> None:
    with pytest.raises(JsonUnsafe, match="finite"):
        check(text, 256)
    check(text, 256, finite=False)  # the depth-only check (app bodies) lets them be


def test_loads_is_strict() -> None:
    with pytest.raises(JsonUnsafe):
        jsonsafe.loads('{"a": NaN}')
    with pytest.raises(ValueError):
        jsonsafe.loads(b"{oops")
    assert jsonsafe.loads('{"a": [1, {"b": "c"}]}') == {"a": [1, {"b": "c"}]}


def random_json(rng: random.Random, depth: int) -> object:
    kind = rng.randrange(6 if depth > 0 else 3)
    if kind == 0:
        return rng.choice(["", "a\\b", 'q"uote', "[{", "}]", "NaN", "\\", "\\\"", "é"])
    if kind == 1:
        return rng.choice([0, -1, 1.5, 1e300, True, None])
    if kind == 2:
        return "x" * rng.randrange(3)
    if kind in (3, 4):
        return [random_json(rng, depth - 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["k", "[", "\\\"", "NaN"]) + str(i): random_json(rng, depth - 1)
            for i in range(rng.randrange(4))}


def test_agrees_with_json_fed_in_any_pieces() -> None:
    # The incremental guard over random splits gives the parser's depth, exactly.
    rng = random.Random(15)
    for _ in range(400):
        v = random_json(rng, rng.randrange(1, 12))
        text = json.dumps(v, ensure_ascii=rng.random() < 0.5).encode()
        d = depth_of(v)
        for limit in (max(d - 1, 0), d):
            guard = JsonGuard(limit)
            cuts = sorted(rng.sample(range(len(text) + 1), min(3, len(text) + 1)))
            pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
            try:
                for p in pieces:
                    guard.feed(p)
                guard.finish()
                ok = True
            except JsonUnsafe:
                ok = False
            assert ok == (d <= limit), (text, limit)
