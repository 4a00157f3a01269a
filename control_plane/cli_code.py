"""`brygge` commands for code and operations: `verify`, `undeploy`, deploy history and
rollback (`deploy --history/--rollback`, in cli.py), `stats`, and `status` of a node.

Names and aliases follow the official CLI 1.0.13 (`verify`/`compile`/`ver`/`comp`,
`undeploy`/`unde`/`undep`); `status` is Brygge's own (a self-hoster's view of the node's
processes).
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

import httpx
import typer

from control_plane.cli_common import (
    _A,
    _P,
    _S,
    _U,
    DataDir,
    Target,
    _admin_call,
    _error_of,
    _project_call,
    app,
    fail,
    node_json,
    resolve_target,
    settings_for,
)


def _adm(method: str, t: Target, op: str, **kw: Any) -> Any:
    """The control plane's `_A_D_M_*` endpoints (what the official CLI calls through the
    router), with the admin token."""
    try:
        r = httpx.request(method, f"{t.admin_url}/_adm/{t.project}/{t.space}/{op}",
                          headers={"x-admintoken": t.admin_token, **kw.pop("headers", {})},
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
        typer.echo(json.dumps(report, indent=2))
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
        typer.echo(json.dumps(r))
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
        typer.echo(json.dumps(rows, indent=2))
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
        typer.echo(json.dumps(report, indent=2))
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


# -- completion ----------------------------------------------------------------------------------
@app.command("completion")
def completion(shell: str = typer.Argument("bash", help="bash, zsh or fish")) -> None:
    """Print the shell completion script for `brygge` (e.g. `brygge completion bash >>
    ~/.bashrc`, or `eval "$(brygge completion zsh)"`)."""
    from typer._completion_shared import get_completion_script

    if shell not in ("bash", "zsh", "fish"):
        fail(f"unknown shell {shell!r}: use bash, zsh or fish")
    typer.echo(get_completion_script(prog_name="brygge", complete_var="_BRYGGE_COMPLETE",
                                     shell=shell))


# -- spaces and tokens ---------------------------------------------------------------------------
@app.command("add")
def add_space(name: str = typer.Argument(..., help="Name of the new space, e.g. staging"),
              project: str = _P, as_json: bool = typer.Option(False, "--json"),
              data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Create a space in the project (with a read-write API token)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    sp = _project_call("POST", t, "/spaces", json={"name": name})
    if as_json:
        typer.echo(json.dumps(sp, indent=2))
        return
    typer.echo(f"Created space {name}: {sp['url']}")
    typer.echo(f"  token {sp['tokens'][0]['token']} (RW)")


@app.command("use")
def use_space(name: str = typer.Argument(None, help="Space the following commands act on"),
              project: str = _P, data_dir: str = DataDir, url: str = _U,
              admintoken: str = _A) -> None:
    """Make a space the default for later commands (without a name: show the default)."""
    from control_plane.cli_common import CONFIG_PATH

    cfg: dict[str, Any] = {}
    if CONFIG_PATH.exists():
        try:
            cfg = json.loads(CONFIG_PATH.read_text())
        except ValueError:
            cfg = {}
    if not name:
        t = resolve_target(data_dir, project, None, url, admintoken)
        typer.echo(t.space)
        return
    t = resolve_target(data_dir, project, name, url, admintoken)
    spaces = [s["name"] for s in _project_call("GET", t, "").get("spaces", [])]
    if name not in spaces:
        fail(f"no space {name!r} in project {t.project!r} (spaces: {', '.join(spaces)})")
    cfg["space"] = name
    cfg.setdefault("project", t.project)
    CONFIG_PATH.parent.mkdir(parents=True, exist_ok=True)
    CONFIG_PATH.write_text(json.dumps(cfg, indent=2))
    CONFIG_PATH.chmod(0o600)
    typer.echo(f"Using space {name} of {t.project}")


@app.command("add-token")
def add_token(readonly: bool = typer.Option(False, "--readonly", help="GET/HEAD only"),
              description: str = typer.Option("", "--description"),
              project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
              data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Add an API token to a space (x-apikey)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _admin_call("POST", t, "/tokens", json={"readonly": readonly,
                                                "description": description})
    typer.echo(json.dumps(r) if as_json else
               f"Added token {r['token']} ({r['access']}) to {t.project}/{t.space}")


@app.command("remove-token")
def remove_token(token: str = typer.Argument(..., help="The token to revoke"),
                 project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
                 admintoken: str = _A) -> None:
    """Revoke an API token of a space (at once, on every router)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    _admin_call("DELETE", t, f"/tokens/{token}")
    typer.echo(f"Removed token {token} from {t.project}/{t.space}")


@app.command("admintokens")
def admin_tokens(project: str = _P, as_json: bool = typer.Option(False, "--json"),
                 data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """List the project's admin tokens (their first characters)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    rows = _project_call("GET", t, "/admintokens")
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['token']}  {r.get('created') or ''}  {r.get('description') or ''}")


@app.command("add-admintoken")
def add_admin_token(description: str = typer.Option("", "--description"), project: str = _P,
                    data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Create an admin token for the project (printed once: keep it)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    r = _project_call("POST", t, "/admintokens", json={"description": description})
    typer.echo(r["token"])


@app.command("remove-admintoken")
def remove_admin_token(token: str = typer.Argument(..., help="The token or a unique prefix of "
                                                   "it (as `admintokens` lists)"),
                       project: str = _P, data_dir: str = DataDir, url: str = _U,
                       admintoken: str = _A) -> None:
    """Revoke an admin token of the project (not the last one)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    r = _project_call("DELETE", t, f"/admintokens/{token}")
    typer.echo(f"Removed admin token {r['removed']}")
