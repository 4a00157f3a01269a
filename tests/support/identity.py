"""Credentials of the issue-18 model for tests on a real node: the operator's session
(node-wide actions, `node.manage`) and a project of its own team with its own admin
token (what used to be a project's admin token read from the catalog)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.support.nodes import RunningNode, catalog_call

OPERATOR_EMAIL = "admin@localhost"  # Settings.operator_email's default, what `up` prints
_sessions: dict[tuple[str, int], tuple[str, float]] = {}  # (data dir, port) → access, expiry


def operator_token(node: RunningNode) -> str:
    """An access token of the operator: signed in with the password the node's first
    start printed; one session per node, signed in again shortly before it expires."""
    key = (str(node.data_dir), node.admin_port)
    access, expires = _sessions.get(key, ("", 0.0))
    if expires < time.time() + 60:
        assert node.operator_password, "the node's first start printed no operator password"
        r = httpx.post(node.admin + "/v1/auth/login", timeout=30,
                       json={"email": OPERATOR_EMAIL, "password": node.operator_password})
        assert r.status_code == 200, r.text
        access, expires = r.json()["access"], float(r.json()["expires"])
        _sessions[key] = (access, expires)
    return access


def operator(node: RunningNode) -> dict[str, str]:
    """The headers of a request as the node's operator."""
    return {"authorization": f"Bearer {operator_token(node)}"}


def team_for(node: RunningNode, project: str) -> str:
    """Give `project` (made in the catalog, without a team) a team of its own, created by
    the operator through the admin API; its id. (Until `POST /v1/projects` exists this
    is the one way a test makes a project that is no other project's neighbour in a team.)
    The team is not named after the project: it outlives the project's deletion."""
    r = httpx.post(node.admin + "/v1/teams", json={"name": "a team of its own"},
                   headers=operator(node), timeout=30)
    assert r.status_code == 201, r.text
    tid = str(r.json()["id"])

    async def own(cat: Any) -> None:
        await cat._put({f"project/{project}": {**await cat.project(project), "team": tid}})

    catalog_call(node, own)
    return tid


def add_admin_token(node: RunningNode, project: str, description: str = "test") -> str:
    """A new admin token of `project`'s team, made by the operator through the admin API."""
    r = httpx.post(f"{node.admin}/v1/projects/{project}/admintokens", headers=operator(node),
                   json={"description": description}, timeout=30)
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def own_project_token(node: RunningNode, project: str) -> str:
    """`project` (already in the catalog) in a team of its own; that team's admin token."""
    team_for(node, project)
    return add_admin_token(node, project)
