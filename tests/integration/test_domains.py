"""Custom domains and alternative hosts end to end (issue 18) on one real node: the admin
API and `brygge domain`, the router resolving Host headers (sent on loopback) from the
catalog, the whole path as the app's API path, removal dropping the cached resolution at
once, and a second project that cannot claim a taken host."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.identity import own_project_token
from tests.support.nodes import RunningNode, brygge, catalog_call, deployed_node

APP = """
import { app } from 'codehooks-js';
app.auth('/open/*', (req, res, next) => next());
const show = (req, res) => res.json({ apiPath: req.apiPath, path: req.path,
  originalUrl: req.originalUrl, hostname: req.hostname, query: req.query });
app.get('/hello', show);
app.get('/open/ping', show);
app.crudlify();
export default app.init();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    with deployed_node(tmp_path_factory.mktemp("domains"), APP) as n:
        yield n


@pytest.fixture(scope="module")
def other(node: RunningNode) -> str:
    """A second project (tenant, a team of its own) with a space, and its admin token."""
    async def setup(cat: Any) -> None:
        cat.alt_host_domain = "localhost"  # as the control plane's catalog
        await cat.create_project("rival")
        await cat.create_space("rival", "prod")

    catalog_call(node, setup)
    return own_project_token(node, "rival")


def admin(node: RunningNode, method: str, path: str, token: str = "", **kw: Any
          ) -> httpx.Response:
    return httpx.request(method, f"{node.admin}/v1/projects{path}", timeout=30,
                         headers={"x-admintoken": token or node.admin_token}, **kw)


def on_host(node: RunningNode, host: str, path: str, key: bool = True, **kw: Any
            ) -> httpx.Response:
    headers = {"host": host, **(node.auth() if key else {})}
    return httpx.get(node.base + path, headers=headers, timeout=30, **kw)


def test_the_bootstrap_space_has_an_alt_host_serving_the_whole_path(node: RunningNode) -> None:
    rows = admin(node, "GET", "/brygge/spaces/dev/domains").json()
    assert rows[0]["kind"] == "alt"
    alt = rows[0]["host"]
    assert re.fullmatch(r"[a-z]+-[a-z]+-[a-z0-9]{4}\.localhost", alt)
    assert rows[0]["url"] == f"http://{alt}:{node.node_json()['http_port']}" or \
        rows[0]["url"].startswith(f"http://{alt}:")
    r = on_host(node, alt, "/hello?x=1")
    assert r.status_code == 200, r.text
    assert r.json() == {"apiPath": "/hello", "path": "/hello", "originalUrl": "/hello?x=1",
                        "hostname": alt, "query": {"x": "1"}}
    # crudlify and auth hooks see the same route
    assert on_host(node, alt, "/open/ping", key=False).json()["apiPath"] == "/open/ping"
    assert on_host(node, alt, "/hello", key=False).status_code == 401
    created = httpx.post(node.base + "/items", json={"n": 1}, timeout=30,
                         headers={"host": alt, **node.auth()})
    assert created.status_code == 201, created.text
    assert [d["n"] for d in on_host(node, alt, "/items").json()] == [1]
    # the project URL form and the default project keep working
    assert on_host(node, "brygge.api.localhost", "/dev/hello").json()["apiPath"] == "/hello"
    assert on_host(node, "127.0.0.1", "/dev/hello").json()["path"] == "/dev/hello"


def test_custom_domain_add_serve_remove(node: RunningNode) -> None:
    r = admin(node, "POST", "/brygge/spaces/dev/domains", json={"host": "API.Example.com."})
    assert r.status_code == 201, r.text
    assert r.json()["host"] == "api.example.com" and r.json()["kind"] == "custom"
    got = on_host(node, "api.example.com:443", "/hello")
    assert got.status_code == 200, got.text
    assert got.json()["apiPath"] == "/hello" and got.json()["path"] == "/hello"
    # the official CLI's admin calls are not served on a tenant's host
    adm = on_host(node, "api.example.com", "/_A_D_M_usage")
    assert adm.status_code == 404 and "not served on custom domains" in adm.json()["error"]
    assert "requestId" in adm.json()
    rows = admin(node, "GET", "/brygge/spaces/dev/domains").json()
    assert [x["kind"] for x in rows] == ["alt", "custom"] and rows[1]["host"] == "api.example.com"
    # the resolution is cached now; removal drops it on the router at once
    d = admin(node, "DELETE", "/brygge/spaces/dev/domains/api.example.com")
    assert d.status_code == 200 and d.json() == {"removed": "api.example.com"}
    gone = on_host(node, "api.example.com", "/hello")  # default behaviour: /hello is a space
    assert gone.status_code == 404 and "no space 'hello'" in gone.json()["error"], gone.text
    assert on_host(node, "api.example.com", "/dev/hello").json()["path"] == "/dev/hello"
    again = admin(node, "DELETE", "/brygge/spaces/dev/domains/api.example.com")
    assert again.status_code == 404


@pytest.mark.parametrize("host, why", [
    ("10.0.0.1", "IP address"), ("api.example.com:8080", "port"), ("*.example.com", "wildcard"),
    ("https://x.example.com", "not a host name"), ("nodots", "not a valid domain name"),
    ("x" * 250 + ".com", "at most 253"), ("brygge.api.example.com", "project URLs"),
    ("foo.localhost", "host of this node"), ("", "name the domain"),
])
def test_invalid_domain_is_400(node: RunningNode, host: str, why: str) -> None:
    r = admin(node, "POST", "/brygge/spaces/dev/domains", json={"host": host})
    assert r.status_code == 400 and why in r.json()["error"], r.text
    bad = admin(node, "POST", "/brygge/spaces/dev/domains", content=b"[1]")
    assert bad.status_code == 400 and "JSON object" in bad.json()["error"]


def test_taken_host_is_409_and_never_names_the_owner(node: RunningNode, other: str) -> None:
    assert admin(node, "POST", "/brygge/spaces/dev/domains",
                 json={"host": "shop.example.org"}).status_code == 201
    dup = admin(node, "POST", "/brygge/spaces/dev/domains", json={"host": "shop.example.org"})
    assert dup.status_code == 409 and "already a domain of space 'dev'" in dup.json()["error"]
    rival = admin(node, "POST", "/rival/spaces/prod/domains", other,
                  json={"host": "shop.example.org"})
    assert rival.status_code == 409, rival.text
    assert rival.json() == {"error": "shop.example.org is already in use"}
    alt = admin(node, "GET", "/brygge/spaces/dev/domains").json()[0]["host"]
    taken = admin(node, "POST", "/rival/spaces/prod/domains", other, json={"host": alt})
    assert taken.status_code == 400  # below the node's alternative-host domain
    # the rival can neither remove it nor see it, nor use another project's routes
    assert admin(node, "DELETE", "/rival/spaces/prod/domains/shop.example.org",
                 other).status_code == 404
    assert "shop.example.org" not in json.dumps(
        admin(node, "GET", "/rival/spaces/prod/domains", other).json())
    assert admin(node, "GET", "/brygge/spaces/dev/domains", other).status_code == 403
    # still served by its owner
    assert on_host(node, "shop.example.org", "/hello").json()["apiPath"] == "/hello"
    # the rival's own alt host serves the rival's space (nothing deployed there)
    ralt = admin(node, "GET", "/rival/spaces/prod/domains", other).json()[0]["host"]
    r = on_host(node, ralt, "/hello")
    assert r.status_code == 404 and "no app is deployed to space 'prod'" in r.json()["error"]


def test_cli_domain_commands_and_info(node: RunningNode, tmp_path: Path) -> None:
    dd = ["--data-dir", str(node.data_dir)]
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    add = brygge("domain", "add", "cli.example.net", "-s", "dev", *dd, env=env)
    assert add.returncode == 0, add.stderr
    assert "Added cli.example.net to brygge/dev" in add.stdout
    listed = brygge("domain", "list", "-s", "dev", "--json", *dd, env=env)
    hosts = [r["host"] for r in json.loads(listed.stdout)]
    assert "cli.example.net" in hosts
    info = brygge("info", *dd, env=env)
    assert "alternative URL: http://" in info.stdout and "domain: cli.example.net" in info.stdout
    dup = brygge("domain", "add", "cli.example.net", "-s", "dev", *dd, env=env)
    assert dup.returncode == 1 and "already a domain" in dup.stderr
    rm = brygge("domain", "remove", "cli.example.net", "-s", "dev", *dd, env=env)
    assert rm.returncode == 0 and "Removed cli.example.net" in rm.stdout
    assert "cli.example.net" not in brygge("domain", "list", *dd, env=env).stdout
