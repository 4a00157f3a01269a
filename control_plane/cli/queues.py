"""`brygge queue-status`, `queue retry`, `queue purge`: queues of a space."""

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
    fail,
    resolve_target,
)

# -- queues (control_plane/api/queues.py) ----------------------------------------------------
queue_app = typer.Typer(no_args_is_help=True, help="Queues of a space: re-drive or purge jobs.")
app.add_typer(queue_app, name="queue")


@app.command("queue-status")
def queue_status(project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
                 dead: bool = typer.Option(False, "--dead", help="List the dead letters"),
                 data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Per topic: jobs queued, running, dead-lettered; with --dead the dead letters."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    rows: Any = _admin_call("GET", t, "/queues/dead" if dead else "/queues")
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"No {'dead letters' if dead else 'queues'} in {t.project}/{t.space}")
        return
    if dead:
        typer.echo(f"{'TOPIC':20}  {'JOB':36}  {'TRIES':5}  {'DIED':20}  ERROR")
        for r in rows:
            typer.echo(f"{r['topic']:20}  {r['jobId']:36}  {r['attempts']:5}  {r['died']:20}  "
                       f"{r['error'][:80]}")
        return
    typer.echo(f"{'TOPIC':24}  {'QUEUED':>7}  {'RUNNING':>7}  {'DEAD':>6}  {'WORKERS':>7}")
    for r in rows:
        typer.echo(f"{r['topic']:24}  {r['queued']:>7}  {r['inFlight']:>7}  {r['dead']:>6}  "
                   f"{r['workers']:>7}")


def _topic_body(topic: str, all_: bool) -> dict[str, Any]:
    if all_ == bool(topic):
        fail("name one topic, or --all")
    return {"all": True} if all_ else {"topic": topic}


@queue_app.command("retry")
def queue_retry(topic: str = typer.Argument("", help="Topic whose dead letters run again"),
                all_: bool = typer.Option(False, "--all"), project: str = _P, space: str = _S,
                data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Re-drive dead-lettered jobs: they are queued again (attempts start over)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _admin_call("POST", t, "/queues/retry", json=_topic_body(topic, all_))
    typer.echo(f"Queued {r['retried']} dead-lettered job(s) again in {t.project}/{t.space}")


@queue_app.command("purge")
def queue_purge(topic: str = typer.Argument("", help="Topic to empty"),
                all_: bool = typer.Option(False, "--all"),
                dead: bool = typer.Option(False, "--dead", help="Purge dead letters instead"),
                project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
                admintoken: str = _A) -> None:
    """Drop queued jobs (or, with --dead, dead letters) of a topic or of all topics."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _admin_call("POST", t, "/queues/purge", json={**_topic_body(topic, all_), "dead": dead})
    typer.echo(f"Purged {r['purged']} {'dead letter(s)' if dead else 'queued job(s)'} in "
               f"{t.project}/{t.space}")
