"""Import parsing and export formatting (storage/transfer.py)."""

from __future__ import annotations

import io
import json

import pytest

from storage.transfer import ImportError_, batches, detect_format, export, parse


def docs(data: bytes, fmt: str, **kw: str) -> list[dict]:
    return list(parse(io.BytesIO(data), fmt, **kw))


@pytest.mark.parametrize("data, fmt, kw, expected", [
    (b'[{"a": 1}, {"b": "x"}]', "json", {}, [{"a": 1}, {"b": "x"}]),
    (b'  [ ]', "json", {}, []),
    (b'{"a": 1}\n\n{"a": 2}\r\n', "jsonl", {}, [{"a": 1}, {"a": 2}]),
    (b"name,age,_id,score\nOla,42,x1,3.5\nKari,,x2,-7\n", "csv", {},
     [{"name": "Ola", "age": 42, "score": 3.5}, {"name": "Kari", "age": "", "score": -7}]),
    (b"a;b\n1;2\n", "csv", {"separator": ";"}, [{"a": 1, "b": 2}]),
    (b"a\tb\n1\t007\n", "csv", {"separator": "\\t"}, [{"a": 1, "b": "007"}]),
    ("navn\nBjørn\n".encode(), "csv", {}, [{"navn": "Bjørn"}]),
    ("navn\nBjørn\n".encode("latin-1"), "csv", {}, [{"navn": "Bjørn"}]),
    ("navn\nBjørn\n".encode("latin-1"), "csv", {"encoding": "latin-1"}, [{"navn": "Bjørn"}]),
    (b"\xef\xbb\xbfa\n1\n", "csv", {}, [{"a": 1}]),
    (b'a,b\n"x, y","multi\nline"\n', "csv", {}, [{"a": "x, y", "b": "multi\nline"}]),
    (b"a,b\n1e999,-1e999\n", "csv", {}, [{"a": "1e999", "b": "-1e999"}]),  # no Infinity
])
def test_parse(data: bytes, fmt: str, kw: dict, expected: list) -> None:
    assert docs(data, fmt, **kw) == expected


@pytest.mark.parametrize("data, fmt, message", [
    (b'{"a": 1}', "json", "must be an array"),
    (b'[{"a": 1}, 3]', "json", "element 2"),
    (b'[{"a": 1}', "json", "incomplete"),
    (b'{"a": 1}\nnope\n', "jsonl", "line 2"),
    (b'[1]\n', "jsonl", "line 1 is not an object"),
    (b"a,b\n1,2,3\n", "csv", "CSV line 2"),
    (b"a\n1\n", "xml", "unknown format"),
    # JSON has no NaN or Infinity: stored, they break every later read and export
    (b'[{"a": 1}, {"a": NaN}]', "json", "element 2 .*NaN"),
    (b'[{"a": -Infinity}]', "json", "element 1 .*Infinity"),
    (b'[{"a": [1e999]}]', "json", "element 1 .*finite"),
    (b'{"a": 1}\n{"a": Infinity}\n', "jsonl", "line 2.*Infinity"),
    (b'{"a": {"b": 1e400}}\n', "jsonl", "line 1.*finite"),
    (b'[' + b'{"a": ' * 150 + b'1' + b'}' * 150 + b']', "json", "element 1 .*levels"),
])
def test_parse_errors(data: bytes, fmt: str, message: str) -> None:
    with pytest.raises(ImportError_, match=message):
        docs(data, fmt)


def test_invalid_utf8_names_the_fix() -> None:
    with pytest.raises(ImportError_, match="latin-1"):
        docs("a\nø\n".encode("latin-1"), "csv", encoding="utf-8")


def test_large_json_array_streams_in_chunks() -> None:
    big = json.dumps([{"i": i, "pad": "x" * 50} for i in range(5000)]).encode()
    got = docs(big, "json")
    assert len(got) == 5000 and got[-1]["i"] == 4999
    assert [len(b) for b in batches(got, 2000)] == [2000, 2000, 1000]


@pytest.mark.parametrize("name, head, fmt", [
    ("x.csv", b"", "csv"), ("x.JSON", b"", "json"), ("x.jsonl", b"", "jsonl"),
    ("data", b"  [", "json"), ("data", b"{", "jsonl"), ("data", b"a,b", "csv"),
])
def test_detect_format(name: str, head: bytes, fmt: str) -> None:
    assert detect_format(name, head) == fmt


def test_export_round_trips() -> None:
    rows = [{"_id": "1", "a": 1, "n": {"x": [1, 2]}, "ok": True}, {"_id": "2", "a": None}]
    js = b"".join(export(rows, "json"))
    assert json.loads(js) == rows
    jl = b"".join(export(rows, "jsonl"))
    assert [json.loads(x) for x in jl.splitlines()] == rows
    c = b"".join(export(rows, "csv")).decode()
    assert c.splitlines() == ["_id,a,n,ok", '1,1,"{""x"": [1, 2]}",true', "2,,,"]
    assert docs(b"".join(export(rows, "csv", separator=";")), "csv", separator=";")[0]["a"] == 1
