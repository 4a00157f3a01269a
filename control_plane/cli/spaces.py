"""`brygge add`, `use`, and the API and admin tokens: `add-token`, `remove-token`,
`admintokens`, `add-admintoken`, `remove-admintoken`."""

from __future__ import annotations

import json
from typing import Any

import typer

from brygge import jsonout
from control_plane.cli.common import (
    _A,
    _P,
    _S,
    _U,
    DataDir,
    _admin_call,
    _project_call,
    app,
    fail,
    resolve_target,
)


# -- spaces and tokens ---------------------------------------------------------------------------
@app.command("add")
def add_space(name: str = typer.Argument(..., help="Name of the new space, e.g. staging"),
              project: str = _P, as_json: bool = typer.Option(False, "--json"),
              data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Create a space in the project (with a read-write API token)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    sp = _project_call("POST", t, "/spaces", json={"name": name})
    if as_json:
        typer.echo(jsonout.dumps(sp, indent=2))
        return
    typer.echo(f"Created space {name}: {sp['url']}")
    typer.echo(f"  token {sp['tokens'][0]['token']} (RW)")


@app.command("use")
def use_space(name: str = typer.Argument(None, help="Space the following commands act on"),
              project: str = _P, data_dir: str = DataDir, url: str = _U,
              admintoken: str = _A) -> None:
    """Make a space the default for later commands (without a name: show the default)."""
    from control_plane.cli.common import CONFIG_PATH

    cfg: dict[str, Any] = {}
    if CONFIG_PATH.exists():
        try:
            cfg = json.loads(CONFIG_PATH.read_text())
        except ValueError:
            cfg = {}
    if not name:
        t = resolve_target(data_dir, project, None, url, admintoken)
        typer.echo(t.space)
        return
    t = resolve_target(data_dir, project, name, url, admintoken)
    spaces = [s["name"] for s in _project_call("GET", t, "").get("spaces", [])]
    if name not in spaces:
        fail(f"no space {name!r} in project {t.project!r} (spaces: {', '.join(spaces)})")
    cfg["space"] = name
    cfg.setdefault("project", t.project)
    CONFIG_PATH.parent.mkdir(parents=True, exist_ok=True)
    CONFIG_PATH.write_text(json.dumps(cfg, indent=2))
    CONFIG_PATH.chmod(0o600)
    typer.echo(f"Using space {name} of {t.project}")


@app.command("add-token")
def add_token(readonly: bool = typer.Option(False, "--readonly", help="GET/HEAD only"),
              description: str = typer.Option("", "--description"),
              project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
              data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Add an API token to a space (x-apikey)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _admin_call("POST", t, "/tokens", json={"readonly": readonly,
                                                "description": description})
    typer.echo(jsonout.dumps(r) if as_json else
               f"Added token {r['token']} ({r['access']}) to {t.project}/{t.space}")


@app.command("remove-token")
def remove_token(token: str = typer.Argument(..., help="The token to revoke"),
                 project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
                 admintoken: str = _A) -> None:
    """Revoke an API token of a space (at once, on every router)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    _admin_call("DELETE", t, f"/tokens/{token}")
    typer.echo(f"Removed token {token} from {t.project}/{t.space}")


@app.command("admintokens")
def admin_tokens(project: str = _P, as_json: bool = typer.Option(False, "--json"),
                 data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """List the project's admin tokens (their first characters)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    rows = _project_call("GET", t, "/admintokens")
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['token']}  {r.get('created') or ''}  {r.get('description') or ''}")


@app.command("add-admintoken")
def add_admin_token(description: str = typer.Option("", "--description"), project: str = _P,
                    data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Create an admin token for the project (printed once: keep it)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    r = _project_call("POST", t, "/admintokens", json={"description": description})
    typer.echo(r["token"])


@app.command("remove-admintoken")
def remove_admin_token(token: str = typer.Argument(..., help="The token or a unique prefix of "
                                                   "it (as `admintokens` lists)"),
                       project: str = _P, data_dir: str = DataDir, url: str = _U,
                       admintoken: str = _A) -> None:
    """Revoke an admin token of the project (not the last one)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    r = _project_call("DELETE", t, f"/admintokens/{token}")
    typer.echo(f"Removed admin token {r['removed']}")
