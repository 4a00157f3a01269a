"""The one access table of the admin API: the permission each route needs
(control_plane/identity/roles.py says which role has which permission).

RULES[(METHOD, route path)] = permission. A route without a rule is refused with 403
(control_plane/api/auth.py), and tests/unit/test_rules_cover_routes.py fails when a
route of create_app has none. `_A_D_M_` operations (adm.py) are in ADM_RULES by
(METHOD, operation), GraphQL fields (graphql_api.py) in GQL_RULES by field."""

from __future__ import annotations

P = "/v1/projects/{project}"
S = P + "/spaces/{space}"
ADM = "/_adm/{project}/{space}/"

# (METHOD, operation after /_adm/{project}/{space}/) → permission
ADM_RULES: dict[tuple[str, str], str] = {
    ("POST", "deploy"): "deploy",
    ("DELETE", "deploy"): "deploy",
    ("GET", "logs"): "logs.read",
    ("GET", "query/{coll}"): "data.read",
    ("GET", "export/{coll}"): "data.read",
    ("POST", "restore/{coll}"): "data.write",
    ("POST", "indexes"): "data.write",
    ("DELETE", "indexes"): "data.write",
    ("POST", "schema/{coll}"): "data.write",
    ("GET", "schema/{coll}"): "data.read",
    ("DELETE", "schema/{coll}"): "data.write",
    ("GET", "keys"): "data.read",
    ("POST", "keys"): "data.write",
    ("DELETE", "keys"): "data.write",
    ("GET", "usage"): "project.read",
    # unknown operations answer 404, to callers of the project only
    **{(m, "{op:path}"): "project.read" for m in ("GET", "POST", "PUT", "DELETE", "PATCH")},
}

RULES: dict[tuple[str, str], str] = {
    ("GET", "/health"): "public",
    ("GET", "/.well-known/jwks.json"): "public",
    ("POST", "/graphql"): "public",  # authenticates in GraphQL terms, per field: GQL_RULES
    # the interactive docs (dev_mode only)
    ("GET", "/openapi.json"): "public", ("GET", "/docs"): "public",
    ("GET", "/redoc"): "public", ("GET", "/docs/oauth2-redirect"): "public",
    # auth (auth_routes.py)
    ("POST", "/v1/auth/login"): "public",
    ("POST", "/v1/auth/refresh"): "public",
    ("POST", "/v1/auth/logout"): "self",
    ("GET", "/v1/auth/me"): "self",
    ("POST", "/v1/auth/check"): "public",  # the router's pre-check: authorizes itself
    # browser sign-in: coho's login handshake, the login page, SSO (control_plane/login/)
    **{(m, path): "public" for m, path in (
        ("GET", "/authenticate/{provider}/{uuid}"), ("POST", "/authenticate/{provider}/{uuid}"),
        ("GET", "/cli_auth/{uuid}"), ("GET", "/login"), ("POST", "/login"),
        ("GET", "/sso/start"), ("GET", "/sso/callback"))},
    # users (users.py): the operator's
    ("GET", "/v1/users"): "node.manage",
    ("POST", "/v1/users"): "node.manage",
    ("DELETE", "/v1/users/{uid}"): "node.manage",
    ("POST", "/v1/users/{uid}/suspend"): "node.manage",
    ("POST", "/v1/users/{uid}/resume"): "node.manage",
    # personal access tokens (users.py): one's own
    ("GET", "/v1/pats"): "self",
    ("POST", "/v1/pats"): "self",
    ("DELETE", "/v1/pats/{pat_id}"): "self",
    # teams (teams.py): `self` lists one's teams; the rest is checked on {team}
    ("GET", "/v1/teams"): "self",
    ("POST", "/v1/teams"): "self",
    ("GET", "/v1/teams/{team}/members"): "members.read",
    ("POST", "/v1/teams/{team}/members"): "members.manage",
    ("DELETE", "/v1/teams/{team}/members/{uid}"): "members.manage",
    ("GET", "/v1/teams/{team}/admintokens"): "tokens.read",
    ("POST", "/v1/teams/{team}/admintokens"): "tokens.manage",
    ("DELETE", "/v1/teams/{team}/admintokens/{prefix}"): "tokens.manage",
    # a project and its spaces (spaces.py)
    ("GET", P): "project.read",
    ("POST", P + "/spaces"): "spaces.manage",
    ("GET", S + "/tokens"): "secrets.read",
    ("POST", S + "/tokens"): "tokens.manage",
    ("DELETE", S + "/tokens/{token}"): "tokens.manage",
    ("GET", P + "/admintokens"): "tokens.read",
    ("POST", P + "/admintokens"): "tokens.manage",
    ("DELETE", P + "/admintokens/{token}"): "tokens.manage",
    # deployments, env, admission, cron, logs
    ("POST", S + "/deployments"): "deploy",
    ("GET", S + "/deployments"): "project.read",
    ("PUT", S + "/env/{key}"): "env.write",
    ("DELETE", S + "/env/{key}"): "env.write",
    **{(m, S + f"/{what}"): "settings.write" for m in ("PUT", "DELETE")
       for what in ("jwks", "whitelist", "cors", "ratelimit")},
    ("GET", S + "/jobs"): "settings.read",
    ("POST", S + "/jobs/run"): "queues.manage",
    ("PUT", S + "/timezone"): "settings.write",
    ("DELETE", S + "/timezone"): "settings.write",
    ("GET", S + "/workflows"): "data.read",
    ("GET", S + "/logs"): "logs.read",
    # queues, files, backups
    ("GET", S + "/queues"): "data.read",
    ("GET", S + "/queues/dead"): "data.read",
    ("POST", S + "/queues/retry"): "queues.manage",
    ("POST", S + "/queues/purge"): "queues.manage",
    ("GET", S + "/files"): "data.read",
    ("GET", S + "/files-usage"): "data.read",
    ("PUT", S + "/files/{path:path}"): "files.write",
    ("GET", S + "/files/{path:path}"): "data.read",
    ("DELETE", S + "/files/{path:path}"): "files.write",
    ("GET", S + "/backup"): "secrets.read",  # holds env values and all data
    ("POST", S + "/restore"): "settings.write",  # replaces data, env and admission settings
    # projects: removal, suspension (projects.py), quotas (quota.py), audit (audit_api.py)
    ("DELETE", P): "project.delete",
    ("DELETE", S): "spaces.manage",
    ("POST", P + "/suspend"): "node.manage",
    ("POST", P + "/resume"): "node.manage",
    ("GET", P + "/quota"): "project.read",
    ("PUT", P + "/quota"): "node.manage",
    ("GET", "/v1/plans"): "self",
    ("GET", P + "/audit"): "audit.read",
    ("GET", "/v1/audit"): "node.manage",
    # custom domains and the alternative host (domains.py)
    # projects for people, members and invitations (my_projects.py, project_members.py);
    # membership.py adds: only an owner grants/changes owner, the last owner stays
    ("POST", "/v1/projects"): "self",  # in the caller's team where they are admin/owner
    ("GET", "/v1/projects"): "self",  # the caller's own
    ("GET", P + "/members"): "members.read",
    ("PUT", P + "/members/{uid}"): "members.manage",
    ("DELETE", P + "/members/{uid}"): "members.manage",
    ("GET", P + "/invitations"): "members.read",
    ("POST", P + "/invitations"): "members.manage",
    ("DELETE", P + "/invitations/{id}"): "members.manage",
    ("GET", "/v1/invitations"): "self",  # the caller's (by their email)
    ("POST", "/v1/invitations/{id}/accept"): "self",  # the invitee only
    ("POST", "/v1/invitations/{id}/decline"): "self",  # the invitee only
    ("POST", P + "/join"): "self",  # a member of the project's team
    ("POST", P + "/leave"): "self",  # one who is on the member list
    ("GET", S + "/domains"): "settings.read",
    ("POST", S + "/domains"): "settings.write",
    ("DELETE", S + "/domains/{host}"): "settings.write",
    **{(m, ADM + op): perm for (m, op), perm in ADM_RULES.items()},
}

# GraphQL fields (coho's admin API) → permission in the project the field acts on
GQL_RULES: dict[str, str] = {
    "ping": "public", "currentUser": "self", "acceptTerms": "self",
    "addDatastore": "spaces.manage", "removeDatastore": "spaces.manage",
    "addToken": "tokens.manage", "removeToken": "tokens.manage",
    "addAllowedHost": "settings.write", "removeAllowedHost": "settings.write",
    "setJWKS": "settings.write", "setEnv": "env.write", "removeEnv": "env.write",
    "addAdminToken": "tokens.manage", "removeAdminToken": "tokens.manage",
    "addProject": "self", "addProjectInvitation": "members.manage", "joinProject": "self",
    "removeProjectMember": "self", "acceptProjectInvitation": "self",
    "removeProjectInvitation": "members.manage", "acceptTeamInvitation": "self",
    "removeTeamInvitation": "self",
}


def adm_rule(method: str, op: str) -> str:
    """The permission of `/_adm/{p}/{s}/<op>` ("query/{coll}", "keys", ...); an unknown
    operation falls to the catch-all's rule (it answers 404)."""
    return ADM_RULES.get((method, op)) or ADM_RULES.get((method, "{op:path}"), "node.manage")
