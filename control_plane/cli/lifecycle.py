"""`brygge remove-project`, `remove-space` (the official CLI's name), `suspend` and `resume`.

A removal is for good (every space's data, files, deployments, queues, schedules, tokens:
control_plane/lifecycle.py), so it asks first; `--yes` answers for scripts, and without a
terminal to ask on and without `--yes` the command refuses."""

from __future__ import annotations

import sys

import typer

from brygge import jsonout
from control_plane.cli.common import _A, _P, _U, DataDir, _project_call, app, fail, resolve_target

_Y = typer.Option(False, "--yes", "-y", help="Do not ask: remove for good")
_J = typer.Option(False, "--json")


def _confirm(what: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        fail(f"refusing to remove {what} without --yes (no terminal to ask on)")
    if not typer.confirm(f"Remove {what} and all of its data for good?", default=False):
        fail("nothing removed")


@app.command("remove-project")
def remove_project(name: str = typer.Argument(..., help="The project's unique name"),
                   yes: bool = _Y, as_json: bool = _J, data_dir: str = DataDir,
                   url: str = _U, admintoken: str = _A) -> None:
    """Delete a project: every space and all of their data, for good."""
    t = resolve_target(data_dir, name, None, url, admintoken)
    _confirm(f"project {name}", yes)
    r = _project_call("DELETE", t, "", params={"confirm": name})
    if as_json:
        typer.echo(jsonout.dumps(r, indent=2))
        return
    spaces = ", ".join(r.get("spaces") or []) or "none"
    typer.echo(f"Removed project {name} (spaces: {spaces})")


@app.command("remove-space")
def remove_space(name: str = typer.Argument(..., help="The space to remove"),
                 project: str = _P, yes: bool = _Y, as_json: bool = _J,
                 data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Remove a space of the project and all of its data, for good."""
    t = resolve_target(data_dir, project, name, url, admintoken)
    _confirm(f"space {name} of project {t.project}", yes)
    r = _project_call("DELETE", t, f"/spaces/{name}", params={"confirm": name})
    typer.echo(jsonout.dumps(r, indent=2) if as_json
               else f"Removed space {name} from {t.project}")


def _suspension(project: str | None, verb: str, data_dir: str | None, url: str | None,
                admintoken: str | None) -> None:
    t = resolve_target(data_dir, project, None, url, admintoken)
    _project_call("POST", t, f"/{verb}")
    typer.echo(f"Project {t.project} is {'suspended' if verb == 'suspend' else 'resumed'}")


@app.command("suspend")
def suspend(project: str = typer.Argument(None, help="The project [default: -p or the "
                                          "node's default]"),
            data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Suspend a project: every route of every space answers 403 until `resume`."""
    _suspension(project, "suspend", data_dir, url, admintoken)


@app.command("resume")
def resume(project: str = typer.Argument(None, help="The project [default: the node's "
                                         "default]"),
           data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Resume a suspended project at once (cron schedules return, queued jobs run)."""
    _suspension(project, "resume", data_dir, url, admintoken)
