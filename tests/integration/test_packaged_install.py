"""A plain install stands on its own: the wheel `pip wheel` builds from a clean copy of
the tree, installed into a fresh venv (its dependencies from requirements.lock, with
hashes), runs `brygge up` from outside the source tree and serves an official-CLI-style
webpack bundle whose externals lodash and ajv only the wheel's vendored npm set provides."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.support.nodes import ROOT, free_port, wait_until

# What `coho deploy` posts for an app that imports lodash and ajv: webpack leaves both as
# require() calls (they are on the CLI's externals list) for the runtime to provide.
BUNDLE = """var EntryPoint;(()=>{var e={};const _=require("lodash"),Ajv=require("ajv"),
{app:t}=require("codehooks-js");
const v=new Ajv({allErrors:true}).compile({type:"object",required:["n"],
  properties:{n:{type:"integer",minimum:1}}});
t.get("/both",(q,r)=>{const good=v({n:2}),bad=v({n:0});
  r.json({chunks:_.chunk([1,2,3,4,5],2),lodash:_.VERSION,good,bad,
          errors:v.errors.map(x=>x.instancePath+" "+x.message)})});
e.default=t.init();EntryPoint=e})();"""


def _run(argv: list[str | Path], **kw: object) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=600,
                       **kw)  # type: ignore[call-overload]
    assert r.returncode == 0, f"{argv} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def _clean_copy(dest: Path) -> Path:
    """The tree as a fresh clone of this work tree has it: tracked and new files, nothing
    ignored (no node_modules, no build/, no .venv)."""
    files = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                 cwd=ROOT).stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("npm") is None:
        pytest.fail("npm is required to build the wheel (it vendors the runtime's npm set)")
    tmp = tmp_path_factory.mktemp("wheel")
    src = _clean_copy(tmp / "src")
    # --no-build-isolation: this venv's setuptools builds it (no index round trip)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "-w", tmp / "dist", src])
    return next((tmp / "dist").glob("brygge-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the locked runtime dependencies and the wheel."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    _run([sys.executable, "-m", "venv", where])
    py = where / "bin" / "python"
    # --no-compile: what `brygge up` imports is compiled when it first runs; byte-compiling
    # every installed file up front is most of this fixture's CPU
    _run([py, "-m", "pip", "install", "-q", "--no-compile", "--require-hashes", "-r",
          ROOT / "requirements.lock"])
    _run([py, "-m", "pip", "install", "-q", "--no-compile", "--no-deps", wheel])
    _run([py, "-m", "pip", "check"])
    return where


def test_wheel_carries_the_npm_set(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for pkg in ("lodash", "ajv", "yup", "fast-deep-equal"):  # fast-deep-equal: ajv's own dependency
        assert f"sandbox/vendor/node_modules/{pkg}/package.json" in names, pkg


def test_installed_wheel_serves_a_bundle_requiring_lodash_and_ajv(
        venv: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # the installed package, not this source tree, is what runs
    where = _run([venv / "bin" / "python", "-c", "import sandbox.module_resolve as m; print(m.VENDOR_DIR)"],
                 cwd=tmp_path, env=env).stdout.strip()
    assert where.startswith(str(venv)), where
    data, log = tmp_path / "data", tmp_path / "up.log"
    http, admin = free_port(), free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([venv / "bin" / "brygge", "up", "--data-dir", str(data),
                                 "--http-port", str(http), "--admin-port", str(admin)],
                                stdout=out, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                                env=env, stdin=subprocess.DEVNULL)
    try:
        def ready() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"brygge up exited {proc.returncode}:\n{log.read_text()}")
            return "Ctrl-C stops the node." in log.read_text()

        wait_until(ready, 90, "brygge up from the installed wheel")
        text = log.read_text()
        admin_token = re.findall(r"admin token\s+(\S+)", text)[-1]
        token = re.findall(r"space token\s+(\S+)", text)[-1]
        base = f"http://127.0.0.1:{http}"
        r = httpx.post(f"{base}/dev/_A_D_M_deploy", json={"bundle": BUNDLE}, timeout=60,
                       headers={"host": "brygge.api.codehooks.local.io",
                                "x-admintoken": admin_token, "x-file-name": "bundle.js"})
        assert r.status_code == 201, r.text
        r = httpx.get(f"{base}/dev/both", headers={"x-apikey": token}, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json() == {"chunks": [[1, 2], [3, 4], [5]], "lodash": "4.17.21", "good": True,
                            "bad": False, "errors": ["/n must be >= 1"]}
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_building_without_npm_stops_with_one_line_naming_the_fix(tmp_path: Path) -> None:
    src = _clean_copy(tmp_path / "src")
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
            "-w", str(tmp_path / "dist"), str(src)]
    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}  # no npm on it
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode != 0
    assert ("brygge build: npm not found: the runtime's npm packages (sandbox/vendor/"
            "package-lock.json) are installed with `npm ci`") in r.stdout + r.stderr
    assert not list((tmp_path / "dist").glob("*.whl"))
    # the opt-out builds a wheel without the set
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                       env={**env, "BRYGGE_BUILD_WITHOUT_NPM": "1"})
    assert r.returncode == 0, r.stdout + r.stderr
    names = zipfile.ZipFile(next((tmp_path / "dist").glob("brygge-*.whl"))).namelist()
    assert "sandbox/vendor/package-lock.json" in names
    assert not [n for n in names if "/node_modules/" in n]
