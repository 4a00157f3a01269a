"""`brygge import` (`imp`) / `export`: documents in and out of a collection (JSON, JSON Lines,
CSV). CSV and JSON are read as coho 1.0.13 reads them; JSON Lines and `--encoding` (UTF-8,
Latin-1, or auto-detected) are Brygge's own."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import typer

from brygge import jsonout, strictjson
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


_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "latin-1": "latin-1", "latin1": "latin-1",
              "iso-8859-1": "latin-1", "auto": "auto"}
_JSONL = (".jsonl", ".ndjson")


def encoding_of(path: Path, name: str) -> str:
    """The codec to read an import file with. `auto`: UTF-8 (a BOM dropped) when the whole
    file decodes as UTF-8, else Latin-1 (every byte is a Latin-1 character); read once
    ahead, in pieces, so a bad byte late in the file decides too."""
    if name.lower() not in _ENCODINGS:
        fail(f"--encoding must be utf-8, latin-1 or auto, not {name!r}")
    enc = _ENCODINGS[name.lower()]
    if enc != "auto":
        return enc
    dec = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while piece := fh.read(1 << 16):
                dec.decode(piece)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8-sig"


def csv_docs(lines: Iterator[str], sep: str) -> Iterator[dict[str, Any]]:
    """CSV rows as coho reads them: the first row names the fields, fields named `_...`
    are dropped, empty rows skipped, cells converted by `csv_value`."""
    reader = csv.reader(lines, delimiter=sep)
    header = next(reader, None) or []
    for cells in reader:
        if not cells:
            continue
        yield {h: csv_value(v) for h, v in zip(header, cells, strict=False) if h[:1] != "_"}


def jsonl_docs(lines: Iterator[str], what: str) -> Iterator[dict[str, Any]]:
    """The documents of a JSON Lines file, one object a line (blank lines skipped); strict
    JSON (no NaN/Infinity, bounded depth), a bad line is named by its number."""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = strictjson.loads(line)
        except ValueError as e:
            fail(f"{what} line {n} is not valid JSON: {e}")
            raise
        if not isinstance(doc, dict):
            fail(f"{what} line {n} is not a JSON object")
        yield doc


def import_(filepath_arg: str = typer.Argument(None, metavar="[FILEPATH]"),
            collection_arg: str = typer.Argument(None, metavar="[COLLECTION]"),
            filepath: str = typer.Option(None, "--filepath", "-f", help="File to import "
                                         "(.csv, .json, or JSON Lines: .jsonl/.ndjson)"),
            collection: str = typer.Option(None, "--collection", "-c"),
            separator: str = typer.Option(",", "--separator", help="CSV field separator; "
                                          "'\\t' and ';' are common"),
            dryrun: bool = typer.Option(False, "--dryrun", help="Print, import nothing"),
            rowcount: bool = typer.Option(False, "--rowcount", help="Add a rowcount field "
                                          "to each record"),
            encoding: str = typer.Option("utf-8", "--encoding", help="Text encoding of the "
                                         "file: utf-8, latin-1, or auto (UTF-8 if the "
                                         "whole file is, else Latin-1)"),
            as_json: bool = _J, project: str = _P, space: str = _S, data_dir: str = DataDir,
            url: str = _U, admintoken: str = _A) -> None:
    """Import JSON, JSON Lines or CSV data from a file into a collection."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    path = Path(_need(filepath or filepath_arg, "file: pass it as an argument or -f"))
    coll = _need(collection or collection_arg, "collection: pass it as an argument or -c")
    if not path.is_file():
        fail(f"The file does not exist, check path and name: {path}")
    if path.suffix not in (".csv", ".json", *_JSONL):
        fail("Unknown file extension, must be .csv, .json or .jsonl (.ndjson)")
    enc = encoding_of(path, encoding)
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
        if path.suffix in (".csv", *_JSONL):  # line by line
            with path.open(newline="" if path.suffix == ".csv" else None, encoding=enc) as fh:
                lines = _ticking(fh, bar, task)
                for doc in (csv_docs(lines, sep) if path.suffix == ".csv" else
                            jsonl_docs(lines, str(path))):
                    if rowcount:
                        rows += 1
                        doc["rowcount"] = rows
                    chunk.append(doc)
                    if len(chunk) >= 5000:
                        save(chunk)
                        chunk = []
            save(chunk)
            summary = (f"\nFinished import of {total} objects {rows}" if path.suffix == ".csv"
                       else f"\nFinished import {total} objects")
        else:
            with path.open(encoding=enc) as fh:
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


def _ticking_chunks(fh: io.TextIOWrapper, bar: Any, task: Any) -> Iterator[str]:
    enc = _codec(fh)
    while piece := _decoded(fh, lambda: fh.read(1 << 16)):
        bar.advance(task, len(piece.encode(enc)))
        yield piece


def _ticking(fh: io.TextIOWrapper, bar: Any, task: Any) -> Iterator[str]:
    enc = _codec(fh)
    while line := _decoded(fh, fh.readline):
        bar.advance(task, len(line.encode(enc)))
        yield line


def _codec(fh: io.TextIOWrapper) -> str:
    """The file's codec, to count the bar in the file's bytes (no BOM per piece)."""
    return fh.encoding.removesuffix("-sig")


def _decoded(fh: io.TextIOWrapper, read: Any) -> str:
    """`read()`, with a byte the encoding cannot decode told as one line naming the fix."""
    try:
        return read()
    except UnicodeDecodeError as e:
        fail(f"{fh.name} is not valid {_codec(fh)} text ({e.reason}): try --encoding "
             "latin-1 or auto")
        raise


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
                    write(jsonout.dumps(d) + "\n")
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
