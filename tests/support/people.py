"""People of every kind on a running node, made once through its admin API as the
operator (the access matrix and the attack tests): users with each role in the default
project's team, an outsider who owns project acme, PATs of each role, the operator's
session, local JWT and PAT, the first admin token; project spare (the operator's team)
and spaces gql and v-<principal> of brygge."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.access import Who
from tests.support.nodes import RunningNode, catalog_call, new_node

PW = "matrix-Pass-w0rd"
ROLES = ("owner", "admin", "developer", "viewer")


def call(node: RunningNode, method: str, path: str, headers: dict[str, str] | None = None,
         **kw: Any) -> httpx.Response:
    return httpx.request(method, node.admin + path, headers=headers or {}, timeout=30, **kw)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def login(node: RunningNode, email: str, password: str = PW) -> str:
    r = call(node, "POST", "/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access"])


def put_records(node: RunningNode, recs: dict[str, Any]) -> None:
    from control_plane.identity.records import Records
    from storage.client import AsyncStorageClient

    async def go() -> None:
        client = AsyncStorageClient(node.node_json()["storage"])
        try:
            await Records(client).put(recs)
        finally:
            await client.close()

    asyncio.run(go())


class People:
    """Everyone of the matrix, made once through the admin API as the operator."""

    def __init__(self, node: RunningNode) -> None:
        from control_plane.identity.sessions import mint_local
        self.node = node
        op = login(node, "admin@localhost", node.operator_password)
        self.op = bearer(op)
        self.team = call(node, "GET", "/v1/projects/brygge", self.op).json()["team"]
        self.uids: dict[str, str] = {}
        for role in (*ROLES, "outsider"):
            r = call(node, "POST", "/v1/users", self.op,
                     json={"email": f"{role}@example.com", "password": PW, "name": role})
            assert r.status_code == 201, r.text
            self.uids[role] = r.json()["id"]
            if role != "outsider":
                r = call(node, "POST", f"/v1/teams/{self.team}/members", self.op,
                         json={"email": f"{role}@example.com", "role": role})
                assert r.status_code == 201, r.text
        out_team = call(node, "GET", "/v1/auth/me",
                        bearer(login(node, "outsider@example.com"))).json()["teams"][0]["id"]
        # the outsider owns project acme; spare (the operator's team) is suspended and
        # resumed by the matrix, so brygge's other routes never see a suspension
        put_records(node, {
            "project/acme": {"name": "acme", "team": out_team, "created": "2026-01-01T00:00Z"},
            "project/spare": {"name": "spare", "team": self.team,
                              "created": "2026-01-01T00:00Z"}})
        sess = {r: login(node, f"{r}@example.com") for r in (*ROLES, "outsider")}
        owner = bearer(sess["owner"])

        def pat(headers: dict[str, str], role: str) -> dict[str, str]:
            r = call(node, "POST", "/v1/pats", headers, json={"role": role, "expires": "1d"})
            assert r.status_code == 201, r.text
            return bearer(r.json()["token"])

        self.who = [Who(r, "session", r, headers=bearer(sess[r])) for r in ROLES]
        self.who += [
            Who("outsider", "session", None, headers=bearer(sess["outsider"])),
            Who("nobody", "none", None, headers={}),
            Who("operator", "session", "owner", True, headers=self.op),
            Who("local", "local", "owner", True, headers=bearer(mint_local(node.data_dir))),
            Who("admintoken", "admintoken", "admin", headers={"x-admintoken": node.admin_token}),
            *[Who(f"pat-{r}", "pat", r, headers=pat(owner, r)) for r in ROLES],
            Who("operator-pat", "pat", "admin", True, headers=pat(self.op, "admin")),
        ]
        self.space_ids = self._spaces()

    def _spaces(self) -> dict[str, str]:
        """Space gql (GraphQL's mutations act on it) and a victim space per principal
        for removeDatastore."""
        names = ["gql"] + [f"v-{w.name}" for w in self.who]

        async def make(cat: Any) -> dict[str, str]:
            return {n: (await cat.create_space("brygge", n))["id"] for n in names}

        return dict(catalog_call(self.node, make))


@contextmanager
def node_with_people(tmp: Path, **env: str) -> Iterator[tuple[RunningNode, People]]:
    """A started node (settings `env`) and its People; stopped on exit."""
    n = new_node(tmp, **env)
    n.start()
    try:
        yield n, People(n)
    finally:
        n.stop()


def module_fixtures(name: str, **env: str) -> tuple[Any, Any, Any]:
    """The module-scoped fixtures `both`, `node` and `people` of a test module:
    `both, node, people = module_fixtures("matrix", BRYGGE_ROUTERS="2")`."""
    @pytest.fixture(scope="module")
    def both(tmp_path_factory: pytest.TempPathFactory) -> Any:
        with node_with_people(tmp_path_factory.mktemp(name), **env) as b:
            yield b

    @pytest.fixture(scope="module")
    def node(both: tuple[RunningNode, People]) -> RunningNode:
        return both[0]

    @pytest.fixture(scope="module")
    def people(both: tuple[RunningNode, People]) -> People:
        return both[1]

    return both, node, people
