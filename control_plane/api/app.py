"""The control plane's admin API (FastAPI): the app composed of one router per resource.

    python -m control_plane.api.app --storage unix:PATH --executor unix:PATH --nats URL

Routes (each module's docstring lists its own):
    GET  /health
    POST /v1/auth/login, refresh, logout; GET /v1/auth/me, /.well-known/jwks.json
                                                            auth_routes.py
    /v1/users, /v1/pats                                     users.py
    /v1/teams, .../members, .../admintokens                 teams.py
    GET  /v1/projects/{p}, spaces, tokens, admin tokens     spaces.py
    DELETE /v1/projects/{p}[/spaces/{s}], suspend, resume   projects.py
    POST|GET /v1/projects   create one, list one's own      my_projects.py
    .../members, invitations, join, leave; /v1/invitations  project_members.py
    .../spaces/{s}/deployments                              deployments.py
    .../spaces/{s}/env/{key}                                env.py
    .../spaces/{s}/jwks, whitelist, cors, ratelimit         admission.py
    .../spaces/{s}/jobs, jobs/run, timezone, workflows      cron.py
    .../spaces/{s}/logs?tail=&follow=&context=              logs.py
    *    /_adm/{p}/{s}/{op}   the official CLI's _A_D_M_ endpoints, forwarded here by the
                              router                        adm.py
    .../spaces/{s}/queues...                                queues.py
    .../spaces/{s}/files..., files-usage                    files.py
    .../spaces/{s}/backup, restore                          backups.py
    .../spaces/{s}/domains[/{host}]   custom domains, alt host   domains.py
    GET|PUT /v1/projects/{p}/quota, GET /v1/plans           quota.py
    POST /graphql             coho's admin GraphQL API      graphql_api.py
    GET  /v1/audit, /v1/projects/{p}/audit   the audit log  audit_api.py
    /authenticate/{provider}/{uuid}, /cli_auth/{uuid}, /login, /sso/start, /sso/callback
                              browser sign-in: coho's login, SSO   control_plane/login/
Every route needs the permission rules.py names for it, checked app-wide by auth.py
(a session JWT, PAT or admin token; `public` routes need none); every refusal is JSON
`{"error": ...}` (errors.py).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import Depends, FastAPI

from brygge import __version__
from brygge.settings import Settings
from control_plane.api import (
    adm,
    admission,
    audit_api,
    auth_routes,
    backups,
    cron,
    deployments,
    domains,
    env,
    errors,
    files,
    graphql_api,
    login_routes,
    logs,
    my_projects,
    project_members,
    projects,
    queues,
    quota,
    spaces,
    teams,
    users,
)
from control_plane.api.auth import ADMIN
from control_plane.api.control import ControlPlane
from control_plane.api.json_response import JSONResponse
from control_plane.audit.middleware import AuditMiddleware


def create_app(cp: ControlPlane) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await cp.start()
        yield
        await cp.stop()

    # The interactive docs and the schema describe every admin route; they are served
    # to nobody but a developer's own node (dev_mode) until there are user logins.
    docs = cp.s.dev_mode
    # Routes that return a value answer it in Node's JSON bytes too (json_response.py).
    app = FastAPI(title="Brygge admin API", version=__version__, lifespan=lifespan,
                  default_response_class=JSONResponse,
                  openapi_url="/openapi.json" if docs else None,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  swagger_ui_oauth2_redirect_url="/docs/oauth2-redirect" if docs else None,
                  # every route's access rule (auth.py, rules.py); then a suspended
                  # project's routes answer 403
                  dependencies=[*ADMIN, Depends(projects.refuse_suspended)])
    app.state.cp = cp  # for the admin-token dependency (auth.py)
    errors.install(app)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "component": "control-plane", "version": __version__}

    # In this order: adm.py's catch-all /_adm/{p}/{s}/{op:path} comes after its own routes.
    for module in (auth_routes, users, teams, spaces, projects, deployments, env, admission,
                   cron, logs, adm, queues, files, backups, domains, graphql_api, audit_api,
                   quota, my_projects, project_members, login_routes):
        app.include_router(module.router(cp))
    app.add_middleware(AuditMiddleware, cp=cp)  # records admin actions (control_plane/audit/)
    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--storage", required=True)
    ap.add_argument("--executor", action="append", default=[])
    ap.add_argument("--nats", default="")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s control %(levelname)s %(message)s")
    s = Settings.from_env()
    cp = ControlPlane(s, a.storage, a.executor, a.nats)
    # proxy_headers off: uvicorn would otherwise take a loopback peer's X-Forwarded-For as
    # the client; the audit log applies trusted_proxies itself (control_plane/audit/)
    uvicorn.run(create_app(cp), host=s.host, port=s.admin_port, log_level="warning",
                access_log=False, timeout_keep_alive=int(s.keep_alive_s), proxy_headers=False)


if __name__ == "__main__":
    main()
