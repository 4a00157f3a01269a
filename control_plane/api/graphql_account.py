"""The account side of coho's admin GraphQL API (graphql_api.py holds the schema, the
endpoint and the space resolvers): `currentUser` for the signed-in principal, and the
mutations of `coho create`, `invite`, `join`, `leave`, `account`, `add-admintoken`.
The work is control_plane/membership.py's, the same as the REST routes'.

currentUser of a user: `UserTeam` is their personal team (with its admin tokens),
`Teams` the named teams they are in, `UserProjects` the projects of their personal team,
`Projects` the other projects they are on the member list of (the operator: every other
project). A named team's projects they are not on the member list of are listed only
under `Teams { Projects }`: what `coho account` shows as "Team Projects you can join"
(their team role applies there all the same). An admin token has no person: its team
stands in for the account and the team's projects are its `UserProjects`.

Roles: coho's `ProjectRole` enum has ADMIN and DEVELOPER (→ admin, developer); roles are
shown upper-cased (OWNER, ADMIN, DEVELOPER, VIEWER). Owner and viewer are given through
the REST API or the brygge CLI. A Brygge node has no team invitations (a team's admin adds
members directly), so `TeamInvitations` is empty and its mutations find none.

Fields are lazy (a callable resolves only when the query asks for it), so `coho`'s big
currentUser document costs only what it names."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from control_plane import membership
from control_plane.api import auth
from control_plane.api.errors import ApiError
from control_plane.api.rules import GQL_RULES
from control_plane.identity import roles, tokens

ROLE_IN = {"ADMIN": "admin", "DEVELOPER": "developer"}  # coho's ProjectRole → Brygge


def _upper(role: str | None) -> str | None:
    return role.upper() if role else None


class Account:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.rec = api.rec
        self.p = api.principal

    async def check(self, permission: str, where: dict[str, str]) -> str | None:
        try:
            return await auth.check(self.p, permission, where)
        except ApiError as e:
            raise GraphQLError(str(e)) from None

    async def check_team(self, info: Any, team_id: Any) -> None:
        if not isinstance(team_id, str) or await self.p.role_in_team(team_id) is None:
            raise GraphQLError("Team not found")
        await self.check(GQL_RULES[info.field_name], {"team": team_id})

    # -- reading ----------------------------------------------------------------------------
    async def members(self, project: str) -> list[dict[str, Any]]:
        return [{"user": {"id": m["user"], "email": m["email"], "name": m["name"]},
                 "role": _upper(m["role"])} for m in await membership.members(self.rec, project)]

    async def invitations(self, project: str) -> list[dict[str, Any]]:
        return [{"id": i["id"], "email": i["email"], "role": _upper(i["role"]),
                 "projectId": i["project"], "createdByEmail": i["by_email"],
                 "createdByName": i["by_name"], "createdDate": i["created"]}
                for i in await membership.project_invitations(self.rec, project)]

    async def team(self, team_id: str | None) -> dict[str, Any] | None:
        t = await self.rec.team(team_id) if team_id else None
        if t is None:
            return None

        async def admin_tokens(info: Any) -> list[dict[str, str]]:
            role = await self.p.role_in_team(t["id"])
            if not roles.allows(role, "tokens.read"):
                return []
            return [{"id": h[:16], "secret": v["prefix"]}
                    for h, v in await tokens.admin_tokens(self.rec, t["id"])]

        async def members(info: Any) -> list[dict[str, Any]]:
            out = []
            for m in await self.rec.team_members(t["id"]):
                u = await self.rec.user(m["user"]) or {}
                out.append({"user": {"id": m["user"], "email": u.get("email"),
                                     "name": u.get("name")}, "role": _upper(m["role"])})
            return out

        async def projects(info: Any) -> list[dict[str, str]]:
            return [{"id": p["name"], "uniqueName": p["name"]}
                    for _, p in await self.rec.scan("project/") if p.get("team") == t["id"]]

        return {"id": t["id"], "name": t["name"], "isDefaultTeam": bool(t.get("personal")),
                "AdminTokens": admin_tokens, "Members": members, "Projects": projects}

    async def project(self, name: str) -> dict[str, Any]:
        proj = self.api.projects[name]

        async def datastores(info: Any) -> list[dict[str, Any]]:
            role = await self.p.role_in(name)
            spaces = sorted(await self.api.cat.spaces(name), key=lambda s: s["created"])
            return [await self.api.datastore(sp, role) for sp in spaces]

        return {"id": name, "uniqueName": name, "name": proj.get("display") or name,
                "Team": await self.team(proj.get("team")),
                "Members": lambda info: self.members(name),
                "Invitations": lambda info: self.invitations(name),
                "Datastores": datastores}

    async def current_user(self, info: Any) -> dict[str, Any]:
        p, projects = self.p, self.api.projects
        if p.user is None:  # an admin token: its team is the account
            me = {"id": p.actor.split(":", 1)[1], "name": p.actor, "email": None}
            own = [n for n, pr in sorted(projects.items()) if pr.get("team") == p.team]
            return {**me, "sub": me["id"], "termsAccepted": True, "ProjectInvitations": [],
                    "TeamInvitations": [], "UserProjects": [await self.project(n) for n in own],
                    "Projects": [], "UserTeam": await self.team(p.team), "Teams": []}
        u = await self.rec.user(p.user) or {}
        personal = u.get("team")
        own, other = [], []
        for n, pr in sorted(projects.items()):
            if pr.get("team") == personal:
                own.append(n)
            elif (p.operator and p.kind != "pat") or \
                    await self.rec.member_role(n, p.user) is not None:
                other.append(n)

        async def teams(info: Any) -> list[dict[str, Any]]:
            return [await self.team(t["id"]) for t in await self.rec.teams_of(p.user)
                    if not t.get("personal")]

        async def invitations(info: Any) -> list[dict[str, Any]]:
            return [{"id": i["id"], "projectId": i["project"], "projectName": i["project"],
                     "role": _upper(i["role"]), "createdByEmail": i["by_email"],
                     "createdByName": i["by_name"], "createdDate": i["created"]}
                    for i in await membership.my_invitations(self.rec, p)]

        return {"id": p.user, "name": u.get("name"), "email": u.get("email"),
                "sub": u.get("email"), "termsAccepted": True,
                "ProjectInvitations": invitations, "TeamInvitations": [],
                "UserProjects": [await self.project(n) for n in own],
                "Projects": [await self.project(n) for n in other],
                "UserTeam": await self.team(personal), "Teams": teams}

    # -- projects and members ------------------------------------------------------------------
    async def add_project(self, info: Any, name: str, description: str | None = None,
                          teamId: str | None = None) -> dict[str, Any]:
        # coho adds the space `dev` and its token itself, with two more mutations
        out = await membership.create_project(self.api.cp, self.p, name, teamId,
                                              description or "", dev_space=False)
        self.api.projects[out["name"]] = await self.rec.get(f"project/{out['name']}")
        return {"id": out["name"], "uniqueName": out["name"], "name": out["display"],
                "Team": await self.team(out["team"])}

    async def add_project_invitation(self, info: Any, projectId: str, email: str,
                                     role: str) -> dict[str, Any]:
        caller = await self.api.allow(info, projectId)
        inv = await membership.invite(self.rec, self.p, projectId, email, ROLE_IN[role], caller)
        return {"id": inv["id"], "projectId": projectId, "email": inv["email"],
                "role": _upper(inv["role"]), "createdDate": inv["created"]}

    async def join_project(self, info: Any, projectId: str) -> bool:
        await self.api.allow(info, projectId)
        await membership.join(self.rec, self.p, projectId)
        return True

    async def remove_project_member(self, info: Any, projectId: str,
                                    userId: str | None = None) -> bool:
        await self.api.allow(info, projectId)
        if userId in (None, "", self.p.user):  # coho leave
            await membership.leave(self.rec, self.p, projectId)
            return True
        caller = await self.check("members.manage", {"project": projectId})
        await membership.remove_member(self.rec, projectId, str(userId), caller)
        return True

    async def accept_project_invitation(self, info: Any, invitationId: str) -> bool:
        await membership.accept(self.rec, self.p, invitationId)
        return True

    async def remove_project_invitation(self, info: Any, invitationId: str) -> bool:
        """The invitee declines it (coho account), or a members.manage of its project
        revokes it (coho invite --remove)."""
        inv = await self.rec.invite(invitationId) if isinstance(invitationId, str) else None
        mine = {i["id"] for i in await membership.my_invitations(self.rec, self.p)}
        if inv is not None and inv["id"] in mine:
            await membership.decline(self.rec, self.p, invitationId)
            return True
        if inv is None or inv["project"] not in self.api.projects:
            raise GraphQLError("Invitation not found")
        await self.api.allow(info, inv["project"])
        await membership.revoke(self.rec, inv["project"], invitationId)
        return True

    async def team_invitation(self, info: Any, invitationId: str) -> bool:
        raise GraphQLError("Invitation not found: teams on a Brygge node have no "
                           "invitations (a team's admin adds members: POST "
                           "/v1/teams/{team}/members)")

    # -- admin tokens (the team's: control_plane/identity/tokens.py) -------------------------
    async def add_admin_token(self, info: Any, teamId: str) -> dict[str, str]:
        await self.check_team(info, teamId)
        token, _ = await tokens.add_admin_token(self.rec, teamId, "created with coho "
                                                "add-admintoken", self.p.user or "")
        return {"id": tokens.digest(token)[:16], "secret": token}

    async def remove_admin_token(self, info: Any, teamId: str, tokenId: str) -> bool:
        await self.check_team(info, teamId)
        found = [h for h, _ in await tokens.admin_tokens(self.rec, teamId)
                 if h[:16] == tokenId]
        if not found:
            raise GraphQLError("Admin token not found")
        await tokens.remove_admin_token(self.rec, teamId, found[0])
        return True

    def root(self) -> dict[str, Any]:
        return {
            "currentUser": self.current_user,
            "addProject": self.add_project,
            "addProjectInvitation": self.add_project_invitation,
            "joinProject": self.join_project,
            "removeProjectMember": self.remove_project_member,
            "acceptProjectInvitation": self.accept_project_invitation,
            "removeProjectInvitation": self.remove_project_invitation,
            "acceptTeamInvitation": self.team_invitation,
            "removeTeamInvitation": self.team_invitation,
            "addAdminToken": self.add_admin_token,
            "removeAdminToken": self.remove_admin_token,
        }
