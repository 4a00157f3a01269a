"""Realtime event documents do not pile up forever (control_plane/event_docs.py): the
control plane removes `_event_publish_*` documents older than realtime_event_docs_ttl_s;
fresh ones, other collections and listener documents (however old) stay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.nodes import RunningNode, new_node, wait_until, write_app

APP = r"""
import {app, realtime, Datastore} from 'codehooks-js';
realtime.createChannel('/chat');
app.auth('/*', (req, res, next) => next());
app.post('/messages', async (req, res) => res.json(await realtime.publishEvent('/chat', req.body)));
app.post('/old', async (req, res) => {
  const conn = await Datastore.open();
  const old = new Date(Date.now() - 3600 * 1000).toISOString();
  await conn.insertOne('_event_publish_chat',
                       {channel: '/chat', data: {old: true}, query: {}, timestamp: old});
  await conn.insertOne('_event_listeners_chat', {subscribe: {}, timestamp: old});
  await conn.insertOne('notes', {timestamp: old});
  res.json({ok: true});
});
app.get('/docs/:coll', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.getMany(req.params.coll, {}).toArray());
});
export default app.init();
"""


@pytest.fixture()
def node(tmp_path: Path) -> Any:
    n = new_node(tmp_path, BRYGGE_REALTIME_EVENT_DOCS_TTL_S="600",
                 BRYGGE_REALTIME_EVENT_SWEEP_S="0.3")
    n.start()
    d = n.deploy(write_app(tmp_path, "rt", APP))
    assert d.returncode == 0, d.stderr
    yield n
    n.stop()


def docs(node: RunningNode, coll: str) -> list[dict[str, Any]]:
    r = node.get(f"/dev/docs/{coll}")
    assert r.status_code == 200, r.text
    return list(r.json())


def test_old_event_documents_are_removed_and_the_rest_kept(node: RunningNode) -> None:
    assert node.post("/dev/old").status_code == 200
    fresh = node.post("/dev/messages", json={"text": "hi"})
    assert fresh.status_code == 200, fresh.text
    # (the sweeper runs every 0.3 s: the old document may be gone already)
    wait_until(lambda: len(docs(node, "_event_publish_chat")) == 1, 30,
               "the hour-old event document to be removed")
    kept = docs(node, "_event_publish_chat")
    assert kept[0]["_id"] == fresh.json()["_id"] and kept[0]["data"] == {"text": "hi"}
    assert len(docs(node, "_event_listeners_chat")) == 1  # a listener id stays usable
    assert len(docs(node, "notes")) == 1  # other collections are the app's business
    log = (node.data_dir / "logs" / "control-plane.log").read_text()
    assert "removed 1 realtime event document(s) older than 600 s" in log
