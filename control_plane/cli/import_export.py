"""`brygge import` (`imp`) / `export`: documents in and out of a collection (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import typer

from control_plane import query_to_mongo as q2m
from control_plane.cli import node_format as nf
from control_plane.cli.common import _A, _P, _S, _U, DataDir, app, fail
from control_plane.cli.data_api import (
    _J,
    _call,
    _echo_json,
    _need,
    _out,
    _Stream,
    _target,
    iter_json_items,
)
from control_plane.cli.query import _count


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
