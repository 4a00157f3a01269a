"""The `brygge` command line (entry point). Shared plumbing is in
control_plane/cli_common.py; each cli*.py module adds its commands to the same app.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import httpx
import typer

from brygge import __version__
from brygge.settings import Settings
from control_plane.cli_common import (
    _A,
    _P,
    _S,
    _U,
    CONFIG_PATH,
    DataDir,
    Target,
    _admin_call,
    _error_of,
    app,
    fail,
    node_json,
    read_local,
    resolve_target,
    settings_for,
)


# -- commands ----------------------------------------------------------------------------------------
@app.command()
def up(data_dir: str = DataDir,
       http_port: int = typer.Option(None, "--http-port", help="Router port [default: 8080]"),
       admin_port: int = typer.Option(None, "--admin-port", help="Admin API port [default: 8081]"),
       host: str = typer.Option(None, "--host", help="Listen address [default: 127.0.0.1]"),
       executors: int = typer.Option(None, "--executors", help="Executor processes"),
       app_dir: str = typer.Option(None, "--app", help="Deploy this app folder once up"),
       ) -> None:
    """Run a whole node in the foreground: NATS, storage, executors, control plane, router."""
    from control_plane.node import run_node

    s = settings_for(data_dir, http_port=http_port, admin_port=admin_port, host=host,
                     executors=executors)
    raise typer.Exit(run_node(s, app_dir))


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
            typer.echo(json.dumps(rows, indent=2))
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
                             headers={"x-admintoken": t.admin_token}, timeout=60)
        except httpx.HTTPError as e:
            fail(f"cannot reach the admin API at {t.admin_url}: {e}")
            raise
        if r.status_code >= 300:
            fail(_error_of(r))
        typer.echo(json.dumps(r.json()) if as_json else
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
        typer.echo(json.dumps(r, indent=2))
        return
    typer.echo(f"Deployed to {t.project}/{t.space} (deployment {r['deployment']}, "
               f"{r['eval_ms']} ms to evaluate)")
    for route in r["manifest"]["routes"]:
        typer.echo(f"  {route}")
    if r.get("startup_error"):
        typer.echo(f"warning: the startup hook failed: {r['startup_error']}", err=True)


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
                          headers={"x-admintoken": t.admin_token},
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


for _name, _fn in (("deploy", deploy), ("de", deploy), ("dep", deploy), ("logs", logs),
                   ("log", logs)):
    app.command(_name, hidden=_name not in ("deploy", "logs"))(_fn)


@app.command("set-env")
def set_env(key: str, value: str, project: str = typer.Option(None, "--project", "-p"),
            space: str = typer.Option(None, "--space", "-s"),
            encrypted: bool = typer.Option(False, "--encrypted", help="Store it encrypted "
                                           "(AES-GCM, node key); listings show "
                                           "KEY=(encrypted)"),
            data_dir: str = DataDir,
            url: str = typer.Option(None, "--url"),
            admintoken: str = typer.Option(None, "--admintoken")) -> None:
    """Set an env var of a space (process.env.KEY); warm instances are retired."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    _admin_call("PUT", t, f"/env/{key}", json={"value": value, "encrypted": encrypted})
    typer.echo(f"Set {key}{' (encrypted)' if encrypted else ''} in {t.project}/{t.space}")


@app.command("remove-env")
def remove_env(key: str, project: str = typer.Option(None, "--project", "-p"),
               space: str = typer.Option(None, "--space", "-s"), data_dir: str = DataDir,
               url: str = typer.Option(None, "--url"),
               admintoken: str = typer.Option(None, "--admintoken")) -> None:
    """Remove an env var of a space."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    _admin_call("DELETE", t, f"/env/{key}")
    typer.echo(f"Removed {key} from {t.project}/{t.space}")


# -- admission settings of a space (storage/admission.py, router/jwt_auth.py) -----------------
ADMISSION_KEYS = ("jwks_url", "jwt_iss", "jwt_aud", "allowed_hosts", "cors_origins",
                  "rate_limit")


@app.command("jwks")
def jwks(jwks_url: str = typer.Argument(..., help="JWKS URL; '' removes it"),
         iss: str = typer.Option("", "--iss", help="Required JWT issuer"),
         aud: str = typer.Option("", "--aud", help="Required JWT audience"),
         project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
         admintoken: str = _A) -> None:
    """Verify Bearer JWTs of a space against this JSON Web Key Set."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    if jwks_url:
        _admin_call("PUT", t, "/jwks", json={"url": jwks_url, "iss": iss, "aud": aud})
        typer.echo(f"JWTs to {t.project}/{t.space} are verified with {jwks_url}")
    else:
        _admin_call("DELETE", t, "/jwks")
        typer.echo(f"Removed the JWKS of {t.project}/{t.space}")


@app.command("whitelist")
def whitelist(ip: str = typer.Argument(..., help="IP address or CIDR range"),
              project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
              admintoken: str = _A) -> None:
    """Allow a client IP/CIDR; once any is set, other clients get 403."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    hosts = _admin_call("PUT", t, "/whitelist", json={"ip": ip})["allowed_hosts"]
    typer.echo(f"Allowed hosts of {t.project}/{t.space}: {', '.join(hosts)}")


@app.command("whitelist-remove")
def whitelist_remove(ip: str = typer.Argument(..., help="IP address or CIDR range"),
                     project: str = _P, space: str = _S, data_dir: str = DataDir,
                     url: str = _U, admintoken: str = _A) -> None:
    """Remove an allowed host (an empty list admits every client)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    hosts = _admin_call("DELETE", t, "/whitelist", params={"ip": ip})["allowed_hosts"]
    typer.echo(f"Allowed hosts of {t.project}/{t.space}: {', '.join(hosts) or '(any)'}")


@app.command("cors")
def cors(origins: list[str] = typer.Argument(None, help="Allowed origins; none: every origin"),
         project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
         admintoken: str = _A) -> None:
    """Narrow CORS of a space to these origins (https://app.example ...)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    if origins:
        _admin_call("PUT", t, "/cors", json={"origins": origins})
        typer.echo(f"CORS of {t.project}/{t.space}: {', '.join(origins)}")
    else:
        _admin_call("DELETE", t, "/cors")
        typer.echo(f"CORS of {t.project}/{t.space}: every origin")


@app.command("ratelimit")
def ratelimit(rate: float = typer.Argument(0, help="Requests per second; 0 removes the limit"),
              burst: int = typer.Option(None, "--burst", help="Requests at once (default: rate)"),
              project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
              admintoken: str = _A) -> None:
    """Limit the requests/s of a space (429 with Retry-After beyond)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    if rate:
        lim = _admin_call("PUT", t, "/ratelimit", json={"rate": rate, "burst": burst})
        typer.echo(f"Rate limit of {t.project}/{t.space}: {lim['rate_limit']['rate']:g}/s, "
                   f"burst {lim['rate_limit']['burst']}")
    else:
        _admin_call("DELETE", t, "/ratelimit")
        typer.echo(f"Removed the rate limit of {t.project}/{t.space}")


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
        typer.echo(json.dumps(rows, indent=2))
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
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"No workflow instances in {t.project}/{t.space}")
        return
    typer.echo(f"{'WORKFLOW':20}  {'ID':26}  {'NEXT STEP':16}  {'STATUS':10}  LAST ERROR")
    for r in rows:
        typer.echo(f"{r['workflowName'] or '-':20}  {r['_id']:26}  {r['nextStep'] or '-':16}  "
                   f"{r['status']:10}  {r['lastError'] or ''}")


# -- queues (control_plane/queues_admin.py) ----------------------------------------------------
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
        typer.echo(json.dumps(rows, indent=2))
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


files_app = typer.Typer(no_args_is_help=True,
                        help="Blob storage of a space (filestore, app.storage): upload, list, "
                             "get, delete.")
app.add_typer(files_app, name="files")


def _file_url(t: Target, path: str) -> str:
    return (f"{t.admin_url}/v1/projects/{t.project}/spaces/{t.space}/files/"
            f"{quote(path.lstrip('/'), safe='/')}")


def _stream_call(method: str, url: str, t: Target, **kw: Any) -> Any:
    try:
        return httpx.stream(method, url, headers={"x-admintoken": t.admin_token},
                            timeout=httpx.Timeout(60, read=600), **kw)
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
        raise


@files_app.command("upload")
def files_upload(local: Path = typer.Argument(..., help="Local file to upload"),
                 target: str = typer.Argument("", help="Path in blob storage [default: "
                                                       "/<file name>]"),
                 project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
                 data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Upload a file (streamed; replaces the file at that path)."""
    if not local.is_file():
        fail(f"{local}: no such file")
    t = resolve_target(data_dir, project, space, url, admintoken)
    dest = target or "/" + local.name
    size = local.stat().st_size

    def chunks() -> Any:
        with local.open("rb") as f:
            while piece := f.read(1024 * 1024):
                yield piece

    try:
        r = httpx.put(_file_url(t, dest), content=chunks(),
                      headers={"x-admintoken": t.admin_token, "content-length": str(size)},
                      timeout=httpx.Timeout(60, write=600, read=600))
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
        raise
    if r.status_code >= 300:
        fail(_error_of(r))
    meta = r.json()
    if as_json:
        typer.echo(json.dumps(meta, indent=2))
    else:
        typer.echo(f"Uploaded {local} to {meta['path']} ({meta['size']} bytes) in "
                   f"{t.project}/{t.space}")


@files_app.command("list")
def files_list(prefix: str = typer.Argument("/", help="Folder (recursive) or file path"),
               project: str = _P, space: str = _S, as_json: bool = typer.Option(False, "--json"),
               data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """List the files under a folder, with size and date."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    rows: Any = _admin_call("GET", t, "/files", params={"prefix": prefix})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"No files under {prefix} in {t.project}/{t.space}")
        return
    typer.echo(f"{'SIZE':>12}  {'DATE':24}  PATH")
    for r in rows:
        typer.echo(f"{r['size']:>12}  {r['date']:24}  {r['path']}")
    typer.echo(f"{len(rows)} file(s), {sum(r['size'] for r in rows)} bytes")


@files_app.command("get")
def files_get(path: str = typer.Argument(..., help="Path in blob storage"),
              out: Path = typer.Option(None, "-o", "--output",
                                       help="Write here [default: the file's name; - for stdout]"),
              project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
              admintoken: str = _A) -> None:
    """Download a file (streamed)."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    dest = out or Path(path.rstrip("/").rsplit("/", 1)[-1] or "download")
    try:
        with _stream_call("GET", _file_url(t, path), t) as r:
            if r.status_code >= 300:
                r.read()
                fail(_error_of(r))
            if str(dest) == "-":
                for piece in r.iter_bytes():
                    sys.stdout.buffer.write(piece)
                sys.stdout.buffer.flush()
                return
            tmp = dest.with_name(dest.name + ".part")
            n = 0
            with tmp.open("wb") as f:
                for piece in r.iter_bytes():
                    f.write(piece)
                    n += len(piece)
            tmp.replace(dest)
    except httpx.HTTPError as e:
        fail(f"download of {path} failed: {e}")
    typer.echo(f"Saved {path} to {dest} ({n} bytes)")


@files_app.command("delete")
def files_delete(path: str = typer.Argument(..., help="Path in blob storage"),
                 project: str = _P, space: str = _S, data_dir: str = DataDir, url: str = _U,
                 admintoken: str = _A) -> None:
    """Delete a file."""
    t = resolve_target(data_dir, project, space, url, admintoken)
    r = _admin_call("DELETE", t, "/files/" + quote(path.lstrip("/"), safe="/"))
    typer.echo(f"Deleted {r['path']} in {t.project}/{t.space}")


@app.command("admin-token")
def admin_token(project: str = typer.Option(None, "--project", "-p"),
                data_dir: str = DataDir) -> None:
    """Print the project's admin token."""
    async def get(cat: Any, s: Settings) -> list[str]:
        return await cat.admin_tokens(project or s.default_project)

    toks = read_local(data_dir, get)
    if not toks:
        fail("this project has no admin token")
    typer.echo(toks[0])


@app.command("coho-login")
def coho_login(project: str = typer.Option(None, "--project", "-p"),
               admintoken: str = typer.Option(None, "--admintoken",
                                              help="default: this node's admin token"),
               data_dir: str = DataDir) -> None:
    """Sign the official `coho` CLI in to this node: stores a login token wrapping the
    admin token in coho's config, so `COHO_APIGW_URL=... coho log` works."""
    from brygge import cohotoken

    if not admintoken:
        async def get(cat: Any, s: Settings) -> list[str]:
            return await cat.admin_tokens(project or s.default_project)
        toks = read_local(data_dir, get)
        if not toks:
            fail("this project has no admin token")
        admintoken = toks[0]
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = base / "codehooks-cli-nodejs" / "config.json"
    cfg: dict[str, Any] = {}
    if path.exists():
        try:
            cfg = json.loads(path.read_text())
        except ValueError:
            fail(f"{path} is not JSON; fix or remove it first")
    cfg["token"] = cohotoken.wrap(admintoken)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cfg, indent=2))
    path.chmod(0o600)
    s = settings_for(data_dir)
    nj = node_json(s)
    typer.echo(f"coho is signed in to this node (token stored in {path})\n"
               "Point coho at it with:\n"
               f"  export COHO_APIGW_URL=http://localhost:{nj.get('http_port', s.http_port)}\n"
               f"  export ADMIN_API_URL=http://localhost:{nj.get('admin_port', s.admin_port)}")


@app.command()
def token(project: str = typer.Option(None, "--project", "-p"),
          space: str = typer.Option(None, "--space", "-s"),
          data_dir: str = DataDir) -> None:
    """Print the space's read-write API token."""
    async def get(cat: Any, s: Settings) -> list[dict[str, Any]]:
        return await cat.tokens(project or s.default_project, space or s.default_space)

    toks = [t for t in read_local(data_dir, get) if t["access"] == "RW"]
    if not toks:
        fail("this space has no read-write token")
    typer.echo(toks[0]["token"])


@app.command()
def info(project: str = typer.Option(None, "--project", "-p"),
         as_json: bool = typer.Option(False, "--json"),
         examples: bool = typer.Option(False, "--examples", "-e",
                                       help="Print curl calls of each space's routes"),
         data_dir: str = DataDir) -> None:
    """Show the project: spaces, their URLs and tokens."""
    async def get(cat: Any, s: Settings) -> dict[str, Any]:
        from storage.catalog import CatalogError
        proj = project or s.default_project
        try:
            await cat.project(proj)
        except CatalogError as e:
            return {"error": str(e)}
        port = node_json(s).get("http_port", s.http_port)
        host = "localhost" if s.host in ("127.0.0.1", "0.0.0.0") else s.host
        spaces = []
        for sp in await cat.spaces(proj):
            base = (f"http://{host}:{port}" if proj == s.default_project
                    else f"http://{proj}.api.{s.domain}:{port}")
            toks = await cat.tokens(proj, sp["name"])
            spaces.append({"name": sp["name"], "url": f"{base}/{sp['name']}",
                           "tokens": [{"token": t["token"], "access": t["access"],
                                       "description": t["description"]} for t in toks],
                           "deployment": sp.get("deployment"),
                           "deployed_at": sp.get("deployed_at"),
                           "env": sorted(k + ("=(encrypted)" if k in (sp.get("env_encrypted")
                                                                       or []) else "")
                                         for k in (sp.get("env") or {})),
                           "routes": await _routes(cat, sp),
                           **{k: sp[k] for k in ADMISSION_KEYS if sp.get(k)}})
        return {"project": proj, "spaces": spaces}

    result = read_local(data_dir, get)
    if "error" in result:
        fail(result["error"])
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(f"Project: {result['project']}")
    for sp in result["spaces"]:
        typer.echo(f"  Space {sp['name']}: {sp['url']}")
        typer.echo(f"    deployed: {sp['deployed_at'] or 'nothing yet'}")
        for t in sp["tokens"]:
            desc = f"  {t['description']}" if t["description"] else ""
            typer.echo(f"    token {t['token']} ({t['access']}){desc}")
        for k in ADMISSION_KEYS:
            if sp.get(k):
                v = sp[k]
                shown = (", ".join(v) if isinstance(v, list) else
                         f"{v['rate']:g}/s, burst {v['burst']}" if isinstance(v, dict) else v)
                typer.echo(f"    {k.replace('_', ' ')}: {shown}")
        if sp["env"]:
            typer.echo(f"    env: {', '.join(sp['env'])}")
        if examples:
            rw = next((t["token"] for t in sp["tokens"] if t["access"] == "RW"), "<token>")
            typer.echo("    examples:" if sp["routes"] else
                       "    examples: none (nothing deployed yet)")
            for route in sp["routes"][:8]:
                method, _, path = route.partition(" ")
                path = "/".join(f"<{p[1:]}>" if p.startswith(":") else p
                                for p in path.split("/"))
                body = (" -H 'content-type: application/json' -d '{}'"
                        if method in ("POST", "PUT", "PATCH") else "")
                typer.echo(f"      curl -s -X {method} '{sp['url']}{path}' "
                           f"-H 'x-apikey: {rw}'{body}")


async def _routes(cat: Any, sp: dict[str, Any]) -> list[str]:
    """The active deployment's routes ("GET /path"), for `info --examples`."""
    if not sp.get("deployment"):
        return []
    for d in await cat.deployments(sp["id"]):
        if d.get("digest") == sp["deployment"]:
            return [r for r in (d.get("manifest") or {}).get("routes") or []
                    if not r.startswith(("*", "ALL")) and "*" not in r]
    return []


@app.command()
def login(url: str = typer.Argument(..., help="Admin API URL, e.g. http://host:8081"),
          admintoken: str = typer.Option(..., "--admintoken"),
          project: str = typer.Option(None, "--project", "-p"),
          space: str = typer.Option(None, "--space", "-s")) -> None:
    """Remember a remote node's admin URL and token for later commands."""
    proj = project or Settings().default_project
    try:
        r = httpx.get(f"{url.rstrip('/')}/v1/projects/{proj}",
                      headers={"x-admintoken": admintoken}, timeout=10)
    except httpx.HTTPError as e:
        fail(f"cannot reach {url}: {e}")
        raise
    if r.status_code != 200:
        fail(_error_of(r))
    CONFIG_PATH.parent.mkdir(parents=True, exist_ok=True)
    CONFIG_PATH.write_text(json.dumps({"url": url.rstrip("/"), "admintoken": admintoken,
                                       "project": proj, "space": space}, indent=2))
    CONFIG_PATH.chmod(0o600)
    typer.echo(f"Logged in to {url} (project {proj}); saved {CONFIG_PATH}")


@app.command("settings")
def show_settings() -> None:
    """List every tunable with its default, bounds and meaning."""
    for env, default, bounds, meaning in Settings.describe():
        typer.echo(f"{env}={default}  [{bounds}]\n    {meaning}")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


# command modules register on import, after the core commands above (help lists those first)
import control_plane.cli_backup  # noqa: E402, F401
from control_plane import cli_code, cli_data  # noqa: E402, F401


def main() -> None:
    """Run the CLI. An unexpected failure is one line naming it and exit status 1;
    `--debug` (anywhere on the line) or BRYGGE_DEBUG=1 shows the traceback instead."""
    debug = "--debug" in sys.argv[1:] or os.environ.get("BRYGGE_DEBUG") == "1"
    if "--debug" in sys.argv[1:]:
        sys.argv.remove("--debug")
    try:
        app(prog_name="brygge")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:
        if debug:
            raise
        typer.echo(f"brygge: {type(e).__name__}: {e} (run with --debug for the traceback)",
                   err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
