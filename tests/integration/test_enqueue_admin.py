"""The admin's enqueue-from-query (`coho query --enqueue`, `brygge query --enqueue`)
publishes as the app's `conn.enqueueFromQuery` does (storage/enqueue.py): JetStream atomic
batches, so a batch the queue cannot take leaves none of its jobs queued and the
answer's count is exact. One at a time, the jobs of the batch before the refused
document would be queued and the count unknown."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.support.nodes import new_node, wait_until

APP = r"""
import {app, Datastore} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.post('/fill', async (req, res) => {
  const conn = await Datastore.open();
  await conn.insertMany('admsrc', [{k: 1}, {k: 2}, {k: 3}, {k: 4, blob: 'x'.repeat(2 * 1024 * 1024)}]);
  await conn.insertMany('admok', [{k: 1}, {k: 2}, {k: 3}]);
  res.json({ok: true});
});
export default app.init();
"""


def test_admin_enqueue_from_query_publishes_whole_batches(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    node = new_node(tmp_path, BRYGGE_QUEUE_PUBLISH_BATCH="2")  # batches [k1, k2], [k3, k4]
    node.start()
    try:
        assert node.deploy(app).returncode == 0
        assert node.post("/dev/fill").status_code == 200
        hdr = {"x-admintoken": node.admin_token}

        def enqueue(coll: str, topic: str) -> httpx.Response:
            return httpx.get(f"{node.admin}/_adm/brygge/dev/query/{coll}", timeout=60,
                             headers={**hdr, "x-options": json.dumps({"enqueue": topic})})

        def queued(topic: str) -> int:
            r = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/queues", headers=hdr,
                          timeout=30)
            assert r.status_code == 200, r.text
            return next((t["queued"] for t in r.json() if t["topic"] == topic), 0)

        r = enqueue("admsrc", "adm-big")
        assert r.status_code == 413, r.text
        err = r.json()["error"]
        assert "enqueue stopped after 2 jobs" in err and "larger than the queue" in err, err
        # k3 shares the refused batch with the 2 MiB k4: it is not queued either
        assert queued("adm-big") == 2

        ok = enqueue("admok", "adm-ok")  # the queue still takes whole batches
        assert ok.status_code == 200 and ok.json()["count"] == 3, ok.text
        wait_until(lambda: queued("adm-ok") == 3, 30, "three queued jobs")
    finally:
        node.stop()
