"""`brygge` commands about a space's code: `verify`, `undeploy` and `stats` (deploy history
and rollback are `deploy --history/--rollback`, in deploy.py).

Names and aliases follow the official CLI 1.0.13 (`verify`/`compile`/`ver`/`comp`,
`undeploy`/`unde`/`undep`).
"""

from __future__ import annotations

import math
import time
from typing import Any

import httpx
import typer

from brygge import jsonout
from control_plane.cli.common import (
    _A,
    _P,
    _S,
    _U,
    DataDir,
    Target,
    _error_of,
    app,
    fail,
    resolve_target,
)


def _adm(method: str, t: Target, op: str, **kw: Any) -> Any:
    """The control plane's `_A_D_M_*` endpoints (what the official CLI calls through the
    router), with the admin token."""
    try:
        r = httpx.request(method, f"{t.admin_url}/_adm/{t.project}/{t.space}/{op}",
                          headers={**t.headers(), **kw.pop("headers", {})},
                          timeout=60, **kw)
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
        raise
    if r.status_code >= 300:
        fail(_error_of(r))
    return r.json()


# -- verify ------------------------------------------------------------------------------------
def verify(directory: str = typer.Argument(".", help="App folder with index.js"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Evaluate the app here, without a node, and report what it registers: routes,
    workers, cron jobs. Exit 1 with the error when it does not load."""
    from control_plane.deploy import DeployFailed, pack
    from sandbox.app import AppInstance, DeployError
    from sandbox.hosterror import host_error

    try:
        art = pack(directory)
    except DeployFailed as e:
        fail(str(e))
        raise
    art.pop("assets", None)  # binary files play no part in evaluating the code

    def no_data(op: str, payload: str) -> str:
        return host_error("Error", f"{op}: there is no datastore while verifying (brygge verify)")

    t0 = time.perf_counter()
    try:
        inst = AppInstance(art, no_data, memory_mb=256)
    except DeployError as e:
        fail(f"the app does not load: {e}")
        raise
    try:
        man = inst.manifest
    finally:
        inst.close()
    report = {"entry": art["entry"], "files": len(art["files"]),
              "eval_ms": round((time.perf_counter() - t0) * 1000, 1),
              "routes": list(man.get("routes") or []), "workers": list(man.get("workers") or []),
              "jobs": list(man.get("jobs") or [])}
    if as_json:
        typer.echo(jsonout.dumps(report, indent=2))
        return
    typer.echo(f"OK 🙌  {report['entry']} and {report['files'] - 1} more file(s) evaluated in "
               f"{report['eval_ms']} ms")
    for title, key in (("routes", "routes"), ("workers", "workers"), ("cron jobs", "jobs")):
        if report[key]:
            typer.echo(f"{title}:")
            for item in report[key]:
                typer.echo(f"  {item}")


for _name in ("verify", "compile", "ver", "comp"):
    app.command(_name, hidden=_name != "verify")(verify)


# -- undeploy ----------------------------------------------------------------------------------
def undeploy(project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
             data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Remove the space's code: its routes answer 404 and its cron jobs stop (data stays)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _adm("DELETE", t, "deploy", headers={"x-undeploy": "yes"})
    if as_json:
        typer.echo(jsonout.dumps(r))
        return
    typer.echo(f"The deployed code of {t.project}/{t.space} was removed and its jobs stopped")


for _name in ("undeploy", "unde", "undep"):
    app.command(_name, hidden=_name != "undeploy")(undeploy)


# -- stats ---------------------------------------------------------------------------------------
@app.command("stats")
def stats(project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
          data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Usage of every space of the project: API calls, data, function time, files."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    rows = _adm("GET", t, "usage")
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    for u in rows:  # exactly what `coho stats` prints, then Brygge's file figures
        typer.echo(f"--- {u['_id']} ---")
        typer.echo(f"API/func call : {u.get('api', 0) + u.get('codehook_invocation', 0):,}")
        typer.echo(f"Data objects  : {u.get('datastore_objects', 0):,}")
        typer.echo(f"Data storage  : {pretty_bytes(u.get('datastore_size') or 0)}")
        typer.echo(f"Function time : {pretty_ms(u.get('codehook_time') or 0)}")
        typer.echo(f"Files         : {u.get('file_count', 0):,} "
                   f"({pretty_bytes(u.get('file_size') or 0)})")
        typer.echo("\n")
    from control_plane.cli.quota import quota_lines  # the project's usage against its limits

    try:
        r = httpx.get(f"{t.admin_url}/v1/projects/{t.project}/quota", headers=t.headers(),
                      timeout=30)
    except httpx.HTTPError:
        return
    if r.status_code == 200:
        for line in quota_lines(r.json()):
            typer.echo(line)


def pretty_bytes(n: float) -> str:
    """npm pretty-bytes 5 (what `coho stats` uses): SI units, three significant digits."""
    units = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
    if n < 1:
        return f"{_js_number(n)} B"
    exp = min(math.floor(math.log10(n) / 3), len(units) - 1)
    return f"{_js_number(float(f'{n / 1000 ** exp:.3g}'))} {units[exp]}"


def pretty_ms(ms: float) -> str:
    """npm pretty-ms 7 with its defaults (what `coho stats` uses): '0ms', '950ms',
    '1.5s', '2m 3.4s', '1h 2m 3s', '3d 4h 5m 6s'."""
    if ms < 1000:
        return "0ms" if ms == 0 else f"{round(ms) if ms >= 1 else math.ceil(ms)}ms"
    whole = int(ms)
    days, rest = divmod(whole, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes = rest // 60_000
    out = [f"{v}{u}" for v, u in ((days // 365, "y"), (days % 365, "d"), (hours, "h"),
                                   (minutes, "m")) if v]
    seconds = (ms / 1000) % 60
    text = f"{math.floor(seconds * 10 + 1e-7) / 10:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    if float(text) != 0:
        out.append(text + "s")
    return " ".join(out) or "0ms"


def _js_number(x: float) -> str:
    """A number as JavaScript's String(x) prints it (no trailing .0, no separators)."""
    return str(int(x)) if float(x).is_integer() else str(x)
