"""`brygge` code and operations commands against a real node (issue 8): verify,
deploy --history/--rollback/--json, undeploy, logs --context, stats, status, the
official CLI's aliases, shell completion, and one-line errors with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.nodes import RunningNode, brygge, new_node, wait_until, write_app

V1 = r"""
import {app, Datastore} from 'codehooks-js';
app.get('/v', (req, res) => { console.log('serving v1'); res.json({v: 1}); });
app.post('/v', (req, res) => res.json({posted: true}));
app.get('/env', (req, res) => res.json({secret: process.env.SECRET || null}));
app.worker('w', (req, res) => res.end());
app.job('0 0 1 1 *', (req, res) => res.end());
export default app.init();
"""
V2 = V1.replace("v: 1", "v: 2").replace("serving v1", "serving v2")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("clicode")
    n = new_node(tmp)
    n.start(app=str(write_app(tmp, "v1", V1)))
    n.apps = tmp  # type: ignore[attr-defined]
    yield n
    n.stop()


def cli(node: RunningNode, *args: str) -> Any:
    return brygge(*args, "--data-dir", str(node.data_dir))


def test_verify_reports_the_manifest_without_a_node(tmp_path: Path) -> None:
    app = write_app(tmp_path, "app", V1)
    r = brygge("verify", str(app))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("OK 🙌") and "GET /v" in r.stdout
    assert "  w\n" in r.stdout and "0 0 1 1 *" in r.stdout
    j = json.loads(brygge("ver", str(app), "--json").stdout)  # the official alias
    assert j["routes"] == ["GET /v", "POST /v", "GET /env"]
    assert j["workers"] == ["w"] and j["jobs"] == ["0 0 1 1 *"]
    bad = write_app(tmp_path, "bad", "import {app} from 'codehooks-js';\nthrow new Error('boom');\n")
    r = brygge("verify", str(bad))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [r.stderr.strip()]  # one line
    assert "does not load" in r.stderr and "boom" in r.stderr
    r = brygge("verify", str(tmp_path / "nowhere"))
    assert r.returncode == 1 and "is not a directory" in r.stderr


def test_history_rollback_and_undeploy(node: RunningNode) -> None:
    tmp = node.apps  # type: ignore[attr-defined]
    d = cli(node, "de", str(write_app(tmp, "v2", V2)), "--json")  # alias, JSON output
    assert d.returncode == 0, d.stderr
    assert json.loads(d.stdout)["manifest"]["routes"] == ["GET /v", "POST /v", "GET /env"]
    assert node.get("/dev/v", headers=node.auth()).json() == {"v": 2}
    h = cli(node, "deploy", "--history")
    assert h.returncode == 0, h.stderr
    lines = h.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith("(active)") and "(active)" not in lines[1]
    rows = json.loads(cli(node, "deploy", "--history", "--json").stdout)
    assert [r["active"] for r in rows] == [True, False] and rows[0]["seq"] == rows[1]["seq"] + 1
    rb = cli(node, "deploy", "--rollback")
    assert rb.returncode == 0 and "serves again" in rb.stdout, rb.stderr
    assert node.get("/dev/v", headers=node.auth()).json() == {"v": 1}
    u = cli(node, "undeploy")
    assert u.returncode == 0 and "removed" in u.stdout, u.stderr
    r = node.get("/dev/v", headers=node.auth())
    assert r.status_code == 404 and "no app is deployed" in r.json()["error"]
    h = cli(node, "deploy", "--history", "--json")
    assert not any(r["active"] for r in json.loads(h.stdout))
    again = cli(node, "deploy", str(tmp / "v1"))
    assert again.returncode == 0, again.stderr


def test_logs_by_context_and_alias(node: RunningNode) -> None:
    assert node.get("/dev/v", headers=node.auth()).status_code == 200
    wait_until(lambda: "serving v1" in cli(node, "log", "--context", "routehooks").stdout, 30,
               "the route's log line")
    assert "serving v1" not in cli(node, "logs", "-c", "jobhooks").stdout
    assert cli(node, "logs", "-c", "routehooks", "--tail", "1").stdout.count("\n") == 1


def test_stats(node: RunningNode) -> None:
    r = cli(node, "stats")
    assert r.returncode == 0, r.stderr
    assert "--- dev ---" in r.stdout and "API/func call : " in r.stdout
    assert node.get("/dev/v", headers=node.auth()).status_code == 200
    rows = wait_until(lambda: (v := json.loads(cli(node, "stats", "--json").stdout))[0]["api"]
                      and v, 30, "the request to be metered")
    assert rows[0]["_id"] == "dev" and rows[0]["api"] >= 1


def test_status(node: RunningNode, tmp_path: Path) -> None:
    r = cli(node, "status")
    assert r.returncode == 0, r.stdout + r.stderr
    assert ": up for" in r.stdout.splitlines()[0] and "router" in r.stdout
    j = json.loads(cli(node, "status", "--json").stdout)
    assert j["health"] == {"router": True, "admin": True}
    assert {c["name"] for c in j["components"]} >= {"nats", "storage", "executor-0",
                                                   "control-plane", "router"}
    assert all(c["alive"] for c in j["components"])
    none = brygge("status", "--data-dir", str(tmp_path / "empty"))
    assert none.returncode == 1 and "no running node" in none.stderr


def test_errors_are_one_line(node: RunningNode) -> None:
    r = brygge("undeploy", "--data-dir", str(node.data_dir), "-s", "nosuchspace")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "nosuchspace" in r.stderr
    r = brygge("stats", "--url", node.admin, "--admintoken", "wrong")
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_shell_completion_scripts(tmp_path: Path) -> None:
    for shell, marker in (("bash", "complete -o default -F _brygge_completion brygge"),
                          ("zsh", "compdef _brygge_completion brygge"),
                          ("fish", "complete --command brygge")):
        r = brygge("completion", shell)
        assert r.returncode == 0 and marker in r.stdout, (shell, r.stdout[:300], r.stderr)
    # the completion protocol itself: what bash gets for `brygge sta<TAB>`
    import os
    import subprocess
    import sys
    env = {**os.environ, "_BRYGGE_COMPLETE": "complete_bash", "COMP_WORDS": "brygge sta",
           "COMP_CWORD": "1"}
    out = subprocess.run([sys.executable, "-c", "from control_plane.cli.main import main; main()"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["stats", "status"], out.stdout + out.stderr
    bad = brygge("completion", "tcsh")
    assert bad.returncode == 1 and "unknown shell" in bad.stderr


def test_spaces_and_tokens(node: RunningNode, tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}

    def run(*args: str) -> Any:
        return brygge(*args, "--data-dir", str(node.data_dir), env=env)

    r = run("add", "staging", "--json")
    assert r.returncode == 0, r.stderr
    staging = json.loads(r.stdout)
    assert staging["url"].endswith("/staging") and staging["tokens"][0]["access"] == "RW"
    dup = run("add", "staging")
    assert dup.returncode == 1 and "already exists" in dup.stderr
    assert run("use").stdout.strip() == "dev"
    assert run("use", "staging").returncode == 0
    assert run("use").stdout.strip() == "staging"  # later commands act on it
    assert run("use", "nope").returncode == 1
    assert run("use", "dev").returncode == 0

    ro = json.loads(run("add-token", "--readonly", "--description", "ci", "--json").stdout)
    assert ro["access"] == "R" and ro["description"] == "ci"
    assert node.get("/dev/v", headers={"x-apikey": ro["token"]}).status_code == 200
    assert node.post("/dev/v", headers={"x-apikey": ro["token"]}).status_code == 403
    assert node.post("/dev/v", headers={"x-apikey": node.token}).status_code == 200
    rm = run("remove-token", ro["token"])
    assert rm.returncode == 0, rm.stderr
    assert node.get("/dev/v", headers={"x-apikey": ro["token"]}).status_code == 401
    again = run("remove-token", ro["token"])
    assert again.returncode == 1 and "no token" in again.stderr
    # a token of another space cannot be removed through this one
    other = staging["tokens"][0]["token"]
    assert run("remove-token", other).returncode == 1

    new = run("add-admintoken", "--description", "second").stdout.strip()
    assert new.startswith("adm_")
    listed = json.loads(run("admintokens", "--json").stdout)
    assert any(new.startswith(r["token"].rstrip("…")) for r in listed) and len(listed) == 2
    works = brygge("stats", "--url", node.admin, "--admintoken", new)
    assert works.returncode == 0, works.stderr
    gone = run("remove-admintoken", new[:12])
    assert gone.returncode == 0, gone.stderr
    refused = brygge("stats", "--url", node.admin, "--admintoken", new)
    assert refused.returncode == 1
    last = run("remove-admintoken", node.admin_token)
    assert last.returncode == 1 and "last admin token" in last.stderr

    ex = run("info", "--examples")
    assert ex.returncode == 0, ex.stderr
    curl = next(line.strip() for line in ex.stdout.splitlines()
                if "curl" in line and "/dev/v" in line)
    assert curl.startswith("curl -s -X GET") and node.token in curl


def test_unexpected_failures_are_one_line_unless_debug(tmp_path: Path) -> None:
    cfg = tmp_path / "config" / "brygge"
    cfg.mkdir(parents=True)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    (cfg / "config.json").write_text("{not json")
    r = brygge("stats", "--data-dir", str(tmp_path / "none"), env=env)
    assert r.returncode == 1 and "is not valid JSON" in r.stderr and "Traceback" not in r.stderr
    (cfg / "config.json").write_text("[1, 2]")  # JSON, but not what login writes
    r = brygge("stats", "--data-dir", str(tmp_path / "none"), env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "--debug" in r.stderr
    r = brygge("stats", "--data-dir", str(tmp_path / "none"), "--debug", env=env)
    assert r.returncode == 1 and "Traceback" in r.stderr


def test_encrypted_env_is_sealed_at_rest(node: RunningNode) -> None:
    secret = "s3cr3t-" + "x" * 20
    r = cli(node, "set-env", "SECRET", secret, "--encrypted")
    assert r.returncode == 0 and "(encrypted)" in r.stdout, r.stderr
    wait_until(lambda: node.get("/dev/env", headers=node.auth()).json() == {"secret": secret},
               30, "the app to see the decrypted value")
    info = json.loads(cli(node, "info", "--json").stdout)
    assert "SECRET=(encrypted)" in info["spaces"][0]["env"]
    assert secret not in json.dumps(info)
    assert cli(node, "remove-env", "SECRET").returncode == 0
    wait_until(lambda: node.get("/dev/env", headers=node.auth()).json() == {"secret": None},
               30, "the env var to be gone")
