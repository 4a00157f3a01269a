"""`brygge` data commands, named and optioned like the official CLI 1.0.13 (`coho`):
`query`/`q`, `count`/`co`, `collection`/`coll`/`col`/`ls`, `createindex`/`idx`,
`removeindex`, `import`/`imp`, `export`, `get`, `set`, `del`, plus `add-schema` and
`remove-schema` (from the newer CLI).

They call the same `_A_D_M_*` endpoints coho calls (control_plane/adm.py), directly on
the control plane at `/_adm/{project}/{space}/<op>` with the admin token, and build the
same requests (the `--query` language is parsed client side by the port of npm
query-to-mongo in control_plane/query_to_mongo.py), so the results are the same. The
default output prints what coho prints (Node's `console.log` formatting is ported in
control_plane/node_format.py); `--json` prints plain JSON instead. Every failure is one
line on stderr and exit status 1.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import typer

from control_plane import node_format as nf
from control_plane import query_to_mongo as q2m
from control_plane.cli_common import _A, _P, _S, _U, DataDir, Target, app, fail, resolve_target

_J = typer.Option(False, "--json", help="Print plain JSON")


# -- talking to the node ----------------------------------------------------------------------
def _url(t: Target, op: str) -> str:
    return f"{t.admin_url}/_adm/{t.project}/{t.space}/{op}"


def _error(r: httpx.Response) -> str:
    try:
        body = json.loads(r.read())
        msg = body.get("error") if isinstance(body, dict) else None
    except ValueError:
        msg = None
    return str(msg or f"HTTP {r.status_code} {r.reason_phrase}")


def _call(method: str, t: Target, op: str, **kw: Any) -> httpx.Response:
    """A buffered call; fails with the server's one-line error on any status > 201."""
    try:
        r = httpx.request(method, _url(t, op), headers={"x-admintoken": t.admin_token,
                                                       **kw.pop("headers", {})},
                          timeout=httpx.Timeout(60, read=kw.pop("read_timeout", 300)), **kw)
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
        raise
    if r.status_code > 201:
        fail(_error(r))
    return r


class _Stream:
    """A streamed GET (query, export); fails before any output on a status > 201."""

    def __init__(self, t: Target, op: str, headers: dict[str, str] | None = None) -> None:
        self.client = httpx.Client(timeout=httpx.Timeout(60, read=600))
        try:
            self.resp = self.client.send(self.client.build_request(
                "GET", _url(t, op), headers={"x-admintoken": t.admin_token, **(headers or {})}),
                stream=True)
        except httpx.HTTPError as e:
            self.client.close()
            fail(f"cannot reach the admin API at {t.admin_url}: {e}")
            raise
        if self.resp.status_code > 201:
            msg = _error(self.resp)
            self.close()
            fail(msg)

    def raw(self) -> Iterator[bytes]:
        yield from self.resp.iter_bytes()

    def docs(self) -> Iterator[Any]:
        """The elements of the streamed JSON array (or the values of an object), one by
        one as they arrive."""
        yield from iter_json_items(self.resp.iter_text())

    def close(self) -> None:
        self.resp.close()
        self.client.close()


def pretty_json_stream(chunks: Iterator[str]) -> Iterator[str]:
    """`json.dumps(answer, indent=2) + "\n"` in pieces: an array is written item by item
    as it arrives (a query of millions of documents is never whole in memory), any
    other answer (`--count`'s object) whole."""
    it = iter(chunks)
    head = ""
    for c in it:
        head += c
        if head.strip():
            break
    if not head.lstrip().startswith("["):
        yield json.dumps(json.loads(head + "".join(it)), indent=2, ensure_ascii=False) + "\n"
        return
    first = True
    for item in iter_json_items(itertools.chain([head], it)):
        text = json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + text
        first = False
    yield "[]\n" if first else "\n]\n"


_WS = " \t\r\n"


def iter_json_items(chunks: Iterator[str], what: str = "the server's answer") -> Iterator[Any]:
    """Yield the items of a JSON array arriving in text chunks, one at a time, so a large
    export or import file is never held whole (json has no incremental parser; raw_decode
    at an offset gives one). A document that is not an array is parsed whole at the end,
    and an object yields its values (as coho's import does)."""
    dec = json.JSONDecoder()
    buf, pos, started, after_item, after_comma = "", 0, False, False, False
    for chunk in chunks:
        buf = buf[pos:] + chunk  # keep only the unparsed tail: one copy per chunk
        pos = 0
        if not started:
            head = buf.lstrip(_WS)
            if not head:
                continue
            if head[0] != "[":
                buf += "".join(chunks)  # not an array: parse it whole below
                break
            pos, started = len(buf) - len(head) + 1, True
        while True:
            while pos < len(buf) and buf[pos] in _WS:
                pos += 1
            if pos >= len(buf):
                break
            if buf[pos] == "]":
                if after_comma:
                    fail(f"{what} is not valid JSON: a ',' before ']'")
                break
            if after_item:  # items are separated by exactly one comma
                if buf[pos] != ",":
                    fail(f"{what} is not valid JSON: expected ',' or ']' at {buf[pos:pos + 20]!r}")
                pos += 1
                after_item, after_comma = False, True
                continue
            try:
                item, end = dec.raw_decode(buf, pos)
            except ValueError:
                break  # incomplete (or malformed: told at the end)
            if not isinstance(item, dict | list | str) and (end == len(buf)
                                                            or buf[end] not in _WS + ",]"):
                break  # a number cut by the chunk boundary ("1" of "1.5"): wait for more
            yield item
            pos, after_item, after_comma = end, True, False
    rest = buf[pos:]
    if not started:
        try:
            whole = json.loads(rest) if rest.strip(_WS) else []
        except ValueError as e:
            fail(f"{what} is not valid JSON: {e}")
            raise
        yield from (whole.values() if isinstance(whole, dict) else
                    whole if isinstance(whole, list) else [whole])
    elif rest.strip(_WS) != "]":
        if rest.strip(_WS):
            try:
                dec.raw_decode(rest.lstrip(_WS))
            except ValueError as e:
                fail(f"{what} is not valid JSON: {e}")
        fail(f"{what}: the JSON array ended early")


def _out(text: str) -> None:
    sys.stdout.write(text)


def _echo_json(v: Any) -> None:
    typer.echo(json.dumps(v, indent=2, ensure_ascii=False))


def _target(data_dir: str | None, project: str | None, space: str | None, url: str | None,
            admintoken: str | None) -> Target:
    return resolve_target(data_dir, project, space, url, admintoken)


def _need(value: str | None, what: str) -> str:
    if not value:
        fail(f"missing {what}")
    return str(value)


def _js_num_option(value: str | None, name: str, integer: bool = True) -> Any:
    if value is None:
        return None
    n = q2m.js_number(value)
    if n is None or (integer and (not float(n).is_integer() or n < 0)):
        fail(f"{name} must be a {'non-negative whole ' if integer else ''}number, "
             f"not {value!r}")
    return n


def _table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    fields: list[str] = []
    for r in rows:
        fields += [k for k in r if k not in fields and (k[:1] != "_" or k == "_id")]
    tab = Table(*fields, title=title)
    for r in rows:
        tab.add_row(*["" if r.get(f) is None else
                      json.dumps(r[f]) if isinstance(r.get(f), (dict, list)) else str(r[f])
                      for f in fields])
    Console(soft_wrap=False).print(tab)


# -- query ------------------------------------------------------------------------------------
def query(collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
          query_arg: str = typer.Argument(None, metavar="[QUERY]"),
          space_arg: str = typer.Argument(None, metavar="[SPACE]"),
          collection: str = typer.Option(None, "--collection", "-c", help="Collection name"),
          query_opt: str = typer.Option(None, "--query", "-q",
                                        help="Query expression, e.g. 'name=Polly&age>3'"),
          count: bool = typer.Option(False, "--count", "-n", help="Count query results"),
          delete: bool = typer.Option(False, "--delete", help="Delete every match"),
          update: str = typer.Option(None, "--update", help="Patch every match with '{...}'"),
          replace: str = typer.Option(None, "--replace",
                                      help="Replace every match with '{...}'"),
          useindex: str = typer.Option(None, "--useindex", help="Scan this indexed field"),
          start: str = typer.Option(None, "--start", help="Start value of the index scan"),
          end: str = typer.Option(None, "--end", help="End value of the index scan"),
          limit: str = typer.Option(None, "--limit", help="At most this many results"),
          offset: str = typer.Option(None, "--offset", help="Skip this many results"),
          fields: str = typer.Option(None, "--fields", help="Comma separated fields to show"),
          enqueue: str = typer.Option(None, "--enqueue", help="Add each match to this queue "
                                      "topic"),
          reverse: bool = typer.Option(False, "--reverse", help="Scan the index backwards"),
          pretty: bool = typer.Option(False, "--pretty", help="One formatted object per "
                                      "result"),
          table: bool = typer.Option(False, "--table", help="A table (not JSON)"),
          as_csv: bool = typer.Option(False, "--csv", help="CSV"),
          as_json: bool = _J, project: str = _P, space: str = _S, data_dir: str = DataDir,
          url: str = _U, admintoken: str = _A) -> None:
    """Run a query on a collection (or delete, update, replace or enqueue its matches)."""
    coll = _need(collection or collection_arg, "collection: pass it as an argument or -c")
    expr = query_opt if query_opt is not None else (query_arg or "")
    try:
        crit = q2m.criteria(expr)
    except q2m.QuerySyntaxError as e:
        fail(f"bad query syntax in {expr!r}: {e}")
        raise
    if sum(bool(x) for x in (delete, update is not None, replace is not None)) > 1:
        fail("Cannot mix delete, update or replace")
    if sum((table, pretty, as_csv)) > 1:
        fail("Please choose either --pretty, --table or --csv (or none)")
    headers: dict[str, str] = {}
    if delete:
        headers["x-deletebyquery"] = "true"
    for name, raw in (("update", update), ("replace", replace)):
        if raw is not None:
            try:
                change = json.loads(raw)
            except ValueError as e:
                fail(f"--{name} is not valid JSON ({e}): {raw!r}")
                raise
            if not isinstance(change, dict):
                fail(f"--{name} must be a JSON object '{{...}}', not {raw!r}")
            headers[f"x-{name}byquery"] = raw if name == "update" else q2m.dumps(change)
    opts: dict[str, Any] = {}
    if useindex:
        opts["useIndex"] = useindex
    for name, v in (("start", start), ("end", end)):
        if v:
            n = q2m.js_number(v)
            opts[name] = v if n is None else n
    lim = _js_num_option(limit, "--limit")
    off = _js_num_option(offset, "--offset")
    if lim:
        opts["limit"] = lim
    if off:
        opts["offset"] = off
    if reverse:
        opts["reverse"] = True
    if enqueue:
        opts["enqueue"] = enqueue
    if fields:
        opts["hints"] = q2m.fields_hint(fields)
    headers["x-options"] = q2m.dumps(opts)
    hints = {"count": True} if count else {}
    t = _target(data_dir, project, space or space_arg, url, admintoken)
    s = _Stream(t, f"query/{quote(coll, safe='')}?q={quote(q2m.dumps(crit), safe='')}"
                f"&h={quote(q2m.dumps(hints), safe='')}", headers)
    try:
        if table:
            _table([d for d in s.docs() if isinstance(d, dict)])
        elif pretty:
            for d in s.docs():
                typer.echo(nf.inspect(d))
        elif as_csv:
            w = nf.CsvWriter(_out)
            for d in s.docs():
                w.row(d if isinstance(d, dict) else {"value": d})
        elif as_json:
            for text in pretty_json_stream(s.resp.iter_text()):
                _out(text)
        else:
            for chunk in s.raw():
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
    except httpx.HTTPError as e:
        fail(f"the query stopped: {e}")
    finally:
        s.close()


for _name in ("query", "q"):
    app.command(_name, hidden=_name != "query")(query)


# -- count, collections -------------------------------------------------------------------------
def _count_call(t: Target, coll: str) -> httpx.Response:
    return _call("GET", t, f"query/{quote(coll, safe='')}?q=%7B%7D&h="
                 + quote('{"$onlycount":true}', safe=""))


def _count(t: Target, coll: str) -> int | None:
    rows = _count_call(t, coll).json()
    row = rows[0] if isinstance(rows, list) and rows else rows
    return row.get("count") if isinstance(row, dict) else None


def count(collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
          space_arg: str = typer.Argument(None, metavar="[SPACE]"),
          collection: str = typer.Option(None, "--collection", "-c", help="Collection name"),
          table: bool = typer.Option(False, "--table", help="A table (not JSON)"),
          as_json: bool = _J, project: str = _P, space: str = _S, data_dir: str = DataDir,
          url: str = _U, admintoken: str = _A) -> None:
    """Count the objects in a collection."""
    coll = _need(collection or collection_arg, "collection: pass it as an argument or -c")
    t = _target(data_dir, project, space or space_arg, url, admintoken)
    r = _count_call(t, coll)
    rows = r.json()
    rows = rows if isinstance(rows, list) else [rows]
    if as_json:
        _echo_json(rows[0] if len(rows) == 1 else rows)
    elif table:
        _table(rows)
    else:
        typer.echo(f"{r.status_code} {r.reason_phrase}")
        for row in rows:
            typer.echo(nf.inspect(row, None))


for _name in ("count", "co"):
    app.command(_name, hidden=_name != "count")(count)


def collection(project_arg: str = typer.Argument(None, metavar="[PROJECT]"),
               as_json: bool = _J, project: str = _P, space: str = _S,
               data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """List the space's collections and their indexes."""
    t = _target(data_dir, project or project_arg, space, url, admintoken)
    meta = _call("GET", t, "query/_dbmetadata").json()
    cols = (meta[0].get("collections") or []) if meta and isinstance(meta[0], dict) else []
    rows = [{"collection": c[1].get("name"), "indexes": list(c[1].get("indexes") or {}),
             "created": c[1].get("created")} for c in cols]
    if as_json:
        _echo_json(rows)
    elif not rows:
        typer.echo("No collections here yet")
    else:
        _table([{"Collection": r["collection"], "Indexes": r["indexes"],
                 "Created": r["created"]} for r in rows])


for _name in ("collection", "coll", "col", "ls"):
    app.command(_name, hidden=_name != "collection")(collection)


# -- indexes -------------------------------------------------------------------------------------
def _index_args(collection: str | None, collection_arg: str | None, index: list[str] | None,
                index_arg: str | None) -> tuple[str, list[str]]:
    coll = _need(collection or collection_arg, "collection: pass it as an argument or -c")
    fields = list(index or []) or ([index_arg] if index_arg else [])
    if not fields:
        fail("missing index field: pass it as an argument or -i (repeatable)")
    return coll, fields


def createindex(collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
                index_arg: str = typer.Argument(None, metavar="[INDEX]"),
                space_arg: str = typer.Argument(None, metavar="[SPACE]"),
                collection: str = typer.Option(None, "--collection", "-c"),
                index: list[str] = typer.Option(None, "--index", "-i",
                                                help="Field to index (repeatable)"),
                as_json: bool = _J, project: str = _P, space: str = _S,
                data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Add field(s) to a collection's query index (existing data is indexed first)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    coll, fields = _index_args(collection, collection_arg, index, index_arg)
    t = _target(data_dir, project, space or space_arg, url, admintoken)
    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("Codehooks index {task.description}"),
                  BarColumn(), TimeElapsedColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        task = progress.add_task(",".join(fields), total=None)
        r = _call("POST", t, "indexes", json={"collection": coll, "index": fields},
                  read_timeout=3600)
        progress.update(task, total=1, completed=1)
    # coho JSON.parses each chunk: {"field","count"} starts, {"finished": true} ends
    done: dict[str, Any] = {}
    for line in r.text.splitlines() or [r.text]:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            done.update(obj)
    if as_json:
        _echo_json({"collection": coll, "index": fields, "count": done.get("count", 0),
                    "indexes": done.get("indexes")})
        return
    typer.echo(f"Finished creating index for {done.get('count', 0)}  objects")


for _name in ("createindex", "idx"):
    app.command(_name, hidden=_name != "createindex")(createindex)


@app.command("removeindex")
def removeindex(collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
                index_arg: str = typer.Argument(None, metavar="[INDEX]"),
                space_arg: str = typer.Argument(None, metavar="[SPACE]"),
                collection: str = typer.Option(None, "--collection", "-c"),
                index: list[str] = typer.Option(None, "--index", "-i",
                                                help="Field to remove from the index "
                                                "(repeatable)"),
                as_json: bool = _J, project: str = _P, space: str = _S,
                data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Remove field(s) from a collection's query index."""
    coll, fields = _index_args(collection, collection_arg, index, index_arg)
    t = _target(data_dir, project, space or space_arg, url, admintoken)
    r = _call("DELETE", t, "indexes", json={"collection": coll, "index": fields})
    if as_json:
        _echo_json(r.json())
        return
    typer.echo(str(r.status_code))
    typer.echo(f"Removed index for {nf.inspect(r.json())}")


# -- import / export -----------------------------------------------------------------------------
def _js_parse_int(s: str) -> Any:
    m = re.match(r"^[\s\ufeff\xa0]*([+-]?)(0[xX][0-9a-fA-F]+|\d+)", s)
    if not m:
        return None  # NaN: JSON null
    sign, digits = m.groups()
    v = int(digits, 16) if digits[:2].lower() == "0x" else int(digits)
    return -v if sign == "-" else v


def _js_parse_float(s: str) -> Any:
    m = re.match(r"^[\s\ufeff\xa0]*([+-]?(Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|"
                 r"\.\d+(?:[eE][+-]?\d+)?))", s)
    if not m or "Infinity" in m.group(1):
        return None  # JSON.stringify(Infinity) is null too
    v = float(m.group(1))
    return int(v) if v.is_integer() and abs(v) < 2 ** 53 else v


def csv_value(v: str) -> Any:
    """coho's CSV cell conversion: numbers become numbers (parseInt without a '.',
    parseFloat with one), everything else stays a string."""
    if v == "" or q2m.js_number(v) is None:
        return v
    return _js_parse_int(v) if "." not in v else _js_parse_float(v)


def import_(filepath_arg: str = typer.Argument(None, metavar="[FILEPATH]"),
            collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
            filepath: str = typer.Option(None, "--filepath", "-f", help="File to import "
                                         "(.csv or .json)"),
            collection: str = typer.Option(None, "--collection", "-c"),
            separator: str = typer.Option(",", "--separator", help="CSV field separator; "
                                          "'\\t' and ';' are common"),
            dryrun: bool = typer.Option(False, "--dryrun", help="Print, import nothing"),
            rowcount: bool = typer.Option(False, "--rowcount", help="Add a rowcount field "
                                          "to each record"),
            as_json: bool = _J, project: str = _P, space: str = _S, data_dir: str = DataDir,
            url: str = _U, admintoken: str = _A) -> None:
    """Import JSON or CSV data from a file into a collection."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    path = Path(_need(filepath or filepath_arg, "file: pass it as an argument or -f"))
    coll = _need(collection or collection_arg, "collection: pass it as an argument or -c")
    if not path.is_file():
        fail(f"The file does not exist, check path and name: {path}")
    if path.suffix not in (".csv", ".json"):
        fail("Unknown file extension, must be .csv or .json")
    sep = "\t" if separator == "\\t" else separator
    if len(sep) != 1:
        fail(f"--separator must be one character, not {separator!r}")
    t = None if dryrun else _target(data_dir, project, space, url, admintoken)
    console = Console(stderr=True)
    total = 0
    rows = 0

    def save(chunk: list[Any]) -> None:
        nonlocal total
        if dryrun:
            typer.echo(nf.inspect(chunk))
        elif chunk or path.suffix == ".json":
            assert t is not None
            _call("POST", t, f"restore/{quote(coll, safe='')}", content=q2m.dumps(chunk).encode(),
                  headers={"content-type": "application/json"})
        total += len(chunk)

    with Progress("Processing file", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("import", total=path.stat().st_size)
        chunk: list[Any] = []
        if path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as fh:
                reader = csv.reader(_ticking(fh, bar, task), delimiter=sep)
                header = next(reader, None) or []
                for cells in reader:
                    if not cells:
                        continue
                    doc = {h: csv_value(v) for h, v in zip(header, cells, strict=False)
                           if h[:1] != "_"}
                    if rowcount:
                        rows += 1
                        doc["rowcount"] = rows
                    chunk.append(doc)
                    if len(chunk) >= 5000:
                        save(chunk)
                        chunk = []
            save(chunk)
            summary = f"\nFinished import of {total} objects {rows}"
        else:
            with path.open(encoding="utf-8") as fh:
                items = iter_json_items(_ticking_chunks(fh, bar, task), str(path))
                for doc in items:
                    if len(chunk) > 5000:
                        save(chunk)
                        chunk = []
                    if rowcount and isinstance(doc, dict):
                        rows += 1
                        doc["rowcount"] = rows
                    chunk.append(doc)
            save(chunk)
            summary = f"\nFinished import {total} objects"
    if as_json:
        _echo_json({"collection": coll, "imported": 0 if dryrun else total, "dryrun": dryrun})
    else:
        typer.echo(summary)


def _ticking_chunks(fh: io.TextIOBase, bar: Any, task: Any) -> Iterator[str]:
    while piece := fh.read(1 << 16):
        bar.advance(task, len(piece.encode()))
        yield piece


def _ticking(fh: io.TextIOBase, bar: Any, task: Any) -> Iterator[str]:
    for line in fh:
        bar.advance(task, len(line.encode()))
        yield line


for _name in ("import", "imp"):
    app.command(_name, hidden=_name != "import")(import_)


@app.command("export")
def export(collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
           collection: str = typer.Option(None, "--collection", "-c"),
           filepath: str = typer.Option(None, "--filepath", "--output", "-f",
                                        help="Write to this file (default: stdout)"),
           as_csv: bool = typer.Option(False, "--csv", help="CSV"),
           jsonl: bool = typer.Option(False, "--jsonl", help="JSON Lines: one document "
                                      "a line"),
           project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
           admintoken: str = _A) -> None:
    """Export a collection as JSON (default), JSON Lines or CSV."""
    coll = _need(collection or collection_arg, "collection: pass it as an argument or "
                 "--collection")
    if as_csv and jsonl:
        fail("Please choose either --csv or --jsonl (or none)")
    t = _target(data_dir, project, space, url, admintoken)
    s = _Stream(t, f"export/{quote(coll, safe='')}")
    try:
        fh = open(filepath, "w", encoding="utf-8", newline="") if filepath else None
    except OSError as e:
        s.close()
        fail(f"cannot write {filepath}: {e.strerror}")
        raise
    write = fh.write if fh else _out
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    # A bar only where someone watches it (stderr a terminal) and the data goes elsewhere;
    # its total costs one count query, so it is not asked for otherwise.
    show = console.is_terminal and bool(filepath)
    try:
        with Progress(f"Exporting {coll}", BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=console, transient=True,
                      disable=not show) as bar:
            task = bar.add_task("export", total=_count(t, coll) if show else None)
            if as_csv:
                w = nf.CsvWriter(write)
                for d in s.docs():
                    w.row(d)
                    bar.advance(task)
            elif jsonl:
                for d in s.docs():
                    write(json.dumps(d, ensure_ascii=False) + "\n")
                    bar.advance(task)
            else:
                for chunk in s.resp.iter_text():
                    write(chunk)
                    bar.advance(task, chunk.count(",\n"))
    except httpx.HTTPError as e:
        fail(f"the export stopped: {e}")
    finally:
        s.close()
        if fh:
            fh.close()
    if filepath:
        typer.echo(f"Exported {coll} to {filepath}", err=True)


# -- schemas -------------------------------------------------------------------------------------
@app.command("add-schema")
def add_schema(collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
               schema_arg: str = typer.Argument(None, metavar="[SCHEMA_FILE]"),
               collection: str = typer.Option(None, "--collection", "-c"),
               schema: str = typer.Option(None, "--schema", "--filepath", "-f",
                                          help="JSON Schema file"),
               as_json: bool = _J, project: str = _P, space: str = _S,
               data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Validate a collection's inserts and updates with a JSON Schema (from a file)."""
    coll = _need(collection or collection_arg, "collection: pass it as an argument or -c")
    path = Path(_need(schema or schema_arg, "schema file: pass it as an argument or "
                      "--schema"))
    try:
        doc = json.loads(path.read_bytes())
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
        raise
    except ValueError as e:
        fail(f"{path} is not valid JSON: {e}")
        raise
    t = _target(data_dir, project, space, url, admintoken)
    r = _call("POST", t, f"schema/{quote(coll, safe='')}", json=doc)
    if as_json:
        _echo_json(r.json())
    else:
        typer.echo(f"Schema added to collection {coll} in {t.project}/{t.space}")


@app.command("remove-schema")
def remove_schema(collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
                  collection: str = typer.Option(None, "--collection", "-c"),
                  as_json: bool = _J, project: str = _P, space: str = _S,
                  data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Stop validating a collection with a JSON Schema."""
    coll = _need(collection or collection_arg, "collection: pass it as an argument or -c")
    t = _target(data_dir, project, space, url, admintoken)
    r = _call("DELETE", t, f"schema/{quote(coll, safe='')}")
    if as_json:
        _echo_json(r.json())
    else:
        typer.echo(f"Schema removed from collection {coll} in {t.project}/{t.space}")


@app.command("get-schema")
def get_schema(collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
               collection: str = typer.Option(None, "--collection", "-c"),
               project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
               admintoken: str = _A) -> None:
    """Print the JSON Schema a collection is validated with (exit 1 when it has none)."""
    coll = _need(collection or collection_arg, "collection: pass it as an argument or -c")
    t = _target(data_dir, project, space, url, admintoken)
    _echo_json(_call("GET", t, f"schema/{quote(coll, safe='')}").json()["schema"])


# -- key-value -----------------------------------------------------------------------------------
@app.command("get")
def kv_get(key_arg: str = typer.Argument(None, metavar="[KEY]"),
           keyspace_arg: str = typer.Argument(None, metavar="[KEYSPACE]"),
           key: str = typer.Option(None, "--key", "-k", help="Key, or key* for every key "
                                   "with that prefix [default: *]"),
           keyspace: str = typer.Option(None, "--keyspace", help="Keyspace to scan"),
           text: bool = typer.Option(False, "--text", help="One 'key value' line each"),
           as_json: bool = _J, project: str = _P, space: str = _S, data_dir: str = DataDir,
           url: str = _U, admintoken: str = _A) -> None:
    """Get a key's value, or every key-value pair matching key*."""
    k = key or key_arg or "*"
    ks = keyspace or keyspace_arg
    t = _target(data_dir, project, space, url, admintoken)
    params = {"key": k, **({"keyspace": ks} if ks else {})}
    r = _call("GET", t, "keys", params=params)
    body = r.json()
    if as_json:
        _echo_json(body)
        return
    typer.echo("")
    if not k.endswith("*"):
        typer.echo(nf.inspect(body))
        return
    for item in body:
        if text:
            v = item.get("value")
            typer.echo(f"{item.get('key')} {v if isinstance(v, str) else nf.inspect(v)}")
        else:
            typer.echo(nf.inspect(item, None))
    typer.echo(f"\n {len(body)} keys")


@app.command("set")
def kv_set(key_arg: str = typer.Argument(None, metavar="[KEY]"),
           val_arg: str = typer.Argument(None, metavar="[VAL]"),
           key: str = typer.Option(None, "--key", help="Key to set"),
           val: str = typer.Option(None, "--val", help="Value to set"),
           keyspace: str = typer.Option(None, "--keyspace", help="Keyspace to use"),
           ttl: str = typer.Option(None, "--ttl", help="Time to live in milliseconds"),
           as_json: bool = _J, project: str = _P, space: str = _S, data_dir: str = DataDir,
           url: str = _U, admintoken: str = _A) -> None:
    """Set a key-value pair (optionally in a keyspace, optionally expiring)."""
    k = _need(key or key_arg, "key")
    v = val if val is not None else val_arg
    if v is None:
        fail("missing value")
    ms = _js_num_option(ttl, "--ttl")
    t = _target(data_dir, project, space, url, admintoken)
    params = {**({"keyspace": keyspace} if keyspace else {}), **({"ttl": ms} if ms else {})}
    r = _call("POST", t, "keys", params=params, json={"key": k, "value": v})
    if as_json:
        _echo_json(r.json())
    else:
        typer.echo(nf.inspect(r.json(), None))


@app.command("del")
def kv_del(key_arg: str = typer.Argument(None, metavar="[KEY]"),
           keyspace_arg: str = typer.Argument(None, metavar="[KEYSPACE]"),
           key: str = typer.Option(None, "--key", help="Key to delete"),
           keyspace: str = typer.Option(None, "--keyspace", help="Keyspace to use"),
           as_json: bool = _J, project: str = _P, space: str = _S, data_dir: str = DataDir,
           url: str = _U, admintoken: str = _A) -> None:
    """Delete a key-value pair."""
    k = _need(key or key_arg, "key")
    ks = keyspace or keyspace_arg
    t = _target(data_dir, project, space, url, admintoken)
    r = _call("DELETE", t, "keys", params={"keyspace": ks} if ks else {}, json={"key": k})
    if as_json:
        _echo_json(r.json())
    else:
        typer.echo(nf.inspect(r.json(), None))
