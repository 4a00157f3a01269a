"""Projects for people over the admin REST API on one real node (control_plane/membership.py,
api/my_projects.py, api/project_members.py): a user creates a project (unique name, space
dev and its token), invites people by email, they accept or decline after signing in; a
viewer reads but cannot deploy; only an owner grants owner; the last owner cannot leave,
be removed or be demoted; a team member joins a team project."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, brygge, new_node

PW = "correct horse battery"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    n = new_node(tmp_path_factory.mktemp("members"))
    n.start()
    for who in ("alice", "bob", "carol", "dave"):
        r = brygge("users", "add", f"{who}@example.com", "--password-stdin", "--data-dir",
                   str(n.data_dir), input=PW + "\n")
        assert r.returncode == 0, r.stderr
    yield n
    n.stop()


class As:
    """Admin API calls as one signed-in user."""

    def __init__(self, node: RunningNode, email: str, password: str = PW) -> None:
        r = httpx.post(f"{node.admin}/v1/auth/login", json={"email": email, "password": password},
                       timeout=30)
        assert r.status_code == 200, r.text
        self.node, self.email = node, email
        self.uid = r.json()["user"]["id"]
        self.headers = {"authorization": f"Bearer {r.json()['access']}"}

    def call(self, method: str, path: str, want: int | None = None, **kw: Any) -> Any:
        r = httpx.request(method, f"{self.node.admin}{path}", headers=self.headers, timeout=30,
                          **kw)
        assert r.status_code < 500, r.text
        if want is not None:
            assert r.status_code == want, (method, path, r.status_code, r.text)
        if r.status_code >= 400:
            assert isinstance(r.json().get("error"), str), r.text
        return r.json() if r.status_code < 400 else r


@pytest.fixture(scope="module")
def people(node: RunningNode) -> dict[str, As]:
    return {w: As(node, f"{w}@example.com") for w in ("alice", "bob", "carol", "dave")}


@pytest.fixture(scope="module")
def shop(people: dict[str, As]) -> str:
    p = people["alice"].call("POST", "/v1/projects", 201,
                             json={"name": "shop", "description": "the shop"})
    return str(p["name"])


def test_create_gives_a_unique_name_a_dev_space_and_its_token(
        node: RunningNode, people: dict[str, As], shop: str) -> None:
    alice = people["alice"]
    assert re.fullmatch(r"shop-[a-z0-9]{4}", shop)
    desc = alice.call("GET", f"/v1/projects/{shop}", 200)
    assert desc["display"] == "shop" and desc["description"] == "the shop"
    (dev,) = desc["spaces"]
    assert dev["name"] == "dev" and dev["tokens"][0]["access"] == "RW"
    assert alice.call("GET", f"/v1/projects/{shop}/members", 200)[0] | {"added": None} == {
        "user": alice.uid, "email": "alice@example.com", "name": "alice", "role": "owner",
        "via": "member", "added": None}
    # the same name again is another project
    again = alice.call("POST", "/v1/projects", 201, json={"name": "shop"})
    assert again["name"] != shop and again["name"].startswith("shop-")
    mine = alice.call("GET", "/v1/projects", 200)
    assert {p["name"] for p in mine} == {shop, again["name"]}
    assert all(p["role"] == "owner" and p["member"] for p in mine)
    assert people["bob"].call("GET", "/v1/projects", 200) == []
    # the operator sees every project
    op = As(node, "admin@localhost", node.operator_password)
    assert {shop, again["name"], "brygge"} <= {p["name"] for p in op.call("GET", "/v1/projects")}


def test_create_refuses_bad_input(node: RunningNode, people: dict[str, As]) -> None:
    alice = people["alice"]
    for bad in ("ab", "Shop", "shop_1", "x" * 16, 5, None):
        r = alice.call("POST", "/v1/projects", 400, json={"name": bad})
        assert "4 to 15 lower-case letters or digits" in r.json()["error"]
    alice.call("POST", "/v1/projects", 400, content=b"[1]")
    r = alice.call("POST", "/v1/projects", 404, json={"name": "shop", "team": "tm-nope"})
    assert "no team" in r.json()["error"]
    r = httpx.post(f"{node.admin}/v1/projects", json={"name": "shop"}, timeout=30,
                   headers={"x-admintoken": node.admin_token})
    assert r.status_code == 403 and "sign in as one" in r.json()["error"]
    assert httpx.post(f"{node.admin}/v1/projects", json={"name": "shop"},
                      timeout=30).status_code == 401


def test_viewer_invited_reads_but_cannot_deploy(people: dict[str, As], shop: str) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    inv = alice.call("POST", f"/v1/projects/{shop}/invitations", 201,
                     json={"email": "Bob@Example.com", "role": "viewer"})
    assert inv["role"] == "viewer"
    # nobody but the invitee sees or accepts it; the project is not theirs before that
    assert carol.call("GET", "/v1/invitations", 200) == []
    carol.call("POST", f"/v1/invitations/{inv['id']}/accept", 404)
    bob.call("GET", f"/v1/projects/{shop}", 403)
    pending = bob.call("GET", "/v1/invitations", 200)
    assert [(i["project"], i["role"], i["by_email"]) for i in pending] == \
        [(shop, "viewer", "alice@example.com")]
    assert bob.call("POST", f"/v1/invitations/{inv['id']}/accept", 200)["role"] == "viewer"
    bob.call("POST", f"/v1/invitations/{inv['id']}/accept", 404)  # spent

    desc = bob.call("GET", f"/v1/projects/{shop}", 200)  # reads: yes; tokens: none
    assert [sp["tokens"] for sp in desc["spaces"]] == [[]]
    assert {m["email"]: m["role"] for m in bob.call("GET", f"/v1/projects/{shop}/members")} \
        == {"alice@example.com": "owner", "bob@example.com": "viewer"}
    r = bob.call("POST", f"/v1/projects/{shop}/spaces/dev/deployments", 403, content=b"x")
    assert r.json()["error"] == f"role viewer in project {shop} does not allow deploy"
    # the official CLI's deploy call is refused the same way
    r = bob.call("POST", f"/_adm/{shop}/dev/deploy", 403, json={})
    assert r.json()["error"] == f"role viewer in project {shop} does not allow deploy"
    bob.call("POST", f"/v1/projects/{shop}/invitations", 403,
             json={"email": "dave@example.com", "role": "viewer"})
    r = bob.call("PUT", f"/v1/projects/{shop}/members/{bob.uid}", 403, json={"role": "admin"})
    assert "does not allow members.manage" in r.json()["error"]


def test_only_an_owner_grants_owner_and_the_last_owner_stays(
        people: dict[str, As], shop: str) -> None:
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    inv = alice.call("POST", f"/v1/projects/{shop}/invitations", 201,
                     json={"email": "dave@example.com", "role": "admin"})
    dave.call("POST", f"/v1/invitations/{inv['id']}/accept", 200)
    # an admin manages members, but not owners
    r = dave.call("POST", f"/v1/projects/{shop}/invitations", 403,
                  json={"email": "carol@example.com", "role": "owner"})
    assert "cannot grant owner" in r.json()["error"]
    dave.call("PUT", f"/v1/projects/{shop}/members/{bob.uid}", 403, json={"role": "owner"})
    dave.call("PUT", f"/v1/projects/{shop}/members/{alice.uid}", 403, json={"role": "viewer"})
    dave.call("DELETE", f"/v1/projects/{shop}/members/{alice.uid}", 403)
    assert dave.call("PUT", f"/v1/projects/{shop}/members/{bob.uid}", 200,
                     json={"role": "developer"})["role"] == "developer"
    dave.call("PUT", f"/v1/projects/{shop}/members/{bob.uid}", 400, json={"role": "boss"})
    dave.call("PUT", f"/v1/projects/{shop}/members/u000000000000", 404, json={"role": "viewer"})

    # the last owner can neither leave nor be demoted nor removed
    r = alice.call("POST", f"/v1/projects/{shop}/leave", 409)
    assert r.json()["error"] == (f"the last owner of project {shop} cannot leave: make "
                                 "another member owner first")
    r = alice.call("PUT", f"/v1/projects/{shop}/members/{alice.uid}", 409, json={"role": "admin"})
    assert "cannot be demoted" in r.json()["error"]
    alice.call("DELETE", f"/v1/projects/{shop}/members/{alice.uid}", 409)
    # with a second owner, the first may go (keeping their personal team's role)
    alice.call("PUT", f"/v1/projects/{shop}/members/{dave.uid}", 200, json={"role": "owner"})
    left = alice.call("POST", f"/v1/projects/{shop}/leave", 200)
    assert left == {"removed": alice.uid, "project": shop, "still": "owner"}
    # now dave is the last owner on the list; bob (developer) leaves for good
    dave.call("POST", f"/v1/projects/{shop}/leave", 409)
    assert bob.call("POST", f"/v1/projects/{shop}/leave", 200)["still"] is None
    bob.call("GET", f"/v1/projects/{shop}", 403)
    bob.call("POST", f"/v1/projects/{shop}/leave", 404)  # not on the list any more


def test_declined_revoked_and_replaced_invitations(people: dict[str, As], shop: str) -> None:
    dave, carol = people["dave"], people["carol"]  # dave: an owner of shop by now
    first = dave.call("POST", f"/v1/projects/{shop}/invitations", 201,
                      json={"email": "carol@example.com", "role": "viewer"})
    second = dave.call("POST", f"/v1/projects/{shop}/invitations", 201,
                       json={"email": "carol@example.com", "role": "developer"})
    assert [i["id"] for i in carol.call("GET", "/v1/invitations")] == [second["id"]]
    carol.call("POST", f"/v1/invitations/{first['id']}/accept", 404)
    assert carol.call("POST", f"/v1/invitations/{second['id']}/decline", 200)["project"] == shop
    assert carol.call("GET", "/v1/invitations") == []
    carol.call("GET", f"/v1/projects/{shop}", 403)
    third = dave.call("POST", f"/v1/projects/{shop}/invitations", 201,
                      json={"email": "nobody-yet@example.com", "role": "viewer"})
    assert [i["email"] for i in dave.call("GET", f"/v1/projects/{shop}/invitations")] == \
        ["nobody-yet@example.com"]
    dave.call("DELETE", f"/v1/projects/{shop}/invitations/{third['id']}", 200)
    dave.call("DELETE", f"/v1/projects/{shop}/invitations/{third['id']}", 404)
    for body in ({"email": "not-an-email", "role": "viewer"},
                 {"email": "x@example.com", "role": "superuser"}):
        dave.call("POST", f"/v1/projects/{shop}/invitations", 400, json=body)
    r = dave.call("POST", f"/v1/projects/{shop}/invitations", 409,
                  json={"email": "dave@example.com", "role": "viewer"})
    assert "already a member" in r.json()["error"]


def test_team_members_join_team_projects(people: dict[str, As]) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    team = alice.call("POST", "/v1/teams", 201, json={"name": "acme"})
    alice.call("POST", f"/v1/teams/{team['id']}/members", 201,
               json={"email": "carol@example.com", "role": "developer"})
    p = alice.call("POST", "/v1/projects", 201, json={"name": "acmeapi", "team": "acme"})
    assert p["team"] == team["id"] and p["team_name"] == "acme" and not p["personal"]
    # a developer of the team may not create projects in it
    r = carol.call("POST", "/v1/projects", 403, json={"name": "carols", "team": team["id"]})
    assert "does not allow creating projects" in r.json()["error"]
    # carol has her team role in the team's project before joining, and after
    (seen,) = carol.call("GET", "/v1/projects", 200)
    assert (seen["name"], seen["role"], seen["member"]) == (p["name"], "developer", False)
    via = {m["email"]: m["via"] for m in carol.call("GET", f"/v1/projects/{p['name']}/members")}
    assert via["carol@example.com"] == "team"
    r = carol.call("POST", f"/v1/projects/{p['name']}/leave", 409)
    assert "through its team" in r.json()["error"]
    assert carol.call("POST", f"/v1/projects/{p['name']}/join", 200) == \
        {"joined": p["name"], "role": "developer"}
    carol.call("POST", f"/v1/projects/{p['name']}/join", 409)
    (seen,) = carol.call("GET", "/v1/projects", 200)
    assert seen["member"] is True
    # someone outside the team learns nothing of the project by trying
    r = bob.call("POST", f"/v1/projects/{p['name']}/join", 404)
    assert r.json()["error"] == bob.call("POST", "/v1/projects/nope-zzzz/join", 404).json()["error"] \
        .replace("nope-zzzz", p["name"])


def test_brygge_cli_against_a_remote_node(node: RunningNode, tmp_path: Path) -> None:
    """create, projects, invite, invitations, join, members, leave and coho-login through
    `brygge login` (no data dir: each user has their own config dir)."""
    def cli(who: str, *args: str, stdin: str | None = None) -> Any:
        home = tmp_path / who
        home.mkdir(exist_ok=True)
        env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
               "BRYGGE_DATA_DIR": str(home / "no-node-here")}
        return brygge(*args, env=env, cwd=str(home), input=stdin)

    for who in ("carol", "dave"):
        r = cli(who, "login", node.admin, "--email", f"{who}@example.com", "--password-stdin",
                stdin=PW + "\n")
        assert r.returncode == 0, r.stderr

    def mine(who: str) -> dict[str, Any]:
        r = cli(who, "projects", "--json")
        assert r.returncode == 0, r.stderr
        return {p["name"]: p for p in json.loads(r.stdout)}

    before = mine("carol")
    r = cli("carol", "create", "blog", "--template", "crud")
    assert r.returncode == 1 and "not available yet" in r.stderr
    assert mine("carol") == before
    r = cli("carol", "create", "blog")
    assert r.returncode == 0, r.stderr
    blog = r.stdout.strip()
    assert re.fullmatch(r"blog-[a-z0-9]{4}", blog), r.stdout
    assert json.loads((tmp_path / "carol" / "blog" / "config.json").read_text()) == \
        {"name": blog, "space": "dev"}
    r = cli("carol", "create", "blog")  # that folder is taken
    assert r.returncode == 1 and "exists" in r.stderr
    assert mine("carol")[blog]["role"] == "owner"

    r = cli("carol", "invite", "dave@example.com", "--role", "viewer", "-p", blog)
    assert r.returncode == 0 and "Invited dave@example.com" in r.stdout, r.stderr
    r = cli("dave", "invitations")
    assert blog in r.stdout and "as viewer" in r.stdout, r.stdout + r.stderr
    r = cli("dave", "join", blog)
    assert r.returncode == 0 and f"Joined {blog} as viewer" in r.stdout, r.stderr
    r = cli("carol", "members", "-p", blog, "--json")
    got = json.loads(r.stdout)
    assert {m["email"]: m["role"] for m in got["members"]} == \
        {"carol@example.com": "owner", "dave@example.com": "viewer"}
    assert got["invitations"] == []
    r = cli("carol", "leave", blog)
    assert r.returncode == 1 and "last owner" in r.stderr
    r = cli("dave", "leave", blog)
    assert r.returncode == 0 and f"Left {blog}" in r.stdout, r.stderr
    assert blog not in mine("dave")

    # coho-login takes the node from `brygge login` when no --url is given
    r = cli("dave", "coho-login", "--email", "dave@example.com", "--password-stdin",
            stdin=PW + "\n")
    assert r.returncode == 0 and f"signed in to {node.admin} as dave@example.com" in r.stdout, \
        r.stderr
