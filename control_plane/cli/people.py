"""`brygge login`, `logout`, `users ...` and `pat ...`: signing in to a node, the
operator's user management and one's personal access tokens (issue 18)."""

from __future__ import annotations

import sys
from typing import Any

import httpx
import typer

from brygge import jsonout
from brygge.settings import Settings
from control_plane.cli.common import (
    CONFIG_PATH,
    DataDir,
    Target,
    _error_of,
    app,
    config_credential,
    fail,
    node_call,
    read_config,
    resolve_target,
    write_config,
)

_U = typer.Option(None, "--url")
_A = typer.Option(None, "--admintoken")
_JSON = typer.Option(False, "--json")


def _password(from_stdin: bool, confirm: bool = False) -> str:
    if from_stdin:
        pw = sys.stdin.readline().rstrip("\r\n")
        if not pw:
            fail("no password on standard input")
        return pw
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))


@app.command()
def login(url: str = typer.Argument(..., help="Admin API URL, e.g. http://host:8081"),
          email: str = typer.Option(None, "--email", help="Sign in as this user"),
          password_stdin: bool = typer.Option(False, "--password-stdin",
                                              help="Read the password from standard input"),
          admintoken: str = typer.Option(None, "--admintoken",
                                         help="Or remember an admin token instead"),
          project: str = typer.Option(None, "--project", "-p"),
          space: str = typer.Option(None, "--space", "-s")) -> None:
    """Sign in to a node (a session, refreshed as it expires) or remember an admin token;
    later commands without a local data dir use it."""
    url = url.rstrip("/")
    proj = project or Settings().default_project
    cfg: dict[str, Any] = {"url": url, "project": proj, "space": space}
    try:
        if admintoken:
            r = httpx.get(f"{url}/v1/projects/{proj}", headers={"x-admintoken": admintoken},
                          timeout=10)
            cfg["admintoken"] = admintoken
        elif email:
            r = httpx.post(f"{url}/v1/auth/login", timeout=30,
                           json={"email": email, "password": _password(password_stdin)})
        else:
            fail("sign in with --email EMAIL (a user) or --admintoken TOKEN")
            raise AssertionError
    except httpx.HTTPError as e:
        fail(f"cannot reach {url}: {e}")
        raise
    if r.status_code != 200:
        fail(_error_of(r))
    if email and not admintoken:
        cfg["email"] = email
        cfg["session"] = {k: r.json()[k] for k in ("access", "refresh", "expires")}
    write_config(cfg)
    who = f"as {email}" if email and not admintoken else f"(project {proj})"
    typer.echo(f"Logged in to {url} {who}; saved {CONFIG_PATH}")


@app.command()
def logout() -> None:
    """End the session `brygge login` stored (revoked on the node) and forget it."""
    if not CONFIG_PATH.exists():
        fail("not logged in")
    cfg = read_config()
    if cfg.get("session"):
        try:
            httpx.post(f"{cfg['url']}/v1/auth/logout", timeout=10,
                       headers={"authorization": f"Bearer {config_credential(cfg)}"})
        except httpx.HTTPError as e:  # forgotten here anyway; it expires on its own
            typer.echo(f"brygge: could not reach {cfg['url']} ({e}); forgetting the session",
                       err=True)
    CONFIG_PATH.unlink()
    typer.echo(f"Logged out of {cfg['url']}")


def _target(data_dir: str | None, url: str | None, admintoken: str | None) -> Target:
    return resolve_target(data_dir, None, None, url, admintoken)


# -- users (the operator's) ---------------------------------------------------------------
users_app = typer.Typer(no_args_is_help=True, help="The node's users (operator only).")
app.add_typer(users_app, name="users")


def _uid(t: Target, who: str) -> str:
    """A user id from an id or an email address."""
    if "@" not in who:
        return who
    for u in node_call("GET", t, "/v1/users"):
        if u["email"].lower() == who.lower():
            return str(u["id"])
    fail(f"no user with email {who!r}")
    raise AssertionError


@users_app.command("add")
def users_add(email: str = typer.Argument(...), name: str = typer.Option("", "--name"),
              operator: bool = typer.Option(False, "--operator",
                                            help="Operator of the whole node"),
              password_stdin: bool = typer.Option(False, "--password-stdin"),
              data_dir: str = DataDir, url: str = _U, admintoken: str = _A) -> None:
    """Add a user (prompts for the password without --password-stdin)."""
    t = _target(data_dir, url, admintoken)
    u = node_call("POST", t, "/v1/users", json={
        "email": email, "name": name, "operator": operator,
        "password": _password(password_stdin, confirm=True)})
    typer.echo(f"Added user {u['email']} ({u['id']}){' operator' if u['operator'] else ''}")


@users_app.command("list")
def users_list(as_json: bool = _JSON, data_dir: str = DataDir, url: str = _U,
               admintoken: str = _A) -> None:
    """List the users."""
    rows = node_call("GET", _target(data_dir, url, admintoken), "/v1/users")
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    for u in rows:
        flags = " ".join(f for f, on in (("operator", u["operator"]),
                                         ("suspended", u["suspended"])) if on)
        typer.echo(f"{u['id']}  {u['email']}  {u['name']}  {flags}".rstrip())


def _user_op(who: str, op: str, data_dir: str | None, url: str | None,
             admintoken: str | None) -> dict[str, Any]:
    t = _target(data_dir, url, admintoken)
    uid = _uid(t, who)
    if op == "remove":
        return dict(node_call("DELETE", t, f"/v1/users/{uid}"))
    return dict(node_call("POST", t, f"/v1/users/{uid}/{op}"))


@users_app.command("remove")
def users_remove(user: str = typer.Argument(..., help="Email or id"), data_dir: str = DataDir,
                 url: str = _U, admintoken: str = _A) -> None:
    """Remove a user: their sessions, PATs and the admin tokens they made end at once."""
    r = _user_op(user, "remove", data_dir, url, admintoken)
    typer.echo(f"Removed user {r['email']}")


@users_app.command("suspend")
def users_suspend(user: str = typer.Argument(..., help="Email or id"), data_dir: str = DataDir,
                  url: str = _U, admintoken: str = _A) -> None:
    """Suspend a user: their sessions, PATs and the admin tokens they made end at once."""
    r = _user_op(user, "suspend", data_dir, url, admintoken)
    typer.echo(f"Suspended user {r['email']}")


@users_app.command("resume")
def users_resume(user: str = typer.Argument(..., help="Email or id"), data_dir: str = DataDir,
                 url: str = _U, admintoken: str = _A) -> None:
    """Let a suspended user sign in again."""
    r = _user_op(user, "resume", data_dir, url, admintoken)
    typer.echo(f"Resumed user {r['email']}")


# -- personal access tokens ---------------------------------------------------------------
pat_app = typer.Typer(no_args_is_help=True, help="Your personal access tokens (for CI).")
app.add_typer(pat_app, name="pat")


@pat_app.command("create")
def pat_create(role: str = typer.Option(..., "--role",
                                        help="owner|admin|developer|viewer (at most yours)"),
               project: str = typer.Option(None, "--project", "-p",
                                           help="Only this project (default: all of yours)"),
               expires: str = typer.Option("30d", "--expires", help="30d, 12h, 90m or never"),
               description: str = typer.Option("", "--description"),
               as_json: bool = _JSON, data_dir: str = DataDir, url: str = _U) -> None:
    """Create a PAT and print it (once: only its hash is kept). Send it as
    `Authorization: Bearer`, or set BRYGGE_ADMIN_TOKEN with BRYGGE_ADMIN_URL."""
    r = node_call("POST", _target(data_dir, url, None), "/v1/pats", json={
        "role": role, "project": project, "expires": expires, "description": description})
    typer.echo(jsonout.dumps(r, indent=2) if as_json else r["token"])


@pat_app.command("list")
def pat_list(as_json: bool = _JSON, data_dir: str = DataDir, url: str = _U) -> None:
    """List your PATs (ids, never the secrets)."""
    rows = node_call("GET", _target(data_dir, url, None), "/v1/pats")
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    for p in rows:
        typer.echo(f"{p['id']}  {p['role']}  {p['project'] or '(all projects)'}  "
                   f"expires {p['expires'] or 'never'}  {p['description']}".rstrip())


@pat_app.command("revoke")
def pat_revoke(pat_id: str = typer.Argument(..., help="The id `pat list` shows"),
               data_dir: str = DataDir, url: str = _U) -> None:
    """Revoke one of your PATs (at once)."""
    r = node_call("DELETE", _target(data_dir, url, None), f"/v1/pats/{pat_id}")
    typer.echo(f"Revoked personal access token {r['removed']}")
