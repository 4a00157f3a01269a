"""The functions the guest imports (`env.host_call`, `env.host_module_normalize`,
`env.host_module_load`, `env.host_interrupt`), as raw wasmtime callbacks that never
let an exception unwind through ctypes, and the bound on host↔guest re-entry.

Why raw and why bounded: a host callback can call into the guest again (require()
of an ES module evaluates it from the host, `sandbox/modules.py` "module.esm"), so a
deep require() chain nests guest → host → guest once per level, ~10 Python frames
each. An exception escaping a ctypes callback is only printed by ctypes, which then
hands wasmtime an uninitialised result: a garbage trap pointer, and the whole
process dies with SIGSEGV. wasmtime-py's own trampoline (`Linker.define_func`)
allocates Python objects before its `try`, so a RecursionError there escapes.

So: every import is registered unchecked (one ctypes callback, no `Val` boxing)
and its whole body is in `try/except BaseException`; the failure path makes the
trap through a ctypes function without argument converters (no Python frame that
could fail again) and keeps the exception per thread for the caller to re-raise.
The callbacks nested on one thread are counted: past the instance's
`max_reentry` a host call answers a JS RangeError instead of running (the module
callbacks, which run one level below the evaluation that asked for them, answer
"not found" past `max_reentry + 1`), and the interpreter's recursion limit is
raised so that the bound always fits in it (`ensure_recursion_room`).
"""

from __future__ import annotations

import ctypes
import sys
import threading
from typing import Any

import wasmtime
from wasmtime import _ffi as ffi

from sandbox.hosterror import host_error

# Marks the depth-limit error, so that each level of a require() chain passes it on
# unchanged (sandbox/app.py `_eval_esm`) instead of the generic ERR_REQUIRE_ESM.
REENTRY_MARK = "nested host/guest calls"
DEFAULT_MAX_REENTRY = 64  # settings.max_guest_reentry
FRAMES_PER_LEVEL = 12  # Python frames one guest → host → guest level costs (10 measured)
_FRAMES_SPARE = 400  # for the callers below the first guest call and the innermost host op


class _ThreadState(threading.local):
    inst: Any = None  # the Instance whose guest code runs on this thread (innermost)
    depth = 0  # host callbacks active on this thread's stack
    exc: BaseException | None = None  # raised in a callback, re-raised by the guest's caller
    stack_ok = False  # the thread's native stack was checked
    probing = False


current = _ThreadState()

_MSG = b"host call failed"
_MSG_LEN = ctypes.c_size_t(len(_MSG))
# wasmtime_trap_new with no argtypes (bytes and a c_size_t pass without converters)
# and an integer result: the failure path calls nothing in Python.
_trap_new = ffi.dll._FuncPtr(("wasmtime_trap_new", ffi.dll))
_trap_new.restype = ctypes.c_void_p


def take_exception() -> BaseException | None:
    """The exception a callback on this thread turned into a trap (and forget it)."""
    e = current.exc
    if e is not None:
        current.exc = None
    return e


def reentry_error(limit: int) -> str:
    """The host-call reply (a JS RangeError) past the re-entry bound."""
    return host_error("RangeError", f"require() chain too deep: more than {limit} "
                      f"{REENTRY_MARK} (each require() of an ES module from CommonJS or from "
                      "require() nests one; BRYGGE_MAX_GUEST_REENTRY)")


def ensure_recursion_room(max_reentry: int) -> None:
    """Raise the interpreter's recursion limit (process-wide, never lowered) so that
    `max_reentry` nested levels fit: a callback entered past the limit fails before
    its `try` and ctypes would then return garbage to wasmtime."""
    need = _FRAMES_SPARE + FRAMES_PER_LEVEL * (max_reentry + 1)
    if sys.getrecursionlimit() < need:
        sys.setrecursionlimit(need)


def _host_call(env: Any, caller: Any, args: Any, nargs: int) -> int:
    """`env.host_call(name_ptr, name_len, this, argc, argv) -> handle`."""
    try:
        cur = current
        depth = cur.depth = cur.depth + 1
        try:
            inst = cur.inst
            if depth > inst.max_reentry:
                args[0].i32 = inst._new_string(reentry_error(inst.max_reentry))
            else:
                args[0].i32 = inst._host_call(args[3].i32, args[4].i32)
        finally:
            cur.depth = depth - 1
        return 0
    except BaseException as e:
        current.exc = e
        return _trap_new(_MSG, _MSG_LEN) or 0


def _module_normalize(env: Any, caller: Any, args: Any, nargs: int) -> int:
    """`env.host_module_normalize(base_ptr, base_len, spec_ptr, spec_len, out_len_ptr)
    -> ptr` (0: not found)."""
    try:
        cur = current
        depth = cur.depth = cur.depth + 1
        try:
            inst = cur.inst
            args[0].i32 = 0 if depth > inst.max_reentry + 1 else inst._module_normalize(
                args[0].i32, args[1].i32, args[2].i32, args[3].i32, args[4].i32)
        finally:
            cur.depth = depth - 1
        return 0
    except BaseException as e:
        current.exc = e
        return _trap_new(_MSG, _MSG_LEN) or 0


def _module_load(env: Any, caller: Any, args: Any, nargs: int) -> int:
    """`env.host_module_load(name_ptr, name_len, out_len_ptr) -> ptr` (0: not found)."""
    try:
        cur = current
        depth = cur.depth = cur.depth + 1
        try:
            inst = cur.inst
            args[0].i32 = 0 if depth > inst.max_reentry + 1 else inst._module_load(
                args[0].i32, args[1].i32, args[2].i32)
        finally:
            cur.depth = depth - 1
        return 0
    except BaseException as e:
        current.exc = e
        return _trap_new(_MSG, _MSG_LEN) or 0


def _interrupt(env: Any, caller: Any, args: Any, nargs: int) -> int:
    """`env.host_interrupt() -> 0`: deadlines are epoch interruption, not polling."""
    try:
        args[0].i32 = 0
        return 0
    except BaseException as e:
        current.exc = e
        return _trap_new(_MSG, _MSG_LEN) or 0


_CALLBACKS = [ffi.wasmtime_func_unchecked_callback_t(f)  # kept alive with the module
              for f in (_host_call, _module_normalize, _module_load, _interrupt)]
_NO_FINALIZER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda _: None)
_I32 = wasmtime.ValType.i32()


def _define(linker: wasmtime.Linker, name: str, nparams: int, cb: Any) -> None:
    m, n = b"env", name.encode()
    ty = wasmtime.FuncType([_I32] * nparams, [_I32])
    err = ffi.wasmtime_linker_define_func_unchecked(
        linker.ptr(), ctypes.create_string_buffer(m), len(m), ctypes.create_string_buffer(n),
        len(n), ty.ptr(), cb, None, _NO_FINALIZER)
    if err:
        raise wasmtime.WasmtimeError._from_ptr(err)


def define_imports(linker: wasmtime.Linker) -> None:
    """The guest's `env` imports, on the process's shared linker."""
    for (name, nparams), cb in zip((("host_call", 5), ("host_module_normalize", 5),
                                    ("host_module_load", 3), ("host_interrupt", 0)),
                                   _CALLBACKS, strict=True):
        _define(linker, name, nparams, cb)
