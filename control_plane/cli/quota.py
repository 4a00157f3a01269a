"""`brygge quota -p P [--json]` (a project's usage against its limits) and `brygge quota
set -p P [--plan NAME] [--data-bytes N ...]` (the operator's: plan and overrides), over
the admin API's /v1/projects/{p}/quota (control_plane/api/quota.py); `brygge stats`
prints the same lines after its per-space figures (quota_lines)."""

from __future__ import annotations

from typing import Any

import typer

from brygge import jsonout
from control_plane.cli.common import (
    _A,
    _P,
    _U,
    DataDir,
    Target,
    _project_call,
    app,
    fail,
    resolve_target,
)
from storage.quota import QUOTAS

quota_app = typer.Typer(help="A project's quotas: usage against limits, plan, overrides.")
app.add_typer(quota_app, name="quota")

_BYTES = {"data_bytes", "file_bytes"}


def _call(method: str, t: Target, project: str, **kw: Any) -> Any:
    """/v1/projects/{project}/quota with the target's admin token (for `set`, the
    operator's token on another project)."""
    return _project_call(method, Target(t.admin_url, t.admin_token, project, t.space),
                         "/quota", **kw)


def _figure(q: str, n: Any) -> str:
    if n is None:
        return "-"
    return f"{n:,} B" if q in _BYTES else f"{n:,}"


def quota_lines(st: dict[str, Any]) -> list[str]:
    """The table `brygge quota` prints: one line per quota, used and limit."""
    out = [f"Quotas of {st['project']} (plan {st['plan']})",
           f"{'quota':<22}{'used':>14}  {'limit':>14}"]
    for q in QUOTAS:
        limit = st["limits"].get(q, 0)
        out.append(f"{q:<22}{_figure(q, st['usage'].get(q)):>14}  "
                   f"{_figure(q, limit) if limit else 'unlimited':>14}")
    return out


@quota_app.callback(invoke_without_command=True)
def show(ctx: typer.Context, project: str = _P, as_json: bool = typer.Option(False, "--json"),
         data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Usage of the project against each of its limits (requests per minute and open
    streams are counted by the routers and show as '-')."""
    if ctx.invoked_subcommand is not None:
        return
    t = resolve_target(data_dir, project, None, url, admintoken)
    st = _call("GET", t, t.project)
    if as_json:
        typer.echo(jsonout.dumps(st, indent=2))
        return
    for line in quota_lines(st):
        typer.echo(line)


def _opt(q: str) -> Any:
    return typer.Option(None, "--" + q.replace("_", "-"),
                        help=f"limit of {QUOTAS[q]} (0 = unlimited, -1 = the plan's)")


@quota_app.command("set")
def set_quota(project: str = typer.Option(..., "--project", "-p"),
              plan: str = typer.Option(None, "--plan", help="plan name ('' = the default)"),
              data_bytes: int = _opt("data_bytes"), file_bytes: int = _opt("file_bytes"),
              deployments_kept: int = _opt("deployments_kept"),
              requests_per_minute: int = _opt("requests_per_minute"),
              cpu_seconds_per_day: int = _opt("cpu_seconds_per_day"),
              jobs_queued: int = _opt("jobs_queued"),
              realtime_streams: int = _opt("realtime_streams"),
              as_json: bool = typer.Option(False, "--json"), data_dir: str = DataDir,
              url: str = _U, admintoken: str = _A) -> None:
    """Put a project on a plan and/or override single limits (the node operator's: on a
    local node the admin token of the node's own project is used)."""
    given = {"data_bytes": data_bytes, "file_bytes": file_bytes,
             "deployments_kept": deployments_kept, "requests_per_minute": requests_per_minute,
             "cpu_seconds_per_day": cpu_seconds_per_day, "jobs_queued": jobs_queued,
             "realtime_streams": realtime_streams}
    limits: dict[str, int | None] = {q: (None if v == -1 else v) for q, v in given.items()
                                     if v is not None}
    if any(v is not None and v < -1 for v in limits.values()):
        fail("a limit is a number of 0 (unlimited) or more, or -1 (back to the plan's)")
    body: dict[str, Any] = {}
    if plan is not None:
        body["plan"] = plan
    if limits:
        body["limits"] = limits
    if not body:
        fail("nothing to set: give --plan and/or a limit such as --data-bytes 1000000")
    t = resolve_target(data_dir, None, None, url, admintoken)  # the node's own project
    st = _call("PUT", t, project, json=body)
    if as_json:
        typer.echo(jsonout.dumps(st, indent=2))
        return
    for line in quota_lines(st):
        typer.echo(line)
