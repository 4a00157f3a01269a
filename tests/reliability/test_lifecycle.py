"""`brygge up` as an operator sees it: restarts keep everything, one node per
data dir, clear one-line errors, and no process left behind."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.nodes import ROOT, brygge, create_space, new_node, pid_alive, wait_until

HELLO = str(ROOT / "examples" / "hello")


def test_restart_keeps_apps_data_and_tokens_and_leaves_no_orphans(tmp_path: Path) -> None:
    node = new_node(tmp_path)
    node.start(app=HELLO)
    token, admin = node.token, node.admin_token
    doc = node.post("/dev/notes", json={"kept": True}, headers=node.auth()).json()
    pids = list(node.node_json()["components"].values())
    assert len(pids) == 5  # nats, storage, executor, control plane, router
    assert node.stop() == 0
    assert "Brygge stopped." in node.output()
    wait_until(lambda: not any(pid_alive(p) for p in pids), 10, "components to exit")
    assert not (node.data_dir / "node.json").exists()

    node.start()  # same data dir, no --app
    assert (node.token, node.admin_token) == (token, admin)
    assert node.get("/dev/hello").json()["message"] == "Hello from Brygge!"
    assert node.get(f"/dev/notes/{doc['_id']}", headers=node.auth()).json() == doc
    node.stop()


def test_second_up_on_same_data_dir_refuses(tmp_path: Path) -> None:
    node = new_node(tmp_path)
    node.start()
    try:
        other = subprocess.run(
            [sys.executable, "-m", "control_plane.cli", "up", "--data-dir", str(node.data_dir),
             "--http-port", "0", "--admin-port", "0"], capture_output=True, text=True,
            timeout=60, cwd=str(ROOT))
        assert other.returncode == 1
        assert other.stderr.strip() == (
            f"brygge: another `brygge up` (pid {node.proc.pid}) is already running on data dir "  # type: ignore[union-attr]
            f"{node.data_dir}")
        assert node.get("/dev/hello").status_code == 404  # still serving: nothing deployed
    finally:
        node.stop()


def test_busy_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run(
            [sys.executable, "-m", "control_plane.cli", "up", "--data-dir", str(tmp_path / "d"),
             "--http-port", str(port), "--admin-port", "0"], capture_output=True, text=True,
            timeout=60, cwd=str(ROOT))
    assert r.returncode == 1
    assert r.stderr.strip() == (f"brygge: port {port} on 127.0.0.1 is already in use (choose "
                                "another with --http-port or BRYGGE_HTTP_PORT)")


def test_sigint_stops_everything(tmp_path: Path) -> None:
    import signal
    node = new_node(tmp_path)
    node.start()
    pids = list(node.node_json()["components"].values())
    assert node.stop(signal.SIGINT) == 0
    wait_until(lambda: not any(pid_alive(p) for p in pids), 10, "components to exit")


def test_supervisor_killed_takes_children_with_it(tmp_path: Path) -> None:
    import signal
    node = new_node(tmp_path)
    node.start()
    pids = list(node.node_json()["components"].values())
    node.stop(signal.SIGKILL)
    wait_until(lambda: not any(pid_alive(p) for p in pids), 10, "orphans to die")


def test_cli_without_a_node_says_so(tmp_path: Path) -> None:
    r = brygge("token", "--data-dir", str(tmp_path / "none"))
    assert r.returncode == 1
    assert r.stderr.strip().startswith("brygge: no Brygge node in ")


def test_several_routers_share_the_port_and_survive_a_kill(tmp_path: Path) -> None:
    import signal

    node = new_node(tmp_path, BRYGGE_ROUTERS="2")
    node.start(app=HELLO)
    try:
        comps = node.node_json()["components"]
        assert {"router", "router-1"} <= set(comps)
        ids = {node.post("/dev/notes", json={"i": i}, headers=node.auth()).json()["_id"]
               for i in range(20)}
        assert len(ids) == 20  # fresh connections are spread over both; all served
        import os
        os.kill(comps["router-1"], signal.SIGKILL)
        # the other router keeps serving while the supervisor restarts the killed one
        for _ in range(10):
            assert node.get("/dev/hello").status_code == 200
        wait_until(lambda: node.node_json()["components"]["router-1"] != comps["router-1"], 30,
                   "the killed router to be restarted")
        assert node.get("/dev/hello").json()["message"] == "Hello from Brygge!"
        # A rate limit is one bucket for the whole node, not one per router: set on a
        # space no router has looked up yet, a burst of 3 admits exactly 3 requests.
        create_space(node, "limited")
        r = httpx.put(f"{node.admin}/v1/projects/brygge/spaces/limited/ratelimit",
                      json={"rate": 0.001, "burst": 3},
                      headers={"x-admintoken": node.admin_token}, timeout=30)
        assert r.status_code == 200, r.text
        assert node.deploy(HELLO, space="limited").returncode == 0
        codes = [httpx.get(f"{node.base}/limited/hello", timeout=30).status_code  # new conns
                 for _ in range(20)]
        assert codes.count(200) == 3 and codes.count(429) == 17, codes
    finally:
        node.stop()
