"""Start and stop real Brygge nodes for tests: `brygge up` in a subprocess, on
random free ports, in a temp data dir, with every component real."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


# Ports for nodes come from below the kernel's ephemeral range (32768-60999 on Linux), so an
# outgoing connection of any process cannot take one between our check and the node's bind;
# each xdist worker draws from its own slice, so two workers never pick the same port.
_PORTS_LO, _PORTS_SLICE = 20000, 2500
_handed: set[int] = set()


def free_port() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    n = int(worker[2:]) if worker[2:].isdigit() else 0
    lo = _PORTS_LO + (n % 5) * _PORTS_SLICE
    for _ in range(200):
        port = random.randrange(lo, lo + _PORTS_SLICE)
        if port in _handed:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed.add(port)
        return port
    raise RuntimeError("no free port for a test node")


def wait_until(cond: Any, timeout: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def brygge(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
           cwd: str | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "control_plane.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})},
                          cwd=cwd or str(ROOT), input=input)


@dataclass
class RunningNode:
    data_dir: Path
    http_port: int
    admin_port: int
    proc: subprocess.Popen[str] | None = None
    out_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    token: str = ""
    admin_token: str = ""  # printed by the first start only (then stored as a hash)
    operator_password: str = ""  # likewise

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def admin(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    def output(self) -> str:
        return self.out_path.read_text() if self.out_path and self.out_path.exists() else ""

    def node_json(self) -> dict[str, Any]:
        return json.loads((self.data_dir / "node.json").read_text())

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.post(self.base + path, timeout=30, **kw)

    def auth(self) -> dict[str, str]:
        return {"x-apikey": self.token}

    def start(self, app: str | None = None, timeout: float = 120) -> RunningNode:
        # A generous wait on a condition (not a timing claim): on a loaded 2-core box a
        # node's first start compiles wasm and starts five processes.
        self.out_path = self.data_dir.parent / f"{self.data_dir.name}-up.log"
        out = open(self.out_path, "a")
        argv = [sys.executable, "-m", "control_plane.cli", "up", "--data-dir", str(self.data_dir),
                "--http-port", str(self.http_port), "--admin-port", str(self.admin_port)]
        if app:
            argv += ["--app", app]
        self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, **self.env}, cwd=str(ROOT),
                                     stdin=subprocess.DEVNULL)
        out.close()

        def ready() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"brygge up exited {self.proc.returncode}:\n{self.output()}")
            text = self.output()
            if "Ctrl-C stops the node." not in text.split("Brygge stopped.")[-1]:
                return False
            return not app or "Deployed" in text or "failed" in text

        try:
            wait_until(ready, timeout, "brygge up")
        except RuntimeError as e:
            # Another process took one of our ports between the check and the bind (the
            # node refused to start, naming it): the ports are ours to choose, so choose again.
            if "Address already in use" not in str(e) or getattr(self, "_port_retries", 0) >= 3:
                raise
            self._port_retries = getattr(self, "_port_retries", 0) + 1
            self.http_port, self.admin_port = free_port(), free_port()
            return self.start(app, timeout)
        except TimeoutError:
            raise TimeoutError(f"brygge up not ready in {timeout} s:\n{self.output()[-4000:]}") \
                from None
        text = self.output()
        # a later start prints no secret: keep what the first one printed
        self.admin_token = (re.findall(r"admin token\s+(\S+)", text) or [self.admin_token])[-1]
        self.operator_password = (re.findall(r"operator\s+\S+\s+password\s+(\S+)", text)
                                  or [self.operator_password])[-1]
        self.token = re.findall(r"space token\s+(\S+)", text)[-1]
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def deploy(self, app_dir: str | Path, project: str = "brygge", space: str = "dev"
               ) -> subprocess.CompletedProcess[str]:
        return brygge("deploy", str(app_dir), "--data-dir", str(self.data_dir), "-p", project,
                      "-s", space)


def write_app(root: Path, name: str, src: str) -> Path:
    """An app folder `root/name` whose index.js is `src`."""
    d = root / name
    d.mkdir(exist_ok=True)
    (d / "index.js").write_text(src)
    return d


def new_node(tmp: Path, **env: str) -> RunningNode:
    return RunningNode(data_dir=tmp / "node", http_port=free_port(), admin_port=free_port(),
                       env=env)


@contextmanager
def deployed_node(tmp: Path, src: str, **env: str) -> Iterator[RunningNode]:
    """A started node (settings `env`) with the app `src` (its index.js) deployed to
    brygge/dev; stopped on exit."""
    n = new_node(tmp, **env)
    n.start()
    try:
        d = n.deploy(write_app(tmp, "app", src))
        assert d.returncode == 0, d.stderr
        yield n
    finally:
        n.stop()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def catalog_call(node: RunningNode, fn: Any) -> Any:
    """`await fn(Catalog)` over the node's storage socket (what the admin API has no
    route for: spaces, tokens, raw records)."""
    import asyncio

    from brygge.tokenseal import TokenKeys
    from storage.catalog import Catalog
    from storage.client import AsyncStorageClient

    async def go() -> Any:
        client = AsyncStorageClient(node.node_json()["storage"])
        try:
            return await fn(Catalog(client, TokenKeys.of_data_dir(node.data_dir)))
        finally:
            await client.close()

    return asyncio.run(go())


def create_space(node: RunningNode, name: str, project: str = "brygge") -> None:
    """A second space on a running node, through the catalog on its storage socket
    (the admin API has no space creation yet)."""
    async def create(cat: Any) -> None:
        await cat.create_space(project, name)

    catalog_call(node, create)


def other_space_tokens(node: RunningNode) -> dict[str, str]:
    """Space `other` beside `dev`, a read-only token of dev ("ro") and a read-write
    token of other ("other")."""
    async def setup(cat: Any) -> dict[str, str]:
        await cat.create_space("brygge", "other")
        return {"ro": await cat.add_token("brygge", "dev", "R", "read-only"),
                "other": await cat.add_token("brygge", "other", "RW", "other space")}

    return dict(catalog_call(node, setup))
