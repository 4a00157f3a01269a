"""The official CLI's TypeScript path beside `brygge deploy`'s (issue 17 item 5): the app
whose barrels re-export interfaces and type aliases beside values is compiled by coho's
webpack + ts-loader (tsc, which drops the type-only specifiers) and served; the same
folder through `brygge deploy` (type stripping plus cross-file elision) answers the same.

coho declares typescript only as a devDependency, and ts-loader's `typescript: *` peer
then installs typescript 7, which has no JavaScript API ("Cannot read properties of
undefined (reading 'fileExists')"): the CLI is installed here with typescript 4.7.3,
the version its package.json builds with."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import ts_barrels
from tests.support.coho import CACHE, coho, coho_project, node, npm_install, run_coho
from tests.support.nodes import RunningNode

__all__ = ["coho", "node"]  # module-scoped fixtures from tests/support/coho.py


@pytest.fixture(scope="module")
def coho_ts(coho: Path) -> Path:
    """The official CLI beside the typescript its TypeScript path works with."""
    cli = CACHE / "cli-ts" / "node_modules" / ".bin" / "coho"
    if not (CACHE / "cli-ts" / "node_modules" / "typescript").exists() or not cli.exists():
        npm_install(CACHE / "cli-ts", "codehooks@1.0.13", "typescript@4.7.3")
    return cli


def test_barrel_app_answers_the_same_through_both_clis(
        coho_ts: Path, node: RunningNode, tmp_path_factory: pytest.TempPathFactory) -> None:
    app = ts_barrels.write(coho_project(tmp_path_factory, node, "tsbarrels"))
    # tsc type-checks against the npm codehooks-js the coho fixture installed
    (app / "node_modules").symlink_to(CACHE / "app" / "node_modules")
    r = run_coho(coho_ts, node, "deploy", "--admintoken", node.admin_token, "-p", "brygge", "-s",
                 "dev", app=app)
    assert "Deployed Codehook successfully" in r.stdout, r.stdout + r.stderr
    official = node.get("/dev/barrels", headers=node.auth())
    assert official.status_code == 200, official.text
    assert official.json() == ts_barrels.EXPECTED
    d = node.deploy(app)
    assert d.returncode == 0, d.stdout + d.stderr
    ours = node.get("/dev/barrels", headers=node.auth())
    assert ours.status_code == 200, ours.text
    assert ours.json() == official.json()
