"""A lean host for the QuickJS-NG wasm guest.

The guest is the `wasm32-wasip1` build of QuickJS-NG (via rquickjs) shipped in the
`quickjs-rs` wheel; we load its `_guest.wasm` into wasmtime ourselves instead of
using that package's Python API. Why: its generic marshalling costs ~230 µs per
eval and ~170 µs per host call (measured), while the sandbox crosses the wasm
boundary on every request and every storage call. Here the only values that
cross are strings: one JSON string in per invocation, one `op\\n payload` string
per host call, one string back. Everything else (req/res objects, routing,
chains) lives in the guest's JS runtime (`sandbox/js/runtime/*.js`).

Limits: linear memory is capped by wasmtime store limits and by QuickJS's own
allocator limit; the CPU/wall deadline is enforced with wasmtime epoch
interruption (a trap ends the invocation and the instance is thrown away).

Stack: the guest keeps C locals (and QuickJS's per-call JS frames) on a shadow
stack in linear memory, [0, 1 MiB) below the data, and wasm's own call stack on
the host thread's native stack (wasmtime's `max_wasm_stack`). QuickJS checks its
stack limit against the shadow stack pointer, but its WASI build pins that limit
to 0 (no check), so deep recursion used to exhaust the native stack first: an
uncatchable trap at ~530 JS frames. `_patch_guest` makes `JS_SetMaxStackSize`
store its argument as the limit address, and we pass `base - stack_kb`: QuickJS
then throws a catchable `RangeError: Maximum call stack size exceeded` (~5,800
frames of a trivial function per MiB of shadow stack), with the native stack
sized so that it never runs out first for JS recursion (see WASM_STACK_BYTES).

Snapshots: the guest's whole state is its linear memory plus `__stack_pointer`
(no other globals; the function table is never written), so `Instance.snapshot()`
copies memory into a memfd, and `Instance(snapshot=...)` maps it copy-on-write
over a fresh instance's memory: a restore costs an instantiate and one mmap,
not the evaluation of the runtime and the app.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.metadata
import importlib.resources
import logging
import mmap
import os
import struct
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import wasmtime
from wasmtime import _bindings
from wasmtime import _ffi as ffi
from wasmtime._extern import wrap_extern

from sandbox import guestcalls

STATUS_OK = 0
STATUS_JS_ERROR = 1
HOST_CALL_ERROR = -1

class JSError(Exception):
    """An exception thrown by guest JS (name, message, stack)."""

    def __init__(self, name: str, message: str, stack: str | None = None) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
        self.stack = stack or ""


class SandboxTrap(Exception):
    """The guest was stopped by the host (deadline, memory) or crashed; the
    instance must not be reused."""


log = logging.getLogger("brygge.sandbox")

# The native stack wasm may use on the calling thread. JS recursion costs up to ~8
# native bytes per shadow-stack byte (measured over recursion through calls,
# getters, toString, Proxy traps, generators, bound functions...), so 6 MiB covers
# MAX_STACK_KB of shadow stack. Parser and JSON nesting cost more per level and may
# still end in a trap (the instance is recycled). Threads that call into the guest
# need this much stack plus headroom: see ensure_thread_stack_size().
WASM_STACK_BYTES = 6 * 1024 * 1024
MAX_STACK_KB = 640  # most of the 1 MiB shadow stack, within WASM_STACK_BYTES / 8
_STACK_HEADROOM = 64 * 1024  # shadow stack left below the limit for the throw path
THREAD_STACK_BYTES = WASM_STACK_BYTES + 2 * 1024 * 1024

# JS_SetMaxStackSize(rt, size) as compiled into the guest: `rt->stack_limit = 0;
# rt->stack_size = size` (the WASI build disables the check). Patched to
# `rt->stack_limit = size`, so the host can set the limit address itself.
_SET_STACK_OLD = bytes.fromhex("20004100360288012000200136028001" "0b")
_SET_STACK_NEW = bytes.fromhex("20002001360288012000200136028001" "0b")


def _guest_wasm() -> bytes:
    return importlib.resources.files("quickjs_rs").joinpath("_guest.wasm").read_bytes()


def _patch_guest(wasm: bytes) -> tuple[bytes, bool]:
    """The guest with a working stack limit; unpatched (and False) if the
    expected function body is not found exactly once, e.g. a new quickjs-rs."""
    if wasm.count(_SET_STACK_OLD) != 1:
        log.warning("guest wasm not recognised: deep recursion stays an uncatchable trap")
        return wasm, False
    return wasm.replace(_SET_STACK_OLD, _SET_STACK_NEW), True


# One engine per process: compiled code is shared by every instance; the epoch
# ticker thread advances it so deadlines can be expressed in ticks.
_engine_lock = threading.Lock()
_shared: dict[str, Any] = {}
_current = guestcalls.current  # per thread: the running instance, callback depth
_cache_dir: list[Path] = []


def configure(cache_dir: str | os.PathLike[str] | None) -> None:
    """Keep the compiled guest in `cache_dir` (a process compiles it once, ~1 s,
    and later processes map the file). Call before the first Instance."""
    _cache_dir[:] = [Path(cache_dir)] if cache_dir else []


def _compiled_module(engine: wasmtime.Engine, wasm: bytes, config_key: str) -> wasmtime.Module:
    """The guest module, always mapped from a compiled file. The guest runs ~40 % slower
    from the memory `wasmtime.Module(...)` (or `deserialize` of bytes) leaves it in than
    from `deserialize_file`'s mapping (bench/invoke_micro.py: p50 409 vs 286 µs per hello
    invocation; docs/BENCHMARKS.md, issue 18), so a process that compiles the guest
    writes it out first, then maps what it wrote."""
    key = hashlib.sha256(wasm + config_key.encode()).hexdigest()[:32]
    if _cache_dir:
        path = _cache_dir[0] / f"guest-{key}.cwasm"
        if path.exists():
            try:
                return wasmtime.Module.deserialize_file(engine, str(path))
            except wasmtime.WasmtimeError as e:  # another wasmtime build or CPU: recompile
                log.warning("compiled guest %s unusable (%s); recompiling", path, e)
    compiled = wasmtime.Module(engine, wasm).serialize()
    if _cache_dir:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(compiled)
            os.replace(tmp, path)  # readers never see a partial file
            return wasmtime.Module.deserialize_file(engine, str(path))
        except OSError as e:
            log.warning("cannot cache the compiled guest in %s: %s", path.parent, e)
    # No (writable) cache dir: a private temp file, unlinked once mapped.
    with tempfile.NamedTemporaryFile(prefix=f"brygge-guest-{key}-", suffix=".cwasm") as f:
        f.write(compiled)
        f.flush()
        return wasmtime.Module.deserialize_file(engine, f.name)


def _thread_stack_size() -> int | None:
    """This thread's stack size (glibc), None where it cannot be known."""
    try:
        libc = ctypes.CDLL(None)
        getattr_np = libc.pthread_getattr_np
    except (OSError, AttributeError):
        return None
    libc.pthread_self.restype = ctypes.c_ulong
    attr = ctypes.create_string_buffer(256)  # pthread_attr_t is 56 bytes on x86-64
    if getattr_np(ctypes.c_ulong(libc.pthread_self()), attr) != 0:
        return None
    addr, size = ctypes.c_void_p(), ctypes.c_size_t()
    try:
        if libc.pthread_attr_getstack(attr, ctypes.byref(addr), ctypes.byref(size)) != 0:
            return None
    finally:
        libc.pthread_attr_destroy(attr)
    return size.value


def _check_thread_stack() -> None:
    """wasmtime trusts that `max_wasm_stack` bytes of native stack exist below the
    entry point; on a smaller stack deep guest recursion would fault the process."""
    size = _thread_stack_size()
    if size is not None and size < WASM_STACK_BYTES + 1024 * 1024:
        raise RuntimeError(
            f"thread {threading.current_thread().name!r} has a {size >> 10} KiB stack; the "
            f"sandbox needs {THREAD_STACK_BYTES >> 10} KiB (create guest-calling threads after "
            "sandbox.engine.ensure_thread_stack_size())")
    _current.stack_ok = True


def ensure_thread_stack_size() -> None:
    """Make threads created from now on big enough to call into the guest."""
    if threading.stack_size() < THREAD_STACK_BYTES:  # 0: the platform default, unknown
        threading.stack_size(THREAD_STACK_BYTES)


def shared_engine(epoch_ms: int = 10) -> tuple[wasmtime.Engine, wasmtime.Module, wasmtime.Linker]:
    with _engine_lock:
        if not _shared:
            cfg = wasmtime.Config()
            cfg.epoch_interruption = True
            cfg.cranelift_opt_level = "speed"
            # wasmtime refuses a max_wasm_stack above the async stack size (unused here).
            ffi.wasmtime_config_async_stack_size_set(cfg.ptr(), WASM_STACK_BYTES + (1 << 20))
            cfg.max_wasm_stack = WASM_STACK_BYTES
            # Memory stays where it is when it grows (the 4 GiB reservation is far above
            # any memory cap), so an instance can keep its base address.
            cfg.memory_may_move = False
            engine = wasmtime.Engine(cfg)
            wasm, patched = _patch_guest(_guest_wasm())
            module = _compiled_module(engine, wasm, f"{importlib.metadata.version('wasmtime')} "
                                      f"{sys.platform} epoch speed fixed-memory stack={WASM_STACK_BYTES}")
            linker = wasmtime.Linker(engine)
            linker.define_wasi()
            guestcalls.define_imports(linker)  # raw callbacks that never raise through ctypes

            def tick() -> None:
                while True:
                    time.sleep(epoch_ms / 1000)
                    engine.increment_epoch()

            threading.Thread(target=tick, name="wasm-epoch", daemon=True).start()
            _shared.update(engine=engine, module=module, linker=linker, epoch_ms=epoch_ms,
                           stack_patched=patched)
    return _shared["engine"], _shared["module"], _shared["linker"]


HostFn = Callable[[str, str], str]


_call_unchecked = _bindings._wasmtime_func_call_unchecked  # the ctypes function, no wrapper


def _keeping_gil(fn: Any) -> Any:
    """The same C function, called without releasing the GIL (ctypes' PYFUNCTYPE).

    ctypes releases the GIL around every foreign call; with the event loop and other
    invocations waiting for it, each release of a call that takes a microsecond is a
    hand-over and a thread switch (tens of µs on a VM): profiled, the epoch-deadline
    setter alone was 11 % of the router's busy samples. Only for calls that run no
    JavaScript and are bounded by their arguments: a guest call that can run user code
    must release the GIL, or a busy loop in it would stop every other thread."""
    proto = ctypes.PYFUNCTYPE(fn.restype, *fn.argtypes)
    return proto(ctypes.cast(fn, ctypes.c_void_p).value)


_call_unchecked_gil = _keeping_gil(_call_unchecked)
_set_epoch_deadline = _keeping_gil(_bindings._wasmtime_context_set_epoch_deadline)
# Guest exports that run no JavaScript and do work bounded by their arguments (copying a
# string, malloc/free, reading a promise's state or the last result): _keeping_gil.
BOUNDED_EXPORTS = frozenset({
    "new_string", "get_string", "new_undefined", "qjs_alloc", "qjs_free", "qjs_last_len",
    "qjs_last_ptr", "qjs_result_free", "promise_state"})


class _FastFunc:
    """Calls an i32-only export through `wasmtime_func_call_unchecked`.

    wasmtime-py's generic `Func.__call__` re-reads the function type and converts
    every argument through `Val` on each call (~16 µs here); the guest's exports
    take and return only i32, so one preallocated raw-value array does (~1.5 µs).
    """

    __slots__ = ("buf", "call", "ctx", "fref", "func")

    def __init__(self, store: wasmtime.Store, func: Any, bounded: bool = False) -> None:
        self.ctx = store._context()
        self.func = func  # a raw wasmtime_func_t
        self.fref = ctypes.byref(func)
        self.buf = (ffi.wasmtime_val_raw_t * 8)()
        self.call = _call_unchecked_gil if bounded else _call_unchecked

    def __call__(self, *args: int) -> int:
        buf = self.buf
        i = 0
        for a in args:
            buf[i].i32 = a
            i += 1
        trap = ctypes.POINTER(ffi.wasm_trap_t)()
        err = self.call(self.ctx, self.fref, buf, 8, ctypes.byref(trap))
        if err:
            if (e := guestcalls.take_exception()) is not None:
                raise e
            raise wasmtime.WasmtimeError._from_ptr(err)
        if trap:
            t = wasmtime.Trap._from_ptr(trap)
            if (e := guestcalls.take_exception()) is not None:
                raise e  # what a host callback raised (it unwound the guest as a trap)
            raise t
        return buf[0].i32


class _Exports(dict):  # type: ignore[type-arg]
    """The guest's exported functions as _FastFunc, bound on first use: wasmtime-py's
    `exports()` wraps all 55 exports in Python objects (~0.9 ms per instance), and an
    invocation uses about ten."""

    def __init__(self, store: wasmtime.Store, inst: wasmtime.Instance) -> None:
        super().__init__()
        self.store, self.inst = store, inst

    def extern(self, name: str) -> Any:
        item = ffi.wasmtime_extern_t()
        n = name.encode()
        if not ffi.wasmtime_instance_export_get(self.store._context(),
                                                ctypes.byref(self.inst._instance), n, len(n),
                                                ctypes.byref(item)):
            raise SandboxTrap(f"guest has no export {name!r}")
        return item

    def __missing__(self, name: str) -> _FastFunc:
        item = self.extern(name)
        if item.kind != ffi.WASMTIME_EXTERN_FUNC.value:
            raise SandboxTrap(f"guest export {name!r} is not a function")
        f = self[name] = _FastFunc(self.store, item.of.func, name in BOUNDED_EXPORTS)
        return f


class Snapshot:
    """A guest heap frozen between calls: linear memory in an unlinked file
    (memfd), mapped copy-on-write into each instance restored from it, and the
    host-side handles that point into it. Restored instances share unmodified
    pages and are independent of each other. `meta` carries the caller's data."""

    def __init__(self, fd: int, size: int, stack_pointer: int, handles: dict[str, Any],
                 meta: dict[str, Any] | None = None) -> None:
        self.fd = fd
        self.size = size
        self.stack_pointer = stack_pointer
        self.handles = handles
        self.meta = meta or {}
        self.stored_bytes = 0  # non-zero pages written (the page cache it occupies)
        self._finalizer = weakref.finalize(self, os.close, fd)

    def close(self) -> None:
        self._finalizer()


def _new_image_file() -> int:
    if hasattr(os, "memfd_create"):
        return os.memfd_create("brygge-snapshot", os.MFD_CLOEXEC)
    f = tempfile.TemporaryFile()  # elsewhere: an unlinked temp file
    fd = os.dup(f.fileno())
    f.close()
    return fd


_libc: list[Any] = []
_ZERO_PAGE = bytes(4096)
_SCRATCH = 16 * 1024  # per-instance buffer for strings handed to the guest


def _libc_fn() -> Any:
    if not _libc:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long]
        libc.memcmp.restype = ctypes.c_int
        libc.memcmp.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        _libc.append(libc)
    return _libc[0]


def _map_private(addr: int, size: int, fd: int) -> bool:
    """mmap(MAP_PRIVATE|MAP_FIXED) `fd` over [addr, addr+size): copy-on-write pages.
    The range lies inside the wasm memory's own mapping, which wasmtime unmaps
    whole when the store goes, taking this one with it."""
    r = _libc_fn().mmap(addr, size, mmap.PROT_READ | mmap.PROT_WRITE,
                        mmap.MAP_PRIVATE | 0x10, fd, 0)  # 0x10: MAP_FIXED (Linux, macOS)
    return r == addr


# QuickJS seeds Math.random (xorshift64*, in its JSContext) from the clock at
# creation: instances restored from one snapshot would repeat one sequence. The
# state's address is found once by watching which word steps like xorshift64*.
_M64 = (1 << 64) - 1
_random_state: list[int | None] = []
_probe_lock = threading.Lock()


def _xorshift64(x: int) -> int:
    x ^= x >> 12
    x ^= (x << 25) & _M64
    return x ^ (x >> 27)


class Instance:
    """One QuickJS heap in one wasm store. Not thread-safe: one call at a time."""

    def __init__(self, host: HostFn, *, memory_mb: int = 128, stack_kb: int = 512,
                 epoch_ms: int = 10,
                 module_loader: Callable[[str, str], tuple[str, str] | None] | None = None,
                 snapshot: Snapshot | None = None,
                 max_reentry: int = guestcalls.DEFAULT_MAX_REENTRY) -> None:
        engine, module, linker = shared_engine(epoch_ms)
        self._epoch_ms = _shared["epoch_ms"]
        # host callbacks that may nest on one thread while this instance runs innermost
        self.max_reentry = max_reentry
        guestcalls.ensure_recursion_room(max_reentry)
        self.host = host
        self.module_loader = module_loader
        self._module_sources: dict[str, str] = {}
        self.store = wasmtime.Store(engine)
        self._memory_cap = memory_mb * 1024 * 1024
        self.store.set_limits(memory_size=self._memory_cap)
        self.store.set_epoch_deadline(1 << 40)
        self.store.set_wasi(wasmtime.WasiConfig())  # no files, no env, no stdio
        self.dead = False
        if not getattr(_current, "stack_ok", False):
            _check_thread_stack()
        self._enter()
        try:
            inst = linker.instantiate(self.store, module)
        finally:
            self._leave()
        self._f = _Exports(self.store, inst)
        self.mem: wasmtime.Memory = wrap_extern(self._f.extern("memory"))  # type: ignore
        self._mbase = ctypes.addressof(self.mem.data_ptr(self.store).contents)
        self._msize = self.mem.data_len(self.store)
        self._sp: wasmtime.Global = wrap_extern(self._f.extern("__stack_pointer"))  # type: ignore
        if "stack_base" not in _shared:
            _shared["stack_base"] = self._sp.value(self.store)
        self._fn_cache: dict[str, int] = {}
        self._argv_busy = False
        if snapshot is not None:
            self._restore(snapshot)
        self._call("set_memory_limit", (memory_mb - 8) * 1024 * 1024)
        if _shared["stack_patched"]:
            kb = max(16, min(stack_kb, MAX_STACK_KB))
            self._call("set_max_stack_size", _shared["stack_base"] - kb * 1024)
        else:
            self._call("set_max_stack_size", stack_kb * 1024)
        if snapshot is None:
            self._out = self._call("qjs_alloc", 8)
            self._scratch = self._call("qjs_alloc", _SCRATCH)
            self._argv = self._call("qjs_alloc", 32)
            self._undef = self._call("new_undefined")
            fn = self._call_with_str("new_function", "__host")
            g = self._call("global_object")
            self._set_prop(g, "__host", fn)
            self._call("free_value", fn)
            self._global = g
        self._reseed()
        if "last_result" not in _shared:
            _shared["last_result"] = None  # while probing, use the exported getters
            _shared["last_result"] = self._find_last_result()

    def _find_last_result(self) -> int | None:
        """Where the guest glue keeps its last result's (ptr, len): the one address
        past the shadow stack holding them after each of three string reads."""
        found: set[int] | None = None
        lo = _shared["stack_base"]
        for probe in ("a", "probe-" * 37, "ø" * 1001):
            h = self._new_string(probe)
            try:
                if self._call("get_string", h) != STATUS_OK:
                    return None
                n, p = self._call("qjs_last_len"), self._call("qjs_last_ptr")
                if self._read(p, n) != probe.encode():
                    return None
                size = self.memory_bytes()
                mem = ctypes.string_at(self._mbase + lo, size - lo)
                want = struct.pack("<II", p, n)
                hits, at = set(), mem.find(want)
                while at >= 0:
                    if at % 4 == 0:
                        hits.add(lo + at)
                    at = mem.find(want, at + 1)
                found = hits if found is None else found & hits
                self._call("qjs_result_free")
            finally:
                self._call("free_value", h)
        if found is None or len(found) != 1:
            log.warning("guest result buffer not found (%s): reading it through calls", found)
            return None
        return found.pop()

    # -- snapshots -----------------------------------------------------------------
    def snapshot(self, meta: dict[str, Any] | None = None, *, share: bool = True) -> Snapshot:
        """Freeze this heap (call between calls: the shadow stack is at its base).
        With `share`, this instance's own memory becomes a copy-on-write mapping of
        the image too, so it holds private copies only of the pages it writes next."""
        if self.dead:
            raise SandboxTrap("cannot snapshot a dead instance")
        size = self.memory_bytes()
        fd = _new_image_file()
        snap = Snapshot(fd, size, self._sp.value(self.store), {
            "out": self._out, "undef": self._undef, "global": self._global,
            "scratch": self._scratch, "argv": self._argv,
            "fn_cache": dict(self._fn_cache), "module_sources": dict(self._module_sources)},
            meta)
        try:
            os.ftruncate(fd, size)
            base = self._base()
            view = memoryview((ctypes.c_char * size).from_address(base)).cast("B")
            memcmp = _libc_fn().memcmp
            page = len(_ZERO_PAGE)
            run = -1  # start of the current run of non-zero pages
            # Zero pages stay holes in the file: no page cache, and they map as zeros.
            for off in range(0, size + page, page):
                nonzero = off < size and memcmp(base + off, _ZERO_PAGE, page) != 0
                if nonzero and run < 0:
                    run = off
                elif not nonzero and run >= 0:
                    os.pwrite(fd, view[run:off], run)
                    snap.stored_bytes += off - run
                    run = -1
            if share and base % mmap.PAGESIZE == 0:
                _map_private(base, size, fd)
        except BaseException:
            snap.close()
            raise
        return snap

    def _restore(self, snap: Snapshot) -> None:
        if snap.size > self._memory_cap:
            raise SandboxTrap("the snapshot is larger than this instance's memory limit")
        have = self.memory_bytes()
        if snap.size > have:
            self.mem.grow(self.store, (snap.size - have) // 65536)
            self._msize = self.mem.data_len(self.store)
        base = self._base()
        if base % mmap.PAGESIZE or not _map_private(base, snap.size, snap.fd):
            view = memoryview((ctypes.c_char * snap.size).from_address(base)).cast("B")
            os.preadv(snap.fd, [view], 0)  # no mmap here: copy instead
        self._sp.set_value(self.store, snap.stack_pointer)
        h = snap.handles
        self._out, self._undef, self._global = h["out"], h["undef"], h["global"]
        self._scratch, self._argv = h["scratch"], h["argv"]
        self._fn_cache = dict(h["fn_cache"])
        self._module_sources = dict(h["module_sources"])

    def _reseed(self) -> None:
        """Seed Math.random from the OS, as Node does (QuickJS uses the clock)."""
        addr = _random_state_addr()
        if addr is None or addr + 8 > self.memory_bytes():
            return
        seed = int.from_bytes(os.urandom(8), "little") or 1  # xorshift's state is never 0
        ctypes.memmove(self._base() + addr, struct.pack("<Q", seed), 8)

    # -- raw calls ---------------------------------------------------------------
    def _enter(self) -> None:
        self._prev = getattr(_current, "inst", None)
        _current.inst = self

    def _leave(self) -> None:
        _current.inst = self._prev

    def _call(self, name: str, *args: int) -> int:
        prev = getattr(_current, "inst", None)
        if prev is None and not getattr(_current, "stack_ok", False):
            _check_thread_stack()
        _current.inst = self
        try:
            return self._f[name](*args)
        except SandboxTrap:  # raised by a host function: the guest stack was unwound
            self.dead = True
            raise
        except wasmtime.Trap as e:
            self.dead = True
            raise SandboxTrap(_trap_reason(e)) from None
        except wasmtime.WasmtimeError as e:
            self.dead = True
            raise SandboxTrap(str(e).splitlines()[0]) from None
        except BaseException:  # from a host callback (KeyboardInterrupt...): guest unwound
            self.dead = True
            raise
        finally:
            _current.inst = prev

    def _write(self, data: bytes) -> int:
        p = self._call("qjs_alloc", max(len(data), 1))
        if p == 0:
            raise SandboxTrap("guest out of memory")
        if data:
            ctypes.memmove(self._base() + p, data, len(data))
        return p

    def _base(self) -> int:
        return self._mbase  # fixed: memory_may_move is off

    def _read(self, ptr: int, n: int) -> bytes:
        if ptr < 0 or n < 0 or ptr + n > self._msize:
            self._msize = self.mem.data_len(self.store)  # the guest may have grown it
            if ptr < 0 or n < 0 or ptr + n > self._msize:
                raise SandboxTrap("out-of-range guest pointer")
        return ctypes.string_at(self._mbase + ptr, n)

    def _take_result(self) -> bytes:
        addr = _shared.get("last_result")
        if addr:  # read the glue's result (ptr, len) where it keeps it: no two calls
            p, n = struct.unpack("<II", ctypes.string_at(self._mbase + addr, 8))
            # The buffer is not freed here: the next result replaces (and frees) it.
            return self._read(p, n) if n else b""
        n = self._call("qjs_last_len")
        buf = self._read(self._call("qjs_last_ptr"), n) if n else b""
        self._call("qjs_result_free")
        return buf

    def _call_with_str(self, export: str, s: str) -> int:
        data = s.encode()
        p = self._write(data)
        try:
            return self._call(export, p, len(data))
        finally:
            self._call("qjs_free", p, max(len(data), 1))

    def _new_string(self, s: str) -> int:
        data = s.encode()
        if len(data) > _SCRATCH:
            return self._call_with_str("new_string", s)
        # new_string copies the bytes and never calls back into the host, so one
        # buffer per instance serves every call: no alloc/free round trips.
        ctypes.memmove(self._mbase + self._scratch, data, len(data))
        return self._call("new_string", self._scratch, len(data))

    def _get_string(self, h: int) -> str:
        if self._call("get_string", h) != STATUS_OK:
            raise JSError("TypeError", "value is not a string")
        return self._take_result().decode("utf-8", "surrogatepass")

    def _set_prop(self, obj: int, key: str, val: int) -> None:
        k = key.encode()
        p = self._write(k)
        try:
            self._call("set_prop", obj, p, len(k), val)
        finally:
            self._call("qjs_free", p, max(len(k), 1))

    def _get_prop(self, obj: int, key: str) -> int:
        k = key.encode()
        p = self._write(k)
        try:
            if self._call("get_prop", obj, p, len(k), self._out) != STATUS_OK:
                raise self._exception()
            return struct.unpack("<i", self._read(self._out, 4))[0]
        finally:
            self._call("qjs_free", p, max(len(k), 1))

    def _exception(self) -> JSError:
        if self._call("last_exception", self._out) != STATUS_OK:
            return JSError("Error", "unknown JS error")
        return self._error_of(struct.unpack("<i", self._read(self._out, 4))[0])

    def _error_of(self, exc: int) -> JSError:
        """A thrown value as a JSError (the handle is freed)."""
        try:
            fields = {}
            for f in ("name", "message", "stack"):
                h = self._get_prop_quiet(exc, f)
                if h is None:
                    continue
                try:
                    fields[f] = self._get_string(h)
                except JSError:
                    pass
                finally:
                    self._call("free_value", h)
            if "message" not in fields:
                # a thrown non-Error value: ask JS to stringify it. QuickJS throws
                # `null` when it cannot even allocate the out-of-memory error.
                text = self._stringify(exc)
                if text == "null" and self.at_memory_cap():
                    return JSError("InternalError", "out of memory (the instance's memory limit "
                                   "was reached)")
                return JSError("Error", text)
            return JSError(fields.get("name", "Error"), fields["message"], fields.get("stack"))
        finally:
            self._call("free_value", exc)

    def _get_prop_quiet(self, obj: int, key: str) -> int | None:
        try:
            return self._get_prop(obj, key)
        except JSError:
            return None

    def _stringify(self, h: int) -> str:
        fn = self._global_fn("String")
        try:
            return self._get_string(self._invoke(fn, [h]))
        except JSError:
            return "(unprintable value)"

    def _global_fn(self, name: str) -> int:
        h = self._fn_cache.get(name)
        if h is None:
            h = self._get_prop(self._global, name)
            self._fn_cache[name] = h
        return h

    def _invoke(self, fn: int, arg_handles: list[int]) -> int:
        n = len(arg_handles)
        argv = 0
        own = n and not self._argv_busy and n <= 8
        if own:  # the instance's argv buffer, unless a nested call is using it
            argv = self._argv
            ctypes.memmove(self._mbase + argv, struct.pack(f"<{n}i", *arg_handles), 4 * n)
            self._argv_busy = True
        elif n:
            argv = self._write(struct.pack(f"<{n}i", *arg_handles))
        try:
            st = self._call("call_function", fn, self._undef, argv, n, self._out)
        finally:
            if own:
                self._argv_busy = False
            elif argv:
                self._call("qjs_free", argv, 4 * n)
        if st != STATUS_OK:
            raise self._exception()
        return struct.unpack("<i", self._read(self._out, 4))[0]

    # -- host imports --------------------------------------------------------------
    def _host_call(self, argc: int, argv: int) -> int:
        try:
            if argc != 1:
                return HOST_CALL_ERROR
            msg = self._get_string(struct.unpack("<i", self._read(argv, 4))[0])
            op, _, payload = msg.partition("\n")
            return self._new_string(self.host(op, payload))
        except SandboxTrap:
            raise
        except Exception:
            return HOST_CALL_ERROR

    def _module_normalize(self, base_ptr: int, base_len: int, spec_ptr: int, spec_len: int,
                          out_len_ptr: int) -> int:
        try:
            base = self._read(base_ptr, base_len).decode() if base_len else ""
            spec = self._read(spec_ptr, spec_len).decode()
            if self.module_loader is None:
                return 0
            found = self.module_loader(base, spec)
            if found is None:
                return 0
            name, source = found
            self._module_sources[name] = source
            return self._return_bytes(name.encode(), out_len_ptr)
        except Exception:
            return 0

    def _module_load(self, name_ptr: int, name_len: int, out_len_ptr: int) -> int:
        try:
            name = self._read(name_ptr, name_len).decode()
            source = self._module_sources.get(name)
            if source is None:
                return 0
            return self._return_bytes(source.encode(), out_len_ptr)
        except Exception:
            return 0

    def _return_bytes(self, data: bytes, out_len_ptr: int) -> int:
        """Hand bytes to the guest: a guest allocation holding them, length at out_len_ptr."""
        p = self._write(data)
        ctypes.memmove(self._base() + out_len_ptr, struct.pack("<I", len(data)), 4)
        return p

    # -- public API ------------------------------------------------------------------
    def set_deadline(self, seconds: float | None) -> None:
        """Trap guest execution after `seconds` of wall time (None: no deadline)."""
        ticks = 1 << 40 if seconds is None else max(1, int(seconds * 1000 / self._epoch_ms) + 1)
        _set_epoch_deadline(self.store._context(), ticks)  # wasmtime's own, keeping the GIL

    def eval_script(self, code: str, filename: str = "<script>") -> None:
        h = self._eval("eval_code", code, None)
        self._call("free_value", h)

    def eval_module(self, code: str, name: str) -> None:
        h = self._eval("eval_module", code, name)
        self._call("free_value", h)

    def eval_module_error(self, code: str, name: str) -> JSError | None:
        """Evaluate an ES module now; what it threw while evaluating, if it did (None
        also while a top-level await is pending)."""
        h = self._eval("eval_module_async", code, name)  # its evaluation promise
        try:
            if self.promise_state(h) != 2:
                return None
            self._call("promise_result", h, self._out)
            return self._error_of(struct.unpack("<i", self._read(self._out, 4))[0])
        finally:
            self._call("free_value", h)

    def _eval(self, export: str, code: str, name: str | None) -> int:
        data = code.encode()
        p = self._write(data)
        try:
            if name is None:
                st = self._call("eval_code", p, len(data), self._out)
            else:
                nb = name.encode()
                np_ = self._write(nb)
                try:
                    st = self._call(export, p, len(data), np_, len(nb), self._out)
                finally:
                    self._call("qjs_free", np_, len(nb))
        finally:
            self._call("qjs_free", p, max(len(data), 1))
        if st != STATUS_OK:
            raise self._exception()
        return struct.unpack("<i", self._read(self._out, 4))[0]

    def call(self, fn_name: str, arg: str) -> str | None:
        """Call global function `fn_name(arg)`; return its result if it is a string."""
        fn = self._global_fn(fn_name)
        a = self._new_string(arg)
        try:
            r = self._invoke(fn, [a])
        finally:
            self._call("free_value", a)
        try:
            return self._get_string(r)
        except JSError:
            return None
        finally:
            self._call("free_value", r)

    def call_handle(self, fn_name: str, arg: str) -> int:
        """Call global function `fn_name(arg)`; return the result's handle (free it)."""
        fn = self._global_fn(fn_name)
        a = self._new_string(arg)
        try:
            return self._invoke(fn, [a])
        finally:
            self._call("free_value", a)

    def promise_state(self, h: int) -> int:
        """0 pending, 1 fulfilled, 2 rejected."""
        if self._call("promise_state", h, self._out) != STATUS_OK:
            raise JSError("TypeError", "not a promise")
        return struct.unpack("<i", self._read(self._out, 4))[0]

    def promise_string(self, h: int) -> str | None:
        """The value a settled promise holds, if it is a string."""
        self._call("promise_result", h, self._out)
        r = struct.unpack("<i", self._read(self._out, 4))[0]
        try:
            return self._get_string(r)
        except JSError:
            return None
        finally:
            self._call("free_value", r)

    def free(self, h: int) -> None:
        self._call("free_value", h)

    def run_jobs(self) -> int:
        """Run pending promise jobs until none is left; return how many ran."""
        n = self._call("execute_pending_jobs")
        if n < 0:
            raise self._exception()
        return n

    def memory_bytes(self) -> int:
        return self.mem.data_len(self.store)

    def at_memory_cap(self) -> bool:
        """Linear memory (which never shrinks) grew to the instance's limit: the heap ran
        out at some point, though what failed may since have been freed."""
        return self.memory_bytes() >= 0.9 * self._memory_cap

    def close(self) -> None:
        self.dead = True
        self.store.close()


def _random_state_addr() -> int | None:
    """Where QuickJS keeps Math.random's state: the same address in every instance,
    as the guest allocates its context identically. Found in a probe instance as
    the one word that steps like xorshift64* when Math.random() runs once."""
    if _random_state or getattr(_current, "probing", False):
        return _random_state[0] if _random_state else None
    with _probe_lock:
        if not _random_state:
            _current.probing = True
            try:
                _random_state.append(_find_random_state())
            finally:
                _current.probing = False
    return _random_state[0]


def _find_random_state() -> int | None:
    probe = Instance(lambda op, payload: "")
    try:
        probe.eval_script("globalThis.__r = () => String(Math.random());")
        probe.call("__r", "")  # settle any lazy allocation first
        size = probe.memory_bytes()
        before = ctypes.string_at(probe._base(), size)
        probe.call("__r", "")
        after = ctypes.string_at(probe._base(), size)
        found = []
        page = 4096
        for p in range(0, size, page):
            if before[p:p + page] == after[p:p + page]:
                continue
            for off in range(p, min(p + page, size - 8), 4):
                x, y = struct.unpack_from("<Q", before, off)[0], struct.unpack_from("<Q", after, off)[0]
                if x and x != y and _xorshift64(x) == y:
                    found.append(off)
        if len(found) == 1:
            return found[0]
        log.warning("Math.random state not found (%d candidates): not reseeded", len(found))
        return None
    finally:
        probe.close()


def _trap_reason(e: wasmtime.Trap) -> str:
    msg = str(e)
    if "interrupt" in msg:
        return "CPU time limit exceeded"
    if "stack" in msg:
        return "stack overflow"
    if "unreachable" in msg or "memory" in msg:
        return "out of memory or guest crash"
    return msg.splitlines()[0]
