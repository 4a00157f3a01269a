"""A lean host for the QuickJS-NG wasm guest.

The guest is the `wasm32-wasip1` build of QuickJS-NG (via rquickjs) shipped in the
`quickjs-rs` wheel; we load its `_guest.wasm` into wasmtime ourselves instead of
using that package's Python API. Why: its generic marshalling costs ~230 µs per
eval and ~170 µs per host call (measured), while the sandbox crosses the wasm
boundary on every request and every storage call. Here the only values that
cross are strings: one JSON string in per invocation, one `op\\n payload` string
per host call, one string back. Everything else (req/res objects, routing,
chains) lives in the guest's JS runtime (`sandbox/js/runtime.js`).

Limits: linear memory is capped by wasmtime store limits and by QuickJS's own
allocator limit; the CPU/wall deadline is enforced with wasmtime epoch
interruption (a trap ends the invocation and the instance is thrown away).
"""

from __future__ import annotations

import ctypes
import importlib.resources
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import wasmtime
from wasmtime import _ffi as ffi
from wasmtime import _func as wfunc

STATUS_OK = 0
STATUS_JS_ERROR = 1
HOST_CALL_ERROR = -1

_I32 = wasmtime.ValType.i32()


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


def _guest_wasm() -> bytes:
    return importlib.resources.files("quickjs_rs").joinpath("_guest.wasm").read_bytes()


# One engine per process: compiled code is shared by every instance; the epoch
# ticker thread advances it so deadlines can be expressed in ticks.
_engine_lock = threading.Lock()
_shared: dict[str, Any] = {}
_current = threading.local()


def _raw_host_call(env: Any, caller: Any, args: Any, nargs: int) -> int:
    """`env.host_call(name_ptr, name_len, this, argc, argv) -> handle`, registered
    unchecked: wasmtime-py's generic trampoline boxes every argument in `Val`
    objects, which costs more than the rest of a host call together."""
    try:
        args[0].i32 = _current.inst._host_call(args[3].i32, args[4].i32)
        return 0
    except BaseException as e:  # re-raised by the caller of the wasm call
        wfunc.LAST_EXCEPTION = e
        msg = b"host call failed"
        return ctypes.cast(ffi.wasmtime_trap_new(msg, len(msg)), ctypes.c_void_p).value or 0


_RAW_HOST_CALL = ffi.wasmtime_func_unchecked_callback_t(_raw_host_call)
_NO_FINALIZER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda _: None)


def _define_unchecked(linker: wasmtime.Linker, module: str, name: str, ty: wasmtime.FuncType,
                      cb: Any) -> None:
    m, n = module.encode(), name.encode()
    err = ffi.wasmtime_linker_define_func_unchecked(
        linker.ptr(), ctypes.create_string_buffer(m), len(m), ctypes.create_string_buffer(n),
        len(n), ty.ptr(), cb, None, _NO_FINALIZER)
    if err:
        raise wasmtime.WasmtimeError._from_ptr(err)


def _tramp_interrupt() -> int:
    return 0  # deadlines are enforced by epoch interruption, not by polling


def _tramp_normalize(base_ptr: int, base_len: int, spec_ptr: int, spec_len: int,
                     out_len_ptr: int) -> int:
    return _current.inst._module_normalize(base_ptr, base_len, spec_ptr, spec_len, out_len_ptr)


def _tramp_load(name_ptr: int, name_len: int, out_len_ptr: int) -> int:
    return _current.inst._module_load(name_ptr, name_len, out_len_ptr)


def shared_engine(epoch_ms: int = 10) -> tuple[wasmtime.Engine, wasmtime.Module, wasmtime.Linker]:
    with _engine_lock:
        if not _shared:
            cfg = wasmtime.Config()
            cfg.epoch_interruption = True
            cfg.cranelift_opt_level = "speed"
            engine = wasmtime.Engine(cfg)
            module = wasmtime.Module(engine, _guest_wasm())
            linker = wasmtime.Linker(engine)
            linker.define_wasi()
            _define_unchecked(linker, "env", "host_call", wasmtime.FuncType([_I32] * 5, [_I32]),
                              _RAW_HOST_CALL)
            linker.define_func("env", "host_interrupt", wasmtime.FuncType([], [_I32]),
                               _tramp_interrupt)
            linker.define_func("env", "host_module_normalize",
                               wasmtime.FuncType([_I32] * 5, [_I32]), _tramp_normalize)
            linker.define_func("env", "host_module_load", wasmtime.FuncType([_I32] * 3, [_I32]),
                               _tramp_load)

            def tick() -> None:
                while True:
                    time.sleep(epoch_ms / 1000)
                    engine.increment_epoch()

            threading.Thread(target=tick, name="wasm-epoch", daemon=True).start()
            _shared.update(engine=engine, module=module, linker=linker, epoch_ms=epoch_ms)
    return _shared["engine"], _shared["module"], _shared["linker"]


HostFn = Callable[[str, str], str]


class _FastFunc:
    """Calls an i32-only export through `wasmtime_func_call_unchecked`.

    wasmtime-py's generic `Func.__call__` re-reads the function type and converts
    every argument through `Val` on each call (~16 µs here); the guest's exports
    take and return only i32, so one preallocated raw-value array does (~1.5 µs).
    """

    __slots__ = ("buf", "ctx", "fref")

    def __init__(self, store: wasmtime.Store, func: wasmtime.Func) -> None:
        self.ctx = store._context()
        self.fref = ctypes.byref(func._func)
        self.buf = (ffi.wasmtime_val_raw_t * 8)()

    def __call__(self, *args: int) -> int:
        buf = self.buf
        for i, a in enumerate(args):
            buf[i].i32 = a
        trap = ctypes.POINTER(ffi.wasm_trap_t)()
        err = ffi.wasmtime_func_call_unchecked(self.ctx, self.fref, buf, 8, ctypes.byref(trap))
        if err:
            wfunc.maybe_raise_last_exn()
            raise wasmtime.WasmtimeError._from_ptr(err)
        if trap:
            t = wasmtime.Trap._from_ptr(trap)
            wfunc.maybe_raise_last_exn()
            raise t
        return buf[0].i32


class Instance:
    """One QuickJS heap in one wasm store. Not thread-safe: one call at a time."""

    def __init__(self, host: HostFn, *, memory_mb: int = 128, stack_kb: int = 512,
                 epoch_ms: int = 10,
                 module_loader: Callable[[str, str], tuple[str, str] | None] | None = None) -> None:
        engine, module, linker = shared_engine(epoch_ms)
        self._epoch_ms = _shared["epoch_ms"]
        self.host = host
        self.module_loader = module_loader
        self._module_sources: dict[str, str] = {}
        self.store = wasmtime.Store(engine)
        self._memory_cap = memory_mb * 1024 * 1024
        self.store.set_limits(memory_size=self._memory_cap)
        self.store.set_epoch_deadline(1 << 40)
        self.store.set_wasi(wasmtime.WasiConfig())  # no files, no env, no stdio
        self.dead = False
        self._enter()
        try:
            inst = linker.instantiate(self.store, module)
        finally:
            self._leave()
        ex = inst.exports(self.store)
        self.mem: wasmtime.Memory = ex["memory"]  # type: ignore[assignment]
        self._f = {name: _FastFunc(self.store, ex[name]) for name in (
            "qjs_alloc", "qjs_free", "qjs_last_len", "qjs_last_ptr", "qjs_result_free",
            "new_string", "get_string", "free_value", "call_function", "eval_code",
            "eval_module", "global_object", "get_prop", "set_prop", "new_function",
            "execute_pending_jobs", "last_exception", "new_undefined", "type_of",
            "set_memory_limit", "set_max_stack_size", "run_gc", "compute_memory_usage",
            "promise_state", "promise_result")}
        self._call("set_memory_limit", (memory_mb - 8) * 1024 * 1024)
        self._call("set_max_stack_size", stack_kb * 1024)
        self._out = self._call("qjs_alloc", 8)
        self._undef = self._call("new_undefined")
        self._host_name = b"__host"
        fn = self._call_with_str("new_function", "__host")
        g = self._call("global_object")
        self._set_prop(g, "__host", fn)
        self._call("free_value", fn)
        self._global = g
        self._fn_cache: dict[str, int] = {}

    # -- raw calls ---------------------------------------------------------------
    def _enter(self) -> None:
        self._prev = getattr(_current, "inst", None)
        _current.inst = self

    def _leave(self) -> None:
        _current.inst = self._prev

    def _call(self, name: str, *args: int) -> int:
        prev = getattr(_current, "inst", None)
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
        return ctypes.addressof(self.mem.data_ptr(self.store).contents)

    def _read(self, ptr: int, n: int) -> bytes:
        if ptr < 0 or n < 0 or ptr + n > self.mem.data_len(self.store):
            raise SandboxTrap("out-of-range guest pointer")
        return ctypes.string_at(self._base() + ptr, n)

    def _take_result(self) -> bytes:
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
        return self._call_with_str("new_string", s)

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
        exc = struct.unpack("<i", self._read(self._out, 4))[0]
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
                if text == "null" and self.memory_bytes() >= 0.9 * self._memory_cap:
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
        argv = self._write(struct.pack(f"<{len(arg_handles)}i", *arg_handles)) if arg_handles \
            else 0
        try:
            st = self._call("call_function", fn, self._undef, argv, len(arg_handles), self._out)
        finally:
            if argv:
                self._call("qjs_free", argv, 4 * len(arg_handles))
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
        self.store.set_epoch_deadline(ticks)

    def eval_script(self, code: str, filename: str = "<script>") -> None:
        h = self._eval("eval_code", code, None)
        self._call("free_value", h)

    def eval_module(self, code: str, name: str) -> None:
        h = self._eval("eval_module", code, name)
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
                    st = self._call("eval_module", p, len(data), np_, len(nb), self._out)
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

    def close(self) -> None:
        self.dead = True
        self.store.close()


def _trap_reason(e: wasmtime.Trap) -> str:
    msg = str(e)
    if "interrupt" in msg:
        return "CPU time limit exceeded"
    if "stack" in msg:
        return "stack overflow"
    if "unreachable" in msg or "memory" in msg:
        return "out of memory or guest crash"
    return msg.splitlines()[0]
