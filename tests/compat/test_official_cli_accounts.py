"""The official `coho` CLI 1.0.13's account commands, unmodified, end to end against a real
node (`ADMIN_API_URL` = its control plane): two users, each with their own HOME and
config, signed in with `brygge coho-login --email`; `coho create` (its prompts answered
on stdin), `info`, `add`, `remove-space`, `invite`, `account` (accepting and declining
at its prompt), `join`, `leave`, `add-admintoken`, `admintokens`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from brygge.settings import Settings
from tests.support.coho import coho, drive, node
from tests.support.nodes import RunningNode, brygge

__all__ = ["coho", "node"]  # module-scoped fixtures from tests/support/coho.py
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PW = "correct horse battery"


class User:
    def __init__(self, root: Path, name: str, coho: Path, node: RunningNode) -> None:
        self.name, self.email, self.coho, self.node = name, f"{name}@example.com", coho, node
        self.home = root / name / "home"
        self.work = root / name / "work"
        self.work.mkdir(parents=True)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
                "ADMIN_API_URL": self.node.admin, "COHO_APIGW_URL": self.node.base,
                "NO_COLOR": "1"}

    def coho_config(self) -> dict[str, Any]:
        return dict(json.loads((self.home / ".config" / "codehooks-cli-nodejs" /
                                "config.json").read_text()))

    def run(self, *args: str, cwd: Path | None = None) -> str:
        r = subprocess.run([str(self.coho), *args], cwd=cwd or self.work, capture_output=True,
                           text=True, timeout=300, env=self.env, stdin=subprocess.DEVNULL)
        return ANSI.sub("", r.stdout + r.stderr)

    def answer(self, *args: str, steps: list[tuple[str, str]], cwd: Path | None = None) -> str:
        return ANSI.sub("", drive([str(self.coho), *args], steps, cwd or self.work, self.env))

    def rest(self, method: str, path: str, **kw: Any) -> httpx.Response:
        token = self.coho_config()["token"]  # the coho session is an admin-API session
        return httpx.request(method, f"{self.node.admin}{path}", timeout=30,
                             headers={"authorization": f"Bearer {token}"}, **kw)


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory, coho: Path, node: RunningNode
          ) -> dict[str, User]:
    root = tmp_path_factory.mktemp("cohoaccounts")
    out = {}
    for name in ("alice", "bob"):
        r = brygge("users", "add", f"{name}@example.com", "--password-stdin", "--data-dir",
                   str(node.data_dir), input=PW + "\n")
        assert r.returncode == 0, r.stderr
        u = out[name] = User(root, name, coho, node)
        r = brygge("coho-login", "--email", u.email, "--password-stdin", "--url", node.admin,
                   input=PW + "\n", env=u.env, cwd=str(u.work))
        assert r.returncode == 0, r.stderr
        assert f"as {u.email}" in r.stdout
    return out


@pytest.fixture(scope="module")
def shop(users: dict[str, User]) -> str:
    """alice's project, made by `coho create shop` (answering its two prompts)."""
    alice = users["alice"]
    out = alice.answer("create", "shop", steps=[("Project:", "\n"),
                                                ("Select personal account or team", "\n")])
    m = re.search(r"Successfully created a new project '(shop-[a-z0-9]{4})' in your account",
                  out)
    assert m, out
    assert "Added new space 'dev' and set it to active" in out
    cfg = json.loads((alice.work / "shop" / "config.json").read_text())
    assert cfg == {"name": m.group(1), "space": "dev"}
    return m.group(1)


def test_coho_login_stores_a_user_session(users: dict[str, User], node: RunningNode) -> None:
    alice = users["alice"]
    token = alice.coho_config()["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    assert claims["exp"] - claims["iat"] == Settings().coho_session_ttl_s
    assert claims["exp"] > time.time()
    me = alice.rest("GET", "/v1/auth/me").json()
    assert me["kind"] == "user" and me["user"]["email"] == alice.email
    # a wrong password signs nobody in and leaves the stored session alone
    r = brygge("coho-login", "--email", alice.email, "--password-stdin", "--url", node.admin,
               input="wrong password\n", env=alice.env, cwd=str(alice.work))
    assert r.returncode == 1 and "wrong email or password" in r.stderr
    assert alice.coho_config()["token"] == token


def test_create_info_add_and_remove_space(users: dict[str, User], shop: str) -> None:
    alice = users["alice"]
    folder = alice.work / "shop"
    info = alice.run("info", cwd=folder)
    assert f"Project name: {shop}" in info and "(personal account)" in info, info
    assert re.search(r"dev \(active\).*\(RW\)", info), info
    assert re.search(r"alice\s*│\s*alice@example\.com\s*│\s*OWNER", info), info
    assert f"New space staging added to {shop}" in alice.run("add", "staging", cwd=folder)
    spaces = {s["name"]: s for s in json.loads(alice.run("info", "--json", cwd=folder))}
    assert set(spaces) == {"dev", "staging"}
    assert [t["access"] for t in spaces["staging"]["Tokens"]] == ["READWRITE"]
    out = alice.answer("remove-space", "staging", cwd=folder,
                       steps=[("Really delete space 'staging'", "y\n")])
    assert "Space removed successfully" in out, out
    assert [s["name"] for s in json.loads(alice.run("info", "--json", cwd=folder))] == ["dev"]
    # what coho made is the REST API's project too
    desc = alice.rest("GET", f"/v1/projects/{shop}").json()
    assert desc["display"] == "shop" and [s["name"] for s in desc["spaces"]] == ["dev"]


def test_invite_account_accept_decline_and_leave(users: dict[str, User], shop: str) -> None:
    alice, bob = users["alice"], users["bob"]
    folder = alice.work / "shop"
    assert "Project not found" in bob.run("info", shop)
    assert "User invited." in alice.run("invite", bob.email, "--role", "DEVELOPER", cwd=folder)
    pending = alice.run("info", cwd=folder)
    assert "Pending invitations" in pending and re.search(r"bob@example\.com\s*│\s*DEVELOPER",
                                                          pending), pending
    out = bob.answer("account", steps=[(f"Project '{shop}' from alice@example.com. Join?",
                                        "y\n")])
    assert f"Successfully joined project '{shop}'" in out, out
    spaces = json.loads(bob.run("info", shop, "--json"))
    assert [s["name"] for s in spaces] == ["dev"] and spaces[0]["Tokens"]  # a developer
    members = bob.run("info", shop)
    assert re.search(r"bob@example\.com\s*│\s*DEVELOPER", members), members
    assert "Pending invitations" not in members

    # the last owner cannot leave; bob can, and then has no access
    out = alice.run("leave", cwd=folder)
    assert f"the last owner of project {shop} cannot leave" in out, out
    assert "Bye bye!" in bob.run("leave", shop)
    assert "Project not found or you do not have access" in bob.run("info", shop)
    assert bob.rest("GET", f"/v1/projects/{shop}").status_code == 403

    # an invitation declined at the prompt is gone
    alice.run("invite", bob.email, "--role", "ADMIN", cwd=folder)
    out = bob.answer("account", steps=[("Join?", "n\n")])
    assert f"Declined invitation to '{shop}'" in out, out
    assert bob.rest("GET", "/v1/invitations").json() == []
    assert bob.rest("GET", f"/v1/projects/{shop}").status_code == 403


def test_join_a_team_project(users: dict[str, User]) -> None:
    alice, bob = users["alice"], users["bob"]
    r = alice.rest("POST", "/v1/teams", json={"name": "acme"})
    assert r.status_code == 201, r.text
    team = r.json()["id"]
    r = alice.rest("POST", f"/v1/teams/{team}/members", json={"email": bob.email,
                                                               "role": "developer"})
    assert r.status_code == 201, r.text
    out = alice.answer("create", "acmeapi", "--teamid", team, steps=[("Project:", "\n")])
    m = re.search(r"Successfully created a new project '(acmeapi-[a-z0-9]{4})' in 'team acme'",
                  out)
    assert m, out
    project = m.group(1)
    account = bob.run("account")
    assert "Team Projects you can join" in account and project in account, account
    assert f"Project '{project}' joined successfully!" in bob.run("join", project)
    account = bob.run("account")
    assert "Team Projects you can join" not in account, account
    assert re.search(rf"{project}\s*│\s*acme", account), account


def test_add_admintoken_and_admintokens(users: dict[str, User], shop: str) -> None:
    alice = users["alice"]  # in a team too (acme): coho asks which account
    out = alice.answer("add-admintoken", steps=[("Select personal account or team", "\n")])
    m = re.search(r"New admin token added:\s+(adm_\S+)", out)
    assert m, out
    token = m.group(1)
    r = httpx.get(f"{alice.node.admin}/v1/projects/{shop}", headers={"x-admintoken": token},
                  timeout=30)
    assert r.status_code == 200, r.text
    listed = alice.answer("admintokens", steps=[("Select personal account or team", "\n")])
    assert "Admin tokens for your account" in listed and token[:9] in listed, listed
    assert token not in listed
