"""sandbox/guestcalls.py: host callbacks re-entering the guest are bounded, and no
exception (RecursionError, KeyboardInterrupt, any BaseException) unwinds through
wasmtime's ctypes callback. The crash-prone cases run in a subprocess, so a
regression is a failed test with the child's exit code, not a dead pytest worker."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from sandbox.engine import Instance
from tests.support.reentry import NEST, nesting_host


def test_reentry_past_the_bound_answers_a_range_error() -> None:
    box: list[Instance] = []
    seen: list[int] = []
    inst = Instance(nesting_host(box, seen), max_reentry=8)
    box.append(inst)
    inst.eval_script(NEST)
    r = inst.call("nest", "1")
    assert r is not None and r.startswith("\0RangeError\0require() chain too deep: more than 8 "), r
    assert max(seen) == 8  # the 9th nested host call was answered, not run
    seen.clear()
    assert inst.call("nest", "1") == r and max(seen) == 8  # depth count unwound
    inst.close()


def run_child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


def test_deepest_bound_fits_the_interpreter_at_its_default_recursion_limit() -> None:
    """200 levels (the knob's maximum) need ~2,000 Python frames: the engine raises
    the limit to fit, so the bound, not a RecursionError inside the ctypes callback
    (which used to be a SIGSEGV), ends the chain."""
    p = run_child(f"""
        import sys
        from sandbox.engine import Instance
        from tests.support.reentry import nesting_host, NEST
        assert sys.getrecursionlimit() == 1000
        box, seen = [], []
        inst = Instance(nesting_host(box, seen), max_reentry=200)
        box.append(inst)
        inst.eval_script({NEST!r})
        r = inst.call("nest", "1")
        print(repr(r[:60]), max(seen))
        """)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    assert "require() chain too deep" in p.stdout and p.stdout.split()[-1] == "200", p.stdout


@pytest.mark.parametrize("exc", ["KeyboardInterrupt()", "SystemExit(3)", "MemoryError()",
                                 "RecursionError('deep')"])
def test_any_exception_from_a_host_call_is_caught_before_ctypes(exc: str) -> None:
    """Exception subclasses become a JS error the guest may catch; the others
    (KeyboardInterrupt, SystemExit) unwind the guest as a trap and re-raise to the
    caller; the process lives on and a new instance works."""
    p = run_child(f"""
        from sandbox.engine import Instance
        def host(op, payload):
            if op == "boom":
                raise {exc}
            return payload
        inst = Instance(host)
        inst.eval_script("globalThis.f = (s) => {{ try {{ return String(__host(s)); }}"
                         " catch (e) {{ return 'caught ' + e.name; }} }};")
        try:
            print("result", inst.call("f", "boom\\n"))
        except BaseException as e:
            print("raised", type(e).__name__, inst.dead)
        other = Instance(host)
        other.eval_script("globalThis.g = (s) => __host(s);")
        print("other", other.call("g", "echo\\nfine"))
        """)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    name = exc.split("(")[0]
    if name in ("KeyboardInterrupt", "SystemExit"):
        assert f"raised {name} True" in p.stdout, p.stdout
    else:
        assert "result caught " in p.stdout, p.stdout
    assert "other fine" in p.stdout and "Exception ignored" not in p.stderr, p.stderr


def test_a_base_exception_from_the_module_loader_is_a_trap_not_a_crash() -> None:
    p = run_child("""
        from sandbox.engine import Instance
        def loader(base, spec):
            raise KeyboardInterrupt
        inst = Instance(lambda op, payload: "", module_loader=loader)
        try:
            inst.eval_module("import x from './x.js';", "main.js")
        except KeyboardInterrupt:
            print("raised", inst.dead)  # dead: discarded by its pool, like a trapped one
        other = Instance(lambda op, payload: payload)
        other.eval_script("globalThis.g = (s) => __host(s);")
        print("other", other.call("g", "echo\\nfine"))
        """)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    assert "raised True" in p.stdout and "other fine" in p.stdout, p.stdout
