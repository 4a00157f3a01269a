"""`brygge import` beyond coho's .csv/.json (control_plane/cli/import_export.py), against a
real node: JSON Lines files, `--encoding latin-1` / `auto` for Latin-1 files, and a file the
encoding cannot read failing in one line that names the fix; `export --jsonl` output
imports back as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.nodes import RunningNode, brygge, new_node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    n = new_node(tmp_path_factory.mktemp("importfmt"))
    n.start()
    yield n
    n.stop()


def cli(node: RunningNode, *args: str) -> Any:
    return brygge(*args, "--data-dir", str(node.data_dir))


def docs_of(node: RunningNode, coll: str) -> list[dict[str, Any]]:
    r = cli(node, "query", coll, "--json")
    assert r.returncode == 0, r.stderr
    return [{k: v for k, v in d.items() if k != "_id"} for d in json.loads(r.stdout)]


def test_jsonl_import_and_round_trip(node: RunningNode, tmp_path: Path) -> None:
    f = tmp_path / "pets.jsonl"
    f.write_text('{"name": "Polly", "age": 3}\n\n{"name": "Bjørn", "tags": ["a"]}\r\n'
                 '{"name": "Rex", "n": {"x": 1}}')  # blank line, CRLF, no final newline
    r = cli(node, "import", str(f), "pets", "--rowcount")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Finished import 3 objects"
    assert sorted(docs_of(node, "pets"), key=lambda d: d["rowcount"]) == [
        {"name": "Polly", "age": 3, "rowcount": 1},
        {"name": "Bjørn", "tags": ["a"], "rowcount": 2},
        {"name": "Rex", "n": {"x": 1}, "rowcount": 3}]
    out = tmp_path / "pets-export.ndjson"
    assert cli(node, "export", "pets", "--jsonl", "-f", str(out)).returncode == 0
    r = cli(node, "import", "-f", str(out), "-c", "pets_copy")
    assert r.returncode == 0 and r.stdout.strip() == "Finished import 3 objects", r.stderr
    assert sorted(map(json.dumps, docs_of(node, "pets_copy"))) == sorted(
        map(json.dumps, docs_of(node, "pets")))


@pytest.mark.parametrize("content, message", [
    ('{"a": 1}\nnope\n', "line 2 is not valid JSON"),
    ('{"a": 1}\n[1, 2]\n', "line 2 is not a JSON object"),
    ('{"a": NaN}\n', "line 1 is not valid JSON"),
])
def test_bad_jsonl_is_one_line_naming_the_line(node: RunningNode, tmp_path: Path,
                                              content: str, message: str) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text(content)
    r = cli(node, "import", str(f), "badjsonl")
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr
    r = cli(node, "query", "badjsonl", "--json")  # nothing of it was imported
    assert r.returncode == 1 and "no collection 'badjsonl'" in r.stderr, r.stderr


def test_latin1_csv_with_encoding(node: RunningNode, tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_bytes("navn,by\nBjørn,Tromsø\nÅse,Ørsta\n".encode("latin-1"))
    r = cli(node, "import", str(f), "people")  # default utf-8: cannot read it
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "not valid utf-8" in r.stderr and "--encoding latin-1" in r.stderr, r.stderr
    assert r.stderr.strip().count("\n") == 0
    r = cli(node, "import", str(f), "people", "--encoding", "latin-1")
    assert r.returncode == 0, r.stderr
    assert sorted(d["navn"] + "/" + d["by"] for d in docs_of(node, "people")) == [
        "Bjørn/Tromsø", "Åse/Ørsta"]
    r = cli(node, "import", str(f), "people_auto", "--encoding", "auto")
    assert r.returncode == 0, r.stderr
    assert sorted(d["navn"] for d in docs_of(node, "people_auto")) == ["Bjørn", "Åse"]
    r = cli(node, "import", str(f), "people", "--encoding", "ebcdic")
    assert r.returncode == 1 and "--encoding must be utf-8, latin-1 or auto" in r.stderr


def test_auto_keeps_utf8_and_drops_its_bom(node: RunningNode, tmp_path: Path) -> None:
    f = tmp_path / "bom.json"
    f.write_bytes(b"\xef\xbb\xbf" + json.dumps([{"navn": "Bjørn"}], ensure_ascii=False).encode())
    r = cli(node, "import", str(f), "bom", "--encoding", "auto")
    assert r.returncode == 0, r.stderr
    assert docs_of(node, "bom") == [{"navn": "Bjørn"}]
