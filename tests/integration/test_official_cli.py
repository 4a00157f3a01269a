"""The official `codehooks` CLI 1.0.13 from npm, unchanged, pointed at a Brygge
node with COHO_APIGW_URL: it compiles the app with its own webpack and posts the
bundle to `/<space>/_A_D_M_deploy` with `Host: <project>.api.codehooks.local.io`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.nodes import ROOT, RunningNode, new_node

CACHE = ROOT / "tests" / ".cache" / "coho"
FIXTURE = ROOT / "tests" / "fixtures" / "coho_hello"


def npm_install(where: Path, *pkgs: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    if not (where / "package.json").exists():
        (where / "package.json").write_text('{"name": "brygge-test", "private": true}\n')
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *pkgs],
                       cwd=where, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def coho() -> Path:
    if shutil.which("npm") is None:
        pytest.fail("npm is required for the official CLI tests (install Node 20)")
    cli = CACHE / "cli" / "node_modules" / ".bin" / "coho"
    if not cli.exists():
        npm_install(CACHE / "cli", "codehooks@1.0.13")
    app = CACHE / "app"
    if not (app / "node_modules" / "codehooks-js").exists():
        npm_install(app, "codehooks-js@1.4.3")
    return cli


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    n = new_node(tmp_path_factory.mktemp("coho"))
    n.start()
    yield n
    n.stop()


def run_coho(coho: Path, node: RunningNode, *args: str, app: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COHO_APIGW_URL": node.base, "HOME": str(app.parent / "home"),
           "NO_COLOR": "1"}
    return subprocess.run([str(coho), *args], cwd=app, capture_output=True, text=True,
                          timeout=300, env=env)


def test_official_cli_deploys_and_app_is_served(coho: Path, node: RunningNode) -> None:
    app = CACHE / "app"
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


def test_official_cli_with_wrong_admin_token_prints_error(coho: Path, node: RunningNode) -> None:
    app = CACHE / "app"
    r = run_coho(coho, node, "deploy", "--admintoken", "wrong", "-p", "brygge", "-s", "dev",
                 app=app)
    assert "wrong admin token" in r.stdout + r.stderr
    assert "Deployed Codehook successfully" not in r.stdout
