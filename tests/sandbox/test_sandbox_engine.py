"""Unit tests for sandbox/engine.py: real QuickJS-NG wasm instances in wasmtime."""

from __future__ import annotations

import threading
import time

import pytest

from sandbox import engine
from sandbox.engine import Instance, JSError, SandboxTrap


class Recorder:
    """A host function that records calls and answers per op."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, op: str, payload: str) -> str:
        self.calls.append((op, payload))
        if op == "echo":
            return payload
        if op == "rev":
            return payload[::-1]
        if op == "len":
            return str(len(payload))
        if op == "fail":
            raise RuntimeError("host side failure")
        return ""


HELPERS = """
globalThis.hc = (s) => __host(s);
globalThis.hcSafe = (s) => { try { return __host(s); } catch (e) { return 'caught ' + e.name; } };
globalThis.ev = (s) => String((0, eval)(s));
"""


@pytest.fixture
def host() -> Recorder:
    return Recorder()


@pytest.fixture
def inst(host: Recorder):  # type: ignore[no-untyped-def]
    i = Instance(host)
    i.eval_script(HELPERS)
    yield i
    if not i.dead:
        i.close()


@pytest.mark.parametrize("code,expected", [
    ("1 + 2", "3"),
    ("'a' + 'b'", "ab"),
    ("[1, 2, 3].map(x => x * 2).join(',')", "2,4,6"),
    ("JSON.stringify({a: [1, {b: null}]})", '{"a":[1,{"b":null}]}'),
    ("typeof globalThis.process", "undefined"),
    ("'😀'.length", "2"),
    ("[...'😀𝄞'].length", "2"),
    ("'é'.normalize('NFD').length", "2"),
    ("new Date(0).toISOString()", "1970-01-01T00:00:00.000Z"),
    ("typeof WebAssembly", "undefined"),
    ("0.1 + 0.2", "0.30000000000000004"),
    ("2n ** 70n", "1180591620717411303424"),
])
def test_eval(inst: Instance, code: str, expected: str) -> None:
    assert inst.call("ev", code) == expected


def test_eval_script_defines_globals_and_call_returns_strings(inst: Instance) -> None:
    inst.eval_script("globalThis.counter = 0; globalThis.bump = (s) => String(++counter) + s;")
    assert inst.call("bump", "x") == "1x"
    assert inst.call("bump", "") == "2"
    inst.eval_script("globalThis.num = () => 42; globalThis.obj = () => ({});")
    assert inst.call("num", "") is None  # non-string results are None
    assert inst.call("obj", "") is None


@pytest.mark.parametrize("payload", [
    "", "plain ascii", "æøå ÆØÅ", "😀", "𝄞 music", "日本語テキスト", "a\u0000b", "line1\nline2",
    "\u202e rtl", "\U0010ffff", "😀" * 5000, "x" * 1_000_000, '{"json": ["😀", "\\n"]}',
])
def test_host_call_round_trip_unicode(inst: Instance, host: Recorder, payload: str) -> None:
    assert inst.call("hc", "echo\n" + payload) == payload
    assert host.calls[-1] == ("echo", payload)
    assert inst.call("hc", "rev\n" + payload) == payload[::-1]
    # JS sees the same string length (UTF-16 units) as Python's UTF-16 length
    inst.eval_script("globalThis.jl = (s) => String(s.length);")
    assert inst.call("jl", payload) == str(len(payload.encode("utf-16-le")) // 2)


def test_host_call_from_js_built_strings(inst: Instance, host: Recorder) -> None:
    inst.eval_script("globalThis.r = __host('echo\\n' + String.fromCodePoint(0x1F600, 0x1D11E, 0xE9));")
    assert host.calls[-1] == ("echo", "😀𝄞é")
    assert inst.call("ev", "r") == "😀𝄞é"
    assert inst.call("ev", "__host('len\\n' + '😀'.repeat(3))") == "3"


def test_host_exception_becomes_js_error(inst: Instance) -> None:
    assert inst.call("hcSafe", "fail\nx").startswith("caught ")
    assert inst.call("hc", "echo\nstill fine") == "still fine"


@pytest.mark.parametrize("code,name,message", [
    ("1 +", "SyntaxError", None),
    ("let let = 1", "SyntaxError", None),
    ("throw new TypeError('boom 😀')", "TypeError", "boom 😀"),
    ("throw new RangeError('r')", "RangeError", "r"),
    ("undefinedVariable.x", "ReferenceError", "undefinedVariable is not defined"),
    ("null.x", "TypeError", None),
    ("class MyErr extends Error { constructor(m) { super(m); this.name = 'MyErr'; } };"
     " throw new MyErr('custom')", "MyErr", "custom"),
    ("throw 42", "Error", "42"),
    ("throw 'a string'", "Error", "a string"),
    ("throw null", "Error", "null"),
    ("throw undefined", "Error", "undefined"),
    ("throw {a: 1}", "Error", "[object Object]"),
    ("throw {toString() { return 'custom toString'; }}", "Error", "custom toString"),
    ("throw Object.assign(new Error('with name'), {name: 'Renamed'})", "Renamed", "with name"),
])
def test_js_errors(inst: Instance, code: str, name: str, message: str | None) -> None:
    with pytest.raises(JSError) as ei:
        inst.eval_script(code)
    assert ei.value.name == name
    if message is not None:
        assert ei.value.message == message
    assert str(ei.value).startswith(f"{name}: ")
    assert not inst.dead
    assert inst.call("ev", "'alive'") == "alive"  # a JS error does not kill the instance


def test_js_error_stack_has_location(inst: Instance) -> None:
    with pytest.raises(JSError) as ei:
        inst.eval_script("\n\nfunction f() { throw new Error('deep'); }\nf();")
    assert ei.value.message == "deep"
    assert ":3:" in ei.value.stack  # line 3 of the script


def test_js_error_from_call(inst: Instance) -> None:
    inst.eval_script("globalThis.bad = (s) => { throw new SyntaxError('from ' + s); };")
    with pytest.raises(JSError) as ei:
        inst.call("bad", "call")
    assert (ei.value.name, ei.value.message) == ("SyntaxError", "from call")


def test_promise_jobs(inst: Instance) -> None:
    inst.eval_script("globalThis.P = 'pending'; Promise.resolve(5).then(v => v * 2)"
                     ".then(v => { globalThis.P = String(v); });")
    assert inst.call("ev", "P") == "pending"
    assert inst.run_jobs() >= 1
    assert inst.call("ev", "P") == "10"
    assert inst.run_jobs() == 0


def _modules(files: dict[str, str], seen: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    def loader(base: str, spec: str) -> tuple[str, str] | None:
        seen.append((base, spec))
        if spec == "explode":
            raise RuntimeError("loader failure")
        name = spec.lstrip("./")
        return (name, files[name]) if name in files else None
    return loader


FILES = {
    "a.js": "export const x = 41; export default 'A';",
    "b.js": "import {x} from './a.js'; import A from './a.js'; export default A + (x + 1);",
    "emoji.js": "export default '😀𝄞';",
    "throws.js": "throw new Error('module top-level');",
    "syntax.js": "export const = ;",
    "cycle1.js": "import {c2} from './cycle2.js'; export const c1 = 'one'; "
                 "export const both = () => c2 + c1;",
    "cycle2.js": "import {c1} from './cycle1.js'; export const c2 = 'two';",
}


@pytest.mark.parametrize("spec,expected", [
    ("./b.js", "A42"),
    ("./emoji.js", "😀𝄞"),
    ("./throws.js", "err:Error: module top-level"),
    ("./syntax.js", "err:SyntaxError"),
    ("./nope.js", "err:ReferenceError"),
    ("explode", "err:"),
])
def test_module_loading_dynamic_import(host: Recorder, spec: str, expected: str) -> None:
    seen: list[tuple[str, str]] = []
    i = Instance(host, module_loader=_modules(FILES, seen))
    i.eval_script(f"globalThis.R = 'none'; import('{spec}').then("
                  "m => { globalThis.R = String(m.default); },"
                  " e => { globalThis.R = 'err:' + e; });")
    i.run_jobs()
    i.eval_script("globalThis.get = () => R;")
    assert i.call("get", "").startswith(expected)
    assert seen and seen[0][1] == spec
    if spec == "./b.js":
        assert ("b.js", "./a.js") in seen  # nested imports resolve relative to the importer
    i.close()


def test_module_loading_static_import_and_cycle(host: Recorder) -> None:
    i = Instance(host, module_loader=_modules(FILES, []))
    i.eval_module("import {both} from './cycle1.js'; import e from './emoji.js';"
                  " globalThis.OUT = both() + e;", "main.js")
    i.run_jobs()
    i.eval_script("globalThis.get = () => OUT;")
    assert i.call("get", "") == "twoone😀𝄞"


def test_no_module_loader_import_fails(host: Recorder) -> None:
    i = Instance(host)
    i.eval_script("globalThis.R = ''; import('./a.js').then(() => { R = 'loaded'; },"
                  " e => { R = 'err'; }); globalThis.get = () => R;")
    i.run_jobs()
    assert i.call("get", "") == "err"


def test_cpu_deadline_traps_and_kills_instance(host: Recorder) -> None:
    i = Instance(host)
    i.set_deadline(0.2)
    t0 = time.monotonic()
    with pytest.raises(SandboxTrap, match="CPU"):
        i.eval_script("for (;;) {}")
    assert time.monotonic() - t0 >= 0.15  # not before the deadline (a lower bound only)
    assert i.dead


def test_cpu_deadline_in_call(host: Recorder) -> None:
    i = Instance(host)
    i.eval_script("globalThis.spin = () => { while (true) { Math.random(); } };"
                  " globalThis.ok = () => 'ok';")
    i.set_deadline(0.1)
    assert i.call("ok", "") == "ok"  # short work under a deadline is fine
    with pytest.raises(SandboxTrap):
        i.call("spin", "")
    assert i.dead


def test_no_deadline_allows_work(host: Recorder) -> None:
    i = Instance(host)
    i.set_deadline(0.05)
    i.set_deadline(None)
    i.eval_script("let s = 0; for (let k = 0; k < 1e6; k++) { s += k; } globalThis.S = String(s);"
                  " globalThis.get = () => S;")
    assert i.call("get", "") == str(sum(range(1_000_000)))


@pytest.mark.parametrize("code", [
    "const a = []; for (;;) { a.push(new ArrayBuffer(1 << 20)); }",
    "let s = 'x'; for (;;) { s = s + s; }",
    "const a = []; let i = 0; for (;;) { a.push({k: i, s: 'y'.repeat(1000) + (i++)}); }",
    "new Array(1e9).fill(1)",
])
def test_memory_cap(host: Recorder, code: str) -> None:
    i = Instance(host, memory_mb=32)
    i.set_deadline(10)
    with pytest.raises((JSError, SandboxTrap)) as ei:
        i.eval_script(code)
    e = ei.value
    if isinstance(e, JSError):
        assert "memory" in e.message or "too long" in e.message or "length" in e.message, e
    else:
        assert i.dead
    assert i.memory_bytes() <= 32 * 1024 * 1024


@pytest.mark.parametrize("code", [
    "const a = []; let i = 0; for (;;) { a.push({k: i++}); }",
    "const a = []; let i = 0; for (;;) { a.push('s' + (i++)); }",
])
def test_memory_cap_error_is_named(host: Recorder, code: str) -> None:
    i = Instance(host, memory_mb=32)
    i.set_deadline(10)
    with pytest.raises((JSError, SandboxTrap)) as ei:
        i.eval_script(code)
    assert "memory" in str(ei.value)


def test_instance_usable_after_js_out_of_memory(host: Recorder) -> None:
    i = Instance(host, memory_mb=32)
    with pytest.raises(JSError, match="out of memory"):
        i.eval_script("globalThis.hog = []; for (;;) { hog.push(new ArrayBuffer(1 << 20)); }")
    i.eval_script("globalThis.hog = null; globalThis.ok = () => 'ok';")
    assert i.call("ok", "") == "ok"


@pytest.mark.parametrize("code", [
    "function r(n) { return r(n + 1) + 1; } r(0);",
    "const o = {}; o.toString = () => String(o); String(o);",
    "function a() { return b(); } function b() { return a(); } a();",
    "JSON.stringify(JSON.parse('['.repeat(100000) + ']'.repeat(100000)));",
])
def test_deep_recursion_is_an_error_not_a_crash(host: Recorder, code: str) -> None:
    i = Instance(host)
    with pytest.raises((JSError, SandboxTrap)) as ei:
        i.eval_script(code)
    e = ei.value
    assert isinstance(e, SandboxTrap) or "stack" in e.message.lower() or \
        "too much recursion" in e.message.lower(), e
    # the process is fine: a new instance works
    j = Instance(host)
    j.eval_script("globalThis.ok = () => 'ok';")
    assert j.call("ok", "") == "ok"


def test_stack_overflow_is_catchable_in_js(host: Recorder) -> None:
    i = Instance(host, stack_kb=64)
    i.eval_script("function r(n) { return r(n + 1) + 1; } globalThis.C = 'none';"
                  " try { r(0); } catch (e) { globalThis.C = 'caught ' + e.name; }"
                  " globalThis.get = () => C;")
    assert i.call("get", "").startswith("caught")
    assert not i.dead


DEPTH = """
globalThis.depth = () => {
  let d = 0;
  function r() { d++; r(); }
  try { r(); } catch (e) { return `${e.constructor.name}|${e.message}|${d}`; }
  return 'no error';
};
"""


@pytest.mark.parametrize("stack_kb,lo,hi", [
    (64, 200, 600),
    (512, 2000, 4000),  # the default: thousands of frames (Node: ~11k)
    (engine.MAX_STACK_KB, 3000, 5000),
    (8192, 3000, 5000),  # above the shadow stack: clamped, not a crash
])
def test_recursion_depth_follows_stack_kb(host: Recorder, stack_kb: int, lo: int,
                                          hi: int) -> None:
    i = Instance(host, stack_kb=stack_kb)
    i.eval_script(DEPTH)
    name, message, depth = i.call("depth", "").split("|")
    assert (name, message) == ("RangeError", "Maximum call stack size exceeded")
    assert lo <= int(depth) <= hi
    # the heap and the stack are intact: the same depth again, then ordinary work
    assert i.call("depth", "") == f"{name}|{message}|{depth}"
    i.eval_script("globalThis.ok = () => JSON.stringify({a: [1, 2]});")
    assert i.call("ok", "") == '{"a":[1,2]}'


# Recursion through every kind of call QuickJS makes: each must end in a
# catchable RangeError at the largest stack_kb (the native stack must not run out first).
RECURSION = [
    "function r(n){ return r(n+1)+1 } r(0)",
    "const o = {}; o.toString = () => String(o); String(o)",
    "const o = {}; o.valueOf = () => +o; +o",
    "function a() { return b(); } function b() { return a(); } a()",
    "function* g(n) { yield* g(n+1) } g(0).next()",
    "[1].map(function m(){ return [1].map(m) })",
    "[2,1].sort(function c(){ [2,1].sort(c); return 0 })",
    "class A { constructor(n) { new A(n+1) } }; new A(0)",
    "class B {} class C extends B { constructor(){ super(); new C() } } new C()",
    "function f() { return f.apply(null, arguments) } f(1,2,3)",
    "function f() { return Reflect.apply(f, null, []) } f()",
    "const f = function(){ return g() }.bind(null); const g = () => f(); f()",
    "let o = {get x() { return this.x }}; o.x",
    "let o = {set x(v) { this.x = v }}; o.x = 1",
    "const o = {toJSON(){ return JSON.stringify(o) }}; JSON.stringify(o)",
    "let p = new Proxy({}, {get(t,k,r){ return r[k] }}); p.x",
    "function t(s){ return t`x` } t`y`",
    "function f(...a){ return f(...a, 1) } f()",
    "function e(){ return eval('e()') } e()",
    "const o = {[Symbol.toPrimitive](){ return `${o}` }}; `${o}`",
    "function f(){ try { return f() } finally { } } f()",
    "'ab'.replace(/a/, function f(){ return 'ab'.replace(/a/, f) })",
    "function f(){ return Array.from({length:1}, f) } f()",
    "let a = []; for (let k = 0; k < 100000; k++) a = [a]; String(a)",
    "let p = new Proxy({}, {}); for (let k = 0; k < 100000; k++) p = new Proxy(p, {}); p.x",
]


@pytest.mark.parametrize("stack_kb", [512, engine.MAX_STACK_KB])
@pytest.mark.parametrize("code", RECURSION)
def test_every_kind_of_recursion_is_a_catchable_range_error(host: Recorder, code: str,
                                                            stack_kb: int) -> None:
    i = Instance(host, stack_kb=stack_kb)
    i.eval_script("globalThis.run = (src) => { try { (0, eval)(src); return 'no error'; }"
                  " catch (e) { return e.name + ': ' + e.message; } };")
    assert i.call("run", code) == "RangeError: Maximum call stack size exceeded"
    assert not i.dead
    assert i.call("run", "1") == "no error"


def test_async_recursion_rejects_instead_of_crashing(host: Recorder) -> None:
    i = Instance(host)
    i.eval_script("globalThis.R = 'pending'; async function ar(n) { return ar(n + 1); }"
                  " ar(0).then(() => { R = 'resolved'; }, e => { R = e.name; });"
                  " globalThis.get = () => R;")
    i.run_jobs()
    assert i.call("get", "") == "RangeError"


def test_thread_with_a_small_stack_is_refused_not_crashed(host: Recorder) -> None:
    """wasmtime assumes WASM_STACK_BYTES of native stack: a thread with less would
    fault on deep recursion, so the engine refuses to enter the guest from it."""
    out: list[BaseException | str] = []

    def work() -> None:
        try:
            i = Instance(host)
            i.eval_script(DEPTH)
            out.append(i.call("depth", ""))
        except BaseException as e:  # reported to the test thread
            out.append(e)

    old = threading.stack_size(1024 * 1024)
    try:
        t = threading.Thread(target=work)
        t.start()
    finally:
        threading.stack_size(old)
    t.join()
    assert isinstance(out[0], RuntimeError) and "stack" in str(out[0]), out
    engine.ensure_thread_stack_size()
    try:
        t = threading.Thread(target=work)
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    assert isinstance(out[1], str) and out[1].startswith("RangeError|"), out


def test_second_instance_unaffected_after_first_traps(host: Recorder) -> None:
    a = Instance(host)
    b = Instance(host)
    b.eval_script("globalThis.state = 'b-state'; globalThis.get = () => state;")
    a.eval_script("globalThis.state = 'a-state';")
    a.set_deadline(0.1)
    with pytest.raises(SandboxTrap):
        a.eval_script("for (;;) {}")
    assert a.dead and not b.dead
    assert b.call("get", "") == "b-state"
    b.eval_script("globalThis.spinShort = () => { let s = 0; for (let k = 0; k < 1e5; k++) s += k;"
                  " return String(s); };")
    assert b.call("spinShort", "") == str(sum(range(100_000)))
    # heaps are separate
    c = Instance(host)
    c.eval_script("globalThis.get = () => typeof globalThis.state;")
    assert c.call("get", "") == "undefined"


def test_instances_do_not_share_globals(host: Recorder) -> None:
    a, b = Instance(host), Instance(host)
    a.eval_script("globalThis.secret = 'A'; Object.prototype.polluted = 'yes';")
    b.eval_script("globalThis.get = () => String(globalThis.secret) + '/' + String(({}).polluted);")
    assert b.call("get", "") == "undefined/undefined"
