"""The official `codehooks` CLI 1.0.13 from npm, unchanged, pointed at a Brygge
node with COHO_APIGW_URL: it compiles the app with its own webpack and posts the
bundle to `/<space>/_A_D_M_deploy` with `Host: <project>.api.codehooks.local.io`."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from brygge import cohotoken
from tests.support.coho import FIXTURE, coho, coho_app, node, run_coho

__all__ = ["coho", "coho_app", "node"]  # module-scoped fixtures from tests/support/coho.py
from tests.support.nodes import RunningNode, brygge, wait_until


def test_official_cli_deploys_and_app_is_served(coho: Path, node: RunningNode,
                                                coho_app: Path) -> None:
    app = coho_app
    for f in ("index.js", "config.json"):
        shutil.copy(FIXTURE / f, app / f)
    r = run_coho(coho, node, "deploy", "--admintoken", node.admin_token, "-p", "brygge", "-s",
                 "dev", app=app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Deployed Codehook successfully" in r.stdout, r.stdout + r.stderr
    hello = node.get("/dev/hello", headers=node.auth())
    assert hello.json() == {"message": "Hello from Brygge!", "path": "/hello"}
    created = node.post("/dev/notes", json={"via": "coho"}, headers=node.auth())
    assert created.status_code == 201
    assert created.json() in node.get("/dev/notes", headers=node.auth()).json()
    # the same app through `brygge deploy` lands in the same store, next version
    d = node.deploy(app)
    assert d.returncode == 0, d.stderr
    assert "deployment 2" in d.stdout


def test_official_cli_with_wrong_admin_token_prints_error(coho: Path, node: RunningNode,
                                                          coho_app: Path) -> None:
    app = coho_app
    r = run_coho(coho, node, "deploy", "--admintoken", "wrong", "-p", "brygge", "-s", "dev",
                 app=app)
    assert "wrong admin token" in r.stdout + r.stderr
    assert "Deployed Codehook successfully" not in r.stdout


def test_official_cli_log_shows_console_output(coho: Path, node: RunningNode,
                                              coho_app: Path) -> None:
    """`coho log` reads the space log as SSE from `_A_D_M_logs` with its stored token."""
    app = coho_app
    for f in ("index.js", "config.json"):
        shutil.copy(FIXTURE / f, app / f)
    r = run_coho(coho, node, "deploy", "--admintoken", node.admin_token, "-p", "brygge", "-s",
                 "dev", app=app)
    assert "Deployed Codehook successfully" in r.stdout, r.stdout + r.stderr
    home = app.parent / "home"
    login = brygge("coho-login", "--data-dir", str(node.data_dir),
                   env={"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")})
    assert login.returncode == 0, login.stderr
    stored = json.loads((home / ".config" / "codehooks-cli-nodejs" / "config.json").read_text())
    assert stored["token"].count(".") == 2  # coho decodes it as a JWT
    word = f"blåbær-{time.time_ns()}"
    assert node.get(f"/dev/shout?word={word}", headers=node.auth()).text == "ok"

    def logged() -> str | None:
        out = run_coho(coho, node, "log", "-p", "brygge", "-s", "dev", "--tail", "20", app=app)
        return out.stdout if f"shouting {word}" in out.stdout else None
    out = wait_until(logged, 60, "the console line in `coho log`")
    line = next(ln for ln in out.splitlines() if word in ln)
    assert line.startswith("dev ") and "Z" in line  # space, ISO date, text
    filtered = run_coho(coho, node, "log", "-p", "brygge", "-s", "dev", "-c", "jobhooks", app=app)
    assert filtered.returncode == 0 and word not in filtered.stdout
    routed = run_coho(coho, node, "log", "-p", "brygge", "-s", "dev", "-c", "routehooks", app=app)
    assert word in routed.stdout
    # a wrapper around a wrong token, or a tampered one, is refused
    forged = cohotoken.wrap("not-the-admin-token")
    (home / ".config" / "codehooks-cli-nodejs" / "config.json").write_text(
        json.dumps({"token": forged}))
    bad = run_coho(coho, node, "log", "-p", "brygge", "-s", "dev", app=app)
    assert word not in bad.stdout and bad.returncode != 0
