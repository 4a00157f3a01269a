"""How `brygge import` reads its file (control_plane/cli/import_export.py): the codec
`--encoding` picks (auto: the whole file decides, not its first pieces) and JSON Lines
parsing (strict JSON, a bad line named by its number)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from control_plane.cli.import_export import encoding_of, jsonl_docs


@pytest.mark.parametrize("name, codec", [
    ("utf-8", "utf-8"), ("UTF8", "utf-8"), ("latin-1", "latin-1"), ("latin1", "latin-1"),
    ("ISO-8859-1", "latin-1"),
])
def test_named_encodings(tmp_path: Path, name: str, codec: str) -> None:
    f = tmp_path / "x.csv"
    f.write_bytes(b"a\n1\n")
    assert encoding_of(f, name) == codec


@pytest.mark.parametrize("data, codec", [
    ("a\nBjørn\n".encode(), "utf-8-sig"),
    (b"\xef\xbb\xbfa\n1\n", "utf-8-sig"),
    ("a\nBjørn\n".encode("latin-1"), "latin-1"),
    # a Latin-1 byte far past the first 64 KiB still decides
    (b"a\n" + b"x" * 200_000 + "ø\n".encode("latin-1"), "latin-1"),
    # a UTF-8 character cut by a 64 KiB read boundary is still UTF-8
    (b"a\n" + b"x" * ((1 << 16) - 3) + "ø\n".encode(), "utf-8-sig"),
])
def test_auto(tmp_path: Path, data: bytes, codec: str) -> None:
    f = tmp_path / "x.csv"
    f.write_bytes(data)
    assert encoding_of(f, "auto") == codec


def test_unknown_encoding_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit):
        encoding_of(tmp_path / "x.csv", "ebcdic")
    assert "--encoding must be utf-8, latin-1 or auto, not 'ebcdic'" in capsys.readouterr().err


def test_jsonl_docs() -> None:
    lines = iter(['{"a": 1}\n', "\n", "  \r\n", '{"b": [1, {"c": "ø"}]}\r\n', '{"d": null}'])
    assert list(jsonl_docs(lines, "f.jsonl")) == [{"a": 1}, {"b": [1, {"c": "ø"}]}, {"d": None}]


@pytest.mark.parametrize("lines, message", [
    (['{"a": 1}\n', "nope\n"], "f.jsonl line 2 is not valid JSON"),
    (['{"a": 1}\n', "[1]\n"], "f.jsonl line 2 is not a JSON object"),
    (['{"a": Infinity}\n'], "f.jsonl line 1 is not valid JSON"),
    (['{"a": 1e999}\n'], "f.jsonl line 1 is not valid JSON"),
    (['{"a": ' * 150 + "1" + "}" * 150 + "\n"], "f.jsonl line 1 is not valid JSON"),
])
def test_bad_jsonl(lines: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit):
        list(jsonl_docs(iter(lines), "f.jsonl"))
    assert message in capsys.readouterr().err
