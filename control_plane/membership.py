"""Projects for people (issue 18): creating a project as a user, who is in a project, and
how people get in and out — the one implementation behind the admin API
(control_plane/api/my_projects.py, project_members.py), GraphQL (coho create, invite,
join, leave, account: control_plane/api/graphql_account.py) and the brygge CLI.

A project's member list is its `member/<p>/<uid>` records (identity/records.py); the
user who creates a project is its first owner there. The members of the team that owns
the project hold their team role in it as well (Principal.role_in); they are listed
with `via: "team"` and change in the team, not here. A team member may `join` the
project's member list, with their team role.

Enforced here, beyond the permission rules.py names for each route:
- only an owner grants the owner role, and only an owner changes or removes an owner;
- the last owner on the member list can neither leave, nor be removed, nor be demoted;
- an invitation is accepted or declined only by the user whose email it names
  (case-insensitive), after signing in; one pending invitation per project and email;
- these are acts of a person: an admin token (its team's, no person) is refused, and a
  personal access token bound to one project acts on no other.
"""

from __future__ import annotations

from typing import Any

from control_plane import projects
from control_plane.identity import roles
from control_plane.identity.principal import PROJECT_RE, Principal
from control_plane.identity.records import Records, check_email
from storage.catalog import CatalogError, ConflictError, NotFoundError

CREATORS = ("admin", "owner")  # team roles that may create projects in the team


class Refused(CatalogError):
    status = 403


def acting_user(p: Principal, project: str | None = None) -> str:
    """The user a membership change acts for; refuses admin tokens and a PAT bound to
    another project."""
    if p.user is None:
        raise Refused("this is done by a user: sign in as one (an admin token acts for its "
                      "team, not for a person)")
    if p.kind == "pat" and p.pat_project is not None and p.pat_project != project:
        raise Refused(f"this personal access token is only valid for project {p.pat_project!r}")
    return p.user


async def project_or_404(rec: Records, project: str) -> dict[str, Any]:
    p = await rec.get(f"project/{project}") if PROJECT_RE.match(project or "") else None
    if p is None:
        raise NotFoundError(f"no project named {str(project)[:80]!r}")
    return dict(p)


def _role(role: object) -> str:
    try:
        return roles.check_role(role)
    except ValueError as e:
        raise CatalogError(str(e)) from None


# -- projects ---------------------------------------------------------------------------------
async def resolve_team(rec: Records, p: Principal, uid: str, team: object) -> dict[str, Any]:
    """The team a new project goes to: the user's personal team, or `team` by id or by the
    name of one of the user's teams; the user must be its admin or owner."""
    if team in (None, "", "personal"):
        user = await rec.user(uid)
        t = await rec.team(user["team"]) if user else None
    elif not isinstance(team, str):
        raise CatalogError("team must be a team id or name")
    else:
        t = await rec.team(team)
        if t is None:
            named = [x for x in await rec.teams_of(uid) if x["name"] == team]
            if len(named) > 1:
                raise CatalogError(f"you are in several teams named {team!r}: give its id")
            t = named[0] if named else None
    if t is None:
        raise NotFoundError(f"no team {str(team)[:80]!r} of yours")
    role = await p.role_in_team(t["id"])
    if role not in CREATORS:
        raise Refused(f"role {role or 'none'} in team {t['name']!r} does not allow creating "
                      f"projects there ({' or '.join(CREATORS)} may)")
    return dict(t)


async def create_project(cp: Any, p: Principal, name: Any, team: Any = None,
                         description: Any = "", dev_space: bool = True) -> dict[str, Any]:
    """A new project `<name>-xxxx` in the team, its creator its first owner; with
    `dev_space` a space `dev` and its read-write token too (what `coho create` adds with
    two more calls). Returns {name, display, description, team, team_name, personal,
    spaces: [{name, id, url, tokens: [{token, access}]}]}."""
    rec = cp.identity.records
    uid = acting_user(p)
    if p.kind == "pat" and p.pat_project is not None:
        raise Refused(f"this personal access token is only valid for project {p.pat_project!r}")
    projects.check_display(name)
    t = await resolve_team(rec, p, uid, team)
    proj = await projects.create(cp.catalog, name, description if description else "",
                                 team=t["id"], created_by=uid)
    unique = proj["name"]
    await rec.set_member(unique, uid, "owner", by=uid)
    spaces = []
    if dev_space:
        sp = await cp.catalog.create_space(unique, "dev")
        token = await cp.catalog.add_token(unique, "dev", "RW", "created with the project")
        spaces.append({"name": "dev", "id": sp["id"], "url": cp.space_url(unique, "dev"),
                       "tokens": [{"token": token, "access": "RW"}]})
    return {"name": unique, "display": proj["display"], "description": proj["description"],
            "team": t["id"], "team_name": t["name"], "personal": bool(t.get("personal")),
            "spaces": spaces}


async def visible_projects(rec: Records, p: Principal) -> list[dict[str, Any]]:
    """The projects the caller has a role in (the operator: every one), each with
    `role`, `team_name` and `member` (on its member list)."""
    out = []
    team_names: dict[str, str] = {}
    for _, proj in await rec.scan("project/"):
        role = await p.role_in(proj["name"])
        if role is None:
            continue
        tid = proj.get("team") or ""
        if tid not in team_names:
            t = await rec.team(tid) if tid else None
            team_names[tid] = t["name"] if t else ""
        member = await rec.member_role(proj["name"], p.user) if p.user else None
        out.append({"name": proj["name"], "display": proj.get("display") or proj["name"],
                    "description": proj.get("description") or "", "team": tid or None,
                    "team_name": team_names[tid], "role": role, "member": member is not None,
                    "created": proj.get("created"),
                    "suspended": bool(proj.get("suspended"))})
    return sorted(out, key=lambda x: x["name"])


# -- members ----------------------------------------------------------------------------------
async def _person(rec: Records, uid: str) -> dict[str, Any]:
    u = await rec.user(uid)
    return {"user": uid, "email": u["email"] if u else None, "name": u["name"] if u else None}


async def members(rec: Records, project: str) -> list[dict[str, Any]]:
    """The member list, then the owning team's members not on it (`via: "team"`);
    strongest role first."""
    proj = await project_or_404(rec, project)
    out = [{**await _person(rec, m["user"]), "role": m["role"], "via": "member",
            "added": m.get("added")} for m in await rec.members(project)]
    listed = {m["user"] for m in out}
    if proj.get("team"):
        out += [{**await _person(rec, m["user"]), "role": m["role"], "via": "team",
                 "added": m.get("added")}
                for m in await rec.team_members(proj["team"]) if m["user"] not in listed]
    return sorted(out, key=lambda m: (-roles.RANK[m["role"]], m["email"] or m["user"]))


async def _owners(rec: Records, project: str) -> list[str]:
    return [m["user"] for m in await rec.members(project) if m["role"] == "owner"]


async def _listed_role(rec: Records, project: str, uid: str) -> str:
    """The user's role on the member list, or the error saying why they are not on it."""
    role = await rec.member_role(project, uid)
    if role is not None:
        return role
    proj = await rec.get(f"project/{project}") or {}
    if proj.get("team") and await rec.team_role(proj["team"], uid):
        raise ConflictError(f"{uid} is in project {project} through its team {proj['team']}: "
                            "that role changes in the team (/v1/teams/{team}/members)")
    raise NotFoundError(f"{uid!r} is not a member of project {project}")


async def remove_member(rec: Records, project: str, uid: str, caller_role: str | None,
                        by_self: bool = False) -> dict[str, Any]:
    """Take `uid` off the member list: {removed, project, still: role kept through the
    team or None}."""
    role = await _listed_role(rec, project, uid)
    if role == "owner" and not by_self and caller_role != "owner":
        raise Refused(f"role {caller_role} in project {project} cannot remove an owner")
    if role == "owner" and await _owners(rec, project) == [uid]:
        raise ConflictError(f"the last owner of project {project} cannot "
                            f"{'leave' if by_self else 'be removed'}: make another member "
                            "owner first")
    await rec.set_member(project, uid, None)
    proj = await project_or_404(rec, project)
    still = await rec.team_role(proj["team"], uid) if proj.get("team") else None
    return {"removed": uid, "project": project, "still": still}


async def leave(rec: Records, p: Principal, project: str) -> dict[str, Any]:
    uid = acting_user(p, project)
    return await remove_member(rec, project, uid, None, by_self=True)


async def set_role(rec: Records, project: str, uid: str, role: object, caller_role: str | None,
                   by: str) -> dict[str, Any]:
    role = _role(role)
    old = await _listed_role(rec, project, uid)
    if "owner" in (role, old) and caller_role != "owner":
        raise Refused(f"role {caller_role} in project {project} cannot "
                      f"{'grant' if role == 'owner' else 'change'} the owner role")
    if old == "owner" and role != "owner" and await _owners(rec, project) == [uid]:
        raise ConflictError(f"the last owner of project {project} cannot be demoted: make "
                            "another member owner first")
    m = await rec.get(f"member/{project}/{uid}")
    await rec.put({f"member/{project}/{uid}": {**m, "role": role, "by": by}})
    return {"user": uid, "project": project, "role": role}


async def join(rec: Records, p: Principal, project: str) -> dict[str, Any]:
    """A member of the project's team puts themself on its member list, with their team
    role (nothing they did not hold already)."""
    uid = acting_user(p, project)
    proj = await rec.get(f"project/{project}") if PROJECT_RE.match(project or "") else None
    role = await rec.team_role(proj["team"], uid) if proj and proj.get("team") else None
    if proj is not None and role is None and p.operator and p.kind != "pat":
        role = "owner"
    if proj is None or role is None:  # one with no role learns nothing of the project
        if proj is not None and await rec.member_role(project, uid) is not None:
            raise ConflictError(f"you are already a member of project {project}")
        raise NotFoundError(f"no project {str(project)[:80]!r} you may join: members of its "
                            "team may, others need an invitation")
    if await rec.member_role(project, uid) is not None:
        raise ConflictError(f"you are already a member of project {project}")
    await rec.set_member(project, uid, role, by=uid)
    return {"joined": project, "role": role}


# -- invitations ------------------------------------------------------------------------------
async def invite(rec: Records, p: Principal, project: str, email: object, role: object,
                 caller_role: str | None) -> dict[str, Any]:
    role = _role(role)
    email = check_email(email)
    await project_or_404(rec, project)
    if role == "owner" and caller_role != "owner":
        raise Refused(f"role {caller_role} in project {project} cannot grant owner")
    u = await rec.user_by_email(email)
    if u is not None and await rec.member_role(project, u["id"]) is not None:
        raise ConflictError(f"{email} is already a member of project {project}")
    for old in await rec.invites(project=project, email=email):  # the new one replaces it
        await rec.remove_invite(old["id"])
    return await rec.create_invite(project, email, role, p.user or p.actor)


async def _described(rec: Records, inv: dict[str, Any]) -> dict[str, Any]:
    by = await rec.user(inv["by"]) if inv.get("by") else None
    proj = await rec.get(f"project/{inv['project']}")
    return {**inv, "project_display": (proj or {}).get("display") or inv["project"],
            "by_email": by["email"] if by else None, "by_name": by["name"] if by else None}


async def project_invitations(rec: Records, project: str) -> list[dict[str, Any]]:
    await project_or_404(rec, project)
    return [await _described(rec, i) for i in
            sorted(await rec.invites(project=project), key=lambda i: i["created"])]


async def my_invitations(rec: Records, p: Principal) -> list[dict[str, Any]]:
    if p.user is None:
        return []
    u = await rec.user(p.user)
    if u is None:
        return []
    return [await _described(rec, i) for i in
            sorted(await rec.invites(email=u["email"]), key=lambda i: i["created"])]


async def _my_invite(rec: Records, p: Principal, iid: str) -> dict[str, Any]:
    uid = acting_user(p)
    inv, u = await rec.invite(iid), await rec.user(uid)
    if inv is None or u is None or inv["email"].lower() != u["email"].lower():
        raise NotFoundError(f"no invitation {str(iid)[:80]!r} for you")
    acting_user(p, inv["project"])
    return dict(inv)


async def accept(rec: Records, p: Principal, iid: str) -> dict[str, Any]:
    inv = await _my_invite(rec, p, iid)
    if await rec.get(f"project/{inv['project']}") is None:
        await rec.remove_invite(iid)
        raise NotFoundError(f"project {inv['project']} no longer exists")
    uid = acting_user(p)
    role = roles.stronger(await rec.member_role(inv["project"], uid), inv["role"])
    await rec.set_member(inv["project"], uid, role, by=inv.get("by") or "")
    await rec.remove_invite(iid)
    return {"accepted": iid, "project": inv["project"], "role": role}


async def decline(rec: Records, p: Principal, iid: str) -> dict[str, Any]:
    inv = await _my_invite(rec, p, iid)
    await rec.remove_invite(iid)
    return {"declined": iid, "project": inv["project"]}


async def revoke(rec: Records, project: str, iid: str) -> dict[str, Any]:
    inv = await rec.invite(iid)
    if inv is None or inv["project"] != project:
        raise NotFoundError(f"no invitation {str(iid)[:80]!r} in project {project}")
    await rec.remove_invite(iid)
    return {"revoked": iid, "project": project, "email": inv["email"]}
