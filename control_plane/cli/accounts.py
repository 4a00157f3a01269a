"""`brygge admin-token`, `coho-login`, `token`, `info`, `settings`, `version`:
credentials, what a project holds, and the node's tunables (`login`: people.py)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

# first: the libraries imported below may warn while they load
import brygge.quiet_warnings  # noqa: F401

# isort: split
import typer

from brygge import __version__, jsonout
from brygge.settings import Settings
from control_plane.cli.admission import ADMISSION_KEYS
from control_plane.cli.common import (
    DataDir,
    _admin_call,
    _project_call,
    app,
    fail,
    node_call,
    node_json,
    read_local,
    resolve_target,
    settings_for,
)


def new_admin_token(project: str | None, data_dir: str | None, description: str) -> str:
    """A new admin token of the project's team, made through the admin API (admin tokens
    are stored only as hashes: none can be read back)."""
    t = resolve_target(data_dir, project, None, None, None)
    return str(_project_call("POST", t, "/admintokens", json={"description": description})
               ["token"])


@app.command("admin-token")
def admin_token(project: str = typer.Option(None, "--project", "-p"),
                data_dir: str = DataDir) -> None:
    """Create an admin token of the project's team and print it (once: only its hash is
    kept)."""
    typer.echo(new_admin_token(project, data_dir, "created by brygge admin-token"))


def _coho_config_write(token: str) -> Path:
    """Store `token` as the official coho CLI's login token (its config.json)."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = base / "codehooks-cli-nodejs" / "config.json"
    cfg: dict[str, Any] = {}
    if path.exists():
        try:
            cfg = json.loads(path.read_text())
        except ValueError:
            fail(f"{path} is not JSON; fix or remove it first")
    cfg["token"] = token
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cfg, indent=2))
    path.chmod(0o600)
    return path


def _coho_user_session(email: str, password_stdin: bool, url: str | None,
                       data_dir: str | None) -> tuple[str, str, int]:
    """(admin URL, access token, expiry) of a new coho session of the user: the login
    a browser gives (`kind: coho`, living `coho_session_ttl_s`; revoked by removing or
    suspending the user)."""
    import httpx

    from control_plane.cli.common import CONFIG_PATH, _error_of, read_config
    from control_plane.cli.people import _password

    url = url or os.environ.get("BRYGGE_ADMIN_URL")
    if not url:
        s = settings_for(data_dir)
        if (s.data_path / "db" / "CURRENT").exists():
            url = node_json(s).get("admin_url") or f"http://127.0.0.1:{s.admin_port}"
        elif CONFIG_PATH.exists():
            url = read_config().get("url")
    if not url:
        fail("which node? pass --url http://host:8081 (or run it where `brygge up` runs)")
        raise AssertionError
    url = url.rstrip("/")
    try:
        r = httpx.post(f"{url}/v1/auth/login", timeout=30, json={
            "email": email, "password": _password(password_stdin), "kind": "coho"})
    except httpx.HTTPError as e:
        fail(f"cannot reach {url}: {e}")
        raise
    if r.status_code != 200:
        fail(_error_of(r))
    return url, str(r.json()["access"]), int(r.json()["expires"])


@app.command("coho-login")
def coho_login(email: str = typer.Option(None, "--email", help="Sign coho in as this user"),
               password_stdin: bool = typer.Option(False, "--password-stdin",
                                                   help="Read the password from standard "
                                                        "input (with --email)"),
               url: str = typer.Option(None, "--url", help="Admin API URL [default: the "
                                       "local node, or the one of `brygge login`]"),
               project: str = typer.Option(None, "--project", "-p"),
               admintoken: str = typer.Option(None, "--admintoken",
                                              help="Or: wrap this admin token (default: a "
                                                   "new one of the project)"),
               data_dir: str = DataDir) -> None:
    """Sign the official `coho` CLI in to a node: as a user (--email; the session a
    browser login gives, so `coho create/info/invite/join/account` act as that user), or
    with an admin token of a project (wrapped), and store it in coho's config."""
    from brygge import cohotoken

    if email:
        admin_url, token, expires = _coho_user_session(email, password_stdin, url, data_dir)
        path = _coho_config_write(token)
        until = time.strftime("%Y-%m-%d", time.gmtime(expires))
        typer.echo(f"coho is signed in to {admin_url} as {email} until {until} (token stored "
                   f"in {path})\nPoint coho at it with:\n  export ADMIN_API_URL={admin_url}")
        return
    admintoken = admintoken or new_admin_token(project, data_dir, "created by brygge coho-login")
    path = _coho_config_write(cohotoken.wrap(admintoken))
    s = settings_for(data_dir)
    nj = node_json(s)
    gw = f"http://localhost:{nj.get('http_port', s.http_port)}"
    admin = f"http://localhost:{nj.get('admin_port', s.admin_port)}"
    if not _local(data_dir):  # the node `brygge login` signed in to
        spaces = _remote_info(project, data_dir)["spaces"]
        gw = spaces[0]["url"].rsplit("/", 1)[0] if spaces else gw
        admin = resolve_target(data_dir, project, None, None, None).admin_url
    typer.echo(f"coho is signed in to this node (token stored in {path})\n"
               "Point coho at it with:\n"
               f"  export COHO_APIGW_URL={gw}\n"
               f"  export ADMIN_API_URL={admin}")


@app.command()
def token(project: str = typer.Option(None, "--project", "-p"),
          space: str = typer.Option(None, "--space", "-s"),
          data_dir: str = DataDir) -> None:
    """Print the space's read-write API token (from the data dir, or through the admin
    API of the node `brygge login` signed in to: tokens.read there)."""
    async def get(cat: Any, s: Settings) -> list[dict[str, Any]]:
        return await cat.tokens(project or s.default_project, space or s.default_space)

    if _local(data_dir):
        found = read_local(data_dir, get)
    else:
        t = resolve_target(data_dir, project, space, None, None)
        found = _admin_call("GET", t, "/tokens")
    toks = [t for t in found if t["access"] == "RW" and t["token"]]
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
        custom = [h for h in await cat.hosts(proj) if h["kind"] == "custom"]
        for sp in await cat.spaces(proj):
            base = (f"http://{host}:{port}" if proj == s.default_project
                    else f"http://{proj}.api.{s.domain}:{port}")
            toks = await cat.tokens(proj, sp["name"])
            alt = sp.get("alt_host")
            spaces.append({"name": sp["name"], "url": f"{base}/{sp['name']}",
                           "alt_url": f"http://{alt}:{port}" if alt else None,
                           "domains": sorted(h["host"] for h in custom
                                             if h["space"] == sp["name"]),
                           "tokens": [{"token": t["token"], "access": t["access"],
                                       "description": t["description"]} for t in toks
                                      if t["token"]],
                           "deployment": sp.get("deployment"),
                           "deployed_at": sp.get("deployed_at"),
                           "env": sorted(k + ("=(encrypted)" if k in (sp.get("env_encrypted")
                                                                       or []) else "")
                                         for k in (sp.get("env") or {})),
                           "routes": await _routes(cat, sp),
                           **{k: sp[k] for k in ADMISSION_KEYS if sp.get(k)}})
        return {"project": proj, "spaces": spaces}

    result = read_local(data_dir, get) if _local(data_dir) else _remote_info(project, data_dir)
    if "error" in result:
        fail(result["error"])
    if as_json:
        typer.echo(jsonout.dumps(result, indent=2))
        return
    typer.echo(f"Project: {result['project']}")
    for sp in result["spaces"]:
        typer.echo(f"  Space {sp['name']}: {sp['url']}")
        if sp["alt_url"]:
            typer.echo(f"    alternative URL: {sp['alt_url']}  (no space in the path)")
        for d in sp["domains"]:
            typer.echo(f"    domain: {d}")
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


def _local(data_dir: str | None) -> bool:
    """Whether the command reads a data dir: one named (--data-dir, BRYGGE_DATA_DIR; a
    named one without a node is an error, not a silent switch to another node), or
    ./.brygge holding a node. Otherwise it goes through the admin API of the node
    `brygge login` signed in to."""
    return data_dir is not None or (settings_for(data_dir).data_path / "db" / "CURRENT").exists()


def _remote_info(project: str | None, data_dir: str | None) -> dict[str, Any]:
    """`info` through the admin API (GET /v1/projects/{p}): tokens only for roles with
    secrets.read; no route list (that is in the data dir)."""
    t = resolve_target(data_dir, project, None, None, None)
    info = node_call("GET", t, f"/v1/projects/{t.project}")
    return {"project": info["project"], "spaces": [
        {**sp, "routes": [], "env": sp.get("env") or [], "domains": sp.get("domains") or []}
        for sp in info["spaces"]]}


async def _routes(cat: Any, sp: dict[str, Any]) -> list[str]:
    """The active deployment's routes ("GET /path"), for `info --examples`."""
    if not sp.get("deployment"):
        return []
    for d in await cat.deployments(sp["id"]):
        if d.get("digest") == sp["deployment"]:
            return [r for r in (d.get("manifest") or {}).get("routes") or []
                    if not r.startswith(("*", "ALL")) and "*" not in r]
    return []


@app.command("settings")
def show_settings() -> None:
    """List every tunable with its default, bounds and meaning."""
    for env, default, bounds, meaning in Settings.describe():
        typer.echo(f"{env}={default}  [{bounds}]\n    {meaning}")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)
