"""Unit tests for the hosts of a space (issue 18): what may be a custom domain
(storage/hosts.py), the alternative host every space gets and its records
(storage/catalog.py on a real RocksDB engine), the atomic claim (sys.put `absent`),
the start-time pass (control_plane/alt_hosts.py) and the router's host lookup."""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any

import pytest

from brygge.settings import Settings, SettingsError
from control_plane import alt_hosts
from router.resolve import Resolver
from storage import hosts
from storage.catalog import Catalog, CatalogError, ConflictError, NotFoundError
from storage.client import LocalStorageClient
from storage.engine import Engine

S = Settings()  # domain localhost: alternative hosts are <a>-<b>-<4>.localhost
ALT = re.compile(r"^[a-z]+-[a-z]+-[a-z0-9]{4}\.localhost$")


@pytest.fixture(scope="module")
def _engine(tmp_path_factory: Any) -> Any:
    e = Engine(str(tmp_path_factory.mktemp("hosts") / "db"))
    yield e
    e.close()


@pytest.fixture
def eng(_engine: Engine) -> Engine:
    _engine.db.delete_range(b"\x00", b"\xff\xff")
    return _engine


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def catalog(eng: Engine, domain: str = "localhost") -> Catalog:
    return Catalog(LocalStorageClient(eng), alt_host_domain=domain)


async def two_projects(cat: Catalog) -> None:
    for p in ("alpha", "beta"):
        await cat.create_project(p)
        await cat.create_space(p, "prod")


# -- what may be a custom domain ----------------------------------------------------------
@pytest.mark.parametrize("raw, host", [
    ("api.example.com", "api.example.com"), ("API.Example.COM.", "api.example.com"),
    (" shop.example.co.uk ", "shop.example.co.uk"), ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("a-b.c-d.io", "a-b.c-d.io"), ("1password.com", "1password.com"),
    ("a" * 63 + ".com", "a" * 63 + ".com"),
])
def test_custom_domain_accepted(raw: str, host: str) -> None:
    assert hosts.check_custom(raw, S) == host


@pytest.mark.parametrize("raw, why", [
    ("", "name the domain"), (None, "name the domain"), (42, "name the domain"),
    ("10.0.0.1", "IP address"), ("::1", "IP address"), ("[::1]", "IP address"),
    ("api.example.com:8443", "without a port"), ("*.example.com", "wildcard"),
    ("https://api.example.com", "not a host name"), ("api.example.com/x", "not a host name"),
    ("bücher.example", "punycode"), ("example", "not a valid domain name"),
    ("-a.example.com", "not a valid domain name"), ("a-.example.com", "not a valid domain name"),
    ("a_b.example.com", "not a valid domain name"), ("a..example.com", "not a valid domain name"),
    ("example.123", "not a valid domain name"), ("a" * 64 + ".com", "not a valid domain name"),
    (("a" * 60 + ".") * 5 + "com", "at most 253"),
    ("localhost", "not a valid domain name"), ("calm-harbor-x7k2.localhost", "host of this node"),
    ("brygge.api.example.com", "project URLs"), ("x.api.io", "project URLs"),
])
def test_custom_domain_refused(raw: Any, why: str) -> None:
    with pytest.raises(hosts.HostError, match=re.escape(why)):
        hosts.check_custom(raw, S)


def test_node_domains_are_refused() -> None:
    s = Settings(domain="example.net", alt_host_domain="apps.example.org", host="node.lan")
    for h in ("example.net", "x.example.net", "apps.example.org", "a-b-cdef.apps.example.org",
              "node.lan"):
        with pytest.raises(hosts.HostError, match="host of this node"):
            hosts.check_custom(h, s)
    assert hosts.check_custom("example.org", s) == "example.org"
    assert hosts.check_custom("myexample.net", s) == "myexample.net"


def test_alt_host_domain_setting() -> None:
    assert hosts.alt_domain(Settings()) == "localhost"
    assert hosts.alt_domain(Settings(domain="example.com")) == "example.com"
    assert hosts.alt_domain(Settings(alt_host_domain="Apps.Example.com.")) == "apps.example.com"
    for bad in ("api.example.com", "x.api.example.com", "bad_domain", "-x.com"):
        with pytest.raises(SettingsError, match="alt_host_domain"):
            Settings(alt_host_domain=bad).validate()
    with pytest.raises(SettingsError, match="alt_host_domain"):  # the default follows domain
        Settings(domain="api.example.com").validate()
    Settings(alt_host_domain="apps.example.com").validate()


def test_normalize_and_generated_names() -> None:
    assert hosts.normalize("API.Example.com.:8080") == "api.example.com"
    assert hosts.normalize("[::1]:80") == ""
    names = {hosts.new_alt_host("localhost") for _ in range(200)}
    assert all(ALT.match(n) for n in names) and len(names) > 190
    assert hosts.alt_label("calm-harbor-x7k2.apps.example.com") == "calm-harbor-x7k2"


# -- the atomic claim -----------------------------------------------------------------------
def test_sys_put_absent_claims_once(eng: Engine) -> None:
    client = LocalStorageClient(eng)
    wins: list[Any] = []

    def claim(i: int) -> None:
        wins.append(run(client.call("", "sys.put", {"batch": {"host/x.example": i, f"w/{i}": 1},
                                                    "absent": ["host/x.example"]})))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for w in wins if w["ok"]) == 1
    assert all(w == {"ok": False, "present": "host/x.example"} for w in wins if not w["ok"])
    # the losers wrote nothing of their batch
    assert len(run(client.call("", "sys.scan", {"prefix": "w/"}))) == 1
    with pytest.raises(Exception, match="absent must be a list"):
        run(client.call("", "sys.put", {"batch": {"k": 1}, "absent": "k"}))


# -- records ----------------------------------------------------------------------------------
def test_space_gets_alt_host_and_record(eng: Engine) -> None:
    cat = catalog(eng)
    run(two_projects(cat))
    sp = run(cat.space("alpha", "prod"))
    assert ALT.match(sp["alt_host"])
    rec = run(cat.host(sp["alt_host"]))
    assert {k: rec[k] for k in ("project", "space", "kind")} == \
        {"project": "alpha", "space": "prod", "kind": "alt"}
    # without the setting (a tool opening the catalog): no alt host, the start pass adds it
    run(Catalog(LocalStorageClient(eng)).create_space("alpha", "bare"))
    assert "alt_host" not in run(cat.space("alpha", "bare"))
    with pytest.raises(CatalogError, match="already exists"):
        run(cat.create_space("alpha", "prod"))


def test_custom_domain_unique_and_never_names_the_owner(eng: Engine) -> None:
    cat = catalog(eng)
    run(two_projects(cat))
    run(cat.add_host("alpha", "prod", "api.example.com"))
    with pytest.raises(ConflictError) as e:
        run(cat.add_host("beta", "prod", "api.example.com"))
    assert str(e.value) == "api.example.com is already in use" and e.value.status == 409
    with pytest.raises(ConflictError, match="already a domain of space 'prod'"):
        run(cat.add_host("alpha", "prod", "api.example.com"))
    alt = run(cat.space("alpha", "prod"))["alt_host"]
    with pytest.raises(ConflictError, match="already in use"):  # an alt host is taken too
        run(cat.add_host("beta", "prod", alt))
    # another project cannot remove it either, and learns nothing
    with pytest.raises(NotFoundError, match="is not a domain of space 'prod'"):
        run(cat.remove_host("beta", "prod", "api.example.com"))
    with pytest.raises(CatalogError, match="alternative host"):
        run(cat.remove_host("alpha", "prod", alt))
    run(cat.remove_host("alpha", "prod", "api.example.com"))
    run(cat.add_host("beta", "prod", "api.example.com"))  # free again
    assert [h["host"] for h in run(cat.hosts("beta", "prod")) if h["kind"] == "custom"] == \
        ["api.example.com"]


def test_removing_a_space_frees_its_hosts(eng: Engine) -> None:
    cat = catalog(eng)
    run(two_projects(cat))
    run(cat.add_host("alpha", "prod", "api.example.com"))
    alt = run(cat.space("alpha", "prod"))["alt_host"]
    run(cat.remove_space("alpha", "prod"))
    assert run(cat.host("api.example.com")) is None and run(cat.host(alt)) is None
    run(cat.add_host("beta", "prod", "api.example.com"))


# -- the start pass ---------------------------------------------------------------------------
def test_start_pass_gives_moves_and_cleans(eng: Engine) -> None:
    bare = Catalog(LocalStorageClient(eng))  # as `brygge up`'s bootstrap: no alt host
    run(bare.create_project("alpha"))
    run(bare.create_space("alpha", "dev"))
    cat = catalog(eng)
    sp = run(cat.space("alpha", "dev"))
    changed = run(alt_hosts.ensure(cat, "localhost"))
    alt = run(cat.space("alpha", "dev"))["alt_host"]
    assert changed == [sp["id"]] and ALT.match(alt)
    assert run(alt_hosts.ensure(cat, "localhost")) == []  # idempotent
    assert run(cat.space("alpha", "dev"))["alt_host"] == alt
    # the domain setting changed: same generated name, new domain, old record gone
    assert run(alt_hosts.ensure(cat, "apps.example.com")) == [sp["id"]]
    moved = run(cat.space("alpha", "dev"))["alt_host"]
    assert moved == hosts.alt_label(alt) + ".apps.example.com"
    assert run(cat.host(alt)) is None and run(cat.host(moved))["space"] == "dev"
    # an alt record no space names (two control planes raced) is dropped
    run(cat.claim({"host/stray-name-0000.apps.example.com":
                   {"project": "alpha", "space": "dev", "kind": "alt"}}, []))
    assert run(alt_hosts.ensure(cat, "apps.example.com")) == []
    assert run(cat.host("stray-name-0000.apps.example.com")) is None
    assert run(cat.host(moved)) is not None


# -- the router's lookup ------------------------------------------------------------------------
class CountingCatalog(Catalog):
    def __init__(self, eng: Engine) -> None:
        super().__init__(LocalStorageClient(eng), alt_host_domain="localhost")
        self.reads = 0

    async def host(self, host: str) -> dict[str, Any] | None:
        self.reads += 1
        return await super().host(host)


def test_router_lookup_skips_project_urls_and_ips(eng: Engine) -> None:
    cat = CountingCatalog(eng)
    run(two_projects(cat))
    run(cat.add_host("alpha", "prod", "api.example.com"))
    r = Resolver(S, cat)

    async def go() -> None:
        for h in ("alpha.api.localhost:8080", "127.0.0.1:8080", "localhost", "[::1]:80",
                  "10.1.2.3"):
            assert await r.bound(h) is None
        assert cat.reads == 0  # never looked up
        for _ in range(3):
            rec = await r.bound("API.example.com.:443")
            assert rec is not None and (rec["project"], rec["space"]) == ("alpha", "prod")
        assert await r.bound("unknown.example.org") is None
        assert await r.bound("unknown.example.org") is None
        assert cat.reads == 2  # one read per host, then the cache
        r.cache.clear()  # what the space-changed event does
        await r.bound("api.example.com")
        assert cat.reads == 3

    run(go())
