"""A deployed app inside one wasm instance: loading an artifact and running
invocations with the host loop (promise jobs, timers, deadline).

Artifacts (stored content-addressed by the control plane) come in two kinds:
  {"kind": "source", "entry": "index.js", "files": {path: text}}  -- `brygge deploy`
  {"kind": "bundle", "bundle": "var EntryPoint=..."}             -- the official CLI
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import logging
import posixpath
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, cast

from sandbox import guestcalls, hostcrypto, hostops
from sandbox.body import BodyReadError
from sandbox.engine import Instance, JSError, SandboxTrap, Snapshot
from sandbox.hosterror import MARK, host_error, is_host_error, unknown_op
from sandbox.module_pack import BundleError
from sandbox.modules import ModuleSystem
from sandbox.prelude import PRELUDE, PRELUDE_END

log = logging.getLogger("brygge.sandbox")
_JS = resources.files("sandbox").joinpath("js")
# PRELUDE: the guest runtime, evaluated in every instance before the app; its files and
# their load order are listed in sandbox/prelude.py.
# The built-in codehooks-js: one ES module assembled from its parts (declarations
# first, then the core that creates the app and exports).
CODEHOOKS_JS = "\n".join(_JS.joinpath(name).read_text() for name in (
    "codehooks/q2m.js", "codehooks/aggregation.js", "codehooks/crudlify.js", "codehooks/web.js",
    "codehooks/openapi.js", "codehooks/workflow.js", "codehooks.js"))
BUILTIN_MODULES = {"codehooks-js": CODEHOOKS_JS}
# Module resolution, formats and CommonJS facades live in sandbox/modules.py.


@functools.lru_cache(maxsize=512)
def _strip_types(path: str, source: str) -> str:
    """TypeScript → JavaScript by type stripping (OXC, compiled to wasm, shipped in
    the quickjs-rs wheel): no type checking, as with Node's own TS support."""
    from quickjs_rs._transform import TransformError, transform_module_source
    try:
        return transform_module_source(path, source)
    except TransformError as e:
        raise DeployError(f"TypeScript in {path}: {e}") from None


_prelude: list[Snapshot | None] = []
_prelude_lock = threading.Lock()


def prelude_snapshot(timeout_s: float = 10.0) -> Snapshot | None:
    """The runtime (PRELUDE) evaluated once per process, with the built-in codehooks-js
    module loaded, frozen: every instance starts from a copy-on-write map of it
    instead of evaluating both again (an app's `import 'codehooks-js'` finds the
    module loaded; an upload with its own copy resolves to that instead). Code in
    them must not capture time at load (all instances would share it). If the
    prelude makes a host call while loading (whose answer could depend on the app,
    or be random), or loading codehooks-js makes one other than resolving built-ins,
    there is no snapshot: each AppInstance evaluates everything, as it does when the
    prelude fails (and then reports why)."""
    if _prelude:
        return _prelude[0]
    with _prelude_lock:
        if _prelude:
            return _prelude[0]
        calls: list[str] = []
        modules = ModuleSystem({}, BUILTIN_MODULES, _strip_types)  # no upload: built-ins only

        def host(op: str, payload: str) -> str:
            if op.startswith("module.") and calls == ["<preload>"]:
                return modules.host_call(op, payload)
            calls.append(op)
            return ""
        inst = Instance(host, module_loader=modules.esm_module)
        modules.guest_call = inst.call
        try:
            inst.set_deadline(timeout_s)
            for name, src in PRELUDE:
                inst.eval_script(src, name)
            inst.eval_script(PRELUDE_END, "brygge:prelude-end.js")
            if not calls:
                calls.append("<preload>")
                inst.eval_script("import('codehooks-js').then(() => {},"
                                 " e => { globalThis.__brygge_preload = e; });",
                                 "brygge:preload.js")
                inst.run_jobs()
                inst.eval_script("if (globalThis.__brygge_preload) throw __brygge_preload;",
                                 "brygge:preload-check.js")
            inst.set_deadline(None)
            if calls != ["<preload>"]:
                log.warning("the runtime makes host calls while loading (%s): no runtime "
                            "snapshot, every instance evaluates it",
                            ", ".join(sorted(set(calls) - {"<preload>"})))
                _prelude.append(None)
            else:
                _prelude.append(inst.snapshot(share=False))
        except (JSError, SandboxTrap, OSError) as e:
            log.warning("no runtime snapshot: %s", e)
            return None
        finally:
            inst.close()
    return _prelude[0]


class DeployError(Exception):
    """The artifact cannot become a running app: message names the cause and place."""


def parse_artifact(raw: bytes) -> dict[str, Any]:
    try:
        art = json.loads(raw)
    except ValueError as e:
        raise DeployError(f"artifact is not JSON: {e}") from None
    if not isinstance(art, dict) or art.get("kind") not in ("source", "bundle"):
        raise DeployError("artifact must be {kind: 'source'|'bundle', ...}")
    return art


def _js_error_text(e: JSError) -> str:
    where = ""
    for line in e.stack.splitlines():
        line = line.strip()
        if line.startswith("at ") and "eval_script" not in line and "brygge:" not in line:
            loc = line[3:]
            if loc.endswith(")") and "(" in loc:  # "fn (file:line:col)" -> "file:line:col"
                loc = loc[loc.rindex("(") + 1:-1]
            where = f" ({loc})"
            break
    return f"{e.name}: {e.message}{where}"


@dataclass
class Invocation:
    """State of one running invocation, written by host calls."""
    # ("head", {status, headers}) / ("chunk" | "end", bytes); True when it waited for
    # the client to read (then the guest's budgets are re-armed: waiting is not CPU)
    emit: Callable[[str, Any], bool | None]
    host_calls: int = 0
    outbound: int = 0  # net.fetch calls (each an outbound HTTP request)
    ended: bool = False
    error: str = ""
    logs: list[tuple[str, str, float]] = field(default_factory=list)  # level, text, epoch ms
    recycle: bool = False  # the instance must not serve another invocation (e.g. after OOM)
    body: Any = None  # sandbox/body.py's BodySource of a request body streamed in
    deadline: float = 0.0  # time.monotonic() when the invocation's wall time runs out
    # A batch of jobs in one invocation (`__brygge_invoke_jobs`): called with each job's
    # outcome as the guest reports it (host op `job.done`); returns the next job's
    # deadline in seconds (its budgets start afresh), or None when none is left.
    on_job: Callable[[str], float | None] | None = None


class _AssetError(Exception):
    """A deployed binary file could not be read from storage."""


class AppInstance:
    """One wasm instance with the runtime and one app loaded. Not thread-safe."""

    def __init__(self, artifact: dict[str, Any], host_ops: Callable[[str, str], str], *,
                 memory_mb: int = 128, stack_kb: int = 512, epoch_ms: int = 10,
                 max_host_calls: int = 100_000, eval_timeout_s: float = 10.0,
                 env_json: str = "", snapshot: Snapshot | None = None,
                 max_outbound_requests: int = 50,
                 max_reentry: int = guestcalls.DEFAULT_MAX_REENTRY) -> None:
        """Evaluate the app, in a heap restored from the runtime's snapshot; or, with
        `snapshot` (from `AppInstance.snapshot()` of this artifact and env), restore
        the evaluated app itself."""
        self.host_ops = host_ops
        self.max_host_calls = max_host_calls
        self.max_outbound_requests = max_outbound_requests
        self.inv: Invocation | None = None
        self._arm: Callable[[], None] | None = None  # re-arms the epoch deadline (run)
        self._restart: Callable[[float], None] | None = None  # new budgets (run, job batches)
        self.files: dict[str, str] = artifact.get("files") or {}
        # binary source files: {path: {digest, size}} (control_plane/deploy.py)
        self.assets: dict[str, Any] = artifact.get("assets") or {}
        self._source_tags: dict[str, tuple[int, str]] = {}
        self.modules = ModuleSystem(self.files, BUILTIN_MODULES, _strip_types)
        self.resolve_errors: list[str] = self.modules.errors
        t0 = time.perf_counter()
        base = snapshot or prelude_snapshot(eval_timeout_s)
        self.inst = Instance(self._host, memory_mb=memory_mb, stack_kb=stack_kb,
                             epoch_ms=epoch_ms, module_loader=self._resolve, snapshot=base,
                             max_reentry=max_reentry)
        if snapshot is not None:
            self.modules.guest_call = self.inst.call
            self.modules.guest_eval_module = self._eval_esm
            self.manifest = dict(snapshot.meta.get("manifest") or {})
            self.eval_ms = (time.perf_counter() - t0) * 1000
            return
        self.inst.set_deadline(eval_timeout_s)
        try:
            if base is None:  # no runtime snapshot: evaluate the runtime here
                for name, src in PRELUDE:
                    self.inst.eval_script(src, name)
                self.inst.eval_script(PRELUDE_END, "brygge:prelude-end.js")
            if env_json:  # process.env (sealed values opened by the executor, envcrypt)
                self.inst.call("__brygge_setEnv", env_json)
            self.modules.guest_call = self.inst.call
            self.modules.guest_eval_module = self._eval_esm
            if artifact["kind"] == "bundle":
                bundle = str(artifact.get("bundle", ""))
                try:  # externals the runtime cannot provide refuse the deploy
                    self.modules.check_bundle(bundle, set(json.loads(
                        self.inst.call("__brygge_module_names", "") or "[]")))
                except BundleError as e:
                    raise DeployError(str(e)) from None
                self.inst.eval_script(bundle, "bundle.js")
                self.inst.eval_script("globalThis.__brygge_app = EntryPoint;", "activate.js")
            else:
                entry = str(artifact.get("entry") or "index.js")
                if entry not in self.files:
                    raise DeployError(f"entry file {entry!r} is not in the upload")
                # A dynamic import, so that an exception thrown while the app's
                # module graph evaluates reaches us with its location.
                self.inst.eval_script(
                    f"import({json.dumps('./' + entry)}).then("
                    "m => { globalThis.__brygge_app = m.default; },"
                    " e => { globalThis.__brygge_app_error = e; });", "brygge:entry.js")
                self.inst.run_jobs()
            desc = self.inst.call("__brygge_activate", "")
        except JSError as e:
            self.inst.close()
            raise DeployError(self.resolve_errors[0] if self.resolve_errors
                              else _js_error_text(e)) from None
        except SandboxTrap as e:
            self.inst.close()
            raise DeployError(f"evaluating the app: {e}") from None
        finally:
            if not self.inst.dead:
                self.inst.set_deadline(None)
        self.manifest: dict[str, Any] = json.loads(desc or "{}")
        self.eval_ms = (time.perf_counter() - t0) * 1000

    def snapshot(self) -> Snapshot:
        """Freeze the evaluated app so that more instances of it (same artifact and
        env) start from here. Take it before the first invocation."""
        return self.inst.snapshot({"manifest": self.manifest})

    # -- module resolution for source deployments -------------------------------------
    def _resolve(self, base: str, spec: str) -> tuple[str, str] | None:
        return self.modules.esm_module(base, spec)

    def _eval_esm(self, code: str, name: str) -> str:
        """Evaluate an ES module now (require() of an ES module); "" or a host error reply.
        A module that threw is left to the runtime's ERR_REQUIRE_ESM, except past the
        re-entry bound: that error goes up the require() chain as it is, so the app
        (or the deploy) sees the limit and not the outermost module's name."""
        try:
            thrown = self.inst.eval_module_error(code, name)
        except JSError as e:
            return host_error(e.name, e.message)
        if thrown is not None and guestcalls.REENTRY_MARK in thrown.message:
            return host_error(thrown.name, thrown.message)
        return ""

    def _source_file(self, op: str, payload: str) -> str:
        """fs.read {path, encoding?: "base64", offset?, length?} -> the file's text (or its
        bytes in base64, a range of them with offset/length); fs.stat {path} -> {path,
        size, sha256}; fs.list {path} -> [{path, size}] of the files under a folder.
        Binary files (the artifact's `assets`, content-addressed blobs) are read from
        storage a range at a time (op file.asset); their digest is their SHA-256."""
        try:
            args = json.loads(payload)
            path = str(args["path"])
        except (ValueError, KeyError, TypeError):
            return host_error("TypeError", "_coho_fs: the path must be a string")
        rel = posixpath.normpath("/" + path).lstrip("/")
        text = self.files.get(rel)
        asset = self.assets.get(rel) if text is None else None
        if op in ("fs.read", "fs.stat") and text is None and not isinstance(asset, dict):
            return host_error("Error", f"ENOENT: no such file or directory, open '{path}'")
        if op == "fs.stat":
            if asset is not None:
                return json.dumps({"path": "/" + rel, "size": asset["size"],
                                   "sha256": asset["digest"]})
            tag = self._source_tags.get(rel)
            if tag is None:
                raw = text.encode("utf-8", "surrogatepass")
                tag = self._source_tags[rel] = (len(raw), hashlib.sha256(raw).hexdigest())
            return json.dumps({"path": "/" + rel, "size": tag[0], "sha256": tag[1]})
        if op == "fs.read":
            offset, length = args.get("offset"), args.get("length")
            ranged = isinstance(offset, int) and isinstance(length, int) \
                and offset >= 0 and 0 <= length <= 1024 * 1024
            if asset is not None:  # (deployed binary files are small: deploy.MAX_FILE_BYTES)
                raw = self._asset_bytes(asset, *((offset, length) if ranged else (0, asset["size"])))
                if args.get("encoding") == "base64":
                    return base64.b64encode(raw).decode()
                return raw.decode("utf-8", "replace")  # readFile of a binary file, as Node
            if args.get("encoding") == "base64":
                raw = text.encode("utf-8", "surrogatepass")
                if ranged:
                    raw = raw[offset:offset + length]
                return base64.b64encode(raw).decode()
            return text
        if op == "fs.list":
            folder = "" if rel == "." else rel
            sizes = {p: len(t.encode("utf-8", "surrogatepass")) for p, t in self.files.items()}
            sizes.update({p: a["size"] for p, a in self.assets.items() if isinstance(a, dict)})
            return json.dumps([{"path": "/" + p, "size": n} for p, n in sorted(sizes.items())
                               if not folder or p == folder or p.startswith(folder + "/")])
        return unknown_op(op)

    def _asset_bytes(self, asset: dict[str, Any], offset: int, length: int) -> bytes:
        out = []
        end = min(asset["size"], offset + length)
        while offset < end:
            n = min(end - offset, 1024 * 1024)
            r = self.host_ops("file.asset", json.dumps({"digest": asset["digest"],
                                                         "offset": offset, "length": n}))
            if is_host_error(r):
                raise _AssetError(r.split(MARK)[-1])
            piece = base64.b64decode(json.loads(r)["data"])
            if not piece:
                break
            out.append(piece)
            offset += len(piece)
        return b"".join(out)

    # -- host calls: the guest's one door, dispatched from sandbox/hostops.py -----------
    def _host(self, op: str, payload: str) -> str:
        spec = hostops.GUEST.get(op)
        inv = self.inv
        if spec is None:
            if op in hostops.BY_NAME:  # the host's own op (file.asset): never the guest's
                return unknown_op(op)
            if inv is None:
                return ""  # module load: a call it may not make does nothing
            self._count(inv)
            return unknown_op(op)
        if inv is None:  # module evaluation: only the rows allowed at load
            if not spec.at_load:
                return host_error("Error", spec.load_error) if spec.load_error else ""
            return self._answer(spec, op, payload)
        if spec.outbound:
            inv.outbound += 1
            if inv.outbound > self.max_outbound_requests:  # catchable: each try is a host call
                return host_error("Error", f"ERR_BRYGGE_OUTBOUND_LIMIT: more than "
                                  f"{self.max_outbound_requests} outbound requests in one "
                                  "invocation (BRYGGE_MAX_OUTBOUND_REQUESTS)")
        if spec.counted:
            self._count(inv)
        if not spec.blocking:
            return self._answer(spec, op, payload)
        try:  # it may wait (storage, the network, the client): not CPU time
            return self._answer(spec, op, payload)
        finally:
            if self._arm is not None:
                self._arm()

    def _answer(self, spec: hostops.HostOp, op: str, payload: str) -> str:
        if spec.side == "executor":
            return self.host_ops(op, payload)
        return _INSTANCE_HANDLERS[op](self, op, payload)

    def _count(self, inv: Invocation) -> None:
        inv.host_calls += 1
        if inv.host_calls > self.max_host_calls:
            # Uncatchable: a guest that swallowed the error could loop forever.
            raise SandboxTrap(f"more than {self.max_host_calls} host calls in one invocation")

    def host_crypto(self, op: str, payload: str) -> str:
        return hostcrypto.call(op, payload)

    def host_module(self, op: str, payload: str) -> str:  # require(): resolution, sources
        return self.modules.host_call(op, payload)

    def host_source_file(self, op: str, payload: str) -> str:  # _coho_fs {source: true}
        try:
            return self._source_file(op, payload)
        except _AssetError as e:
            return host_error("Error", str(e))

    def host_response(self, op: str, payload: str) -> str:
        inv = cast(Invocation, self.inv)  # (rows not allowed at load)
        if op == "http.res":
            head, _, body = payload.partition("\n")
            inv.ended = True
            inv.emit("head", json.loads(head))
            return self._emitted(inv.emit("end", body.encode("utf-8", "surrogatepass")))
        if op == "http.head":
            inv.emit("head", json.loads(payload))
            return ""
        if op == "http.write":
            return self._emitted(inv.emit("chunk", payload.encode("utf-8", "surrogatepass")))
        if op == "http.end":
            inv.ended = True
            return self._emitted(inv.emit("end", payload.encode("utf-8", "surrogatepass")))
        if op == "http.writeb":  # binary: one Latin-1 char per byte
            return self._emitted(inv.emit("chunk", payload.encode("latin-1")))
        inv.ended = True  # http.endb
        return self._emitted(inv.emit("end", payload.encode("latin-1")))

    def host_body_read(self, op: str, payload: str) -> str:
        return self._body_read(cast(Invocation, self.inv))

    def host_job_done(self, op: str, payload: str) -> str:
        inv = cast(Invocation, self.inv)
        if inv.on_job is None:  # not a batch: no one here answers it
            self._count(inv)
            return self.host_ops(op, payload)
        # One job of a batch is over: the next one gets its own budgets (wall time,
        # CPU, host calls, outbound requests). At most one call per job of the batch
        # resets anything, so a batch never gets more than its jobs would one by one.
        nxt = inv.on_job(payload)
        if nxt is not None:
            inv.host_calls = inv.outbound = 0
            inv.ended = False
            if self._restart is not None:
                self._restart(nxt)
        return ""

    def _emitted(self, waited: bool | None) -> str:
        """After a response write: one that waited for the client re-arms the epoch
        deadline (the wall clock ran on, the CPU budget did not)."""
        if waited and self._arm is not None:
            self._arm()
        return ""

    def _body_read(self, inv: Invocation) -> str:
        """The next piece of a streamed request body as base64, "" at its end."""
        if inv.body is None:
            return ""
        try:
            piece = inv.body.read(max(0.05, inv.deadline - time.monotonic()))
        except BodyReadError as e:
            return host_error("Error", str(e))
        return "" if piece is None else base64.b64encode(piece).decode()

    # -- invocations ---------------------------------------------------------------------
    def run(self, entry: str, arg: str, inv: Invocation, deadline_s: float,
            cpu_s: float | None = None) -> None:
        """Call `entry(arg)`, which returns a promise of `{logs, error}`, and drive
        promise jobs and timers until it settles, nothing is left to run, or the
        deadline passes. The response may have been sent long before (work goes on
        after it). Raises SandboxTrap when the guest had to be stopped (the
        instance is then dead).

        Two budgets: `deadline_s` of wall time, and `cpu_s` of this thread's CPU
        time (waiting on storage, outbound requests or timers does not count). The
        epoch deadline is armed for whichever ends first and re-armed after every
        blocking host call, so an infinite loop stops within one epoch tick of either.
        The epoch counts wall time, so on a CPU-starved host the CPU budget errs on
        the strict side (JS that is runnable but not running is charged too)."""
        self.inv = inv
        inst = self.inst
        t_end = inv.deadline = time.monotonic() + deadline_s
        cpu_end = time.thread_time() + (cpu_s if cpu_s is not None else deadline_s)

        def arm() -> None:
            inst.set_deadline(max(0.0, min(t_end - time.monotonic(),
                                           cpu_end - time.thread_time())))
        def restart(deadline_s: float) -> None:  # the next job of a batch starts
            nonlocal t_end, cpu_end
            t_end = inv.deadline = time.monotonic() + deadline_s
            cpu_end = time.thread_time() + (cpu_s if cpu_s is not None else deadline_s)
            arm()
        self._arm = arm
        self._restart = restart
        arm()
        p = 0
        try:
            p = inst.call_handle(entry, arg)
            while True:
                inst.run_jobs()
                if inst.promise_state(p):
                    self._collect(inv, inst.promise_string(p))
                    return
                nxt = float(inst.call("__brygge_tick", "") or -1)
                # Jobs that ran after the tick may have set new timers, so `nxt` is
                # only trusted when none ran; the guest runs at most 100,000 jobs per
                # call, so a promise storm also just goes round again (the CPU budget
                # ends it).
                if inst.run_jobs() > 0 or inst.promise_state(p):
                    arm()
                    continue
                if nxt < 0:
                    # Nothing can make progress any more: no jobs, no timers.
                    self._collect(inv, inst.call("__brygge_drain", ""))
                    if not inv.ended:
                        inv.error = "the handler finished without sending a response"
                        if inst.at_memory_cap():
                            # Out of memory inside a promise job rejects a promise nobody
                            # awaits (a growing chain): nothing in JS reports it, the heap
                            # high-water mark does. Such a heap is never reused.
                            inv.error += (": out of memory (the instance's memory limit "
                                          "was reached)")
                            inv.recycle = True
                    return
                left = t_end - time.monotonic()
                if left <= 0:
                    # The guest is idle, waiting: its log lines so far belong to this
                    # invocation, not to the next one this instance serves.
                    with contextlib.suppress(Exception):
                        inst.set_deadline(0.5)
                        self._collect(inv, inst.call("__brygge_drain", ""))
                    raise SandboxTrap("wall-clock deadline exceeded")
                if nxt > 0:
                    time.sleep(min(nxt / 1000, left))
                arm()
        except JSError as e:
            inv.error = _js_error_text(e)
        except SandboxTrap as e:
            # The epoch trap says "CPU"; it was the wall clock if that ran out first.
            if str(e) == "CPU time limit exceeded" and time.monotonic() >= t_end:
                raise SandboxTrap("wall-clock deadline exceeded") from None
            raise
        finally:
            self.inv = None
            self._arm = None
            self._restart = None
            if not inst.dead:
                if p:
                    inst.free(p)
                inst.set_deadline(None)

    @staticmethod
    def _collect(inv: Invocation, result: str | None) -> None:
        if not result:
            return
        r = json.loads(result)
        inv.logs.extend((e[0], e[1], e[2] if len(e) > 2 else time.time() * 1000)
                        for e in r.get("logs", ()))
        if r.get("error"):
            inv.error = r["error"]
        if r.get("recycle"):
            inv.recycle = True

    def close(self) -> None:
        self.inst.close()

    @property
    def dead(self) -> bool:
        return self.inst.dead


# op -> AppInstance method, from the table (a row naming no method fails at import).
_INSTANCE_HANDLERS: dict[str, Callable[[AppInstance, str, str], str]] = {
    op.name: getattr(AppInstance, op.handler) for op in hostops.TABLE if op.side == "instance"}
