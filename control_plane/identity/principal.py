"""Who a request is: one credential → a Principal, and the Principal's role in a project
or team. Every kind is checked against the records on every request, so a revoked
session, a removed token or a suspended user is refused at once.

Credentials (one per request): `x-admintoken: <admin token>`; `Authorization: Bearer`
with a session access JWT (EdDSA), the CLI's local operator JWT, a PAT (`bpat_...`),
an admin token, or the official coho CLI's wrapper of one (brygge/cohotoken.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jwt

from brygge import cohotoken
from control_plane.identity import roles, tokens
from control_plane.identity.records import Records
from control_plane.identity.sessions import Keys, SessionError, Sessions

PROJECT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class AuthError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Principal:
    kind: str  # user | admintoken | pat | local
    actor: str  # what the audit log records: user:<uid>, admintoken:<id>, pat:<id>, local:<uid>
    user: str | None
    operator: bool
    team: str | None  # an admin token's team
    pat_role: str | None = None
    pat_project: str | None = None
    sid: str | None = None
    rec: Records | None = field(default=None, repr=False, compare=False)

    async def project_team(self, project: str) -> str | None:
        if self.rec is None or not PROJECT_RE.match(project or ""):
            return None
        p = await self.rec.get(f"project/{project}")
        return p.get("team") if p else None

    async def role_in(self, project: str) -> str | None:
        """owner|admin|developer|viewer, or None: no access to the project."""
        if self.operator and self.kind != "pat":
            return "owner"
        team = await self.project_team(project)
        if self.kind == "admintoken":
            return "admin" if team is not None and team == self.team else None
        assert self.rec is not None and self.user is not None
        role = "owner" if self.operator else None
        if PROJECT_RE.match(project or ""):
            role = roles.stronger(role, await self.rec.member_role(project, self.user))
        if team is not None:
            role = roles.stronger(role, await self.rec.team_role(team, self.user))
        if self.kind == "pat":
            if self.pat_project is not None and self.pat_project != project:
                return None
            return roles.weaker(role, self.pat_role)
        return role

    async def role_in_team(self, team: str) -> str | None:
        if self.operator and self.kind != "pat":
            return "owner"
        if self.kind == "admintoken":
            return "admin" if team == self.team else None
        assert self.rec is not None and self.user is not None
        role = "owner" if self.operator else await self.rec.team_role(team, self.user)
        if self.kind == "pat":
            return None if self.pat_project is not None else roles.weaker(role, self.pat_role)
        return role


def credential(headers: Any) -> tuple[str, str]:
    """(kind, secret) of the request's credential: kind admintoken|bearer|none."""
    token = headers.get("x-admintoken", "")
    if token:
        return "admintoken", token
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        bearer = auth[7:].strip()
        if bearer and bearer != "undefined":
            return "bearer", bearer
    return "none", ""


class Authenticator:
    def __init__(self, rec: Records, keys: Keys, sessions: Sessions) -> None:
        self.rec, self.keys, self.sessions = rec, keys, sessions

    async def _user(self, uid: Any, what: str) -> dict[str, Any]:
        user = await self.rec.user(uid) if isinstance(uid, str) else None
        if user is None:
            raise AuthError(401, f"the user of this {what} no longer exists")
        if user.get("suspended"):
            raise AuthError(401, f"the user of this {what} is suspended")
        return user

    async def admin_token(self, token: str) -> Principal:
        rec = await tokens.admin_token(self.rec, token)
        if rec is None:
            raise AuthError(401, "wrong admin token")
        return Principal("admintoken", f"admintoken:{rec['id']}", None, False, rec["team"],
                         rec=self.rec)

    async def jwt(self, token: str) -> Principal:
        try:
            claims = self.keys.verify(token)
        except SessionError as e:
            raise AuthError(401, str(e)) from None
        if claims["typ"] == "local":
            ops = sorted((u for u in await self.rec.users()
                          if u.get("operator") and not u.get("suspended")),
                         key=lambda u: u["created"])
            if not ops:
                raise AuthError(401, "this node has no operator user to sign in as")
            return Principal("local", f"local:{ops[0]['id']}", ops[0]["id"], True, None,
                             rec=self.rec)
        if claims["typ"] != "access":
            raise AuthError(401, "invalid session token")
        s = await self.sessions.session(claims.get("sid"))
        if s is None or s["user"] != claims["sub"]:
            raise AuthError(401, "the session has ended: sign in again")
        user = await self._user(claims["sub"], "session")
        return Principal("user", f"user:{user['id']}", user["id"], bool(user.get("operator")),
                         None, sid=s["sid"], rec=self.rec)

    async def pat(self, token: str) -> Principal:
        rec = await tokens.pat(self.rec, token)
        if rec is None:
            raise AuthError(401, "wrong or expired personal access token")
        user = await self._user(rec["user"], "personal access token")
        return Principal("pat", f"pat:{rec['id']}", user["id"], bool(user.get("operator")),
                         None, pat_role=rec["role"], pat_project=rec.get("project"),
                         rec=self.rec)

    async def authenticate(self, headers: Any) -> Principal:
        kind, secret = credential(headers)
        if kind == "none":
            raise AuthError(401, "a credential is required: sign in with `brygge login`, or "
                                 "send an admin token as x-admintoken")
        if kind == "admintoken":
            return await self.admin_token(secret)
        if secret.startswith(tokens.PAT_PREFIX):
            return await self.pat(secret)
        if secret.count(".") == 2:
            wrapped = cohotoken.unwrap(secret)
            if wrapped is not None:
                return await self.admin_token(wrapped)
            try:
                alg = jwt.get_unverified_header(secret).get("alg")
            except jwt.PyJWTError:
                alg = None
            if alg == "EdDSA":
                return await self.jwt(secret)
            raise AuthError(401, "invalid session token: sign in again")
        return await self.admin_token(secret)
