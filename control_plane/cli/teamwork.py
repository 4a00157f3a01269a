"""`brygge create`, `projects`, `invite`, `invitations`, `join`, `leave`, `members`:
projects for people (issue 18), through the admin API of the local node (as its
operator) or of a remote one after `brygge login` (control_plane/cli/common.py finds it).
The rules are the node's (control_plane/membership.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from brygge import jsonout
from control_plane.cli.common import (
    _A,
    _P,
    _U,
    DataDir,
    _project_call,
    app,
    fail,
    node_call,
    resolve_target,
)

_J = typer.Option(False, "--json")


@app.command("create")
def create(name: str = typer.Argument(..., help="4 to 15 lower-case letters or digits"),
           team: str = typer.Option(None, "--team", "-t",
                                    help="A team (id or name) you are admin of "
                                         "[default: your personal team]"),
           description: str = typer.Option("", "--description"),
           template: str = typer.Option(None, "--template", help="Start from a template"),
           directory: Path = typer.Option(None, "--dir",
                                          help="Where config.json goes [default: ./NAME]"),
           as_json: bool = _J, data_dir: str = DataDir, url: str = _U,
           admintoken: str = _A) -> None:
    """Create a project (unique name NAME-xxxx, printed) with a space `dev`, and write
    its config.json (name, space) as `coho create` does."""
    if template:
        fail("--template is not available yet (project templates: issue 22); create the "
             "project without it")
    where = directory or Path(name)
    cfg_path = where / "config.json"
    if cfg_path.exists():
        fail(f"{cfg_path} exists: that folder already belongs to a project")
    t = resolve_target(data_dir, None, None, url, admintoken)
    p = node_call("POST", t, "/v1/projects", json={"name": name, "team": team,
                                                  "description": description})
    where.mkdir(parents=True, exist_ok=True)
    cfg_path.write_text(json.dumps({"name": p["name"], "space": "dev"}, indent=2) + "\n")
    if as_json:
        typer.echo(jsonout.dumps({**p, "config": str(cfg_path)}, indent=2))
        return
    team_text = "your account" if p.get("personal") else f"team {p['team_name']!r}"
    typer.echo(p["name"])
    typer.echo(f"Created project {p['name']} in {team_text}; wrote {cfg_path}", err=True)
    for sp in p["spaces"]:
        typer.echo(f"  space {sp['name']}: {sp['url']}  token {sp['tokens'][0]['token']} (RW)",
                   err=True)


@app.command("projects")
def list_projects(as_json: bool = _J, data_dir: str = DataDir, url: str = _U,
                  admintoken: str = _A) -> None:
    """List your projects (directly or through a team; the operator: all) and your role."""
    rows = node_call("GET", resolve_target(data_dir, None, None, url, admintoken),
                     "/v1/projects")
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("No projects: create one with `brygge create NAME`")
    for r in rows:
        flags = " (suspended)" if r["suspended"] else ""
        typer.echo(f"{r['name']}  {r['role']}  team {r['team_name'] or r['team']}{flags}")


@app.command("invite")
def invite(email: str = typer.Argument(..., help="Who to invite"),
           role: str = typer.Option("developer", "--role",
                                    help="owner|admin|developer|viewer"),
           project: str = _P, as_json: bool = _J, data_dir: str = DataDir, url: str = _U,
           admintoken: str = _A) -> None:
    """Invite someone to the project by email; they accept after signing in (`brygge
    join PROJECT`, or `coho account`)."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    inv = _project_call("POST", t, "/invitations", json={"email": email, "role": role})
    if as_json:
        typer.echo(jsonout.dumps(inv, indent=2))
        return
    typer.echo(f"Invited {inv['email']} to {t.project} as {inv['role']} (invitation "
               f"{inv['id']}); they accept with `brygge join {t.project}`")


@app.command("invitations")
def invitations(decline: str = typer.Option(None, "--decline", help="Decline this invitation "
                                            "(its id)"),
                as_json: bool = _J, data_dir: str = DataDir, url: str = _U) -> None:
    """List the invitations you have received (accept one with `brygge join PROJECT`)."""
    t = resolve_target(data_dir, None, None, url, None)
    if decline:
        r = node_call("POST", t, f"/v1/invitations/{decline}/decline")
        typer.echo(f"Declined the invitation to {r['project']}")
        return
    rows = node_call("GET", t, "/v1/invitations")
    if as_json:
        typer.echo(jsonout.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("No invitations")
    for i in rows:
        typer.echo(f"{i['id']}  {i['project']}  as {i['role']}  from {i['by_email'] or i['by']}")


@app.command("join")
def join(project: str = typer.Argument(..., help="The project's unique name"),
         data_dir: str = DataDir, url: str = _U) -> None:
    """Join a project: accept your invitation to it, or (a member of its team) put
    yourself on its member list."""
    t = resolve_target(data_dir, project, None, url, None)
    mine = [i for i in node_call("GET", t, "/v1/invitations") if i["project"] == project]
    if mine:
        r: dict[str, Any] = node_call("POST", t, f"/v1/invitations/{mine[0]['id']}/accept")
    else:
        r = _project_call("POST", t, "/join")
    typer.echo(f"Joined {project} as {r['role']}")


@app.command("leave")
def leave(project: str = typer.Argument(..., help="The project's unique name"),
          data_dir: str = DataDir, url: str = _U) -> None:
    """Leave a project's member list (not its last owner)."""
    r = _project_call("POST", resolve_target(data_dir, project, None, url, None), "/leave")
    kept = f"; you keep role {r['still']} through its team" if r.get("still") else ""
    typer.echo(f"Left {project}{kept}")


@app.command("members")
def members(project: str = _P, as_json: bool = _J, data_dir: str = DataDir, url: str = _U,
            admintoken: str = _A) -> None:
    """List the project's members (and its team's) and pending invitations."""
    t = resolve_target(data_dir, project, None, url, admintoken)
    rows = _project_call("GET", t, "/members")
    pending = _project_call("GET", t, "/invitations")
    if as_json:
        typer.echo(jsonout.dumps({"members": rows, "invitations": pending}, indent=2))
        return
    for m in rows:
        via = "  (through the team)" if m["via"] == "team" else ""
        typer.echo(f"{m['email'] or m['user']}  {m['role']}  {m['user']}{via}")
    for i in pending:
        typer.echo(f"{i['email']}  {i['role']}  invited by {i['by_email'] or i['by']} "
                   f"(pending, {i['id']})")
