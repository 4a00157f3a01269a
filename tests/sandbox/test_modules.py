"""Module loading (sandbox/modules.py, the require() region of sandbox/js/runtime/modules.js).

Differential: the same folder of files runs in Node 20 and in the sandbox, and must
print the same JSON (CommonJS semantics, node_modules resolution, package
"exports"/"imports", ES modules importing CommonJS). Then what only Brygge does:
webpack's interop for app code, require() of ES modules, the vendored whitelist
packages, bundle externals, and the scanner and resolver on their own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sandbox.app import AppInstance, DeployError
from sandbox.jsscan import scan
from sandbox.module_resolve import (
    APP,
    CORE_MODULES,
    VENDOR,
    Resolved,
    ResolveError,
    Resolver,
    UploadFS,
    install_vendor,
    vendor_installed,
)
from tests.support.sandbox_app import invoke

HEAD = "import {app} from 'codehooks-js';\n"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node runs the reference side")


@pytest.fixture(scope="session")
def vendor() -> None:
    """The vendored npm set (sandbox/vendor/node_modules), installed once if missing."""
    if not vendor_installed():
        if shutil.which("npm") is None:
            pytest.fail("npm is needed to install the vendored packages (sandbox/vendor)")
        install_vendor()


def make(files: dict[str, str], entry: str = "index.js") -> AppInstance:
    return AppInstance({"kind": "source", "entry": entry, "files": files}, lambda op, p: "")


def run_sandbox(files: dict[str, str], main: str) -> str:
    index = (HEAD + f"import result from './{main}';\n"
             "app.get('/r', (req, res) => res.end(JSON.stringify(result)));\n"
             "export default app.init();\n")
    r = invoke(make({**files, "index.js": index}), "GET", "/r")
    assert r.status == 200 and not r.inv.error, (r.text, r.inv.error, r.inv.logs)
    return r.text


def run_node(files: dict[str, str], main: str, tmp: Path) -> str:
    for name, text in files.items():
        p = tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (tmp / "__run.mjs").write_text(f"import r from './{main}';\n"
                                   "process.stdout.write(JSON.stringify(r));\n")
    p = subprocess.run(["node", "__run.mjs"], cwd=tmp, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.replace(str(tmp.resolve()), "/app")


def pkg(name: str, **fields: Any) -> str:
    return json.dumps({"name": name, "version": "1.0.0", **fields})


# -- differential cases: {files}, main file ---------------------------------------------------
CASES: dict[str, tuple[dict[str, str], str]] = {
    "cycles_see_partial_exports": ({
        "main.js": "exports.early = 'main';\nconst a = require('./a');\n"
                   "module.exports = {a, fromB: require('./b').sawA};",
        "a.js": "exports.start = 1;\nconst b = require('./b');\nexports.end = 2;\nexports.bSaw = b.sawA;",
        "b.js": "const a = require('./a');\nexports.sawA = JSON.stringify(a);",
    }, "main.js"),
    "module_object_and_wrapper_args": ({
        "main.js": "const lib = require('./lib/x');\n"
                   "module.exports = {lib, thisIsExports: this === module.exports, "
                   "file: __filename, dir: __dirname, "
                   "id: module.id === '.' || module.id.endsWith('main.js'), "
                   "loaded: module.loaded, childLoaded: module.children.map(c => [c.filename, c.loaded]), "
                   "argsLen: arguments.length, sloppy: (function () { return this === undefined; })()};",
        "lib/x.js": "exports.f = __filename; exports.d = __dirname; exports.loadedDuring = module.loaded;",
    }, "main.js"),
    "exports_reassign_and_cache": ({
        "main.js": "const a1 = require('./a'), a2 = require('./a.js');\n"
                   "const key = require.resolve('./a');\n"
                   "const cached = require.cache[key] !== undefined;\n"
                   "delete require.cache[key];\nconst a3 = require('./a');\n"
                   "module.exports = {same: a1 === a2, cached, fresh: a3 !== a1, n: [a1.n, a3.n], key};",
        "a.js": "globalThis.__loads = (globalThis.__loads || 0) + 1;\n"
                "exports.ignored = true;\nmodule.exports = {n: globalThis.__loads};",
    }, "main.js"),
    "json_and_directories": ({
        "main.js": "module.exports = [require('./data.json'), require('./data'), require('./dir'), "
                   "require('./withmain'), require('./dir/index.js') === require('./dir')];",
        "data.json": '{"a": [1, 2, {"b": null}], "__proto__": {"x": 1}}',
        "dir/index.js": "module.exports = 'dir index';",
        "withmain/package.json": '{"main": "lib/entry"}',
        "withmain/lib/entry.js": "module.exports = 'main field';",
    }, "main.js"),
    "node_modules_walk_up_and_scopes": ({
        "main.js": "module.exports = [require('plain'), require('@scope/thing'), require('plain/extra'), "
                   "require('./sub/deep').v, require('plain/package.json').version];",
        "node_modules/plain/package.json": pkg("plain", main="./main.js"),
        "node_modules/plain/main.js": "module.exports = 'plain main';",
        "node_modules/plain/extra.js": "module.exports = 'plain extra';",
        "node_modules/@scope/thing/package.json": pkg("@scope/thing"),
        "node_modules/@scope/thing/index.js": "module.exports = 'scoped ' + require('plain');",
        "sub/deep.js": "exports.v = require('nested');",
        "sub/node_modules/nested/index.js": "module.exports = 'nested ' + require('plain');",
    }, "main.js"),
    "package_exports_conditions_and_patterns": ({
        "main.mjs": "import dual from 'dual';\nimport feat from 'dual/features/x';\n"
                    "import {createRequire} from 'module';\nconst require = createRequire(import.meta.url);\n"
                    "export default [dual, feat, require('dual'), require('dual/features/y'), "
                    "require('dual/package.json').name];",
        "node_modules/dual/package.json": pkg("dual", exports={
            ".": {"import": "./esm/index.mjs", "require": "./cjs/index.js"},
            "./features/*": {"import": "./esm/f/*.mjs", "default": "./cjs/f/*.js"},
            "./package.json": "./package.json"}),
        "node_modules/dual/esm/index.mjs": "export default 'esm build';",
        "node_modules/dual/cjs/index.js": "module.exports = 'cjs build';",
        "node_modules/dual/esm/f/x.mjs": "export default 'esm feature x';",
        "node_modules/dual/cjs/f/y.js": "module.exports = 'cjs feature y';",
    }, "main.mjs"),
    "package_exports_nested_conditions_and_arrays": ({
        "main.js": "module.exports = [require('cond'), require('cond/sub')];",
        "node_modules/cond/package.json": pkg("cond", exports={
            ".": {"browser": "./browser.js", "worker": "./worker.js",
                  "node": {"import": "./n.mjs", "require": "./node.js"}, "default": "./default.js"},
            "./sub": [{"require": "./sub.js"}, "./fallback.js"]}),
        "node_modules/cond/browser.js": "module.exports = 'browser';",
        "node_modules/cond/worker.js": "module.exports = 'worker';",
        "node_modules/cond/node.js": "module.exports = 'node';",
        "node_modules/cond/default.js": "module.exports = 'default';",
        "node_modules/cond/sub.js": "module.exports = 'sub';",
    }, "main.js"),
    "package_imports_field": ({
        "main.js": "module.exports = require('withimports');",
        "node_modules/withimports/package.json": pkg("withimports", main="index.js",
                                                     imports={"#internal/*": "./src/*.js",
                                                              "#dep": {"node": "./dep-node.js",
                                                                       "default": "./dep.js"}}),
        "node_modules/withimports/index.js": "module.exports = [require('#internal/a'), require('#dep')];",
        "node_modules/withimports/src/a.js": "module.exports = 'internal a';",
        "node_modules/withimports/dep-node.js": "module.exports = 'dep for node';",
        "node_modules/withimports/dep.js": "module.exports = 'dep';",
    }, "main.js"),
    "package_type_module_and_mjs_cjs": ({
        "main.mjs": "import m from 'esmpkg';\nimport c from 'esmpkg/legacy.cjs';\nexport default [m, c];",
        "node_modules/esmpkg/package.json": pkg("esmpkg", type="module", main="index.js"),
        "node_modules/esmpkg/index.js": "import {x} from './lib.js';\nexport default 'esm ' + x;",
        "node_modules/esmpkg/lib.js": "export const x = typeof module + typeof exports;",
        "node_modules/esmpkg/legacy.cjs": "module.exports = 'cjs ' + typeof require;",
    }, "main.mjs"),
    "esm_imports_commonjs_named_exports": ({
        "main.mjs": "import d, {a, b, c, d2, e, fromStar, reexported} from './cjs.js';\n"
                    "import * as ns from './cjs.js';\nimport ts, {helper} from './tslike.js';\n"
                    "export default {d, a, b, c, d2, e, fromStar, reexported, keys: Object.keys(ns).sort(), "
                    "ts: typeof ts, helper: helper()};",
        "cjs.js": "exports.a = 1;\nexports['b'] = 2;\nmodule.exports.c = 3;\n"
                  "Object.defineProperty(exports, 'd2', {enumerable: true, value: 4});\n"
                  "var _star = require('./star');\nObject.keys(_star).forEach(function (key) {\n"
                  "  if (key === \"default\" || key === \"__esModule\") return;\n"
                  "  exports[key] = _star[key];\n});\n"
                  "exports.e = 'e'; exports.reexported = require('./other').value;",
        "star.js": "exports.fromStar = 'star';",
        "other.js": "module.exports = {value: 'other', more: true};",
        "tslike.js": '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n'
                     "exports.helper = exports.default = void 0;\n"
                     "function helper() { return 'h'; }\nexports.helper = helper;\n"
                     "exports.default = {is: 'default'};",
    }, "main.mjs"),
    "esm_imports_commonjs_object_literal_and_reexport": ({
        "main.mjs": "import {x, y, z, w} from './obj.js';\nimport {x as rx, y as ry} from './re.js';\n"
                    "export default [x, y, z, w, rx, ry];",
        "obj.js": "const x = 1, y = 2, z = 3;\nfunction w() { return 'w'; }\n"
                  "module.exports = {x, y: y, 'z': z, w};",
        "re.js": "module.exports = require('./obj.js');",
    }, "main.mjs"),
    "require_errors": ({
        "main.js": "const out = [];\n"
                   "for (const s of ['./nope', 'nopkg', 'cond/hidden', 'node:nothing', '#nothing']) {\n"
                   "  try { require(s); out.push('loaded ' + s); }\n"
                   "  catch (e) { out.push([e.code, e.message.split('\\n')[0].replace(/ in .*$/, '')]); }\n"
                   "}\n"
                   "for (const s of [42, '']) {\n"
                   "  try { require(s); } catch (e) { out.push([e.name, e.code]); }\n}\n"
                   "try { require('./throws'); } catch (e) { out.push(e.message); }\n"
                   "try { require('./throws'); } catch (e) { out.push('again: ' + e.message); }\n"
                   "module.exports = out;",
        "throws.js": "globalThis.__tries = (globalThis.__tries || 0) + 1;\n"
                     "throw new Error('boom ' + globalThis.__tries);",
        "node_modules/cond/package.json": pkg("cond", exports={".": "./i.js"}),
        "node_modules/cond/i.js": "",
    }, "main.js"),
    "builtins_win_and_node_prefix": ({
        "main.js": "const ev = require('events'), ev2 = require('node:events');\n"
                   "module.exports = [ev === ev2, typeof ev, require('path').join('a', 'b'), "
                   "typeof require('url').URL, require('module').isBuiltin('node:events'), "
                   "typeof require('module').createRequire];",
        "node_modules/events/index.js": "module.exports = 'shadowed';",
        "node_modules/path/index.js": "module.exports = 'shadowed';",
    }, "main.js"),
    "sloppy_mode_and_hashbang": ({
        "main.js": "#!/usr/bin/env node\nimplicitGlobal = 5;\nvar o = {a: 1};\n"
                   "with (o) { a = 2; }\n"
                   "module.exports = [typeof implicitGlobal, o.a, 010,\n"
                   "  (function () { return typeof this; })()];",
    }, "main.js"),
}


@needs_node
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_node(name: str, tmp_path: Path) -> None:
    files, main = CASES[name]
    theirs = run_node(files, main, tmp_path)
    ours = run_sandbox(files, main)
    assert json.loads(ours) == json.loads(theirs)
    assert ours == theirs


# -- webpack semantics for app code and other Brygge specifics -------------------------------

def test_app_js_with_import_syntax_is_esm_whatever_package_type_says() -> None:
    files = {"package.json": '{"type": "commonjs"}',
             "lib.js": "export const v = 'esm in a commonjs package';",
             "index.js": HEAD + "import {v} from './lib.js';\n"
                         "app.get('/v', (req, res) => res.end(v));\nexport default app.init();"}
    assert invoke(make(files), "GET", "/v").text == "esm in a commonjs package"


def test_commonjs_entry_with_require_of_codehooks() -> None:
    files = {"index.js": "const {app, Datastore} = require('codehooks-js');\n"
                         "const {double} = require('./lib/math');\n"
                         "app.get('/d', (req, res) =>\n"
                         "  res.json({d: double(21), ds: typeof Datastore.open}));\n"
                         "module.exports = app.init();",
             "lib/math.js": "exports.double = (x) => x * 2;"}
    assert invoke(make(files), "GET", "/d").json() == {"d": 42, "ds": "function"}


def test_esm_default_import_of_esmodule_commonjs_uses_exports_default() -> None:
    files = {"compiled.js": 'Object.defineProperty(exports, "__esModule", {value: true});\n'
                            "exports.default = function greet(n) { return 'hi ' + n; };\n"
                            "exports.other = 1;",
             "index.js": HEAD + "import greet, {other} from './compiled.js';\n"
                         "app.get('/g', (req, res) => res.json([greet('x'), other]));\n"
                         "export default app.init();"}
    assert invoke(make(files), "GET", "/g").json() == ["hi x", 1]


def test_named_imports_that_no_scan_finds_still_bind() -> None:
    # lodash-style: exports assigned through an alias no lexer follows; webpack binds
    # any name at run time, we bind every name some ES module of the upload imports.
    files = {"node_modules/aliased/index.js": "var e = module.exports; e.alpha = 'A'; e.beta = 'B';",
             "index.js": HEAD + "import {alpha} from 'aliased';\nimport * as ns from 'aliased';\n"
                         "app.get('/a', (req, res) => res.json([alpha, ns.beta]));\n"
                         "export default app.init();"}
    assert invoke(make(files), "GET", "/a").json() == ["A", "B"]


def test_require_inside_esm_file_is_relative_to_that_file() -> None:
    files = {"lib/helper.cjs": "module.exports = 'helper';",
             "lib/mod.js": "export const h = require('./helper.cjs') + ' ' + __dirname;",
             "index.js": HEAD + "import {h} from './lib/mod.js';\n"
                         "app.get('/h', (req, res) => res.end(h));\nexport default app.init();"}
    assert invoke(make(files), "GET", "/h").text == "helper /app/lib"


def test_require_of_es_module_returns_its_namespace() -> None:
    files = {"esm.mjs": "import {dep} from './dep.mjs';\nexport default 'D';\nexport const n = dep * 2;",
             "dep.mjs": "export const dep = 21;",
             "index.js": "const {app} = require('codehooks-js');\nconst m = require('./esm.mjs');\n"
                         "const again = require('./esm.mjs');\n"
                         "app.get('/m', (req, res) => res.json([m.default, m.n, m === again]));\n"
                         "module.exports = app.init();"}
    assert invoke(make(files), "GET", "/m").json() == ["D", 42, True]


def test_require_of_es_module_that_throws_is_an_error() -> None:
    files = {"bad.mjs": "throw new RangeError('esm top level');",
             "index.js": "const {app} = require('codehooks-js');\nlet err;\n"
                         "try { require('./bad.mjs'); } catch (e) { err = [e.code, e.message]; }\n"
                         "app.get('/e', (req, res) => res.json(err));\nmodule.exports = app.init();"}
    a = make(files)
    code, msg = invoke(a, "GET", "/e").json()
    assert code == "ERR_REQUIRE_ESM" and "bad.mjs" in msg


def test_json_import_with_assert_and_with_attributes() -> None:
    files = {"d.json": '{"k": "v"}', "e.json": "[1, 2]",
             "index.js": HEAD + "import d from './d.json' assert { type: 'json' };\n"
                         "import e from './e.json' with { type: 'json' };\n"
                         "app.get('/j', (req, res) => res.json([d, e]));\nexport default app.init();"}
    assert invoke(make(files), "GET", "/j").json() == [{"k": "v"}, [1, 2]]


def test_text_assets_import_and_require_as_strings() -> None:
    files = {"views/page.html": "<h1>{{title}}</h1>\n", "a.txt": "plain \u00e6\u00f8\u00e5",
             "s.css": "body{}", "t.hbs": "{{x}}",
             "index.js": HEAD + "import page from './views/page.html';\nimport txt from './a.txt';\n"
                         "import css from './s.css';\n"
                         "app.get('/t', (req, res) => res.json([page, txt, css, require('./t.hbs')]));\n"
                         "export default app.init();"}
    assert invoke(make(files), "GET", "/t").json() == ["<h1>{{title}}</h1>\n", "plain æøå",
                                                        "body{}", "{{x}}"]


def test_typescript_commonjs_and_esm_files() -> None:
    files = {"lib/a.ts": "export const twice = (n: number): number => n * 2;",
             "lib/b.cts": "const k: string = 'cts';\nmodule.exports = k;",
             "index.ts": HEAD + "import {twice} from './lib/a';\n"
                         "const b: string = require('./lib/b.cts');\n"
                         "app.get('/t', (req, res) => res.json([twice(4), b]));\nexport default app.init();"}
    assert invoke(make(files, "index.ts"), "GET", "/t").json() == [8, "cts"]


def test_app_copy_of_codehooks_js_wins_over_builtin() -> None:
    files = {"node_modules/codehooks-js/package.json": pkg("codehooks-js", main="index.js"),
             "node_modules/codehooks-js/index.js":
                 "const routes = {};\nexports.app = {get(p, f) { routes['GET ' + p] = [f]; },"
                 " init() { return {routehooks: routes, authhooks: {}, globalhooks: [], mine: true}; }};",
             "index.js": HEAD + "app.get('/w', (req, res) => res.end('own copy'));\n"
                         "export default app.init();"}
    a = make(files)
    assert invoke(a, "GET", "/w").text == "own copy"


def test_deploy_error_for_commonjs_syntax_error_names_file_and_line() -> None:
    files = {"lib/bad.js": "module.exports = 1;\n\nconst = 5;\n",
             "index.js": "const {app} = require('codehooks-js');\nrequire('./lib/bad');\n"
                         "module.exports = app.init();"}
    with pytest.raises(DeployError, match=r"SyntaxError.*lib/bad\.js:3"):
        make(files)


def test_deploy_error_for_commonjs_top_level_throw_names_file_and_line() -> None:
    files = {"lib/t.js": "exports.x = 1;\nnull.boom;\n",
             "index.js": "const {app} = require('codehooks-js');\nrequire('./lib/t');\n"
                         "module.exports = app.init();"}
    with pytest.raises(DeployError, match=r"TypeError.*lib/t\.js:2"):
        make(files)


def test_deploy_error_for_missing_package_and_bad_json() -> None:
    with pytest.raises(DeployError, match="left-pad"):
        make({"index.js": "const {app} = require('codehooks-js');\nrequire('left-pad');\n"
                          "module.exports = app.init();"})
    with pytest.raises(DeployError, match=r"broken\.json"):
        make({"broken.json": "{nope", "index.js": HEAD + "import b from './broken.json';\n"
                                                       "export default app.init();"})


def test_unknown_subpath_of_builtin_codehooks_is_a_deploy_error() -> None:
    with pytest.raises(DeployError, match="codehooks-js/nope"):
        make({"index.js": HEAD + "import x from 'codehooks-js/nope';\nexport default app.init();"})


def test_unprovided_core_module_loads_and_fails_on_use() -> None:
    files = {"index.js": "const {app} = require('codehooks-js');\nconst fs = require('fs');\n"
                         "app.get('/f', (req, res) => {\n"
                         "  try { fs.readFileSync('/etc/passwd'); res.end('read!'); }\n"
                         "  catch (e) { res.end(e.message); } });\nmodule.exports = app.init();"}
    assert invoke(make(files), "GET", "/f").text == "module 'fs' is not provided by the Brygge runtime"


# -- vendored whitelist packages and webpack bundles ---------------------------------------------

BUNDLE = """var EntryPoint;(()=>{"use strict";var r={};
const {app} = {app: {routes: {}, get(p, f) { this.routes['GET ' + p] = [f]; }}};
%s
app.get('/r', (req, res) => res.json(use()));
r.default = {routehooks: app.routes, authhooks: {}, globalhooks: []};
EntryPoint = r;})();"""


def bundle(body: str) -> AppInstance:
    return AppInstance({"kind": "bundle", "bundle": BUNDLE % body}, lambda op, p: "")


@pytest.mark.parametrize("name", ["mongodb", "aws-sdk", "googleapis", "grpc", "left-pad"])
def test_bundle_requiring_what_the_runtime_lacks_is_refused(name: str) -> None:
    with pytest.raises(DeployError) as ei:
        bundle(f'const m = require("{name}"); const use = () => 1;')
    assert str(ei.value) == f"this bundle requires '{name}', which the Brygge runtime does not provide"


def test_bundle_core_externals_pass() -> None:
    a = bundle('const c = require("crypto"), u = require("url"), e = require("events"), '
               'f = require("fs"), nf = require("node-fetch");\n'
               'const use = () => [c.createHash("sha256").update("x").digest("hex").slice(0, 8), '
               'typeof u.URL, typeof e, typeof nf];')
    assert invoke(a, "GET", "/r").json() == ["2d711642", "function", "function", "function"]


VENDOR_USES = {
    "lodash": ('const _ = require("lodash");', "[_.chunk([1, 2, 3], 2), _.get({a: {b: 7}}, 'a.b')]",
               [[[1, 2], [3]], 7]),
    "ajv": ('const Ajv = require("ajv"); const ajv = new (Ajv.default || Ajv)();',
            "[ajv.validate({type: 'object', required: ['a']}, {a: 1}), "
            "ajv.validate({type: 'object', required: ['a']}, {})]", [True, False]),
    "yup": ('const yup = require("yup");',
            "[yup.object({n: yup.number().required()}).isValidSync({n: 1}), "
            "yup.string().email().isValidSync('nope')]", [True, False]),
    "jsonwebtoken": ('const jwt = require("jsonwebtoken");',
                     "jwt.verify(jwt.sign({sub: 'u1', iat: 1700000000}, 'secret'), 'secret')",
                     {"sub": "u1", "iat": 1700000000}),
    "nanoid": ('const {nanoid, customAlphabet} = require("nanoid");',
               "[nanoid().length, /^[ab]{5}$/.test(customAlphabet('ab', 5)())]", [21, True]),
    "sift": ('const sift = require("sift");',
             "[{a: 1}, {a: 5}].filter((sift.default || sift)({a: {$gt: 2}}))", [{"a": 5}]),
    "query-to-mongo": ('const q2m = require("query-to-mongo");',
                       "q2m('name=bob&age>30&limit=5').criteria", {"name": "bob", "age": {"$gt": 30}}),
    "cron-parser": ('const cp = require("cron-parser");',
                    "cp.parseExpression('*/5 * * * *', {currentDate: new Date('2024-01-01T00:01:00Z'), "
                    "tz: 'UTC'}).next().toISOString()", "2024-01-01T00:05:00.000Z"),
    "debug": ('const debug = require("debug");', "typeof debug('x')", "function"),
    "fast-sort": ('const {sort} = require("fast-sort");', "sort([3, 1, 2]).desc()", [3, 2, 1]),
    "crc-32": ('const CRC32 = require("crc-32");', "CRC32.str('hello')", 907060870),
    "remarkable": ('const {Remarkable} = require("remarkable");',
                   "new Remarkable().render('# Hi')", "<h1>Hi</h1>\n"),
    "async": ('const async = require("async");', "typeof async.series", "function"),
    "form-data": ('const FormData = require("form-data");',
                  "(() => { const f = new FormData(); f.append('a', 'b'); "
                  "return f.getHeaders()['content-type'].startsWith('multipart/form-data'); })()", True),
    "stripe": ('const Stripe = require("stripe"); const s = new Stripe("sk_test_x");',
               "(() => { const p = JSON.stringify({id: 'evt_1', type: 't.x'});\n"
               "  const h = s.webhooks.generateTestHeaderString({payload: p, secret: 'whsec_x'});\n"
               "  return s.webhooks.constructEvent(p, h, 'whsec_x').type; })()", "t.x"),
    "axios": ('const axios = require("axios");', "[typeof axios.create().get, typeof axios.isAxiosError]",
              ["function", "function"]),
    "xml2js": ('const xml2js = require("xml2js");',
               "new xml2js.Builder({headless: true}).buildObject({a: {b: 'c'}})", "<a>\n  <b>c</b>\n</a>"),
}


@pytest.mark.parametrize("name", sorted(VENDOR_USES))
def test_vendored_whitelist_package_satisfies_bundle_external(vendor: None, name: str) -> None:
    head, expr, expected = VENDOR_USES[name]
    a = bundle(f"{head}\nconst use = () => {expr};")
    r = invoke(a, "GET", "/r")
    assert r.status == 200, (r.text, r.inv.logs)
    assert r.json() == expected


def test_app_without_node_modules_imports_vendored_package(vendor: None) -> None:
    files = {"index.js": HEAD + "import _ from 'lodash';\nimport {chunk} from 'lodash';\n"
                         "app.get('/c', (req, res) => res.json([_.VERSION, chunk([1, 2], 1)]));\n"
                         "export default app.init();"}
    assert invoke(make(files), "GET", "/c").json() == ["4.17.21", [[1], [2]]]


def test_apps_own_copy_wins_over_vendored(vendor: None) -> None:
    files = {"node_modules/lodash/package.json": pkg("lodash", main="lodash.js"),
             "node_modules/lodash/lodash.js": "module.exports = {VERSION: 'mine'};",
             "index.js": HEAD + "import _ from 'lodash';\n"
                         "app.get('/v', (req, res) => res.end(_.VERSION));\nexport default app.init();"}
    assert invoke(make(files), "GET", "/v").text == "mine"


# -- the scanner on its own ----------------------------------------------------------------------

@pytest.mark.parametrize("src,esm", [
    ("import x from 'y';", True),
    ("import 'side-effect';", True),
    ("import {a as b, type T} from './t';", True),
    ("import * as ns from 'x'", True),
    ("export default 1;", True),
    ("export const a = 1, b = 2;", True),
    ("export * from './x';", True),
    ("const u = import.meta.url;", True),
    ("const m = import('./dyn.js');", False),
    ("module.exports = {import: 1, export: 2};", False),
    ("obj.import('x'); obj.export = 1;", False),
    ("// import x from 'y'\n/* export default 1 */ module.exports = 1;", False),
    ("const s = 'import x from \"y\"'; const t = `export ${'default'}`;", False),
    ("const r = /import x from/g; exports.a = r;", False),
    ("const re = a / b; // division then import\nexports.x = 1;", False),
    ("#!/usr/bin/env node\nexports.x = 1;", False),
])
def test_scan_detects_module_syntax(src: str, esm: bool) -> None:
    assert scan(src).esm is esm


def test_scan_finds_dependencies_not_text_that_looks_like_them() -> None:
    s = scan("import a from './a';\nimport './b.css';\nexport {x} from 'pkg/sub';\n"
             "export * from \"star\";\nconst c = require('./c');\nconst d = await import('./d.js');\n"
             "// require('./not-me')\nconst t = `require('./nor-me')`;\nrequire(variable);\n"
             "import type {T} from 'types-only';\nimport j from './j.json' assert {type: 'json'};")
    assert s.deps == [("import", "./a"), ("import", "./b.css"), ("import", "pkg/sub"),
                      ("import", "star"), ("require", "./c"), ("import", "./d.js"),
                      ("import", "./j.json")]
    assert len(s.assert_at) == 1


@pytest.mark.parametrize("src,names,reexports", [
    ("exports.a = 1; exports['b-c'] = 2; module.exports.d = 3;", {"a", "b-c", "d"}, []),
    ("Object.defineProperty(exports, 'e', {get() {}}); "
     "Object.defineProperty(exports, '__esModule', {value: true});", {"e", "__esModule"}, []),
    ("module.exports = {f, g: 1, 'h': 2, i() {}, ...require('./more')};", {"f", "g", "h", "i"},
     ["./more"]),
    ("module.exports = require('./all');", set(), ["./all"]),
    ("tslib_1.__exportStar(require('./ts'), exports); __exportStar(require('./ts2'), exports);",
     set(), ["./ts", "./ts2"]),
    ("var _x = require('./bab'); Object.keys(_x).forEach(function (k) { exports[k] = _x[k]; });",
     set(), ["./bab"]),
    ("exports.a = exports.b = void 0;", {"a", "b"}, []),
    ("if (exports.a == 1) {} x.exports.no = 1;", set(), []),
])
def test_scan_commonjs_exports_like_cjs_module_lexer(src: str, names: set[str],
                                                     reexports: list[str]) -> None:
    s = scan(src)
    assert s.exports == names
    assert s.reexports == reexports


# -- the resolver on its own ---------------------------------------------------------------------

def resolver(files: dict[str, str]) -> Resolver:
    return Resolver(UploadFS(files))


def test_resolve_builtins_and_runtime_packages() -> None:
    r = resolver({"node_modules/node-fetch/package.json": "{}", "node_modules/node-fetch/index.js": ""})
    assert r.resolve("node-fetch", APP + "/index.js") == Resolved(builtin="node-fetch")
    assert r.resolve("node:fs/promises", APP + "/index.js") == Resolved(builtin="fs/promises")
    assert {"fs", "crypto", "stream/web"} <= CORE_MODULES
    with pytest.raises(ResolveError) as ei:
        r.resolve("node:nothing", APP + "/index.js")
    assert ei.value.code == "ERR_UNKNOWN_BUILTIN_MODULE"
    assert r.resolve("codehooks-js", APP + "/index.js") == Resolved(builtin="codehooks-js")


def test_resolve_import_prefers_module_field_require_main() -> None:
    files = {"node_modules/both/package.json": pkg("both", main="cjs.js", module="esm.js"),
             "node_modules/both/cjs.js": "", "node_modules/both/esm.js": ""}
    r = resolver(files)
    assert r.resolve("both", APP + "/index.js", "import").path == APP + "/node_modules/both/esm.js"
    assert r.resolve("both", APP + "/index.js", "require").path == APP + "/node_modules/both/cjs.js"


def test_resolve_exports_errors_and_escapes() -> None:
    files = {"node_modules/p/package.json": pkg("p", exports={".": "./i.js", "./x": "../../escape.js",
                                                              "./missing": "./nope.js"}),
             "node_modules/p/i.js": "", "escape.js": ""}
    r = resolver(files)
    for spec, code in [("p/hidden", "ERR_PACKAGE_PATH_NOT_EXPORTED"),
                       ("p/x", "ERR_PACKAGE_PATH_NOT_EXPORTED"),
                       ("p/missing", "MODULE_NOT_FOUND"), ("../../etc/passwd", "MODULE_NOT_FOUND")]:
        with pytest.raises(ResolveError) as ei:
            r.resolve(spec, APP + "/index.js")
        assert ei.value.code == code, spec


def test_resolve_absolute_dirname_paths_and_vendor_fallback(vendor: None) -> None:
    r = resolver({"lib/data.json": "{}", "other.js": ""})
    assert r.resolve("/app/lib/data.json", APP + "/lib/x.js").path == APP + "/lib/data.json"
    assert r.resolve("/other", APP + "/lib/x.js").path == APP + "/other.js"
    assert r.resolve("lodash", APP + "/index.js").path == VENDOR + "/node_modules/lodash/lodash.js"
    # vendored packages never see the app's node_modules
    r2 = resolver({"node_modules/ms/index.js": "module.exports = 'app ms';"})
    got = r2.resolve("ms", VENDOR + "/node_modules/debug/src/common.js", "require").path
    assert got.startswith(VENDOR + "/node_modules/")
