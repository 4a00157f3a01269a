"""`brygge deploy` (aliases `de`, `dep`): put an app folder on a space, list its
deployments, or roll back."""

from __future__ import annotations

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import httpx
import typer

from brygge import jsonout
from control_plane.cli.common import (
    DataDir,
    _admin_call,
    _error_of,
    app,
    fail,
    resolve_target,
)


def deploy(directory: str = typer.Argument(".", help="App folder with index.js"),
           project: str = typer.Option(None, "--project", "-p"),
           space: str = typer.Option(None, "--space", "-s"),
           history: bool = typer.Option(False, "--history", help="List the space's "
                                        "deployments, newest first"),
           rollback: bool = typer.Option(False, "--rollback", help="Drop the newest "
                                         "deployment; the previous one serves again"),
           as_json: bool = typer.Option(False, "--json"),
           data_dir: str = DataDir,
           url: str = typer.Option(None, "--url", help="Admin API URL of a remote node"),
           admintoken: str = typer.Option(None, "--admintoken")) -> None:
    """Deploy an app folder to a space (or list its deployments, or roll back)."""
    from control_plane.deploy import DeployFailed, deploy_dir

    t = resolve_target(data_dir, project, space, url, admintoken)
    if history:
        rows = _admin_call("GET", t, "/deployments")
        if as_json:
            typer.echo(jsonout.dumps(rows, indent=2))
        elif not rows:
            typer.echo("No code deployed to this space yet.")
        for d in rows if not as_json else []:
            who = (d.get("headers") or {}).get("x-userfullname") or ""
            routes = len((d.get("manifest") or {}).get("routes") or [])
            typer.echo(f"{d.get('seq', '?'):>4}  {d.get('date', '')}  "
                       f"{str(d.get('digest', ''))[:12]}  {routes} routes"
                       f"{'  ' + who if who else ''}{'  (active)' if d.get('active') else ''}")
        return
    if rollback:
        try:
            r = httpx.delete(f"{t.admin_url}/_adm/{t.project}/{t.space}/deploy",
                             headers=t.headers(), timeout=60)
        except httpx.HTTPError as e:
            fail(f"cannot reach the admin API at {t.admin_url}: {e}")
            raise
        if r.status_code >= 300:
            fail(_error_of(r))
        typer.echo(jsonout.dumps(r.json()) if as_json else
                   f"Rolled back {t.project}/{t.space}: deployment {r.json()['active']} serves "
                   f"again ({r.json()['removed']} removed)")
        return
    from rich.console import Console

    try:  # a spinner on a terminal (stderr: stdout stays the result)
        with Console(stderr=True).status(f"Deploying {directory} to {t.project}/{t.space}: "
                                         "packing, uploading, evaluating..."):
            r = deploy_dir(directory, t.admin_url, t.admin_token, t.project, t.space)
    except DeployFailed as e:
        fail(str(e))
        raise
    if as_json:
        typer.echo(jsonout.dumps(r, indent=2))
        return
    typer.echo(f"Deployed to {t.project}/{t.space} (deployment {r['deployment']}, "
               f"{r['eval_ms']} ms to evaluate)")
    for route in r["manifest"]["routes"]:
        typer.echo(f"  {route}")
    for rel in r.get("outside") or []:
        typer.echo(f"Included from outside {directory}: {rel}")
    if r.get("startup_error"):
        typer.echo(f"warning: the startup hook failed: {r['startup_error']}", err=True)



for _name in ("deploy", "de", "dep"):
    app.command(_name, hidden=_name != "deploy")(deploy)
