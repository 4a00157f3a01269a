"""`brygge logs` (alias `log`): a space's log, optionally followed."""

from __future__ import annotations

import json

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import httpx
import typer

from control_plane.cli.common import (
    DataDir,
    _error_of,
    app,
    fail,
    resolve_target,
)


def logs(project: str = typer.Option(None, "--project", "-p"),
         space: str = typer.Option(None, "--space", "-s"),
         follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines"),
         tail: int = typer.Option(100, "--tail", "-t", help="How many past lines"),
         context: str = typer.Option(None, "--context", "-c", help="Only lines of: routehooks, "
                                     "queuehooks, jobhooks, startup"),
         as_json: bool = typer.Option(False, "--json"),
         data_dir: str = DataDir,
         url: str = typer.Option(None, "--url"),
         admintoken: str = typer.Option(None, "--admintoken")) -> None:
    """Show a space's log (console output of its app)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    try:
        with httpx.stream("GET", f"{t.admin_url}/v1/projects/{t.project}/spaces/{t.space}/logs",
                          params={"tail": tail, "follow": follow,
                                  **({"context": context} if context else {})},
                          headers=t.headers(),
                          timeout=httpx.Timeout(None, connect=5)) as r:
            if r.status_code != 200:
                r.read()
                fail(_error_of(r))
            for line in r.iter_lines():
                if not line.strip():
                    continue
                if as_json:
                    typer.echo(line)
                    continue
                e = json.loads(line)
                where = f" [{e['source']} {e.get('requestId', '')}]" if e.get("source") else ""
                typer.echo(f"{t.space} {e['date']} {e['logtype']:5}{where} {e['log']}")
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
    except KeyboardInterrupt:
        pass


for _name in ("logs", "log"):
    app.command(_name, hidden=_name != "logs")(logs)
