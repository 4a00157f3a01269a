"""`brygge get`, `set`, `del`: the space's key-value store."""

from __future__ import annotations

import typer

from control_plane.cli import node_format as nf
from control_plane.cli.common import _A, _P, _S, _U, DataDir, app, fail
from control_plane.cli.data_api import (
    _J,
    _call,
    _echo_json,
    _js_num_option,
    _need,
    _target,
)


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
