"""Files an app imports from beside its deployed folder (issue 17 item 1): how `pack`
names them in the upload (`__outside__/up<N>/...`, sandbox/module_outside.py), that the
resolver over the upload maps the same specifiers to the same names at run time (a real
AppInstance loads the packed folder), and what `pack` keeps refusing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from control_plane.deploy import DeployFailed, pack
from sandbox.app import AppInstance
from sandbox.module_resolve import APP, ResolveError, Resolver, UploadFS
from tests.support.outside_app import write_tree as write
from tests.support.sandbox_app import HEAD, invoke

REPO = {
    "repo/app/index.js": HEAD + "import a from '../up1/a.js';\nimport b from '../../b.js';\n"
                         "import c from '../shared/c.cjs';\nimport page from '../shared/page.html';\n"
                         "import dir from '../shared/lib';\n"
                         "app.get('/r', (req, res) => res.json([a, b, c, page, dir]));\n"
                         "export default app.init();\n",
    # a real folder named like a level segment next to a file two levels up: no collision
    "repo/up1/a.js": "export default 'a';\n",
    "b.js": "export default 'b';\n",
    "up1/a.js": "export default 'wrong a';\n",
    # transitive: an outside file importing another outside file, a JSON one, and back
    # into the deployed folder (a second copy under its outside name, see docs)
    "repo/shared/c.cjs": "module.exports = require('./d.js') + require('../model.json').v"
                         " + require('../app/util.js');\n",
    "repo/shared/d.js": "module.exports = 'd';\n",
    "repo/model.json": '{"v": "m"}',
    "repo/shared/page.html": "<p>hi</p>\n",
    "repo/shared/lib/package.json": '{"main": "main.js"}',
    "repo/shared/lib/main.js": "export default 'dir';\n",
    "repo/app/util.js": "module.exports = 'u';\n",
}


def test_outside_files_get_level_names_and_load_in_the_sandbox(tmp_path: Path) -> None:
    art = pack(write(tmp_path, REPO) / "repo" / "app")
    assert sorted(art["files"]) == [
        "__outside__/up1/app/util.js", "__outside__/up1/model.json", "__outside__/up1/shared/c.cjs",
        "__outside__/up1/shared/d.js", "__outside__/up1/shared/lib/main.js",
        "__outside__/up1/shared/lib/package.json", "__outside__/up1/shared/page.html",
        "__outside__/up1/up1/a.js", "__outside__/up2/b.js", "index.js", "util.js"]
    assert art["files"]["__outside__/up1/up1/a.js"] == "export default 'a';\n"
    r = invoke(AppInstance(art, lambda op, p: ""), "GET", "/r")
    assert r.json() == ["a", "b", "dmu", "<p>hi</p>\n", "dir"]


def test_the_resolver_over_the_upload_gives_the_names_pack_chose(tmp_path: Path) -> None:
    files = {"index.js": "", "package.json": json.dumps({"imports": {"#cfg": "./cfg.js"}}),
             "cfg.js": "", "node_modules/p/index.js": "",
             "__outside__/up1/x.js": "", "__outside__/up2/y/z.js": ""}
    res = Resolver(UploadFS(files))
    assert res.resolve("../x.js", f"{APP}/index.js").path == f"{APP}/__outside__/up1/x.js"
    assert res.resolve("../y/z.js", f"{APP}/__outside__/up1/x.js").path == \
        f"{APP}/__outside__/up2/y/z.js"
    assert res.resolve("../y/z", f"{APP}/__outside__/up2/y/z.js").path == \
        f"{APP}/__outside__/up2/y/z.js"
    with pytest.raises(ResolveError, match="Cannot find module"):  # never uploaded
        res.resolve("../secret.js", f"{APP}/__outside__/up1/x.js")
    # __dirname-based (an outside file's __dirname is its virtual folder)
    assert res.resolve(f"{APP}/__outside__/up1/../y/z.js", f"{APP}/index.js").path == \
        f"{APP}/__outside__/up2/y/z.js"
    assert res.resolve(f"{APP}/../x.js", f"{APP}/index.js").path == f"{APP}/__outside__/up1/x.js"
    # packages and #imports from an outside file: the app's own, as from its root
    assert res.resolve("p", f"{APP}/__outside__/up2/y/z.js").path == f"{APP}/node_modules/p/index.js"
    assert res.resolve("#cfg", f"{APP}/__outside__/up1/x.js").path == f"{APP}/cfg.js"


def test_node_modules_inside_a_package_cannot_climb_out(tmp_path: Path) -> None:
    files = {"index.js": "", "node_modules/p/index.js": "", "__outside__/up1/x.js": ""}
    res = Resolver(UploadFS(files))
    with pytest.raises(ResolveError, match="Cannot find module"):
        res.resolve("../../../x.js", f"{APP}/node_modules/p/index.js")


@pytest.mark.parametrize("spec", ["../node_modules/left/index.js", "../x/node_modules/y.js"])
def test_node_modules_beside_the_folder_are_refused(tmp_path: Path, spec: str) -> None:
    write(tmp_path, {"app/index.js": HEAD + f"import l from '{spec}';\nexport default app.init();\n",
                     "node_modules/left/index.js": "module.exports = 1;\n",
                     "x/node_modules/y.js": "module.exports = 1;\n"})
    with pytest.raises(DeployFailed, match=f"index.js imports '{spec}': .*node_modules outside "
                                           "the deployed folder are not uploaded"):
        pack(tmp_path / "app")


def test_missing_outside_file_names_the_importer_by_its_real_path(tmp_path: Path) -> None:
    write(tmp_path, {"app/index.js": HEAD + "import a from '../shared/a.js';\nexport default app.init();\n",
                     "shared/a.js": "import n from './nope.json';\nexport default n;\n"})
    with pytest.raises(DeployFailed, match=r"^\.\./shared/a\.js imports './nope\.json': Cannot find"):
        pack(tmp_path / "app")


def test_an_own_folder_with_the_reserved_name_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"index.js": HEAD + "export default app.init();\n",
                     "__outside__/up1/x.js": "export default 1;\n"})
    with pytest.raises(DeployFailed, match="__outside__ is a reserved name"):
        pack(tmp_path)
