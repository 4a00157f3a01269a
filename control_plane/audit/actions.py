"""The audit log's name for every admin route: ACTIONS[(METHOD, route.path)] = action.

The audit middleware (control_plane/audit/middleware.py) records every request of a
route that is not a GET, and a GET that was refused (401/403/429), under this name,
never under its URL. tests/unit/test_audit/actions.py enumerates the app's routes: a
route added without a name here fails CI. A route missing from the table is still
recorded, as `<METHOD> <route path>`. GraphQL mutations are named `graphql.<field>`
(the middleware reads the operation).
"""

from __future__ import annotations

P = "/v1/projects/{project}"
S = P + "/spaces/{space}"
A = "/_adm/{project}/{space}"

ACTIONS: dict[tuple[str, str], str] = {
    ("GET", "/health"): "health",
    # spaces.py
    ("GET", P): "project.info",
    ("POST", P + "/spaces"): "space.create",
    ("GET", S + "/tokens"): "token.list",
    ("POST", S + "/tokens"): "token.add",
    ("DELETE", S + "/tokens/{token}"): "token.remove",
    ("GET", P + "/admintokens"): "admintoken.list",
    ("POST", P + "/admintokens"): "admintoken.add",
    ("DELETE", P + "/admintokens/{token}"): "admintoken.remove",
    # deployments.py, env.py
    ("POST", S + "/deployments"): "deploy",
    ("GET", S + "/deployments"): "deploy.history",
    ("PUT", S + "/env/{key}"): "env.set",
    ("DELETE", S + "/env/{key}"): "env.remove",
    # admission.py
    ("PUT", S + "/jwks"): "jwks.set",
    ("DELETE", S + "/jwks"): "jwks.remove",
    ("PUT", S + "/whitelist"): "whitelist.add",
    ("DELETE", S + "/whitelist"): "whitelist.remove",
    ("PUT", S + "/cors"): "cors.set",
    ("DELETE", S + "/cors"): "cors.remove",
    ("PUT", S + "/ratelimit"): "ratelimit.set",
    ("DELETE", S + "/ratelimit"): "ratelimit.remove",
    # cron.py, logs.py
    ("GET", S + "/jobs"): "cron.list",
    ("POST", S + "/jobs/run"): "cron.run",
    ("PUT", S + "/timezone"): "cron.timezone.set",
    ("DELETE", S + "/timezone"): "cron.timezone.remove",
    ("GET", S + "/workflows"): "workflow.list",
    ("GET", S + "/logs"): "logs.read",
    # adm.py: the official CLI's _A_D_M_ calls, forwarded by the router
    ("POST", A + "/deploy"): "deploy",
    ("DELETE", A + "/deploy"): "deploy.remove",
    ("GET", A + "/logs"): "logs.read",
    ("GET", A + "/query/{coll}"): "data.query",
    ("GET", A + "/export/{coll}"): "data.export",
    ("POST", A + "/restore/{coll}"): "data.import",
    ("POST", A + "/indexes"): "index.create",
    ("DELETE", A + "/indexes"): "index.remove",
    ("GET", A + "/schema/{coll}"): "schema.get",
    ("POST", A + "/schema/{coll}"): "schema.set",
    ("DELETE", A + "/schema/{coll}"): "schema.remove",
    ("GET", A + "/keys"): "kv.get",
    ("POST", A + "/keys"): "kv.set",
    ("DELETE", A + "/keys"): "kv.remove",
    ("GET", A + "/usage"): "usage.read",
    **{(m, A + "/{op:path}"): "adm.unknown" for m in ("GET", "POST", "PUT", "DELETE", "PATCH")},
    # queues.py, files.py, backups.py
    ("GET", S + "/queues"): "queue.list",
    ("GET", S + "/queues/dead"): "queue.dead.list",
    ("POST", S + "/queues/retry"): "queue.retry",
    ("POST", S + "/queues/purge"): "queue.purge",
    ("GET", S + "/files"): "file.list",
    ("GET", S + "/files-usage"): "file.usage",
    ("GET", S + "/files/{path:path}"): "file.get",
    ("PUT", S + "/files/{path:path}"): "file.put",
    ("DELETE", S + "/files/{path:path}"): "file.remove",
    ("GET", S + "/backup"): "backup",
    ("POST", S + "/restore"): "restore",
    # graphql_api.py: refined to graphql.<mutation field> by the middleware
    ("POST", "/graphql"): "graphql",
    # audit_api.py
    ("GET", "/v1/audit"): "audit.read",
    ("GET", P + "/audit"): "audit.read",
    # The routes of the other parts of issue 18 (i18-design.md), named ahead so their
    # merge only has to correct a path parameter's name if it differs.
    ("POST", "/v1/auth/login"): "auth.login",
    ("POST", "/v1/auth/refresh"): "auth.refresh",
    ("POST", "/v1/auth/check"): "auth.check",
    ("POST", "/v1/auth/logout"): "auth.logout",
    ("GET", "/v1/auth/me"): "auth.me",
    ("GET", "/.well-known/jwks.json"): "auth.jwks",
    ("GET", "/v1/users"): "user.list",
    ("POST", "/v1/users"): "user.add",
    ("DELETE", "/v1/users/{uid}"): "user.remove",
    ("POST", "/v1/users/{uid}/suspend"): "user.suspend",
    ("POST", "/v1/users/{uid}/resume"): "user.resume",
    ("GET", "/v1/pats"): "pat.list",
    ("POST", "/v1/pats"): "pat.create",
    ("DELETE", "/v1/pats/{pat_id}"): "pat.revoke",
    ("GET", "/v1/teams"): "team.list",
    ("POST", "/v1/teams"): "team.create",
    ("GET", "/v1/teams/{team}/members"): "team.member.list",
    ("POST", "/v1/teams/{team}/members"): "team.member.add",
    ("DELETE", "/v1/teams/{team}/members/{uid}"): "team.member.remove",
    ("GET", "/v1/teams/{team}/admintokens"): "admintoken.list",
    ("POST", "/v1/teams/{team}/admintokens"): "admintoken.add",
    ("DELETE", "/v1/teams/{team}/admintokens/{prefix}"): "admintoken.remove",
    ("GET", "/v1/projects"): "project.list",
    ("POST", "/v1/projects"): "project.create",
    ("DELETE", P): "project.delete",
    ("DELETE", S): "space.delete",
    ("GET", P + "/members"): "member.list",
    ("POST", P + "/members"): "member.add",
    ("DELETE", P + "/members/{uid}"): "member.remove",
    ("PUT", P + "/members/{uid}"): "member.role",
    ("GET", P + "/invitations"): "invite.list",
    ("POST", P + "/invitations"): "invite.create",
    ("DELETE", P + "/invitations/{id}"): "invite.revoke",
    ("GET", "/v1/invitations"): "invite.mine",
    ("POST", "/v1/invitations/{id}/accept"): "invite.accept",
    ("POST", "/v1/invitations/{id}/decline"): "invite.decline",
    ("POST", P + "/join"): "project.join",
    ("POST", P + "/leave"): "project.leave",
    ("POST", P + "/suspend"): "project.suspend",
    ("POST", P + "/resume"): "project.resume",
    ("GET", P + "/quota"): "quota.read",
    ("PUT", P + "/quota"): "quota.set",
    ("GET", "/v1/plans"): "plan.list",
    ("GET", S + "/domains"): "domain.list",
    ("POST", S + "/domains"): "domain.add",
    ("DELETE", S + "/domains/{host}"): "domain.remove",
    ("GET", "/authenticate/{provider}/{uuid}"): "auth.page",
    ("POST", "/authenticate/{provider}/{uuid}"): "auth.cli_login",
    ("GET", "/cli_auth/{uuid}"): "auth.cli_wait",
    ("GET", "/sso/start"): "auth.sso_start",
    ("GET", "/sso/callback"): "auth.sso_callback",
    ("GET", "/login"): "auth.web_page",
    ("POST", "/login"): "auth.web_login",
}


# POSTs that change nothing: recorded, like GETs, only when refused (the router's
# pre-check of an `_A_D_M_` call: the forwarded call itself is recorded when it runs)
READ_POSTS: set[tuple[str, str]] = {("POST", "/v1/auth/check")}


def action_of(method: str, route_path: str) -> str:
    return ACTIONS.get((method, route_path)) or f"{method} {route_path}"
