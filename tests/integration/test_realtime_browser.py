"""A real headless Chromium (Debian `chromium`, driven by Playwright) on a deployed
chat app (issue 7): the page opens a native `EventSource` on its listener, another
client posts messages and the page shows them; a page listening with interests shows
only its matches; when the router dies and comes back, the browser reconnects with
`Last-Event-ID` and shows the message published while no router was up (it can only
have come from the replay)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from brygge import natsauth, natsconn
from storage import realtime as rt
from tests.support.nodes import RunningNode, new_node, pid_alive, wait_until

APP = r"""
import {app, realtime} from 'codehooks-js';
// the event streams are public (a browser's EventSource cannot send x-apikey)
app.auth('/chat/*', (req, res, next) => next());
realtime.createChannel('/chat');
app.static({route: '/web', directory: '/web'});
app.post('/connect', async (req, res) => {
  const l = await realtime.createListener('/chat', req.body || {});
  res.json({listenerID: l._id});
});
app.post('/messages', async (req, res) => {
  res.json(await realtime.publishEvent('/chat', {message: req.body.message}, req.body.query || {}));
});
export default app.init();
"""

PAGE = r"""<!doctype html>
<html><head><meta charset="utf-8"><title>chat</title></head>
<body>
<ul id="log"></ul>
<script>
const params = new URLSearchParams(location.search);
const token = params.get('token');
const interests = JSON.parse(params.get('interests') || '{}');
(async () => {
  const r = await fetch('/dev/connect', {method: 'POST',
    headers: {'x-apikey': token, 'content-type': 'application/json'},
    body: JSON.stringify(interests)});
  const {listenerID} = await r.json();
  const es = new EventSource('/dev/chat/' + listenerID);
  es.onopen = () => { document.body.dataset.opened = String(Number(document.body.dataset.opened || 0) + 1); };
  es.onmessage = (ev) => {
    const li = document.createElement('li');
    li.textContent = JSON.parse(ev.data).message;
    li.dataset.id = ev.lastEventId;
    document.getElementById('log').appendChild(li);
  };
})();
</script>
</body></html>
"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Debian's chromium is not installed (scripts/test.sh installs it)"
    return path


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("browser")
    app = tmp / "app"
    (app / "web").mkdir(parents=True)
    (app / "index.js").write_text(APP)
    (app / "web" / "index.html").write_text(PAGE)
    n = new_node(tmp)
    n.start(app=str(app))
    yield n
    n.stop()


@pytest.fixture(scope="module")
def browser() -> Any:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


def open_page(browser: Any, node: RunningNode, interests: dict[str, Any] | None = None) -> Page:
    page = browser.new_page()
    q = f"?token={node.token}"
    if interests:
        q += "&interests=" + json.dumps(interests)
    page.goto(f"{node.base}/dev/web/index.html{q}")
    page.wait_for_function("document.body.dataset.opened === '1'", timeout=30_000)
    return page


def shown(page: Page) -> list[str]:
    return list(page.eval_on_selector_all("#log li", "els => els.map(e => e.textContent)"))


def say(node: RunningNode, message: str, query: dict[str, Any] | None = None) -> None:
    r = node.post("/dev/messages", json={"message": message, "query": query or {}},
                  headers=node.auth())
    assert r.status_code == 200, r.text


def test_the_page_shows_posted_messages_and_filters(browser: Any, node: RunningNode) -> None:
    everyone = open_page(browser, node)
    kitchen = open_page(browser, node, {"room": "kitchen"})
    say(node, "hello everyone")
    say(node, "dinner is ready", {"room": "kitchen"})
    say(node, "garage door open", {"room": "garage"})
    say(node, "bye")
    wait_until(lambda: len(shown(everyone)) == 2 and len(shown(kitchen)) == 3, 30,
               "the messages on both pages")
    assert shown(everyone) == ["hello everyone", "bye"]
    assert shown(kitchen) == ["hello everyone", "dinner is ready", "bye"]
    everyone.close()
    kitchen.close()


def test_the_browser_reconnects_with_last_event_id_and_gets_the_missed(
        browser: Any, node: RunningNode) -> None:
    page = open_page(browser, node)
    say(node, "before")
    wait_until(lambda: shown(page) == ["before"], 30, "the first message")
    info = node.node_json()
    router = info["components"]["router"]
    os.kill(router, signal.SIGKILL)
    wait_until(lambda: not pid_alive(router), 10, "the router to die")
    # No router is up: publish the way every executor does, straight into JetStream.
    sid = space_id(node)

    async def publish() -> None:
        nc = await natsconn.connect(info["nats_url"], **natsauth.options(node.data_dir))
        try:
            body = json.dumps({"data": {"message": "while you were away"}, "query": {}})
            await nc.jetstream().publish(rt.subject(sid, "/chat"), body.encode(),
                                         stream=rt.STREAM)
        finally:
            await nc.close()
    in_thread(publish)
    wait_until(lambda: node.node_json()["components"]["router"] != router, 60,
               "the router to be restarted")
    wait_until(lambda: shown(page) == ["before", "while you were away"], 60,
               "the browser to reconnect and be replayed the missed message")
    assert page.evaluate("document.body.dataset.opened") == "2"
    say(node, "after")
    wait_until(lambda: shown(page)[-1:] == ["after"], 30, "a live message after the replay")
    page.close()


def in_thread(fn: Any) -> Any:
    """asyncio.run in a thread of its own: Playwright's sync API keeps an event loop
    running in this one."""
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(asyncio.run(fn())))
    t.start()
    t.join(60)
    assert out, "the coroutine did not finish"
    return out[0]


def space_id(node: RunningNode) -> str:
    from storage.catalog import Catalog
    from storage.client import AsyncStorageClient

    async def go() -> str:
        client = AsyncStorageClient(node.node_json()["storage"])
        try:
            sp = await Catalog(client).space("brygge", "dev")
            assert sp is not None
            return str(sp["id"])
        finally:
            await client.close()
    return str(in_thread(go))


def test_page_assets_exist(node: RunningNode) -> None:
    r = node.get("/dev/web/index.html")
    assert r.status_code == 200 and "EventSource" in r.text
    assert Path(chromium()).exists()
