"""A hostile tenant (or local process) against a real node (issue 15): the embedded
NATS refuses clients without credentials and keeps each component to its subjects;
a sealed env value copied into another space, or a plain value that merely looks
sealed, is not opened; the admin API's docs and schema are not served off dev mode;
NaN/Infinity are refused at the admin API's JSON entry points; and no token or env
value reaches a log file or the LOGS stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.errors import NoServersError

from brygge import envcrypt, logbus, natsauth
from storage.catalog import Catalog
from tests.support.nodes import (
    RunningNode,
    catalog_call,
    create_space,
    new_node,
    wait_until,
    write_app,
)

APP = r"""
import {app} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.get('/env', (req, res) => res.json({secret: process.env.SECRET ?? null,
                                        copied: process.env.COPIED ?? null,
                                        lookalike: process.env.LOOKALIKE ?? null,
                                        plain: process.env.PLAIN ?? null}));
app.get('/hello', (req, res) => { console.log('hello from the app'); res.json({ok: true}); });
export default app.init();
"""
SECRET = "s3cr3t-value-9f2c"
PLAIN = "plain-value-77ab"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    tmp = tmp_path_factory.mktemp("cpattacks")
    n = new_node(tmp)
    n.start()
    app = write_app(tmp, "app", APP)
    assert n.deploy(app).returncode == 0
    create_space(n, "other")
    assert n.deploy(app, space="other").returncode == 0
    r = admin(n, "POST", "/_adm/brygge/dev/restore/things", content=b'[{"a": 1.5}]')
    assert r.status_code == 201, r.text
    yield n
    n.stop()


def admin(node: RunningNode, method: str, path: str, **kw: Any) -> httpx.Response:
    headers = {"x-admintoken": node.admin_token, **kw.pop("headers", {})}
    return httpx.request(method, node.admin + path, timeout=30, headers=headers, **kw)


def set_env(node: RunningNode, space: str, key: str, value: str, encrypted: bool = False
            ) -> None:
    r = admin(node, "PUT", f"/v1/projects/brygge/spaces/{space}/env/{key}",
              json={"value": value, "encrypted": encrypted})
    assert r.status_code == 200, r.text



def env_of(node: RunningNode, space: str) -> dict[str, Any]:
    r = node.get(f"/{space}/env")
    assert r.status_code == 200, r.text
    return dict(r.json())


# -- NATS --------------------------------------------------------------------------------
async def _connect(node: RunningNode, **kw: Any) -> Any:
    return await nats.connect(node.node_json()["nats_url"], allow_reconnect=False,
                              max_reconnect_attempts=0, connect_timeout=5, **kw)


def test_nats_refuses_clients_without_credentials(node: RunningNode) -> None:
    async def go() -> None:
        for creds in ({}, {"user": "control-plane", "password": "wrong"},
                      {"user": "nobody", "password": "x"}):
            with pytest.raises((NoServersError, nats.errors.Error, OSError)):
                nc = await _connect(node, **creds)
                await nc.close()
    asyncio.run(go())
    conf = node.data_dir / "nats.conf"
    for path in (conf, node.data_dir / natsauth.AUTH_FILE):
        assert path.stat().st_mode & 0o077 == 0, path  # the passwords: the node's user only


@pytest.mark.parametrize("component", ["router", "executor"])
def test_components_cannot_read_or_forge_other_subjects(node: RunningNode,
                                                        component: str) -> None:
    """Only the control plane reads logs and dead letters and tells of space changes;
    a component's password gets no more than that component's subjects."""
    async def go() -> list[str]:
        errors: list[str] = []

        async def on_error(e: Exception) -> None:
            errors.append(str(e))
        nc = await _connect(node, error_cb=on_error, **natsauth.options(node.data_dir, component))
        try:
            await nc.subscribe("logs.>")
            await nc.subscribe("dead.>")
            await nc.publish("brygge.events.space.x", b"{}")
            await nc.publish("$JS.API.STREAM.DELETE.LOGS", b"")
            await nc.flush()
            wait = 0
            while len(errors) < 4 and wait < 100:  # the server answers each in turn
                await asyncio.sleep(0.05)
                wait += 1
            return errors
        finally:
            await nc.close()
    errors = asyncio.run(go())
    text = "\n".join(errors).lower()
    for what in ('subscription to "logs.>"', 'subscription to "dead.>"',
                 'publish to "brygge.events.space.x"', 'publish to "$js.api.stream.delete.logs"'):
        assert f"permissions violation for {what}" in text, errors


# -- sealed env values ---------------------------------------------------------------------
def test_sealed_values_open_only_in_their_own_space(node: RunningNode) -> None:
    set_env(node, "dev", "SECRET", SECRET, encrypted=True)
    set_env(node, "dev", "PLAIN", PLAIN)
    wait_until(lambda: env_of(node, "dev")["secret"] == SECRET, 30, "dev's SECRET")
    sealed = catalog_call(node, lambda cat: cat.space("brygge", "dev"))["env"]["SECRET"]
    assert sealed.startswith(envcrypt.SEALED_PREFIX)

    # another tenant pastes dev's sealed text as a plain value: it stays text
    set_env(node, "other", "LOOKALIKE", sealed)
    wait_until(lambda: env_of(node, "other")["lookalike"] == sealed, 30, "other's env")

    # ... or gets it into its record as if set encrypted (a crafted backup restored)
    async def copy(cat: Catalog) -> None:
        sp = await cat.space("brygge", "other")
        await cat._put({"space/brygge/other": {
            **sp, "env": {**sp["env"], "COPIED": sealed, "SECRET": sealed},
            "env_encrypted": sorted({*sp.get("env_encrypted", []), "COPIED", "SECRET"})}})
    catalog_call(node, copy)
    set_env(node, "other", "PLAIN", "tick")  # tells routers and executors of the change
    got = wait_until(lambda: (e := env_of(node, "other"))["plain"] == "tick" and e, 30,
                     "other's env after the copy")
    assert got == {"secret": sealed, "copied": sealed, "lookalike": sealed, "plain": "tick"}
    assert env_of(node, "dev")["secret"] == SECRET  # the owner's still opens


# -- admin API --------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"])
def test_admin_api_docs_are_not_served_off_dev_mode(node: RunningNode, path: str) -> None:
    for headers in ({}, {"x-admintoken": node.admin_token}):
        r = httpx.get(node.admin + path, headers=headers, timeout=30)
        assert r.status_code == 404, (path, r.status_code)
        assert "swagger" not in r.text.lower() and "openapi" not in r.text.lower()


@pytest.mark.parametrize("body", [b'[{"a": NaN}]', b'[{"a": Infinity}]', b'[{"a": -1e999}]',
                                  b'[' + b'[' * 200 + b']' * 200 + b']'])
def test_restore_refuses_non_finite_numbers(node: RunningNode, body: bytes) -> None:
    r = admin(node, "POST", "/_adm/brygge/dev/restore/things", content=body,
              headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert "finite" in r.json()["error"] or "NaN" in r.json()["error"] \
        or "Infinity" in r.json()["error"] or "levels" in r.json()["error"]
    q = admin(node, "GET", "/_adm/brygge/dev/query/things")
    assert q.status_code == 200, q.text
    assert [d["a"] for d in q.json()] == [1.5]  # nothing of the refused body was stored


@pytest.mark.parametrize("path, body", [
    ("/v1/projects/brygge/spaces/dev/env/X", b'{"value": "v", "encrypted": NaN}'),
    ("/v1/projects/brygge/spaces/dev/cors", b'{"origins": [Infinity]}'),
    ("/graphql", b'{"query": "{ x }", "variables": {"n": NaN}}'),
])
def test_admin_bodies_refuse_non_finite_numbers(node: RunningNode, path: str,
                                                body: bytes) -> None:
    r = admin(node, "POST" if path == "/graphql" else "PUT", path, content=body,
              headers={"content-type": "application/json"})
    assert r.status_code == 400, (r.status_code, r.text)
    assert "NaN" in r.text or "Infinity" in r.text, r.text


# -- logs ------------------------------------------------------------------------------
def _stream_text(node: RunningNode) -> str:
    async def go() -> str:
        nc = await _connect(node, **natsauth.options(node.data_dir))
        try:
            js = nc.jetstream()
            info = await js.stream_info(logbus.STREAM)
            out = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                try:
                    out.append((await js.get_msg(logbus.STREAM, seq)).data.decode())
                except nats.js.errors.NotFoundError:
                    continue
            return "\n".join(out)
        finally:
            await nc.close()
    return asyncio.run(go())


def test_no_token_or_env_value_reaches_a_log(node: RunningNode) -> None:
    set_env(node, "dev", "SECRET", SECRET, encrypted=True)
    set_env(node, "dev", "PLAIN", PLAIN)
    wait_until(lambda: env_of(node, "dev") | {"copied": None, "lookalike": None}
               == {"secret": SECRET, "plain": PLAIN, "copied": None, "lookalike": None},
               30, "dev's env")
    # tokens in use, right and wrong places: the router, the admin API, _A_D_M_
    assert node.get("/dev/hello", headers=node.auth()).status_code == 200
    assert node.get("/other/hello", headers=node.auth()).status_code == 200
    assert admin(node, "GET", "/_adm/brygge/dev/query/things").status_code == 200
    assert admin(node, "GET", "/_adm/nope/dev/query/things").status_code in (403, 404)
    r = httpx.get(node.admin + "/v1/projects/brygge/spaces/dev/env/X", timeout=30,
                  headers={"authorization": f"Bearer {node.token}"})
    assert r.status_code >= 400
    wait_until(lambda: "hello from the app" in _stream_text(node), 30, "the app's log line")

    secrets = {"admin token": node.admin_token, "space token": node.token,
               "encrypted env value": SECRET, "plain env value": PLAIN}
    secrets.update({f"nats password of {c}": p
                    for c, p in natsauth.load(node.data_dir).items()})
    logs: dict[str, str] = {str(p): p.read_text(errors="replace")
                            for p in sorted(Path(node.data_dir, "logs").rglob("*")) if p.is_file()}
    assert logs, "no component logs found"
    logs["the LOGS stream"] = _stream_text(node)
    leaks = [(what, where) for where, text in logs.items() for what, s in secrets.items()
             if s in text]
    assert not leaks, json.dumps(leaks)
