"""`brygge status`: a self-hoster's view of the local node's processes (Brygge's own
command)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import typer

from brygge import jsonout
from control_plane.cli.common import (
    DataDir,
    app,
    fail,
    node_json,
    settings_for,
)


# -- status --------------------------------------------------------------------------------------
@app.command("status")
def status(data_dir: str = DataDir, as_json: bool = typer.Option(False, "--json")) -> None:
    """The local node: each component's process, whether it is alive, and the health of
    its router and admin API, with the ports and the version."""
    from brygge import __version__

    s = settings_for(data_dir)
    info = node_json(s)
    if not info:
        fail(f"no running node in {s.data_path}: start one with `brygge up` (or pass "
             "--data-dir)")
    supervisor = _alive(int(info.get("pid", 0)))
    comps = [{"name": name, "pid": pid, "alive": _alive(pid)}
             for name, pid in (info.get("components") or {}).items()]
    checks = {"router": _http_ok(info.get("router_url", "") + "/"),  # any answer: it serves
              "admin": _http_ok(info.get("admin_url", "") + "/health")}
    report = {"version": __version__, "data_dir": str(s.data_path), "supervisor": supervisor,
              "pid": info.get("pid"), "router_url": info.get("router_url"),
              "admin_url": info.get("admin_url"), "nats_url": info.get("nats_url"),
              "storage": info.get("storage"), "started": info.get("started"),
              "components": comps, "health": checks}
    up = supervisor and all(c["alive"] for c in comps) and all(checks.values())
    if as_json:
        typer.echo(jsonout.dumps(report, indent=2))
    else:
        age = time.time() - float(info.get("started") or time.time())
        typer.echo(f"Brygge {__version__} node in {s.data_path}: "
                   f"{'up' if up else 'DEGRADED' if supervisor else 'DOWN'}"
                   + (f" for {_age(age)}" if supervisor else ""))
        typer.echo(f"  router  {info.get('router_url')}  "
                   f"{'ok' if checks['router'] else 'not answering'}")
        typer.echo(f"  admin   {info.get('admin_url')}  "
                   f"{'ok' if checks['admin'] else 'not answering'}")
        typer.echo(f"  nats    {info.get('nats_url')}")
        typer.echo(f"  storage {info.get('storage')}")
        for c in comps:
            typer.echo(f"  {c['name']:14} pid {c['pid']:<8} {'alive' if c['alive'] else 'DEAD'}")
    if not up:
        raise typer.Exit(1)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"
    except OSError:
        return True


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=3).status_code < 500
    except httpx.HTTPError:
        return False


def _age(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


