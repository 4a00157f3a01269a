"""What `brygge deploy` uploads (control_plane/deploy.py `pack`): the app's own files,
and of node_modules only the files its module graph reaches, plus the package.json
files resolution needs. Packed folders are then loaded by a real AppInstance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from control_plane.deploy import DeployFailed, pack
from sandbox.app import AppInstance
from tests.support.sandbox_app import invoke

HEAD = "import {app} from 'codehooks-js';\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def pkg(name: str, **fields: Any) -> str:
    return json.dumps({"name": name, "version": "1.0.0", **fields})


APP = {
    "index.js": HEAD + "import used from 'used';\nimport {esmOnly} from 'dual';\n"
                "const lazy = () => import('./lib/lazy.js');\n"
                "const cfg = require('./config.json');\n"
                "app.get('/r', async (req, res) =>\n"
                "  res.json([used, esmOnly, (await lazy()).default, cfg.k]));\n"
                "export default app.init();\n",
    "lib/lazy.js": "export default 'lazy';",
    "config.json": '{"k": "v"}',
    "views/page.hbs": "<p>{{x}}</p>",  # read at run time by the app, not imported
    "package.json": pkg("the-app"),
    "package-lock.json": "{}",
    "node_modules/used/package.json": pkg("used", main="lib/main.js"),
    "node_modules/used/lib/main.js": "const h = require('./helper');\n"
                                     "let opt; try { opt = require('optional-dep'); } catch (e) {}\n"
                                     "module.exports = 'used:' + h + require('transitive');",
    "node_modules/used/lib/helper.js": "module.exports = 'helper';",
    "node_modules/used/lib/unused.js": "module.exports = 'never required';",
    "node_modules/used/README.md": "# used",
    "node_modules/transitive/package.json": pkg("transitive"),
    "node_modules/transitive/index.js": "module.exports = '+t';",
    "node_modules/dual/package.json": pkg("dual", exports={
        ".": {"import": "./esm/index.mjs", "require": "./cjs/index.js"}}),
    "node_modules/dual/esm/index.mjs": "export const esmOnly = 'esm';",
    "node_modules/dual/cjs/index.js": "exports.esmOnly = 'cjs';",
    "node_modules/unused-pkg/package.json": pkg("unused-pkg"),
    "node_modules/unused-pkg/index.js": "module.exports = 1;",
}


def test_pack_uploads_own_files_and_only_reached_node_modules(tmp_path: Path) -> None:
    art = pack(write(tmp_path, APP))
    assert art["kind"] == "source" and art["entry"] == "index.js"
    assert sorted(art["files"]) == sorted([
        "index.js", "lib/lazy.js", "config.json", "views/page.hbs", "package.json",
        "node_modules/used/package.json", "node_modules/used/lib/main.js",
        "node_modules/used/lib/helper.js", "node_modules/transitive/package.json",
        "node_modules/transitive/index.js", "node_modules/dual/package.json",
        "node_modules/dual/esm/index.mjs"])
    r = invoke(AppInstance(art, lambda op, p: ""), "GET", "/r")
    assert r.json() == ["used:helper+t", "esm", "lazy", "v"]


@pytest.mark.parametrize("present,entry", [
    (["index.js", "index.ts"], "index.ts"),  # as the official CLI: index.ts when it exists
    (["index.js", "index.mjs"], "index.js"),
    (["src/main.js"], "src/main.js"),  # package.json main
    (["index.mjs"], "index.mjs"),
])
def test_entry_choice(tmp_path: Path, present: list[str], entry: str) -> None:
    files = {name: HEAD + "export default app.init();\n" for name in present}
    files["package.json"] = pkg("a", main="./src/main.js") if "src/main.js" in present else pkg("a")
    assert pack(write(tmp_path, files))["entry"] == entry


def test_no_entry_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DeployFailed, match=r"no index\.ts or index\.js"):
        pack(write(tmp_path, {"lib.js": "export default 1;"}))


def test_missing_relative_import_in_app_code_names_file_and_specifier(tmp_path: Path) -> None:
    files = {"index.js": HEAD + "import x from './lib/gone.js';\nexport default app.init();\n"}
    with pytest.raises(DeployFailed, match=r"index\.js imports '\./lib/gone\.js'"):
        pack(write(tmp_path, files))


def test_missing_package_in_app_code_says_npm_install(tmp_path: Path) -> None:
    files = {"lib/a.js": "const lp = require('left-pad');\nmodule.exports = lp;",
             "index.js": HEAD + "import a from './lib/a.js';\nexport default app.init();\n"}
    with pytest.raises(DeployFailed) as ei:
        pack(write(tmp_path, files))
    assert "lib/a.js imports 'left-pad'" in str(ei.value) and "npm install" in str(ei.value)


def test_runtime_provided_imports_need_no_node_modules(tmp_path: Path) -> None:
    files = {"index.js": HEAD + "import crypto from 'node:crypto';\nimport {EventEmitter} from 'events';\n"
                         "import _ from 'lodash';\nimport fetch from 'node-fetch';\nimport Ajv from 'ajv';\n"
                         "export default app.init();\n"}
    art = pack(write(tmp_path, files))
    assert sorted(art["files"]) == ["index.js"]


def test_typescript_entry_and_type_only_imports(tmp_path: Path) -> None:
    files = {"index.ts": HEAD + "import type {Shape} from 'types-only-package';\n"
                         "import {area} from './geo';\n"
                         "const s: Shape = {w: 2, h: 3};\n"
                         "app.get('/a', (req, res) => res.json(area(s)));\nexport default app.init();\n",
             "geo.ts": "export interface Shape { w: number; h: number }\n"
                       "export const area = (s: Shape): number => s.w * s.h;\n"}
    art = pack(write(tmp_path, files))
    assert art["entry"] == "index.ts" and sorted(art["files"]) == ["geo.ts", "index.ts"]
    assert invoke(AppInstance(art, lambda op, p: ""), "GET", "/a").json() == 6


def test_scoped_and_nested_packages_and_package_json_for_type(tmp_path: Path) -> None:
    files = {
        "index.js": HEAD + "import s from '@org/scoped';\n"
                    "app.get('/s', (req, res) => res.end(s));\nexport default app.init();\n",
        "node_modules/@org/scoped/package.json": pkg("@org/scoped", type="module", main="index.js"),
        "node_modules/@org/scoped/index.js": "import n from 'inner';\nexport default 'scoped ' + n;",
        "node_modules/@org/scoped/node_modules/inner/package.json": pkg("inner", main="i.js"),
        "node_modules/@org/scoped/node_modules/inner/i.js": "module.exports = 'inner';",
        "node_modules/inner/package.json": pkg("inner", main="i.js"),
        "node_modules/inner/i.js": "module.exports = 'wrong inner';",
    }
    art = pack(write(tmp_path, files))
    assert "node_modules/inner/i.js" not in art["files"]
    assert "node_modules/@org/scoped/package.json" in art["files"]  # its "type" matters
    assert invoke(AppInstance(art, lambda op, p: ""), "GET", "/s").text == "scoped inner"


def test_reached_binary_or_huge_file_is_refused(tmp_path: Path) -> None:
    files = {"index.js": HEAD + "import b from 'bin';\nexport default app.init();\n",
             "node_modules/bin/package.json": pkg("bin", main="index.js")}
    write(tmp_path, files)
    (tmp_path / "node_modules/bin/index.js").write_bytes(b"module.exports = '\xff\xfe';")
    with pytest.raises(DeployFailed, match="not UTF-8"):
        pack(tmp_path)
