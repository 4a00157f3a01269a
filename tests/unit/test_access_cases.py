"""The access matrix (tests/support/access.py) cannot be built while a route, a GraphQL
field or a forwarded `_A_D_M_` op has no rule; its expectations restate roles.py; the
documented permission table (docs/ACCESS.md) is roles.py's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import build_schema

from brygge.settings import Settings
from control_plane.api.app import create_app
from control_plane.api.control import ControlPlane
from control_plane.api.graphql_api import SDL
from control_plane.identity import roles
from router.admin_proxy import ADMIN_OPS
from tests.support import access

DOC = Path(__file__).resolve().parents[2] / "docs" / "ACCESS.md"


def test_a_dummy_route_without_a_rule_fails_the_matrix() -> None:
    app = create_app(ControlPlane(Settings(), "unix:/nowhere", [], ""))
    assert len(access.rest_cases(app)) > 90

    @app.post("/v1/projects/{project}/dummy")
    async def dummy(project: str) -> dict[str, str]:
        return {}

    with pytest.raises(access.MissingRule, match=r"POST /v1/projects/\{project\}/dummy"):
        access.rest_cases(app)


def test_a_mutation_without_a_rule_fails_the_matrix() -> None:
    schema = build_schema(SDL.replace("type Mutation {",
                                      "type Mutation {\n  dummyField(x: ID): Boolean"))
    with pytest.raises(access.MissingRule, match="dummyField"):
        access.gql_cases(schema)


def test_an_op_without_a_rule_fails_the_matrix() -> None:
    assert len(access.adm_cases(ADMIN_OPS)) == 15
    with pytest.raises(access.MissingRule, match="dummy"):
        access.adm_cases({**ADMIN_OPS, "dummy": False})
    with pytest.raises(access.MissingRule, match=r"never forwarded.*usage"):
        access.adm_cases({k: v for k, v in ADMIN_OPS.items() if k != "usage"})


def test_the_expectation_is_the_role_table() -> None:
    viewer = access.Who("v", "session", "viewer")
    op_pat = access.Who("p", "pat", "admin", operator=True)
    nobody = access.Who("n", "none", None)
    assert access.allowed("data.read", viewer) and not access.allowed("data.write", viewer)
    assert not access.allowed("node.manage", op_pat) and access.allowed("settings.write", op_pat)
    assert access.allowed("public", nobody) and not access.allowed("self", nobody)
    for role in roles.ROLES:
        who = access.Who(role, "pat", role)
        assert {p for p in roles.ALL if access.allowed(p, who)} == \
            roles.PERMISSIONS[role] | {"self", "public"}


def test_the_documented_table_is_roles_py() -> None:
    """docs/ACCESS.md's permission table: one row per permission, a ✓ per role that has
    it (roles.py), so the table cannot drift from the code."""
    rows = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"^\| `([a-z.]+)` \|(.*)\|\s*$", line)
        if m:
            cells = [c.strip() for c in m.group(2).split("|")]
            rows[m.group(1)] = cells
    header = next(line for line in DOC.read_text().splitlines()
                  if line.startswith("| permission |"))
    cols = [c.strip() for c in header.strip("|").split("|")][1:]
    assert cols[:4] == list(roles.ROLES), cols
    assert set(rows) == roles.OWNER | roles.NODE_ONLY, set(rows) ^ (roles.OWNER | roles.NODE_ONLY)
    for perm, cells in rows.items():
        has = {r for r, c in zip(cols, cells, strict=False) if c.startswith("✓")}
        assert has & set(roles.ROLES) == {r for r in roles.ROLES if roles.allows(r, perm)}, perm


# The rules issue 18 fixes for the routes that once used the old admin-token check: a
# change here is a change of who may do what, not a refactoring.
PINNED = {
    ("PUT", "/v1/projects/{project}/quota"): "node.manage",
    ("GET", "/v1/audit"): "node.manage",
    ("POST", "/v1/projects/{project}/suspend"): "node.manage",
    ("POST", "/v1/projects/{project}/resume"): "node.manage",
    ("GET", "/v1/projects/{project}/spaces/{space}/domains"): "settings.read",
    ("POST", "/v1/projects/{project}/spaces/{space}/domains"): "settings.write",
    ("DELETE", "/v1/projects/{project}/spaces/{space}/domains/{host}"): "settings.write",
    ("DELETE", "/v1/projects/{project}"): "project.delete",
    ("DELETE", "/v1/projects/{project}/spaces/{space}"): "spaces.manage",
    ("GET", "/v1/projects/{project}/spaces/{space}/tokens"): "secrets.read",
    ("GET", "/v1/projects/{project}/spaces/{space}/backup"): "secrets.read",
    ("GET", "/v1/users"): "node.manage",
}


def test_the_rules_issue_18_fixed_stay() -> None:
    from control_plane.api.rules import RULES
    assert {k: RULES.get(k) for k in PINNED} == PINNED
