"""`brygge` data commands (control_plane/cli/query.py, import_export.py, schemas.py,
kv.py) against a real node, side by side with the official `coho` 1.0.13 on the same node:
same documents, counts and lines."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.coho import coho, coho_project, node, run_coho
from tests.support.nodes import RunningNode, brygge

__all__ = ["coho", "node"]  # module-scoped fixtures from tests/support/coho.py
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, node: RunningNode) -> Path:
    return coho_project(tmp_path_factory, node, "clidata")


def co(coho: Path, node: RunningNode, work: Path, *args: str) -> str:
    r = run_coho(coho, node, *args, app=work)
    assert r.returncode == 0, r.stdout + r.stderr
    return ANSI.sub("", r.stdout)


def br(node: RunningNode, work: Path, *args: str, ok: bool = True,
       token: str | None = None) -> subprocess.CompletedProcess[str]:
    r = brygge(*args, "--url", node.admin, "--admintoken", token or node.admin_token,
               cwd=str(work))
    if ok:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def out(node: RunningNode, work: Path, *args: str) -> str:
    return br(node, work, *args).stdout


def one_line_error(r: subprocess.CompletedProcess[str], text: str) -> None:
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], r.stderr
    assert "Traceback" not in r.stderr


PETS = [{"name": "Polly", "type": "Parrot", "age": 3, "tags": ["loud", "green"]},
        {"name": "Rex", "type": "Dog", "age": 7, "owner": {"name": "Ann", "since": 2019}},
        {"name": "Pongo", "type": "Dog", "age": 2},
        {"name": "Tom", "type": "Cat", "age": 11, "note": 'says "hi", often'}]


def test_import_query_count_export_match_coho(coho: Path, node: RunningNode,
                                               work: Path) -> None:
    (work / "pets.json").write_text(json.dumps(PETS))
    assert out(node, work, "import", "pets.json", "pets").strip() == "Finished import 4 objects"
    assert co(coho, node, work, "import", "-f", "pets.json", "-c", "pets2",
              "--admintoken", node.admin_token).strip() == "Finished import 4 objects"
    (work / "fish.csv").write_text("name;weight;_skip;n\nNemo;1.5;x;0x1A\nDory;;y;1e3\n")
    b = out(node, work, "imp", "-f", "fish.csv", "-c", "fish", "--separator", ";",
            "--rowcount")
    assert b.strip() == "Finished import of 2 objects 2"
    fish = json.loads(out(node, work, "query", "fish"))
    assert sorted((d["name"], d["weight"], d["n"], d["rowcount"]) for d in fish) == \
        [("Dory", "", 1, 2), ("Nemo", 1.5, 26, 1)]  # coho's parseInt of "0x1A" and "1e3"

    def both(*args: str) -> tuple[str, str]:
        return co(coho, node, work, *args), out(node, work, *args)

    # raw JSON bodies are byte for byte the same
    for args in (("query", "pets", "type=Dog"), ("q", "pets", "name=/^po/"),
                 ("query", "-c", "pets", "-q", "age>2&age<10"),
                 ("query", "pets", "type=Dog,Cat", "--fields", "name,age"),
                 ("query", "pets", "--limit", "2", "--offset", "1"),
                 ("query", "pets", "type!=Dog", "--count"),
                 ("query", "pets", "!owner", "--pretty"),
                 ("query", "pets", "--pretty"),
                 ("query", "pets", "type=Dog", "--csv")):
        c, b = both(*args)
        assert b == c, args
    assert json.loads(out(node, work, "query", "pets", "type=Dog", "-n")) == [{"count": 2}]
    c, b = both("count", "pets")
    assert b == c == "200 OK\n{ count: 4 }\n"
    assert json.loads(out(node, work, "co", "-c", "pets", "--json")) == {"count": 4}

    c, b = both("export", "--collection", "pets")
    exported = json.loads(c)
    assert json.loads(b) == exported and len(exported) == 4
    c, b = both("export", "--collection", "pets", "--csv")
    assert b == c and b.splitlines()[0] == "name,type,age,tags,_id"
    lines = out(node, work, "export", "pets", "--jsonl").splitlines()
    assert [json.loads(x)["name"] for x in lines] == [d["name"] for d in exported]
    br(node, work, "export", "pets", "--csv", "-f", str(work / "pets.csv"))
    assert (work / "pets.csv").read_text() == c


def test_update_replace_delete_enqueue_match_coho(coho: Path, node: RunningNode,
                                                  work: Path) -> None:
    docs = [{"name": f"n{i}", "kind": "tmp" if i % 2 else "keep"} for i in range(6)]
    (work / "bulk.json").write_text(json.dumps(docs))
    for coll in ("bulk_b", "bulk_c"):
        br(node, work, "import", "-f", "bulk.json", "-c", coll)
    for who, coll in (("coho", "bulk_c"), ("brygge", "bulk_b")):
        def run(*args: str, who: str = who) -> str:
            return co(coho, node, work, *args) if who == "coho" else out(node, work, *args)
        assert json.loads(run("query", coll, "kind=tmp", "--update", '{"seen": true}')) \
            == {"count": 3}
        assert json.loads(run("query", coll, "name=n0", "--replace", '{"name": "z"}')) \
            == {"count": 1}
        assert json.loads(run("query", coll, "kind=tmp", "--delete")) == {"count": 3}
        got = json.loads(run("query", coll, "name=n2", "--enqueue", "clidata-topic"))
        assert got["count"] == 1
    strip = [{k: v for k, v in d.items() if k != "_id"}
             for d in json.loads(out(node, work, "query", "bulk_b"))]
    assert strip == [{k: v for k, v in d.items() if k != "_id"}
                     for d in json.loads(out(node, work, "query", "bulk_c"))]
    assert sorted(d["name"] for d in strip) == ["n2", "n4", "z"]


def test_indexes_collections_and_schemas(coho: Path, node: RunningNode, work: Path) -> None:
    (work / "cars.json").write_text(json.dumps([{"make": m, "hp": h} for m, h in
                                                (("audi", 150), ("bmw", 200), ("vw", 90))]))
    br(node, work, "import", "-f", "cars.json", "-c", "cars")
    b = out(node, work, "createindex", "-c", "cars", "-i", "make", "-i", "hp")
    assert b.strip() == "Finished creating index for 3  objects"
    assert re.fullmatch(r"Finished creating index for \d+  objects\n",
                        out(node, work, "idx", "cars", "make"))
    listing = json.loads(out(node, work, "collection", "--json"))
    cars = next(c for c in listing if c["collection"] == "cars")
    assert sorted(cars["indexes"]) == ["hp", "make"]
    coho_listing = " ".join(co(coho, node, work, "collection", "--json").split())
    assert "collection: 'cars', indexes: [ 'make', 'hp' ]" in coho_listing or \
        "collection: 'cars', indexes: [ 'hp', 'make' ]" in coho_listing
    assert "cars" in out(node, work, "ls")
    args = ("query", "cars", "--useindex", "make", "--start", "b", "--end", "w")
    assert out(node, work, *args) == co(coho, node, work, *args)
    assert [d["make"] for d in json.loads(out(node, work, *args, "--reverse"))] == ["vw", "bmw"]
    b = out(node, work, "removeindex", "-c", "cars", "-i", "hp")
    assert b.splitlines()[0] == "200" and b.startswith("200\nRemoved index for {")
    assert json.loads(out(node, work, "coll", "--json"))[0]["collection"]

    (work / "car.schema.json").write_text(json.dumps(
        {"type": "object", "properties": {"hp": {"type": "number"}}, "required": ["hp"]}))
    b = out(node, work, "add-schema", "-c", "cars", "--schema", str(work / "car.schema.json"))
    assert "Schema added to collection cars" in b
    r = httpx.post(f"{node.base}/dev/_A_D_M_restore/cars", json=[{"make": "x"}],
                   headers={"x-admintoken": node.admin_token,
                            "host": "brygge.api.codehooks.local.io"})
    assert r.status_code == 400, r.text  # the schema requires hp
    assert json.loads(out(node, work, "get-schema", "cars")) == \
        json.loads((work / "car.schema.json").read_text())
    assert "Schema removed" in out(node, work, "remove-schema", "cars")
    one_line_error(br(node, work, "get-schema", "cars", ok=False), "has no schema")


def test_keys_match_coho(coho: Path, node: RunningNode, work: Path) -> None:
    c = co(coho, node, work, "set", "foo", "bar")
    assert out(node, work, "set", "foo", "bar") == c == "{ key: 'foo', value: 'bar' }\n"
    out(node, work, "set", "s1", "OK", "--keyspace", "bx", "--ttl", "600000")
    out(node, work, "set", "--key", "s2", "--val", "OK2", "--keyspace", "bx")
    for args in (("get", "foo"), ("get", "s*", "--keyspace", "bx"),
                 ("get", "*", "--keyspace", "bx", "--text")):
        assert out(node, work, *args) == co(coho, node, work, *args), args
    assert json.loads(out(node, work, "get", "s*", "--keyspace", "bx", "--json")) == \
        [{"key": "s1", "value": "OK"}, {"key": "s2", "value": "OK2"}]
    assert out(node, work, "del", "s1", "--keyspace", "bx") == "{ key: 's1' }\n"
    assert out(node, work, "get", "*", "--keyspace", "bx").endswith("\n 1 keys\n")


@pytest.mark.parametrize(("args", "error"), [
    (("query", "pets", "name=/[/"), "bad query syntax"),
    (("query", "nosuch"), "no collection 'nosuch'"),
    (("query", "pets", "--limit", "many"), "--limit must be"),
    (("query", "pets", "--update", "{nope"), "--update is not valid JSON"),
    (("query", "pets", "--delete", "--update", "{}"), "Cannot mix delete, update or replace"),
    (("query", "pets", "--csv", "--table"), "Please choose either"),
    (("count", "pets", "-s", "nospace"), "nospace"),
    (("set", "k", "v", "--ttl", "soon"), "--ttl must be"),
    (("get", "missing-key"), "no key 'missing-key'"),
    (("import", "nofile.json", "pets"), "The file does not exist"),
    (("export", "nosuch"), "no collection 'nosuch'"),
])
def test_errors_are_one_line_and_exit_1(node: RunningNode, work: Path, args: tuple[str, ...],
                                        error: str) -> None:
    one_line_error(br(node, work, *args, ok=False), error)


def test_wrong_admin_token_is_one_line(node: RunningNode, work: Path) -> None:
    for args in (("query", "pets"), ("count", "pets"), ("get", "*"), ("collection",)):
        one_line_error(br(node, work, *args, ok=False, token="wrong"), "wrong admin token")


Q2M_CASES = ["name=Polly&type=Parrot", "name=/^po/", "name=/^po/i", "age>3&age<10", "age>=3",
             "!name", "name", "name=!", "name=!Polly", "name!=Polly", "name!=/x/",
             "type=Dog,Cat", "type!=Dog,Cat", "age:in=1,2", "when=2020-01-05",
             "when>2020-01-05T10:00:00.123456+02:00", "year=2020", "n=0x1F", "n=1e3",
             "n=1.50", 's="a,b"', "flag=true&f2=false", "a=1&a=2", "2=x&b=y",
             "name=Polly&name>a", "x=%20y&z=a+b", "fields=a&limit=3&name=x", "n=-0", "n=+5"]
INSPECT_CASES = [{"count": 3}, [{"a": i, "bb": "x" * i} for i in range(8)], list(range(120)),
                 {"s": "it's", "d": 'say "hi"', "b": "it's \"q\"", "n": [1.5, 1e21, 1e-7, -0.0],
                  "deep": {"a": {"b": {"c": {"d": 1}}}}, "2": None, "k-1": True,
                  "long": "line\n" * 30}]


def test_query_language_and_output_formats_match_node(coho: Path) -> None:
    """The ports (query-to-mongo with coho's RegExp.toJSON, util.inspect) against Node."""
    from control_plane import query_to_mongo as q2m
    from control_plane.cli import node_format as nf

    lib = coho.parent.parent / "query-to-mongo"
    script = ("const q2m=require(process.argv[1]);RegExp.prototype.toJSON=function(){return{"
              "$regex:this.toString().replace(/\\//gi,''),$options:'i'}};"
              "const [qs,vals]=JSON.parse(require('fs').readFileSync(0,'utf8'));"
              "const util=require('util');console.log(JSON.stringify({"
              "q:qs.map(q=>JSON.stringify(q2m(q).criteria)),"
              "i:vals.map(v=>[util.inspect(v),util.inspect(v,false,null,false)])}))")
    r = subprocess.run(["node", "-e", script, str(lib)], input=json.dumps(
        [Q2M_CASES, INSPECT_CASES]), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    want = json.loads(r.stdout)
    assert [q2m.dumps(q2m.criteria(q)) for q in Q2M_CASES] == want["q"]
    assert [[nf.inspect(v), nf.inspect(v, None)] for v in INSPECT_CASES] == want["i"]


def test_export_to_a_file_shows_progress_on_a_terminal(node: RunningNode, work: Path) -> None:
    """With stderr a terminal (a pty here), `export -f` draws a rich bar sized by a count;
    the file is the same as without one."""
    import os
    import pty
    import sys

    from tests.support.nodes import ROOT

    docs = [{"i": i} for i in range(300)]
    (work / "many.json").write_text(json.dumps(docs))
    br(node, work, "import", "many.json", "many")
    plain = work / "plain.json"
    br(node, work, "export", "many", "-f", str(plain))
    master, slave = pty.openpty()
    target = work / "tty.json"
    p = subprocess.Popen([sys.executable, "-m", "control_plane.cli", "export", "many", "-f",
                          str(target), "--url", node.admin, "--admintoken", node.admin_token],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave,
                         cwd=str(ROOT), env={**os.environ, "TERM": "xterm", "COLUMNS": "100"})
    os.close(slave)
    seen = b""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        seen += data
    os.close(master)
    assert p.wait(timeout=60) == 0, seen
    text = ANSI.sub("", seen.decode(errors="replace"))
    assert "Exporting many" in text and "/300" in text, text
    assert "Exported many to" in text
    assert json.loads(target.read_text()) == json.loads(plain.read_text())
    assert len(json.loads(target.read_text())) == 300
