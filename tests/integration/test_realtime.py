"""Realtime channels over SSE on a real node (issue 7): `realtime.publishEvent` goes
through JetStream, the router turns `GET /<channel>/<listenerID>` into an event stream
that carries the events whose query matches the listener's interests, replays what a
client missed after `Last-Event-ID`, sends heartbeats, cuts off a client that does not
read, and keeps streams open through a deploy and an executor crash. Two nodes on one
NATS: a publish on one reaches a stream on the other."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from brygge import natsauth
from tests.support.nodes import RunningNode, new_node, pid_alive, wait_until
from tests.support.sse import Sse

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
  try {
    const d = await realtime.publishEvent(req.query.channel || '/chat', req.body.data,
                                          req.body.query);
    res.json(d);
  } catch (e) {
    res.status(400).json({error: e.message});
  }
});
app.get('/listeners', async (req, res) => res.json(await realtime.getListeners('/chat')));
export default app.init();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("realtime")
    (tmp / "app").mkdir()
    (tmp / "app" / "index.js").write_text(APP)
    n = new_node(tmp, BRYGGE_REALTIME_HEARTBEAT_S="0.2", BRYGGE_REALTIME_CLIENT_BUFFER="20",
                 BRYGGE_REALTIME_MAX_EVENT_BYTES="65536")
    n.start(app=str(tmp / "app"))
    n.app_dir = tmp / "app"  # type: ignore[attr-defined]
    yield n
    n.stop()


def listen(node: RunningNode, interests: dict[str, Any], channel: str = "/chat") -> str:
    r = node.post(f"/dev/connect?channel={channel}", json=interests, headers=node.auth())
    assert r.status_code == 200, r.text
    return str(r.json()["listenerID"])


def publish(node: RunningNode, data: Any, query: Any = None, channel: str = "/chat",
            base: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"data": data}
    if query is not None:
        body["query"] = query
    return httpx.post(f"{base or node.base}/dev/messages?channel={channel}", json=body,
                      headers=node.auth(), timeout=30)


def stream(node: RunningNode, lid: str, channel: str = "chat", base: str | None = None,
           **headers: str) -> Sse:
    return Sse(f"{base or node.base}/dev/{channel}/{lid}", {**node.auth(), **headers})


def test_events_reach_the_listeners_whose_interests_match(node: RunningNode) -> None:
    a = stream(node, listen(node, {"topic": "score", "team": "oslo"}))
    b = stream(node, listen(node, {}))
    assert a.status == b.status == 200
    assert a.headers["content-type"].startswith("text/event-stream")
    assert a.headers["cache-control"] == "no-cache" and "x-request-id" in a.headers
    wait_until(lambda: a.comments and b.comments, 30, "both streams open (heartbeats)")
    r = publish(node, {"message": "to everyone"})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"message": "to everyone"} and r.json()["_id"]  # the doc
    publish(node, {"message": "score"}, {"topic": "score"})
    publish(node, {"message": "bergen only"}, {"team": "bergen"})
    publish(node, {"message": "oslo scores"}, {"topic": "score", "team": {"$in": ["oslo"]}})
    publish(node, {"message": "last"})
    wait_until(lambda: len(a.datas()) == 4 and len(b.datas()) == 2, 30, "the events")
    assert a.datas() == [{"message": m} for m in ("to everyone", "score", "oslo scores", "last")]
    assert b.datas() == [{"message": "to everyone"}, {"message": "last"}]
    ids = [e["id"] for e in a.events]
    assert ids == sorted(ids) and len(set(ids)) == 4
    a.close()
    b.close()


def test_last_event_id_replays_what_was_missed_then_live(node: RunningNode) -> None:
    lid = listen(node, {"room": 1})
    first = stream(node, lid)
    wait_until(lambda: first.comments, 30, "the stream to open")
    publish(node, {"n": 1}, {"room": 1})
    wait_until(lambda: first.events, 30, "event 1")
    seen = first.events[-1]["id"]
    first.close()
    publish(node, {"n": 99}, {"room": 2})  # not for this listener
    publish(node, {"n": 2}, {"room": 1})
    publish(node, {"n": 3}, {"room": 1})
    again = stream(node, lid, **{"Last-Event-ID": str(seen)})
    wait_until(lambda: len(again.events) == 2, 30, "the replay")
    publish(node, {"n": 4}, {"room": 1})
    wait_until(lambda: len(again.events) == 3, 30, "a live event after the replay")
    assert again.datas() == [{"n": 2}, {"n": 3}, {"n": 4}]
    assert again.events[0]["id"] > seen
    # not one of our ids: live events only, no error
    garbage = stream(node, lid, **{"Last-Event-ID": "not-a-number"})
    wait_until(lambda: garbage.comments, 30, "the stream to open")
    publish(node, {"n": 5}, {"room": 1})
    wait_until(lambda: garbage.events, 30, "a live event")
    assert garbage.datas() == [{"n": 5}]
    for s in (again, garbage):
        s.close()


def test_idle_streams_get_heartbeats(node: RunningNode) -> None:
    s = stream(node, listen(node, {}))
    wait_until(lambda: s.comments >= 3, 30, "three heartbeats (every 0.2 s here)")
    assert s.events == []
    s.close()


def test_unknown_listener_and_unauthenticated_stream(node: RunningNode) -> None:
    r = node.get("/dev/chat/0123456789abcdef01234567", headers=node.auth())
    assert r.status_code == 404 and "no listener" in r.json()["error"], r.text
    assert r.json()["requestId"]
    r = node.get(f"/dev/chat/{listen(node, {})}")  # no token
    assert r.status_code == 401 and r.json()["error"], r.text


def test_channel_hooks_guard_the_stream(node: RunningNode) -> None:
    lid = listen(node, {}, channel="/private")
    r = node.get(f"/dev/private/{lid}", headers=node.auth())
    assert r.status_code == 403 and r.json() == {"error": "not you"}, r.text
    s = stream(node, lid, channel="private", **{"x-let-me-in": "yes"})
    assert s.status == 200
    publish(node, {"secret": 1}, channel="/private")
    wait_until(lambda: s.events, 30, "the private event")
    s.close()


def test_bad_events_are_refused_with_a_clear_error(node: RunningNode) -> None:
    r = publish(node, {"x": 1}, "not an object")
    assert r.status_code == 400 and "query must be an object" in r.json()["error"], r.text
    r = publish(node, {"blob": "x" * 70_000})
    assert r.status_code == 400 and "more than 65536" in r.json()["error"], r.text


def test_a_client_that_does_not_read_is_cut_off(node: RunningNode) -> None:
    lid = listen(node, {})
    ok = stream(node, listen(node, {}))
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", node.http_port))
    slow.sendall(f"GET /dev/chat/{lid} HTTP/1.1\r\nHost: localhost\r\n"
                 f"x-apikey: {node.token}\r\n\r\n".encode())
    assert b"200" in slow.recv(64)  # then never read again
    wait_until(lambda: ok.comments, 30, "the reading stream to open")
    log = node.data_dir / "logs" / "router.log"
    big = "y" * 30_000
    sent = 0

    def cut() -> bool:
        nonlocal sent
        if "client too slow" in log.read_text():
            return True
        for _ in range(10):
            assert publish(node, {"big": big, "i": sent}).status_code == 200
            sent += 1
        return False
    wait_until(cut, 120, "the router to cut the slow client off")
    # the reading client is unaffected: it has every event
    wait_until(lambda: len(ok.events) == sent, 60, "every event at the reading client")
    assert [e["data"]["i"] for e in ok.events] == list(range(sent))
    slow.close()
    ok.close()


@pytest.fixture(scope="module")
def grpc_node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("realtime-grpc")
    (tmp / "app").mkdir()
    (tmp / "app" / "index.js").write_text(APP)
    n = new_node(tmp, BRYGGE_EXECUTOR_TRANSPORT="grpc", BRYGGE_REALTIME_HEARTBEAT_S="0.2")
    n.start(app=str(tmp / "app"))
    n.app_dir = tmp / "app"  # type: ignore[attr-defined]
    yield n
    n.stop()


def kill_and_wait_restart(node: RunningNode, name: str) -> None:
    old = node.node_json()["components"][name]
    os.kill(old, signal.SIGKILL)
    wait_until(lambda: not pid_alive(old), 10, f"{name} to die")
    wait_until(lambda: node.node_json()["components"].get(name, old) != old, 60,
               f"{name} to be restarted")


def test_streams_survive_a_deploy_and_an_executor_crash_over_grpc(grpc_node: RunningNode
                                                                  ) -> None:
    """Over gRPC the executor runs every invocation (publishEvent too) and the router
    holds the stream: kill -9 of the executor leaves the stream open and working."""
    node = grpc_node
    s = stream(node, listen(node, {}))
    wait_until(lambda: s.comments, 30, "the stream to open")
    d = node.deploy(node.app_dir)  # type: ignore[attr-defined]
    assert d.returncode == 0, d.stderr
    kill_and_wait_restart(node, "executor-0")
    wait_until(lambda: publish(node, {"after": "crash"}).status_code == 200, 60,
               "a publish through the restarted executor")
    wait_until(lambda: s.events, 30, "the event on the old stream")
    assert s.datas()[0] == {"after": "crash"} and not s.closed.is_set()
    s.close()


def test_a_router_crash_loses_no_event_for_a_client_that_reconnects(node: RunningNode) -> None:
    """In-process the router serves HTTP and runs the invocations: kill -9 of it cuts the
    stream; the client reconnects with Last-Event-ID and gets what was published after."""
    lid = listen(node, {"crash": True})
    s = stream(node, lid)
    wait_until(lambda: s.comments, 30, "the stream to open")
    assert publish(node, {"before": 1}, {"crash": True}).status_code == 200
    wait_until(lambda: s.events, 30, "the event before the crash")
    seen = s.events[-1]["id"]
    kill_and_wait_restart(node, "router")
    wait_until(lambda: s.closed.is_set(), 30, "the cut stream")

    def published() -> bool:
        try:
            return publish(node, {"after": "crash"}, {"crash": True}).status_code == 200
        except httpx.HTTPError:
            return False
    wait_until(published, 60, "a publish through the restarted router")
    again = stream(node, lid, **{"Last-Event-ID": str(seen)})
    wait_until(lambda: again.events, 30, "the replay after the crash")
    assert again.datas() == [{"after": "crash"}]
    again.close()


def test_a_publish_on_one_node_reaches_a_stream_on_another(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "index.js").write_text(APP)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = new_node(tmp_path / "a")
    a.start(app=str(tmp_path / "app"))
    try:
        info = a.node_json()
        # node A's NATS is external to B: B's operator supplies credentials for it
        creds = natsauth.options(a.data_dir)
        b = new_node(tmp_path / "b", BRYGGE_NATS_URL=info["nats_url"],
                     BRYGGE_STORAGE_URL=info["storage"], BRYGGE_NATS_USER=creds["user"],
                     BRYGGE_NATS_PASSWORD=creds["password"])
        b.start()
        try:
            s = stream(b, listen(a, {}), base=b.base)
            assert s.status == 200
            wait_until(lambda: s.comments, 30, "the stream on node B to open")
            assert publish(a, {"from": "a"}).status_code == 200
            wait_until(lambda: s.events, 30, "node A's event on node B")
            assert s.datas() == [{"from": "a"}]
            s.close()
        finally:
            b.stop()
    finally:
        a.stop()
