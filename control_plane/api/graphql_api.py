"""The admin GraphQL API the official `coho` CLI 1.0.13 talks to (issue 8).

    POST /graphql   {query, variables}   Authorization: Bearer <coho login token>

`coho` sends its stored login token: a session of the admin API (`coho login` in a
browser, or `brygge coho-login --email`), or a wrapper of an admin token (`brygge
coho-login --admintoken`, brygge/cohotoken.py); a bare admin token works too. The caller
is a Principal (control_plane/identity/principal.py); each field needs the permission
rules.py's GQL_RULES names in its project (a viewer sees no space tokens nor env
values). Ids: project id = the project's unique name, datastore id = space id, team id =
team id, admin token id = 16 hex of the token's hash (its `secret` is shown as its
prefix).

Point coho at the control plane with `ADMIN_API_URL=http://<node>:8081`. Operations
(the documents in coho's api/index.js): `ping`, `addDatastore`, `removeDatastore`,
`addToken`, `removeToken`, `addAllowedHost`, `removeAllowedHost`, `setJWKS`, `setEnv`
(`encrypted`: sealed at rest, brygge/envcrypt.py), `removeEnv`, `acceptTerms` here; the
account side — `currentUser`, `addProject`, invitations, `joinProject`,
`removeProjectMember`, `addAdminToken`, `removeAdminToken` — in graphql_account.py.
Every change is announced on NATS so routers drop cached spaces.
Errors follow GraphQL: HTTP 200 with `errors[0].message` (what coho prints).
"""

from __future__ import annotations

import ipaddress
import re
import time
from typing import Any

import jwt
from fastapi import APIRouter, Request
from graphql import GraphQLError, build_schema, graphql

from brygge import cohotoken, envcrypt, strictjson
from control_plane import lifecycle
from control_plane.api import auth
from control_plane.api.errors import ApiError
from control_plane.api.graphql_account import Account
from control_plane.api.json_response import JSONResponse
from control_plane.api.rules import GQL_RULES
from control_plane.identity import roles
from control_plane.identity.principal import AuthError, Principal
from storage.catalog import CatalogError

MAX_BODY = 64 * 1024

SDL = """
scalar IPv4
scalar URL
scalar EmailAddress
enum TokenAccess { READ READWRITE }
enum ProjectRole { ADMIN DEVELOPER }

type Query {
  ping: String
  currentUser: User
}

type User {
  id: ID!
  name: String
  email: String
  sub: String
  termsAccepted: Boolean
  ProjectInvitations: [ProjectInvitation!]!
  TeamInvitations: [TeamInvitation!]!
  UserProjects: [Project!]!
  Projects: [Project!]!
  UserTeam: Team
  Teams: [Team!]!
}

type ProjectInvitation { id: ID projectId: ID projectName: String role: String
  createdByEmail: String createdByName: String createdDate: String }
type TeamInvitation { id: ID teamId: ID teamName: String role: String createdDate: String
  createdByName: String createdByEmail: String }
type Invitation { id: ID projectId: ID email: String role: String createdByEmail: String
  createdByName: String createdDate: String }

type Project {
  id: ID!
  uniqueName: String!
  name: String
  Team: Team
  Members: [Member!]!
  Datastores: [Datastore!]!
  Invitations: [Invitation!]!
}

type Team {
  id: ID!
  name: String
  isDefaultTeam: Boolean
  AdminTokens: [AdminToken!]!
  Members: [Member!]!
  Projects: [ProjectRef!]!
}

type ProjectRef { id: ID! uniqueName: String! }
type Member { user: MemberUser role: String }
type MemberUser { id: ID email: String name: String }

type Datastore {
  id: ID!
  name: String!
  projectId: ID!
  restricted: Boolean
  Tokens: [Token!]!
  allowedHosts: [String!]!
  jwks: String
  Env: [EnvVar!]!
}

type Token { key: String! datastoreId: ID access: TokenAccess description: String }
type EnvVar { key: String! value: String encrypted: Boolean }
type AdminToken { id: ID! secret: String }

type Mutation {
  addProject(name: String!, description: String, teamId: ID): Project
  addDatastore(projectId: ID!, name: String!, restricted: Boolean): Datastore
  removeDatastore(datastoreId: ID!): Datastore
  addToken(datastoreId: ID!, access: TokenAccess!, description: String): Token
  removeToken(datastoreId: ID!, tokenId: ID!): Token
  addAllowedHost(datastoreId: ID!, ip: IPv4!): [String!]
  removeAllowedHost(datastoreId: ID!, ip: IPv4!): [String!]
  setJWKS(datastoreId: ID!, jwksURI: URL!): String
  setEnv(datastoreId: ID!, key: String!, value: String!, encrypted: Boolean): EnvVar
  removeEnv(datastoreId: ID!, key: String!): EnvVar
  addProjectInvitation(projectId: ID!, email: EmailAddress!, role: ProjectRole!): Invitation
  joinProject(projectId: ID!): Boolean
  removeProjectMember(projectId: ID!, userId: ID): Boolean
  acceptProjectInvitation(invitationId: ID!): Boolean
  removeProjectInvitation(invitationId: ID!): Boolean
  acceptTeamInvitation(invitationId: ID!): Boolean
  removeTeamInvitation(invitationId: ID!): Boolean
  acceptTerms: Boolean
  addAdminToken(teamId: ID!): AdminToken
  removeAdminToken(teamId: ID!, tokenId: ID!): Boolean
}
"""


def _ip(value: Any) -> str:
    if not isinstance(value, str):
        raise GraphQLError("an IP address must be a string")
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise GraphQLError(f"{value!r} is not an IP address (or CIDR range)") from None
    return value.strip()


def _url(value: Any) -> str:
    # coho sends "" to remove the JWKS endpoint, so the empty string is a URL here
    if not isinstance(value, str) or (value and not re.match(r"^https?://[^\s/]+\S*$", value)):
        raise GraphQLError(f"{value!r} is not an http(s) URL")
    return value


def _email(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^[^@\s]+@[^@\s]+$", value):
        raise GraphQLError(f"{value!r} is not an email address")
    return value


SCHEMA = build_schema(SDL)
for _name, _fn in (("IPv4", _ip), ("URL", _url), ("EmailAddress", _email)):
    _scalar: Any = SCHEMA.type_map[_name]
    _scalar.parse_value = _fn  # graphql-core 3.2
    _scalar.coerce_input_value = _fn  # 3.3 binds this one at construction
ACCESS = {"R": "READ", "RW": "READWRITE"}  # catalog → GraphQL (TokenAccess)


class SessionError(Exception):
    pass


def _host(entry: str) -> str:
    """10.0.0.1/32 → 10.0.0.1 (how it was given); ranges stay ranges."""
    return re.sub(r"/(32|128)$", "", entry)


def session_token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    if not bearer or bearer == "undefined":
        raise SessionError("No session: sign coho in to this node with `brygge coho-login`")
    token = cohotoken.unwrap(bearer)
    if token is None and bearer.count(".") == 2:
        try:
            if jwt.get_unverified_header(bearer).get("alg") == "EdDSA":
                return bearer  # a session of the admin API (checked by the authenticator)
        except jwt.PyJWTError:
            pass
        try:
            claims = jwt.decode(bearer, options={"verify_signature": False})
        except jwt.PyJWTError:
            claims = {}
        if isinstance(claims.get("exp"), int | float) and cohotoken.CLAIM in claims:
            if claims["exp"] < time.time():
                raise SessionError("Your session has expired: sign in again with "
                                   "`brygge coho-login`")
        raise SessionError("Invalid session token: sign in again with `brygge coho-login`")
    return token or bearer


class Api:
    """The resolvers for one request, acting for the caller (a Principal): the projects
    it may see, and per field the permission GQL_RULES names in the field's project."""

    def __init__(self, cp: Any, principal: Principal, projects: list[dict[str, Any]]) -> None:
        self.cp = cp
        self.cat = cp.catalog
        self.rec = cp.identity.records
        self.principal = principal
        self.projects = {p["name"]: p for p in projects}
        self.acted_on: str | None = None  # the project a field acted on: the audit log's

    async def allow(self, info: Any, project: str) -> str | None:
        """The caller's role in `project` if it may run this field there, else the
        GraphQL error coho prints."""
        if project not in self.projects:
            raise GraphQLError("Project not found")
        self.acted_on = project
        try:
            return await auth.check(self.principal, GQL_RULES[info.field_name],
                                    {"project": project})
        except ApiError as e:
            raise GraphQLError(str(e)) from None

    # -- reading ----------------------------------------------------------------------------
    async def datastore(self, sp: dict[str, Any], role: str | None) -> dict[str, Any]:
        sealed = set(sp.get("env_encrypted") or [])
        env = [{"key": k, "value": "" if k in sealed else v, "encrypted": k in sealed}
               for k, v in sorted((sp.get("env") or {}).items())]
        toks = [{"key": t["token"], "datastoreId": sp["id"], "access": ACCESS[t["access"]],
                 "description": t.get("description") or ""}
                for t in await self.cat.tokens(sp["project"], sp["name"]) if t["token"]] \
            if roles.allows(role, "secrets.read") else []
        if not roles.allows(role, "secrets.read"):  # a viewer: names, not values
            env = [{**e, "value": ""} for e in env]
        return {"id": sp["id"], "name": sp["name"], "projectId": sp["project"],
                "restricted": False, "Tokens": toks,
                "allowedHosts": [_host(h) for h in sp.get("allowed_hosts") or []],
                "jwks": sp.get("jwks_url") or None, "Env": env}

    # -- spaces -----------------------------------------------------------------------------
    async def space(self, info: Any, datastore_id: Any) -> dict[str, Any]:
        sp = await self.cat.space_by_id(datastore_id) if isinstance(datastore_id, str) else None
        if sp is None or sp["project"] not in self.projects:
            raise GraphQLError("Space not found")
        await self.allow(info, sp["project"])
        return sp

    async def changed(self, sp: dict[str, Any]) -> None:
        await self.cp.publish_space_changed(sp["id"])

    async def add_datastore(self, info: Any, projectId: str, name: str,
                            restricted: bool = False) -> dict[str, Any]:
        role = await self.allow(info, projectId)
        sp = await self.cat.create_space(projectId, name)
        await self.cat.add_token(projectId, name, "RW", "created with the space")
        return await self.datastore(sp, role)

    async def remove_datastore(self, info: Any, datastoreId: str) -> dict[str, Any]:
        sp = await self.space(info, datastoreId)
        # everything of it: data, deployments, queues, schedules, tokens (lifecycle.py)
        await lifecycle.remove_space(self.cp, sp["project"], sp["name"])
        return {"id": sp["id"], "name": sp["name"], "projectId": sp["project"], "Tokens": [],
                "allowedHosts": [], "Env": []}

    # -- tokens -----------------------------------------------------------------------------
    async def add_token(self, info: Any, datastoreId: str, access: str,
                        description: str | None = None) -> dict[str, Any]:
        sp = await self.space(info, datastoreId)
        desc = description or ""
        if len(desc) > 200:
            raise GraphQLError("description must be at most 200 characters")
        key = await self.cat.add_token(sp["project"], sp["name"],
                                       "R" if access == "READ" else "RW", desc)
        await self.changed(sp)
        return {"key": key, "datastoreId": sp["id"], "access": access,
                "description": desc}

    async def remove_token(self, info: Any, datastoreId: str, tokenId: str) -> dict[str, Any]:
        sp = await self.space(info, datastoreId)
        rec = await self.cat.token(tokenId)
        if rec is None or rec["project"] != sp["project"] or rec["space"] != sp["name"]:
            raise GraphQLError("Token not found")
        await self.cat.remove_token(sp["project"], sp["name"], tokenId)
        await self.changed(sp)
        return {"key": tokenId, "datastoreId": sp["id"], "access": ACCESS[rec["access"]],
                "description": rec.get("description") or ""}

    # -- admission --------------------------------------------------------------------------
    async def allowed_host(self, info: Any, datastore_id: str, ip: str, kind: str
                           ) -> list[str]:
        sp = await self.space(info, datastore_id)
        sp = await self.cat.set_admission(sp["project"], sp["name"], kind, ip)
        await self.changed(sp)
        return [_host(h) for h in sp.get("allowed_hosts") or []]

    async def add_allowed_host(self, info: Any, datastoreId: str, ip: str) -> list[str]:
        return await self.allowed_host(info, datastoreId, ip, "whitelist-add")

    async def remove_allowed_host(self, info: Any, datastoreId: str, ip: str) -> list[str]:
        return await self.allowed_host(info, datastoreId, ip, "whitelist-remove")

    async def set_jwks(self, info: Any, datastoreId: str, jwksURI: str) -> str:
        sp = await self.space(info, datastoreId)
        sp = await self.cat.set_admission(sp["project"], sp["name"], "jwks",
                                          {"url": jwksURI} if jwksURI else None)
        await self.changed(sp)
        return jwksURI

    # -- env --------------------------------------------------------------------------------
    async def set_env(self, info: Any, datastoreId: str, key: str, value: str,
                      encrypted: bool | None = False) -> dict[str, Any]:
        sp = await self.space(info, datastoreId)
        stored = value
        if encrypted:
            if not isinstance(value, str) or len(value) > 64 * 1024:
                raise GraphQLError("an env var value must be a string of at most 64 KB")
            stored = envcrypt.seal(self.cp.s.data_path, sp["project"], sp["name"], key, value)
        sp = await self.cat.set_env(sp["project"], sp["name"], key, stored, bool(encrypted))
        await self.changed(sp)
        return {"key": key, "value": "" if encrypted else value, "encrypted": bool(encrypted)}

    async def remove_env(self, info: Any, datastoreId: str, key: str) -> dict[str, Any]:
        sp = await self.space(info, datastoreId)
        old = (sp.get("env") or {}).get(key)
        sealed = key in (sp.get("env_encrypted") or [])
        sp = await self.cat.set_env(sp["project"], sp["name"], key, None)
        await self.changed(sp)
        return {"key": key, "value": "" if sealed else old, "encrypted": sealed}

    def root(self) -> dict[str, Any]:
        return {
            "ping": lambda info: "pong",
            "acceptTerms": lambda info: True,
            "addDatastore": self.add_datastore,
            "removeDatastore": self.remove_datastore,
            "addToken": self.add_token,
            "removeToken": self.remove_token,
            "addAllowedHost": self.add_allowed_host,
            "removeAllowedHost": self.remove_allowed_host,
            "setJWKS": self.set_jwks,
            "setEnv": self.set_env,
            "removeEnv": self.remove_env,
            **Account(self).root(),  # currentUser, projects, members, admin tokens
        }


def _errors(*messages: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"data": None, "errors": [{"message": m} for m in messages]},
                        status_code=status)


def router(cp: Any) -> APIRouter:
    r = APIRouter()  # `public` at the HTTP level: coho's session is checked per field (Api)

    @r.post("/graphql")
    async def graphql_endpoint(request: Request) -> JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _errors("the request body is too large", status=413)
        try:
            body = strictjson.loads(raw or b"null")
        except ValueError as e:
            return _errors(f"the body must be JSON: {{query, variables}}: {e}", status=400)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _errors("the body must be JSON: {query, variables}", status=400)
        variables = body.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return _errors("variables must be a JSON object", status=400)
        try:
            token = session_token(request)
            principal = await cp.identity.auth.authenticate(
                {"authorization": f"Bearer {token}"})
        except SessionError as e:
            return _errors(str(e))
        except AuthError as e:
            return _errors(f"Invalid session token: {e}; sign in again with `brygge "
                           "coho-login`")
        request.state.actor = principal.actor  # the audit log's (control_plane/audit/)
        projects = [v for _, v in await cp.identity.records.scan("project/")]
        api = Api(cp, principal, [p for p in projects if await principal.role_in(p["name"])])
        op = body.get("operationName")
        result = await graphql(SCHEMA, body["query"], root_value=api.root(),
                               variable_values=variables,
                               operation_name=op if isinstance(op, str) else None)
        request.state.audit_project = api.acted_on
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [_error(e) for e in result.errors]
        return JSONResponse(out)

    return r


def _error(e: GraphQLError) -> dict[str, Any]:
    orig = e.original_error
    if isinstance(orig, CatalogError):
        return {"message": str(orig), "path": e.path}
    if orig is not None and not isinstance(orig, GraphQLError):
        # a platform failure: say what failed, not the internals
        return {"message": f"internal error: {type(orig).__name__}", "path": e.path}
    out = dict(e.formatted)
    # graphql-js words it `Variable "$ip" ...`, and coho rewrites exactly that prefix
    out["message"] = re.sub(r"""^Variable '(\$\w+)'""", r'Variable "\1"', out["message"])
    return out
