"""`brygge deploy` of a TypeScript app whose barrel files re-export interfaces and type
aliases beside values (issue 17 item 5): the type-only specifiers are elided across
files as tsc does, the app is served by a real node, and a re-export of a name that
is neither a value nor a type refuses the deploy naming the name and the module."""

from __future__ import annotations

from pathlib import Path

from tests.support import ts_barrels
from tests.support.coho import node
from tests.support.nodes import RunningNode

__all__ = ["node"]  # the module-scoped real node of tests/support/coho.py


def test_barrels_of_interfaces_and_classes_deploy_and_serve(node: RunningNode,
                                                             tmp_path: Path) -> None:
    d = node.deploy(ts_barrels.write(tmp_path))
    assert d.returncode == 0, d.stdout + d.stderr
    r = node.get("/dev/barrels", headers=node.auth())
    assert r.status_code == 200, r.text
    assert r.json() == ts_barrels.EXPECTED


def test_reexport_of_a_name_in_neither_form_refuses_the_deploy(node: RunningNode,
                                                              tmp_path: Path) -> None:
    files = {**ts_barrels.FILES, "src/adapters/index.ts": ts_barrels.FILES[
        "src/adapters/index.ts"].replace("MemoryStore }", "MemoryStore, MemoryAdaptor }")}
    d = node.deploy(ts_barrels.write(tmp_path, files))
    assert d.returncode != 0
    out = d.stdout + d.stderr
    assert ("src/adapters/index.ts re-exports 'MemoryAdaptor' from './memory', but "
            "src/adapters/memory.ts exports no value or type named 'MemoryAdaptor'") in out, out
    assert "Traceback" not in out
    # and the same through an import of the barrel
    files = {**ts_barrels.FILES, "index.ts": "import { Nothing } from './src/adapters';\n"
             "console.log(Nothing);\n" + ts_barrels.FILES["index.ts"]}
    d = node.deploy(ts_barrels.write(tmp_path, files))
    out = d.stdout + d.stderr
    assert d.returncode != 0
    assert ("index.ts imports 'Nothing' from './src/adapters', but src/adapters/index.ts "
            "exports no value or type named 'Nothing'") in out, out
