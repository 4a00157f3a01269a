"""The app in `backend/` that imports files beside its folder (tests/support/outside_app.py,
issue 17 item 1), deployed unchanged by the official CLI 1.0.13: its webpack bundles the
outside files into the bundle, and the node serves the same answer as after `brygge
deploy` of the same folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.coho import CACHE, coho, node, run_coho
from tests.support.nodes import RunningNode
from tests.support.outside_app import MODEL, OUTSIDE, write_repo

__all__ = ["coho", "node"]  # module-scoped fixtures from tests/support/coho.py


def test_official_cli_bundle_and_brygge_deploy_serve_the_same(
        coho: Path, node: RunningNode, tmp_path_factory: pytest.TempPathFactory) -> None:
    backend = write_repo(tmp_path_factory.mktemp("repo"))
    (backend / "config.json").write_text('{"name":"brygge","space":"dev"}')
    # webpack needs the app's codehooks-js (the real 1.4.3 the coho fixture installed)
    os.symlink(CACHE / "app" / "node_modules", backend / "node_modules")
    r = run_coho(coho, node, "deploy", "--admintoken", node.admin_token, "-p", "brygge", "-s",
                 "dev", app=backend)
    assert "Deployed Codehook successfully" in r.stdout, r.stdout + r.stderr
    bundled = node.get("/dev/model", headers=node.auth())
    assert bundled.status_code == 200, bundled.text
    assert bundled.json() == MODEL
    d = node.deploy(backend)
    assert d.returncode == 0, d.stderr
    assert [ln.rsplit(": ", 1)[1] for ln in d.stdout.splitlines()
            if ln.startswith("Included from outside ")] == OUTSIDE
    ours = node.get("/dev/model", headers=node.auth())
    assert ours.content == bundled.content
