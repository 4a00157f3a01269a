"""iter_json_items (control_plane/cli/data_api.py): the streamed JSON array reader behind
`brygge export` and `brygge import file.json`, fed in every chunk size."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from control_plane.cli.data_api import iter_json_items, pretty_json_stream

DOCS: list[Any] = [{"a": i, "s": 'x,]"y' * i, "n": [1, 2, {"b": None}]} for i in range(30)]
DOCS += [12345, "str", True, None, 1.5e10, -0.5e-3, [], {}]


def chunks(s: str, n: int) -> Iterator[str]:
    for i in range(0, len(s), n):
        yield s[i:i + n]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 2])
def test_every_chunking_gives_the_same_items(n: int, indent: int | None) -> None:
    text = " \n" + json.dumps(DOCS, indent=indent) + "\n"
    assert list(iter_json_items(chunks(text, n))) == DOCS


@pytest.mark.parametrize("text,items", [
    ("[]", []), ("  ", []), ("", []), ('{"k": {"a": 1}, "j": {"b": 2}}', [{"a": 1}, {"b": 2}]),
    ('{"a": 1}', [1]), ("7", [7]), ('[{"a":1}]', [{"a": 1}]),
])
def test_non_arrays_and_edges(text: str, items: list[Any]) -> None:
    assert list(iter_json_items(chunks(text, 2))) == items


@pytest.mark.parametrize("text,message", [
    ('[{"a":1},{"b":', "is not valid JSON"),
    ('[{"a":1} {"b":2}]', "expected ',' or ']'"),
    ("[1,,2]", "is not valid JSON"),
    ("[1,]", "a ',' before ']'"),
    ("[1,2", "ended early"),
    ("[1]x", "is not valid JSON"),
    ('{"a":', "is not valid JSON"),
    ("[{bad}]", "is not valid JSON"),
])
def test_malformed_input_is_one_clear_error(text: str, message: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit):
        list(iter_json_items(chunks(text, 2), "f.json"))
    err = capsys.readouterr().err
    assert "f.json" in err and message in err, err


@pytest.mark.parametrize("answer", [
    [], [1], [{"a": [1, {"b": "blåbær"}], "c": {}}, "x", None, [], {"d": {"e": [2, 3]}}],
    {"count": 3}, {}, 42,
])
@pytest.mark.parametrize("chunk", [1, 3, 4096])
def test_pretty_json_stream_writes_what_json_dumps_writes(answer: Any, chunk: int) -> None:
    """`query --json` streams; its output is byte for byte the whole-answer json.dumps."""
    text = json.dumps(answer)
    pieces = [text[i:i + chunk] for i in range(0, len(text), chunk)]
    out = "".join(pretty_json_stream(iter(pieces)))
    assert out == json.dumps(answer, indent=2, ensure_ascii=False) + "\n"
