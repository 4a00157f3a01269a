"""Realtime with the app's own npm codehooks-js 1.4.3 (issue 17 item 2): the library's
connect route `GET <channel>/:clientID` sets `x-realtime-connect` and then throws
(`ReferenceError: data is not defined`), and its `publishEvent` only inserts the
`_event_publish_<channel>` document. On a real node, through the real router and both
executor transports, a registered channel's URL is still the event stream, the event
the library inserts reaches it, the channel's hook still refuses, and the header on a
route that is not a registered channel stays a plain answer."""

from __future__ import annotations

import json
import shutil
from typing import Any

import httpx
import pytest

from tests.support.coho import npm_install
from tests.support.nodes import ROOT, RunningNode, new_node, wait_until
from tests.support.sse import Sse

NPM = ROOT / "tests" / ".cache" / "npm-codehooks-js-1.4.3"

APP = r"""
import {app, realtime} from 'codehooks-js';
realtime.createChannel('/chat');
realtime.createChannel('/private', (req, res, next) => {
  if (req.headers['x-let-me-in'] === 'yes') next(); else res.status(403).json({error: 'not you'});
});
app.post('/connect', async (req, res) => {
  const l = await realtime.createListener(req.query.channel || '/chat', req.body || {});
  res.json({listenerID: l._id});
});
app.post('/messages', async (req, res) => {
  res.json(await realtime.publishEvent(req.query.channel || '/chat', req.body.data, req.body.query));
});
// a connect handler of the app's own that sets the header and then answers a non-200
realtime.createChannel('/loud');
app.get('/loud/:clientID', (req, res) => {
  res.set('x-realtime-connect', '/loud');
  res.status(500).json({oops: true});
});
// not a channel: the header alone makes no stream
app.get('/other/:id', (req, res) => {
  res.set('x-realtime-connect', '/chat');
  res.json({plain: true});
});
export default app.init();
"""


@pytest.fixture(scope="module", params=["inprocess", "grpc"])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if shutil.which("npm") is None:
        pytest.fail("npm is required for this test (install Node 20)")
    lib = NPM / "node_modules" / "codehooks-js" / "index.js"
    if not lib.exists():
        npm_install(NPM, "codehooks-js@1.4.3")
    assert "res.status(200).json({...data})" in lib.read_text()  # the bug this is about
    tmp = tmp_path_factory.mktemp(f"rt-npm-{request.param}")
    app = tmp / "app"
    shutil.copytree(NPM / "node_modules", app / "node_modules")
    (app / "package.json").write_text('{"name": "rt-npm", "type": "module", "dependencies": '
                                      '{"codehooks-js": "1.4.3"}}\n')
    (app / "index.js").write_text(APP)
    n = new_node(tmp, BRYGGE_EXECUTOR_TRANSPORT=request.param, BRYGGE_REALTIME_HEARTBEAT_S="0.2")
    n.start()
    d = n.deploy(app)
    assert d.returncode == 0, d.stdout + d.stderr
    yield n
    n.stop()


def listen(node: RunningNode, channel: str = "/chat") -> str:
    r = node.post(f"/dev/connect?channel={channel}", json={}, headers=node.auth())
    assert r.status_code == 200, r.text
    return str(r.json()["listenerID"])


def publish(node: RunningNode, data: Any, channel: str = "/chat") -> None:
    r = node.post(f"/dev/messages?channel={channel}", json={"data": data}, headers=node.auth())
    assert r.status_code == 200, r.text
    assert r.json()["data"] == data and r.json()["channel"] == channel  # the library's doc


def test_npm_library_channel_is_an_event_stream_that_gets_published_events(
        node: RunningNode) -> None:
    s = Sse(f"{node.base}/dev/chat/{listen(node)}", node.auth())
    assert s.status == 200, s.status
    assert s.headers["content-type"].startswith("text/event-stream")
    assert "x-realtime-connect" not in s.headers
    wait_until(lambda: s.comments, 30, "the stream to open")
    publish(node, {"msg": "hei"})
    wait_until(lambda: s.events, 30, "the published event")
    assert s.datas() == [{"msg": "hei"}] and not s.closed.is_set()
    s.close()


def test_npm_library_channel_hook_still_refuses(node: RunningNode) -> None:
    lid = listen(node, "/private")
    r = node.get(f"/dev/private/{lid}", headers=node.auth())
    assert r.status_code == 403 and r.json() == {"error": "not you"}, r.text
    s = Sse(f"{node.base}/dev/private/{lid}", {**node.auth(), "x-let-me-in": "yes"})
    assert s.status == 200 and s.headers["content-type"].startswith("text/event-stream")
    wait_until(lambda: s.comments, 30, "the stream to open")
    publish(node, {"secret": 1}, "/private")
    wait_until(lambda: s.events, 30, "the private event")
    assert s.datas() == [{"secret": 1}]
    s.close()


def test_connect_handler_that_sends_a_non_200_after_the_header_still_hands_off(
        node: RunningNode) -> None:
    s = Sse(f"{node.base}/dev/loud/{listen(node, '/loud')}", node.auth())
    assert s.status == 200 and s.headers["content-type"].startswith("text/event-stream")
    wait_until(lambda: s.comments, 30, "the stream to open")
    publish(node, "x", "/loud")
    wait_until(lambda: s.events, 30, "the event")
    assert s.datas() == ["x"]
    s.close()


def test_header_on_a_route_that_is_not_a_channel_is_no_stream(node: RunningNode) -> None:
    # streamed, so that a hand-off (an open event stream) fails on its head, not hangs
    with httpx.stream("GET", f"{node.base}/dev/other/{listen(node)}", headers=node.auth(),
                      timeout=30) as r:
        assert r.headers["content-type"].startswith("application/json"), r.headers
        assert r.status_code == 200 and "x-realtime-connect" not in r.headers
        assert json.loads(r.read()) == {"plain": True}
