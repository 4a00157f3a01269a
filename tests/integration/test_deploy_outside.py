"""An app kept in `backend/` of its repository importing files beside that folder
(issue 17 item 1): `brygge deploy backend/` uploads them (sandbox/module_outside.py), says
so, and the app is served from a real node; what must stay refused stays refused at run
time (`..` in `_coho_fs`/filestore paths, host paths, files that were never uploaded)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.nodes import RunningNode, new_node
from tests.support.outside_app import MODEL, OUTSIDE, write_repo

EXTRA = r"""
const tiny = require('../shared/uses-package.js');
const outcome = async (f) => {
  try { return { ok: await f() }; } catch (e) { return { error: String(e.message || e) }; }
};
app.get('/tiny', (req, res) => res.json(tiny));
app.get('/attempt', async (req, res) => {
  const p = String(req.query.path);
  const what = req.query.what;
  const r = await outcome(() => what === 'require' ? JSON.stringify(require(p))
    : what === 'import' ? import(p).then((m) => JSON.stringify(m.default))
    : what === 'source' ? _coho_fs.readFile(p, { source: true })
    : _coho_fs.readFile(p));
  res.json(r);
});
"""
# A bare package from an outside file comes from the APP's node_modules, never from a
# node_modules beside the deployed folder.
PACKAGES = {
    "shared/uses-package.js": "module.exports = require('tiny');\n",
    "node_modules/tiny/package.json": '{"name": "tiny", "main": "index.js"}',
    "node_modules/tiny/index.js": "module.exports = 'from beside the app (wrong)';\n",
    "backend/package.json": '{"name": "backend"}',
    "backend/node_modules/tiny/package.json": '{"name": "tiny", "main": "index.js"}',
    "backend/node_modules/tiny/index.js": "module.exports = 'from the app';\n",
}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    n = new_node(tmp_path_factory.mktemp("outside"))
    n.start()
    yield n
    n.stop()


@pytest.fixture(scope="module")
def deployed(node: RunningNode, tmp_path_factory: pytest.TempPathFactory) -> str:
    d = node.deploy(write_repo(tmp_path_factory.mktemp("repo"), EXTRA, PACKAGES))
    assert d.returncode == 0, d.stderr
    return d.stdout


def test_deploy_uploads_files_beside_the_folder_and_says_which(deployed: str) -> None:
    lines = deployed.splitlines()
    assert lines[0].startswith("Deployed to brygge/dev (deployment ")
    assert lines[1:4] == ["  GET /tiny", "  GET /attempt", "  GET /model"]
    said = [line.rsplit(": ", 1)[1] for line in lines[4:]]
    assert all(line.startswith("Included from outside ") for line in lines[4:])
    assert said == sorted([*OUTSIDE, "../shared/uses-package.js"])
    assert "secret.json" not in deployed


def test_app_in_a_subfolder_is_served_with_its_outside_imports(node: RunningNode,
                                                               deployed: str) -> None:
    r = node.get("/dev/model", headers=node.auth())
    assert r.status_code == 200, r.text
    assert r.json() == MODEL
    assert node.get("/dev/tiny", headers=node.auth()).json() == "from the app"


@pytest.mark.parametrize("what,path", [
    ("source", "../datamodel.json"),  # the file is in the upload, but not by '..'
    ("source", "/../datamodel.json"),
    ("source", "..\\datamodel.json"),
    ("filestore", "../datamodel.json"),
    ("filestore", "/x/../../datamodel.json"),
])
def test_dot_dot_in_file_paths_stays_refused(node: RunningNode, deployed: str, what: str,
                                             path: str) -> None:
    r = node.get("/dev/attempt", params={"what": what, "path": path}, headers=node.auth())
    assert r.status_code == 200, r.text
    assert "'..' path segments are not allowed" in r.json()["error"]


@pytest.mark.parametrize("what", ["require", "import"])
@pytest.mark.parametrize("path", [
    "/etc/passwd",  # a host path: the sandbox only ever reads the upload
    "../../../../../../etc/passwd",
    "/app/../../../../../../etc/passwd",
    "../secret.json",  # beside the folder, but never imported literally: never uploaded
])
def test_run_time_paths_outside_the_upload_are_not_found(node: RunningNode, deployed: str,
                                                         what: str, path: str) -> None:
    r = node.get("/dev/attempt", params={"what": what, "path": path}, headers=node.auth())
    assert r.status_code == 200, r.text
    err = r.json().get("error") or ""  # require()'s message, or QuickJS's for import()
    assert err.startswith(("Cannot find module", "Error resolving module")), r.json()
