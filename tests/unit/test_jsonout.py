"""brygge/jsonout.py against Node 20's JSON.stringify over a table of values: the same
bytes for non-ASCII text, lone surrogates, U+2028/2029, control characters, numbers and
integer-like keys, compact and indented."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from brygge import jsonout

# JSON texts: both sides parse the same text (Python json.loads, Node JSON.parse)
TEXTS = [
    '{"name":"Ø1"}', '"blåbær ÆØÅ æøå"', '"😀 emoji 👩‍👩‍👧"', '"漢字かなカナ한국어"',
    '"\\u2028 and \\u2029"', '"' + "".join(f"\\u{i:04x}" for i in range(0x20)) + '"',
    '"\\u007f\\u0080\\u00a0\\ufeff\\uffff"', '"quote \\" backslash \\\\ slash \\/"',
    '"\\ud800"', '"\\udfff"', '"a\\udc00b\\ud800"', '"\\ud83d\\ude00"', '"\\ude00\\ud83d"',
    '{"\\ud800key":"\\udbff"}', '["Ø",{"Ø":["\\u2028",1.5]}]',
    "1e-7", "-1e-7", "0.000001", "0.0000012345", "1e21", "1e20", "123456789012345680000",
    "1.5e300", "-0.0", "0", "100.0", "5e-324", "1.7976931348623157e308", "0.1",
    "0.30000000000000004", "0.3333333333333333", "123.456", "1e16", "1e15", "4.35",
    "9007199254740993", "-9007199254740993", "12345678901234567890", "1e400", "-1e400",
    "1" + "0" * 400, "[1.0,2.50,-3e-10,1E+2]", "9007199254740991", "-9007199254740991",
    '{"b":1,"2":2,"a":3,"10":4,"01":5,"1":6,"4294967295":7,"4294967294":8,"-1":9,"1.5":0}',
    '{"x":{"9":"nine","0":"zero","z":[{"3":3,"1":1}]}}', '{"v":"version 1.2 e5 NaN Infinity"}',
    '{"2":"x","t":1e-9}', "[]", "{}", '{"a":[],"b":{},"c":[{}]}', "true", "null",
    '{"nested":{"deep":[[["Ø"]]]},"n":-12.5e-3}',
]


def node_stringify(values: list[Any], indent: int | None) -> list[str]:
    """JSON.stringify(JSON.parse(text)) for each text, by Node itself."""
    if shutil.which("node") is None:
        pytest.fail("node is required (install Node 20)")
    script = ("const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              f"const ind = {json.dumps(indent)};"
              "process.stdout.write(JSON.stringify(texts.map(t => "
              "ind === null ? JSON.stringify(JSON.parse(t)) : "
              "JSON.stringify(JSON.parse(t), null, ind))));")
    r = subprocess.run(["node", "-e", script], input=json.dumps(values).encode(),
                       capture_output=True, timeout=60, check=True)
    return list(json.loads(r.stdout))


@pytest.mark.parametrize("indent", [None, 2])
def test_encoder_matches_node_json_stringify(indent: int | None) -> None:
    want = node_stringify(TEXTS, indent)
    got = [jsonout.dumps(json.loads(t), indent) for t in TEXTS]
    diff = [(t, g, w) for t, g, w in zip(TEXTS, got, want, strict=True) if g != w]
    assert not diff, "\n".join(f"{t!r}: ours {g!r}, node {w!r}" for t, g, w in diff)
    # and as bytes (UTF-8 that always encodes, lone surrogates included)
    for t, w in zip(TEXTS, want, strict=True):
        assert jsonout.dumps_bytes(json.loads(t), indent) == w.encode("utf-8",
                                                                      "surrogatepass")


def test_halves_side_by_side_are_one_code_point() -> None:
    """Storage keeps strings as UTF-8 with surrogatepass: two halves read back as two
    Python characters, which JavaScript sees as one pair (the emoji)."""
    halves = b"\xed\xa0\xbd\xed\xb8\x80".decode("utf-8", "surrogatepass")
    assert len(halves) == 2
    [want] = node_stringify(['["\\ud83d\\ude00", "\\ud83d"]'], None)
    assert jsonout.dumps([halves, halves[0]]) == want == '["😀","\\ud83d"]'


def test_python_values_without_json_counterpart() -> None:
    assert jsonout.dumps({1: "a", "b": (1, 2), 0: float("nan")}) == \
        '{"0":null,"1":"a","b":[1,2]}'
    assert jsonout.dumps(float("-inf")) == "null" and jsonout.js_number(-0.0) == "0"
