"""`brygge audit`: who did which admin action, from where, with what outcome (the audit
log, control_plane/audit/), read through the admin API (control_plane/api/audit_api.py)."""

from __future__ import annotations

import json
from typing import Any

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import httpx
import typer

from control_plane.cli.common import DataDir, _error_of, app, fail, resolve_target

COLUMNS = ("time", "actor", "action", "target", "ip", "outcome", "status")


@app.command("audit")
def audit(project: str = typer.Option(None, "--project", "-p",
                                      help="This project's log [default: the whole node's]"),
          as_json: bool = typer.Option(False, "--json", help="Print the entries as JSON"),
          since: str = typer.Option(None, "--since",
                                    help="An ISO 8601 time or an age: 90s, 15m, 1h, 7d"),
          limit: int = typer.Option(100, "--limit", min=1, max=1000,
                                    help="At most this many entries, newest first"),
          actor: str = typer.Option(None, "--actor",
                                    help="Only this actor (admintoken:<id>, user:<id>, "
                                         "...); a trailing * matches a prefix"),
          action: str = typer.Option(None, "--action",
                                     help="Only this action (env.set, token.*, ...)"),
          data_dir: str = DataDir, url: str = typer.Option(None, "--url"),
          admintoken: str = typer.Option(None, "--admintoken")) -> None:
    """Show the audit log of a project, or of the whole node (an operator's view)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    path = f"/v1/projects/{project}/audit" if project else "/v1/audit"
    params = {k: v for k, v in (("since", since), ("limit", str(limit)), ("actor", actor),
                                ("action", action)) if v}
    try:
        r = httpx.get(t.admin_url + path, params=params, timeout=30, headers=t.headers())
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
        raise
    if r.status_code >= 300:
        fail(_error_of(r))
    entries: list[dict[str, Any]] = r.json()
    if as_json:
        typer.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    _table(entries, f"audit log of {project}" if project else "audit log of the node")


def _table(entries: list[dict[str, Any]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    tab = Table(*COLUMNS, title=title)
    style = {"ok": "green", "denied": "red", "error": "yellow"}
    for e in entries:
        # Text, not markup: a target is whatever a request put in its path
        tab.add_row(*[Text("" if e.get(c) is None else str(e[c]),
                           style=style.get(str(e.get(c)), "") if c == "outcome" else "")
                      for c in COLUMNS])
    Console(soft_wrap=False).print(tab)
    if not entries:
        typer.echo("no entries")
