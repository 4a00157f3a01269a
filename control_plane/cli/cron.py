"""`brygge job run`, `jobs`, `timezone`, `workflow-status`: cron jobs and workflows."""

from __future__ import annotations

from typing import Any

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import typer

from brygge import jsonout
from control_plane.cli.common import (
    _A,
    _P,
    _S,
    _U,
    DataDir,
    _admin_call,
    app,
    resolve_target,
)

# -- cron jobs and workflows (control_plane/schedules.py) --------------------------------------
job_app = typer.Typer(no_args_is_help=True, help="Cron jobs of a space.")
app.add_typer(job_app, name="job")


@job_app.command("run")
def job_run(cronkey: str = typer.Argument(..., help="The job's cron expression, as in app.job()"),
            project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
            admintoken: str = _A) -> None:
    """Run a cron job of the space now (its next scheduled runs are unchanged)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    _admin_call("POST", t, "/jobs/run", json={"cron": cronkey})
    typer.echo(f"Queued a run of the cron job '{cronkey}' in {t.project}/{t.space}")


@app.command("jobs")
def jobs(project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
         data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """List the space's cron jobs: next tick, last run and its outcome."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    rows: Any = _admin_call("GET", t, "/jobs")
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"No cron jobs in {t.project}/{t.space}")
        return
    width = max(len(r["cron"]) for r in rows)
    typer.echo(f"{'CRON':{width}}  {'NEXT':20}  {'LAST RUN':24}  OUTCOME")
    for r in rows:
        typer.echo(f"{r['cron']:{width}}  {r['next']:20}  {r['lastRun']:24}  {r['lastOutcome']}")


@app.command("timezone")
def timezone(tz: str = typer.Argument("", help="IANA time zone, e.g. Europe/Oslo; '' or none: "
                                              "the node's default (BRYGGE_CRON_TIMEZONE)"),
             project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
             admintoken: str = _A) -> None:
    """Set the time zone the space's cron expressions are read in (DST included)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _admin_call("PUT" if tz else "DELETE", t, "/timezone",
                    **({"json": {"timezone": tz}} if tz else {}))
    typer.echo(f"Cron jobs of {t.project}/{t.space} run in {r['timezone']}")


@app.command("workflow-status")
def workflow_status(project: str = _P, space: str = _S,
                    collection: str = typer.Option("workflowdata", "--collection"),
                    active: bool = typer.Option(False, "--active", help="Only unfinished ones"),
                    as_json: bool = typer.Option(False, "--json"),
                    data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """List workflow instances of the space (createWorkflow's `workflowdata`)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    rows: Any = _admin_call("GET", t, "/workflows", params={"collection": collection})
    if active:
        rows = [r for r in rows if r["status"] == "running"]
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"No workflow instances in {t.project}/{t.space}")
        return
    typer.echo(f"{'WORKFLOW':20}  {'ID':26}  {'NEXT STEP':16}  {'STATUS':10}  LAST ERROR")
    for r in rows:
        typer.echo(f"{r['workflowName'] or '-':20}  {r['_id']:26}  {r['nextStep'] or '-':16}  "
                   f"{r['status']:10}  {r['lastError'] or ''}")
