"""A real node (NATS, RocksDB, executor processes, router, control plane) serving
apps deployed with `brygge deploy`; happy paths and failure paths."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nodes import ROOT, RunningNode, brygge, new_node, wait_until

HELLO = str(ROOT / "examples" / "hello")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # This module exercises the gRPC transport to executor processes (the executor
    # kill test needs it); test_datastore_api.py runs on the default in-process one.
    n = new_node(tmp_path_factory.mktemp("node"), BRYGGE_MAX_BODY_BYTES="65536",
                 BRYGGE_EXECUTOR_TRANSPORT="grpc")
    n.start(app=HELLO)
    yield n
    n.stop()


def write_app(d: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return d


def test_banner_and_credentials_commands(node: RunningNode) -> None:
    out = node.output()
    assert f"http://127.0.0.1:{node.http_port}/dev" in out
    assert brygge("token", "--data-dir", str(node.data_dir)).stdout.strip() == node.token
    # admin tokens are kept as hashes: `admin-token` makes a new one, printed once
    made = brygge("admin-token", "--data-dir", str(node.data_dir)).stdout.strip()
    assert made.startswith("adm_") and made != node.admin_token
    assert httpx.get(f"{node.admin}/v1/projects/brygge", headers={"x-admintoken": made},
                     timeout=10).status_code == 200
    info = json.loads(brygge("info", "--json", "--data-dir", str(node.data_dir)).stdout)
    assert info["project"] == "brygge"
    [dev] = info["spaces"]
    assert dev["name"] == "dev"
    assert dev["url"] == f"http://localhost:{node.http_port}/dev"
    assert {"token": node.token, "access": "RW", "description": "created by brygge up"} in \
        dev["tokens"]


def test_example_app_is_served(node: RunningNode) -> None:
    r = node.get("/dev/hello")
    assert r.status_code == 200
    assert r.json() == {"message": "Hello from Brygge!", "path": "/hello"}
    assert r.headers["x-request-id"]


def test_project_by_host_header(node: RunningNode) -> None:
    r = node.get("/dev/hello", headers={"host": f"brygge.api.localhost:{node.http_port}"})
    assert r.status_code == 200
    r = node.get("/dev/hello", headers={"host": "nosuch.api.localhost"})
    assert r.status_code == 404
    assert r.json()["error"] == "no space 'dev' in project 'nosuch'"


def test_datastore_round_trip(node: RunningNode) -> None:
    r = node.post("/dev/notes", json={"title": "første", "n": 1}, headers=node.auth())
    assert r.status_code == 201, r.text
    doc = r.json()
    assert len(doc["_id"]) == 24
    got = node.get(f"/dev/notes/{doc['_id']}", headers=node.auth())
    assert got.json() == doc
    listing = node.get("/dev/notes", headers=node.auth())
    assert doc in listing.json()


@pytest.mark.parametrize("headers, reason", [
    ({}, "missing API token"),
    ({"x-apikey": "nope"}, "wrong API token in x-apikey"),
    ({"authorization": "Bearer nope"}, "the Bearer token is not a token of this space"),
])
def test_closed_by_default(node: RunningNode, headers: dict[str, str], reason: str) -> None:
    r = node.get("/dev/notes", headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/json")
    assert reason in r.json()["error"]


def test_token_also_accepted_as_bearer_and_x_api_key(node: RunningNode) -> None:
    assert node.get("/dev/notes", headers={"authorization": f"Bearer {node.token}"}
                    ).status_code == 200
    assert node.get("/dev/notes", headers={"x-api-key": node.token}).status_code == 200


@pytest.mark.parametrize("path, host", [
    ("/nospace/hello", None), ("/", None), ("/nospace", None),
    ("/" + "a" * 300 + "/x", None),                 # longer than any name can be
    ("/Dev%00x/hello", None), ("/..%2f/hello", None),
    ("/dev/x", "b" * 300 + ".api.localhost"),       # project from an absurd Host
    ("/dev/x", "UPPER_case.api.localhost"),
])
def test_unknown_space_is_404_json(node: RunningNode, path: str, host: str | None) -> None:
    r = node.get(path, headers={"host": host} if host else {})
    assert r.status_code == 404
    assert "error" in r.json()


def test_admin_endpoint_with_impossible_project_is_a_clear_error(node: RunningNode) -> None:
    r = httpx.get(f"{node.admin}/v1/projects/{'p' * 300}",
                  headers={"x-admintoken": node.admin_token}, timeout=10)
    assert r.status_code == 403 and "not valid for project" in r.json()["error"]


def test_unknown_route_is_404_json(node: RunningNode) -> None:
    r = node.get("/dev/nosuchroute", headers=node.auth())
    assert r.status_code == 404
    assert r.json()["error"] == "No route matches GET /nosuchroute"


def test_oversized_body_is_413(node: RunningNode) -> None:
    # JSON (and form, text) bodies are parsed whole, so they are capped at
    # max_body_bytes; binary ones beyond it stream into the app (test_request_lifecycle.py)
    json_body = {**node.auth(), "content-type": "application/json"}
    r = node.post("/dev/notes", content=b"x" * 70000, headers=json_body)
    assert r.status_code == 413
    assert "larger than 65536 bytes" in r.json()["error"]

    def chunks() -> Any:  # no content-length: the limit applies while streaming
        for _ in range(20):
            yield b"y" * 8192

    r = node.post("/dev/notes", content=chunks(), headers=json_body)
    assert r.status_code == 413


def test_malformed_json_body_is_400(node: RunningNode) -> None:
    r = node.post("/dev/notes", content=b'{"title": ', headers={
        **node.auth(), "content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"].startswith("Malformed JSON body")


def test_brygge_deploy_folder_with_imports(node: RunningNode, tmp_path: Path) -> None:
    app = write_app(tmp_path / "app", {
        "index.js": "import {app} from 'codehooks-js';\n"
                    "import cfg from './config/settings.json';\n"
                    "import {shout} from './lib/text.js';\n"
                    "app.auth('/*', (req, res, next) => next());\n"
                    "app.get('/greet/:name', (req, res) => res.json({g: shout(req.params.name),"
                    " v: cfg.version}));\n"
                    "export default app.init();\n",
        "config/settings.json": '{"version": 7}',
        "lib/text.js": "export const shout = (s) => s.toUpperCase() + '!';\n",
    })
    r = brygge("deploy", str(app), "--data-dir", str(node.data_dir), "-s", "dev")
    assert r.returncode == 0, r.stderr
    assert "GET /greet/:name" in r.stdout
    assert node.get("/dev/greet/ola").json() == {"g": "OLA!", "v": 7}
    # put the example back for the other tests
    assert node.deploy(HELLO).returncode == 0
    assert node.get("/dev/hello").status_code == 200


@pytest.mark.parametrize("source, message", [
    ("import {app} from 'codehooks-js';\napp.get('/x', (req, res) => {\n", "SyntaxError"),
    ("import {app} from 'codehooks-js';\nthrow new Error('broken at load');\n",
     "Error: broken at load (index.js:2"),
    ("export default 42;\n", "not a codehooks app"),
    ("import x from './missing.js';\nexport default x;\n", "'./missing.js'"),
])
def test_bad_bundle_is_refused_and_previous_stays_live(node: RunningNode, tmp_path: Path,
                                                        source: str, message: str) -> None:
    app = write_app(tmp_path / "bad", {"index.js": source})
    r = httpx.post(f"{node.admin}/v1/projects/brygge/spaces/dev/deployments",
                   headers={"x-admintoken": node.admin_token},
                   json={"kind": "source", "entry": "index.js",
                         "files": {"index.js": source}}, timeout=30)
    assert r.status_code == 400
    assert message in r.json()["error"]
    cli = node.deploy(app)
    assert cli.returncode == 1
    assert message in cli.stderr
    assert len(cli.stderr.strip().splitlines()) == 1  # one clear line, no traceback
    assert node.get("/dev/hello").status_code == 200


@pytest.mark.parametrize("headers, status", [
    ({}, 401), ({"x-admintoken": "wrong"}, 401)])
def test_admin_api_needs_admin_token(node: RunningNode, headers: dict[str, str],
                                     status: int) -> None:
    r = httpx.post(f"{node.admin}/v1/projects/brygge/spaces/dev/deployments", headers=headers,
                   json={"kind": "source", "files": {}}, timeout=10)
    assert r.status_code == status
    assert "admin token" in r.json()["error"]


def test_deploy_to_unknown_space_is_404(node: RunningNode) -> None:
    r = httpx.post(f"{node.admin}/v1/projects/brygge/spaces/nope/deployments",
                   headers={"x-admintoken": node.admin_token},
                   json={"kind": "source", "entry": "index.js", "files": {"index.js": ""}},
                   timeout=10)
    assert r.status_code == 404
    assert r.json()["error"] == "no space 'nope' in project 'brygge'"


def test_malformed_deployment_is_400(node: RunningNode) -> None:
    r = httpx.post(f"{node.admin}/v1/projects/brygge/spaces/dev/deployments",
                   headers={"x-admintoken": node.admin_token}, content=b"{nope", timeout=10)
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["error"]


def test_logs_show_console_output(node: RunningNode) -> None:
    marker = os.urandom(4).hex()
    assert node.get(f"/dev/hello?m={marker}").status_code == 200

    def logged() -> bool:
        r = brygge("logs", "--data-dir", str(node.data_dir), "--json")
        return r.returncode == 0 and any(json.loads(line)["log"].startswith("hello from")
                                         for line in r.stdout.splitlines())

    wait_until(logged, 20, "the console line in `brygge logs`")
    r = brygge("logs", "--data-dir", str(node.data_dir))
    assert "dev " in r.stdout and "info" in r.stdout and "hello from 127.0.0.1" in r.stdout
    line = next(ln for ln in r.stdout.splitlines() if "hello from" in ln)
    assert "[GET /hello " in line  # the source and the request id
    entry = next(json.loads(ln) for ln in brygge("logs", "--data-dir", str(node.data_dir),
                                                 "--json").stdout.splitlines()
                 if "hello from" in ln)
    assert entry["context"] == "routehooks" and entry["source"] == "GET /hello"
    assert len(entry["requestId"]) >= 8 and entry["date"].endswith("Z")


def test_logs_follow_streams_new_lines(node: RunningNode) -> None:
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "control_plane.cli", "logs", "-f", "--tail",
                             "0", "--data-dir", str(node.data_dir)], stdout=subprocess.PIPE,
                            text=True, cwd=str(ROOT))
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()),
                                  daemon=True)  # type: ignore[union-attr]
        reader.start()

        def got_line() -> bool:
            node.get("/dev/hello")
            reader.join(0.3)
            return bool(lines and "hello from" in lines[0])

        wait_until(got_line, 20, "a followed log line")
    finally:
        proc.terminate()
        proc.wait(10)


def test_executor_killed_mid_request(node: RunningNode, tmp_path: Path) -> None:
    app = write_app(tmp_path / "slow", {"index.js": (
        "import {app, Datastore} from 'codehooks-js';\n"
        "app.auth('/*', (req, res, next) => next());\n"
        "app.get('/hello', (req, res) => res.json({ok: true}));\n"
        "app.get('/slow', async (req, res) => {\n"
        "  const conn = await Datastore.open();\n"
        "  await conn.insertOne('marks', {_id: req.query.id});\n"
        "  setTimeout(() => res.end('late'), 5000);\n"
        "});\n"
        "app.get('/started/:id', async (req, res) => {\n"
        "  const conn = await Datastore.open();\n"
        "  res.json(await conn.findOneOrNull('marks', req.params.id));\n"
        "});\n"
        "export default app.init();\n")})
    assert node.deploy(app).returncode == 0
    assert node.get("/dev/hello").status_code == 200
    pid = node.node_json()["components"]["executor-0"]
    result: dict[str, httpx.Response] = {}
    mark = os.urandom(4).hex()
    t = threading.Thread(target=lambda: result.update(r=node.get(f"/dev/slow?id={mark}")))
    t.start()
    # kill once the request is running in the sandbox (it has written its mark)
    wait_until(lambda: node.get(f"/dev/started/{mark}").json() is not None, 10,
               "the slow request to start")
    os.kill(pid, signal.SIGKILL)
    t.join(30)
    r = result["r"]
    assert r.status_code == 502
    assert "executor" in r.json()["error"]
    assert "requestId" in r.json()
    # the supervisor restarts the executor; the next request succeeds
    wait_until(lambda: node.node_json()["components"]["executor-0"] != pid, 30,
               "a restarted executor")
    r = node.get("/dev/hello")
    assert r.status_code == 200
    assert node.deploy(HELLO).returncode == 0



FIXTURES = ROOT / "tests" / "fixtures"


def _adm_deploy(node: RunningNode, bundle: str, token: str | None = None) -> httpx.Response:
    return httpx.post(f"{node.base}/dev/_A_D_M_deploy", json={"bundle": bundle}, timeout=60,
                      headers={"host": "brygge.api.codehooks.local.io",
                               "x-admintoken": token or node.admin_token,
                               "x-file-name": "bundle.js", "x-githash": "null",
                               "x-date": "2026-11-22T10:00:00.000Z"})


def test_cli_endpoint_deploys_a_webpack_bundle(node: RunningNode) -> None:
    """What `coho deploy` sends (captured from codehooks@1.0.13), replayed without npm."""
    bundle = (FIXTURES / "coho_hello_bundle.js").read_text()
    r = _adm_deploy(node, bundle)
    assert r.status_code == 201, r.text
    assert "error" not in r.json()
    assert r.json()["manifest"]["routes"] == ["GET /hello", "POST /notes", "GET /notes"]
    assert node.get("/dev/hello", headers=node.auth()).json() == {
        "message": "Hello from Brygge!", "path": "/hello"}
    assert node.get("/dev/hello").status_code == 401  # this app has no auth hook
    history = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/deployments",
                        headers={"x-admintoken": node.admin_token}, timeout=10).json()
    assert history[0]["headers"]["x-file-name"] == "bundle.js"
    assert history[0]["seq"] > history[1]["seq"]
    assert node.deploy(HELLO).returncode == 0


@pytest.mark.parametrize("bundle, error", [
    ("var EntryPoint = {default: 1};", "not a codehooks app"),
    ("var EntryPoint = (", "SyntaxError"),
    ("throw new TypeError('nope')", "TypeError: nope"),
])
def test_cli_endpoint_refuses_bad_bundles_with_error_field(node: RunningNode, bundle: str,
                                                           error: str) -> None:
    r = _adm_deploy(node, bundle)
    assert r.status_code == 400
    assert error in r.json()["error"]  # the CLI prints `error` and ignores the status
    assert node.get("/dev/hello").status_code == 200


def test_cli_endpoint_wrong_token_and_body(node: RunningNode) -> None:
    r = _adm_deploy(node, "x", token="wrong")
    assert r.status_code == 401 and r.json()["error"] == "wrong admin token" and r.json()["requestId"]
    r = httpx.post(f"{node.base}/dev/_A_D_M_deploy", content=b"not json", timeout=10,
                   headers={"host": "brygge.api.codehooks.local.io",
                            "x-admintoken": node.admin_token})
    assert r.status_code == 400 and "bundle" in r.json()["error"]
    r = httpx.post(f"{node.base}/dev/_A_D_M_deploy", json={"bundle": "x"}, timeout=10,
                   headers={"host": "nosuch.api.codehooks.local.io",
                            "x-admintoken": node.admin_token})
    assert r.status_code == 403


def test_remote_style_deploy_with_login(node: RunningNode, tmp_path: Path) -> None:
    """No data dir: credentials come from `brygge login` (or --url/--admintoken)."""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    elsewhere = str(tmp_path)  # a cwd without ./.brygge
    bad = brygge("login", node.admin, "--admintoken", "wrong", env=env, cwd=elsewhere)
    assert bad.returncode == 1 and bad.stderr.strip() == "brygge: wrong admin token"
    ok = brygge("login", node.admin, "--admintoken", node.admin_token, env=env, cwd=elsewhere)
    assert ok.returncode == 0, ok.stderr
    cfg = tmp_path / "cfg" / "brygge" / "config.json"
    assert oct(cfg.stat().st_mode & 0o777) == "0o600"
    r = brygge("deploy", HELLO, env=env, cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    r = brygge("deploy", HELLO, "--url", node.admin, "--admintoken", node.admin_token,
               cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert node.get("/dev/hello").status_code == 200
