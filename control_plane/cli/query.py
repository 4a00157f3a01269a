"""`brygge query` (`q`), `count` (`co`), `collection` (`coll`, `col`, `ls`), `createindex`
(`idx`), `removeindex`: reading a space's collections and their indexes."""

from __future__ import annotations

import json
import sys
from typing import Any
from urllib.parse import quote

import httpx
import typer

from control_plane import query_to_mongo as q2m
from control_plane.cli import node_format as nf
from control_plane.cli.common import _A, _P, _S, _U, DataDir, Target, app, fail
from control_plane.cli.data_api import (
    _J,
    _call,
    _echo_json,
    _js_num_option,
    _need,
    _out,
    _Stream,
    _table,
    _target,
    pretty_json_stream,
)


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
