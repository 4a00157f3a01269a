"""Differential tests for the guest's one printer (sandbox/js/node/util_inspect.js) as
util.inspect, util.format and the crypto errors' "Received ..." use it: the same
JavaScript in real Node 20 and in the sandbox must print the same JSON."""

from __future__ import annotations

import json
import shutil

import pytest

from sandbox.app import AppInstance
from tests.support.node_compat import APP, run_node

VALUES = r"""
    class Foo { constructor() { this.x = 1; } }
    const vals = [{a: 'b', n: [1, 2]}, 'str', "it's", 'a\nb', -0, [1, [2, [3, [4, [5]]]]],
      {a: {b: {c: {d: {e: 1}}}}}, new Map([['z', 1], ['a', 2]]), new Set([3, 1]), new Foo(),
      {z: 1, a: 2}, [undefined, null, true], 10n, Symbol('s'), function named() {}, class K {},
      new Date(0), /x/g, {'a-b': 1, "q'": 2}, Object.create(null), new Uint8Array([1, 2]),
      [1, , 3], {s: "it's"}, {f: Foo}, {deep: {er: new Foo()}}];
"""
CASES = {
    "inspect": VALUES + "return vals.map((v) => util.inspect(v));",
    "inspect_depth": VALUES + "return [vals.map((v) => util.inspect(v, {depth: 0})),"
                              " util.inspect({a: {b: {c: {}}}}, {depth: null})];",
    "format": VALUES + """return [vals.map((v) => util.format('%O', v)), util.format('x', {a: 1}, 'y', [1]),
                                 util.format('%s', {x: [1, "it's"]})];""",
    "crypto_received": """
        const crypto = require('crypto');
        const tries = [() => crypto.createPublicKey({key: 'x', format: "it's"}),
                       () => crypto.generateKeyPairSync('no-such-type'),
                       () => crypto.generateKeyPairSync({a: 1})];
        return tries.map((f) => { try { f(); return null; } catch (e) { return [e.code, e.message]; } });""",
}


@pytest.fixture(scope="module")
def sandbox() -> AppInstance:
    return AppInstance(APP, lambda op, payload: "")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed for differential tests")
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_output_as_node(sandbox: AppInstance, name: str) -> None:
    body = "const util = require('util');\n" + CASES[name]
    fn = f"__inspect_case_{name}"
    sandbox.inst.eval_script(f"globalThis.{fn} = () => JSON.stringify((function () {{ {body} }})());")
    ours = sandbox.inst.call(fn, "")
    theirs = run_node(body)
    assert json.loads(ours) == json.loads(theirs)
