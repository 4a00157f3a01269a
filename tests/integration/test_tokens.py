"""Space tokens under attack on a real node: a token of one space used on another,
a read-only token writing, the admin token used as a space token, garbage tokens.
Every refusal is a JSON 401/403 naming the failed check, never the token itself."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, new_node, other_space_tokens

# deployed to each space with its own name in it: two different deployments
APP = r"""
import {app, Datastore} from 'codehooks-js';
app.get('/thing', (req, res) => res.json({space: 'SPACE'}));
app.post('/thing', (req, res) => res.status(201).json({written: true}));
app.post('/kv/:k', async (req, res) => {
  const c = await Datastore.open();
  await c.set(req.params.k, req.body.v);
  await c.insertOne('notes', {k: req.params.k, v: req.body.v});
  res.status(201).json({ok: true});
});
app.get('/kv/:k', async (req, res) => {
  const c = await Datastore.open();
  res.json({v: await c.get(req.params.k),
            notes: await c.getMany('notes', {k: req.params.k}).toArray()});
});
export default app.init();
"""



@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("tokens")
    n = new_node(tmp)
    n.start()

    n.tokens = other_space_tokens(n)  # type: ignore[attr-defined]
    for space in ("dev", "other"):
        app = tmp / f"app-{space}"
        app.mkdir()
        (app / "index.js").write_text(APP.replace("SPACE", space))
        d = n.deploy(app, space=space)
        assert d.returncode == 0, d.stderr
    yield n
    n.stop()


def call(node: RunningNode, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.request(method, node.base + path, headers=headers, timeout=30)


CASES = [
    # who, method, space, header form, status, words in the error
    ("dev", "GET", "dev", "x-apikey", 200, ""),
    ("dev", "POST", "dev", "bearer", 201, ""),
    ("dev", "GET", "other", "x-apikey", 401, "wrong API token in x-apikey"),
    ("dev", "GET", "other", "bearer", 401, "not a token of this space"),
    ("other", "GET", "dev", "x-api-key", 401, "wrong API token in x-apikey"),
    ("other", "GET", "other", "x-apikey", 200, ""),
    ("ro", "GET", "dev", "x-apikey", 200, ""),
    ("ro", "HEAD", "dev", "x-apikey", 200, ""),
    ("ro", "POST", "dev", "x-apikey", 403, "read-only"),
    ("ro", "DELETE", "dev", "bearer", 403, "read-only"),
    ("ro", "POST", "other", "x-apikey", 401, "wrong API token"),
    ("admin", "GET", "dev", "x-apikey", 401, "wrong API token in x-apikey"),
    ("garbage", "GET", "dev", "x-apikey", 401, "wrong API token in x-apikey"),
    ("slash", "GET", "dev", "x-apikey", 401, "wrong API token in x-apikey"),
    ("huge", "GET", "dev", "bearer", 401, "not a token of this space"),
    ("none", "GET", "dev", "", 401, "missing API token"),
]


@pytest.mark.parametrize(("who", "method", "space", "form", "status", "words"), CASES)
def test_token_checks(node: RunningNode, who: str, method: str, space: str, form: str,
                      status: int, words: str) -> None:
    token = {"dev": node.token, "admin": node.admin_token, "garbage": "nope",
             "slash": "../token/x", "huge": "t" * 5000, "none": "",
             **node.tokens}[who]  # type: ignore[attr-defined]
    headers = {"bearer": {"authorization": f"Bearer {token}"}, "": {}}.get(form, {form: token})
    r = call(node, method, f"/{space}/thing", headers)
    assert r.status_code == status, r.text
    if status >= 400:
        body = r.json()
        assert words in body["error"] and body["requestId"] == r.headers["x-request-id"]
        if len(token) > 8:
            assert token not in r.text  # secrets are never echoed


def test_spaces_do_not_share_a_deployment_or_data(node: RunningNode) -> None:
    tok = node.tokens["other"]  # type: ignore[attr-defined]
    dev, other = {"x-apikey": node.token}, {"x-apikey": tok}
    # each space runs its own deployment
    assert call(node, "GET", "/dev/thing", dev).json() == {"space": "dev"}
    assert call(node, "GET", "/other/thing", other).json() == {"space": "other"}
    # the same key (kv and collection) written in each space: each sees only its own
    for hdr, space, v in ((dev, "dev", "from-dev"), (other, "other", "from-other")):
        r = httpx.post(f"{node.base}/{space}/kv/shared", json={"v": v}, headers=hdr, timeout=30)
        assert r.status_code == 201, r.text
    for hdr, space, v in ((dev, "dev", "from-dev"), (other, "other", "from-other")):
        got = call(node, "GET", f"/{space}/kv/shared", hdr).json()
        assert got["v"] == v and [d["v"] for d in got["notes"]] == [v], (space, got)
    # a key written only in dev is absent from other
    assert httpx.post(f"{node.base}/dev/kv/dev-only", json={"v": "x"}, headers=dev,
                      timeout=30).status_code == 201
    assert call(node, "GET", "/other/kv/dev-only", other).json() == {"v": None, "notes": []}
    # the other space's token is no admin token of dev
    assert call(node, "GET", "/dev/_A_D_M_query/x?q={}&h={}", {"x-admintoken": tok}
                ).status_code in (401, 403)
