"""`brygge domain add|list|remove`: a space's custom domains and its alternative host
(control_plane/api/domains.py). Each serves the space with the whole path as the API
path: `https://api.example.com/hello` is route /hello of the space."""

from __future__ import annotations

import typer

from brygge import jsonout
from control_plane.cli.common import _A, _P, _S, _U, DataDir, _admin_call, app, resolve_target

domain_app = typer.Typer(no_args_is_help=True, help="Custom domains and the alternative host "
                         "of a space (served without the space in the path).")
app.add_typer(domain_app, name="domain")


@domain_app.command("add")
def add(host: str = typer.Argument(..., help="Host name, e.g. api.example.com (point its "
                                   "DNS at the node's routers)"),
        space: str = _S, project: str = _P, as_json: bool = typer.Option(False, "--json"),
        data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Serve the space on HOST too."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _admin_call("POST", t, "/domains", json={"host": host})
    typer.echo(jsonout.dumps(r) if as_json else
               f"Added {r['host']} to {t.project}/{t.space}: {r['url']}/<route>")


@domain_app.command("list")
def list_(space: str = _S, project: str = _P, as_json: bool = typer.Option(False, "--json"),
          data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """List the space's hosts: its alternative host, then its custom domains."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    rows = _admin_call("GET", t, "/domains")
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['host']}  {r['kind']}  {r['url']}")


@domain_app.command("remove")
def remove(host: str = typer.Argument(..., help="A custom domain of the space"),
           space: str = _S, project: str = _P, data_dir: str = DataDir, url: str = _U,
           admintoken: str = _A) -> None:
    """Stop serving the space on HOST (at once, on every router)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _admin_call("DELETE", t, f"/domains/{host}")
    typer.echo(f"Removed {r['removed']} from {t.project}/{t.space}")
