"""Every route of the admin API has an access rule (control_plane/api/rules.py): a route
added without one fails here, and the app refuses it (403) until it gets one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from brygge.settings import Settings
from control_plane.api.app import create_app
from control_plane.api.control import ControlPlane
from control_plane.api.graphql_api import Api
from control_plane.api.rules import ADM_RULES, GQL_RULES, RULES
from control_plane.identity import roles


def _walk(routes: list[Any]) -> Iterator[Any]:
    for r in routes:
        if hasattr(r, "original_router"):  # FastAPI's included routers
            yield from _walk(r.original_router.routes)
        else:
            yield r


def _routes(dev_mode: bool) -> set[tuple[str, str]]:
    app = create_app(ControlPlane(Settings(dev_mode=dev_mode), "unix:/nowhere", [], ""))
    return {(m, r.path) for r in _walk(app.routes) for m in getattr(r, "methods", None) or ()
            if m != "HEAD"}


def test_every_route_has_a_rule() -> None:
    routes = _routes(False) | _routes(True)
    missing = sorted(routes - RULES.keys())
    assert not missing, f"routes without an access rule in rules.py: {missing}"
    assert len(routes) > 60  # the walk found the included routers' routes


def test_every_rule_names_a_real_permission_and_route() -> None:
    assert {p for p in RULES.values()} | set(GQL_RULES.values()) <= roles.ALL
    stale = sorted(set(RULES) - _routes(True))
    assert not stale, f"rules for routes that do not exist: {stale}"
    adm = {op for _, op in ADM_RULES}
    assert {"deploy", "query/{coll}", "keys", "{op:path}"} <= adm


def test_every_graphql_field_has_a_rule() -> None:
    from control_plane.api.graphql_api import SCHEMA
    fields = set(SCHEMA.query_type.fields) | set(SCHEMA.mutation_type.fields)
    assert fields == set(GQL_RULES), fields ^ set(GQL_RULES)
    assert Api  # the resolvers check GQL_RULES per field (Api.allow)


def test_a_route_without_a_rule_is_refused() -> None:
    import asyncio

    import httpx
    app = create_app(ControlPlane(Settings(), "unix:/nowhere", [], ""))

    @app.get("/v1/no-rule-yet")
    async def no_rule() -> dict[str, str]:
        return {"reached": "yes"}

    async def go() -> tuple[httpx.Response, httpx.Response]:
        # ASGI without the lifespan: the check needs nothing else to refuse
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://cp") as c:
            return await c.get("/v1/no-rule-yet"), await c.get("/health")

    r, health = asyncio.run(go())
    assert r.status_code == 403 and r.json() == {
        "error": "no access rule for GET /v1/no-rule-yet"}
    assert health.status_code == 200  # a public rule passes
