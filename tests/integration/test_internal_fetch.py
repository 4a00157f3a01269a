"""app.internalFetch: an app calls its own API through the node's router, signed
for its own space (sandbox/internal.py), on a real node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox import internal
from tests.nodes import RunningNode, new_node

APP = r"""
import {app} from 'codehooks-js';
app.get('/inner', (req, res) => res.json({inner: true, sawSigned: 'x-brygge-internal' in req.headers,
                                           q: req.query.q || null}));
app.get('/outer', async (req, res) => {
  // what codehooks-js 1.4.3's internalFetch does: the gateway service name + host header
  const r = await fetch('http://apigateway-service:8888/dev/inner?q=hi', {headers: {host: req.headers.host}});
  res.status(r.status).json({via: 'gateway', status: r.status, body: await r.json()});
});
app.get('/outer-missing', async (req, res) => {
  const r = await fetch('http://apigateway-service:8888/dev/nope');
  res.json({status: r.status});
});
export default app.init();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("ifetch")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    n = new_node(tmp)
    n.start()
    d = n.deploy(app)
    assert d.returncode == 0, d.stderr
    yield n
    n.stop()


def test_internal_fetch_reaches_the_same_space_without_a_token(node: RunningNode) -> None:
    r = node.get("/dev/outer", headers=node.auth())
    assert r.status_code == 200, r.text
    assert r.json() == {"via": "gateway", "status": 200,
                        "body": {"inner": True, "sawSigned": False, "q": "hi"}}
    assert node.get("/dev/outer-missing", headers=node.auth()).json() == {"status": 404}


def test_the_internal_header_from_outside_is_refused(node: RunningNode, tmp_path: Path) -> None:
    assert node.get("/dev/inner").status_code == 401
    for forged in ("x", "dev.abc", internal.sign("guessed-secret", "anything"),
                   internal.sign("", "x")):
        r = node.get("/dev/inner", headers={internal.HEADER: forged})
        assert r.status_code == 401, (forged, r.text)
