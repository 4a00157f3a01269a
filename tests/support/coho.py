"""The official `codehooks` CLI (coho) from npm, installed once under tests/.cache/coho
(module-scoped fixture `coho`; a file lock makes the first of several xdist workers
install it while the others wait), a node for it (`node`), a module's own app folder
(`coho_app`), project folders logged in to that node (`coho_project`) and `run_coho` to
run the CLI against it. Nothing under the cache is written after the install, so the
modules using it run at the same time."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.nodes import ROOT, RunningNode, brygge, new_node

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
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not cli.exists():
            npm_install(CACHE / "cli", "codehooks@1.0.13")
        app = CACHE / "app"
        if not (app / "node_modules" / "codehooks-js").exists():
            npm_install(app, "codehooks-js@1.4.3")
    return cli


@pytest.fixture(scope="module")
def coho_app(coho: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An app folder of the module's own for coho to build in (its session HOME beside
    it): the shared install's package.json and node_modules (codehooks-js), linked."""
    app = tmp_path_factory.mktemp("coho-app") / "app"
    app.mkdir()
    shutil.copy(CACHE / "app" / "package.json", app / "package.json")
    (app / "node_modules").symlink_to(CACHE / "app" / "node_modules")
    return app


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    n = new_node(tmp_path_factory.mktemp("coho"))
    n.start()
    yield n
    n.stop()


def coho_project(tmp_path_factory: pytest.TempPathFactory, node: RunningNode,
                 prefix: str) -> Path:
    """A project folder with config.json (space dev) and a `coho` session for `node` from
    `brygge coho-login`, in HOME beside it (where `run_coho` points coho)."""
    root = tmp_path_factory.mktemp(prefix)
    app = root / "app"
    app.mkdir()
    (app / "config.json").write_text('{"name":"brygge","space":"dev"}')
    home = root / "home"
    login = brygge("coho-login", "--data-dir", str(node.data_dir),
                   env={"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")})
    assert login.returncode == 0, login.stderr
    return app


def run_coho(coho: Path, node: RunningNode, *args: str, app: Path,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    home = app.parent / "home"
    env = {**os.environ, "COHO_APIGW_URL": node.base, "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / ".config"), "NO_COLOR": "1", **(env or {})}
    return subprocess.run([str(coho), *args], cwd=app, capture_output=True, text=True,
                          timeout=300, env=env)


def drive(argv: list[str], steps: list[tuple[str, str]], cwd: Path, env: dict[str, str],
          timeout: float = 120) -> str:
    """Run an interactive command (coho's inquirer prompts): for each (text, answer),
    wait until the output shows `text`, then type `answer`; returns all the output.
    Answers go one at a time, as a person types them: inquirer drops input that arrives
    before its prompt is drawn."""
    import select
    import time

    p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    assert p.stdin is not None and p.stdout is not None
    out = b""
    deadline = time.monotonic() + timeout
    try:
        for want, answer in steps:
            while want.encode() not in out:
                ready, _, _ = select.select([p.stdout], [], [], max(0.0, deadline -
                                                                   time.monotonic()))
                chunk = os.read(p.stdout.fileno(), 65536) if ready else b""
                if not chunk:
                    raise AssertionError(f"{argv[1:]}: no {want!r} in:\n{out.decode()}")
                out += chunk
            p.stdin.write(answer.encode())
            p.stdin.flush()
        p.stdin.close()
        out += p.stdout.read()
        p.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return out.decode()
