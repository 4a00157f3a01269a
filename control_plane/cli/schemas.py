"""`brygge add-schema`, `remove-schema`, `get-schema`: a collection's JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import typer

from control_plane.cli.common import _A, _P, _S, _U, DataDir, app, fail
from control_plane.cli.data_api import (
    _J,
    _call,
    _echo_json,
    _need,
    _target,
)


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
