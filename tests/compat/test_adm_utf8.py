"""`coho query`/`coho export` (the official CLI 1.0.13, which pipes the `_A_D_M_*` answer
to stdout as it is) and `brygge query`/`export` print documents with non-ASCII text byte
for byte as Node's JSON.stringify does (brygge/jsonout.py): raw UTF-8 for Ø, emoji, CJK
and U+2028, `\\ud800` for a lone surrogate, Node's escapes for control characters."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.coho import coho, coho_project, node
from tests.support.nodes import ROOT, RunningNode

__all__ = ["coho", "node"]  # module-scoped fixtures from tests/support/coho.py

# The inserted JSON text: escapes as a script would write them, a lone surrogate included
DOCS_JSON = (
    '[{"_id":"u1","name":"Ø1","city":"Tromsø","note":"blåbærsyltetøy ÆØÅ"},'
    '{"_id":"u2","emoji":"😀👩‍👩‍👧","cjk":"漢字かなカナ한국어","n":1e-7,"big":1e21},'
    '{"_id":"u3","lone":"\\ud800","low":"x\\udfffy","pair":"\\ud83d\\ude00"},'
    '{"_id":"u4","seps":"a\\u2028b\\u2029c","ctl":"\\u0000\\u0001\\b\\t\\n\\f\\r\\u001f\\u007f",'
    '"q":"\\"\\\\/","nested":{"Ø":["Ø",{"ü":1.5}]}}]')


def node_js(script: str, stdin: bytes) -> bytes:
    r = subprocess.run(["node", "-e", script], input=stdin, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout


def node_stringify(expr: str) -> bytes:
    """`expr` (of `docs`, the parsed DOCS_JSON) printed by Node."""
    return node_js(f"const docs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
                   f"process.stdout.write({expr});", DOCS_JSON.encode())


ADMIN = {"host": "brygge.api.codehooks.local.io"}
ARRAY = "'[' + docs.map(d => JSON.stringify(d)).join(',\\n') + ']\\n'"  # the answer's framing


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, node: RunningNode, coho: Path) -> Path:
    app = coho_project(tmp_path_factory, node, "utf8")
    # posted as coho import posts a chunk, but as this text: coho's own JSON-stream
    # reader drops a lone surrogate from a file before sending
    r = httpx.post(f"{node.base}/dev/_A_D_M_restore/utf8", content=DOCS_JSON.encode(),
                   headers=ADMIN | {"x-admintoken": node.admin_token}, timeout=30)
    assert r.status_code == 201 and r.json() == {"count": 4}, r.text
    return app


def coho_bytes(coho: Path, node: RunningNode, app: Path, *args: str) -> bytes:
    """`coho ARGS` as run_coho runs it, its stdout as bytes (no newline translation)."""
    home = app.parent / "home"
    env = {**os.environ, "COHO_APIGW_URL": node.base, "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / ".config"), "NO_COLOR": "1"}
    r = subprocess.run([str(coho), *args], cwd=app, capture_output=True, timeout=300, env=env)
    assert r.returncode == 0, (r.stdout + r.stderr).decode(errors="replace")
    return r.stdout


def brygge_bytes(node: RunningNode, *args: str) -> bytes:
    r = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "control_plane.cli",
                        *args, "--url", node.admin, "--admintoken", node.admin_token],
                       capture_output=True, timeout=120, cwd=str(ROOT))
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout


def test_coho_query_and_export_are_nodes_json_byte_for_byte(coho: Path, node: RunningNode,
                                                            work: Path) -> None:
    want = node_stringify(ARRAY)
    assert '"name":"Ø1"'.encode() in want and b'"lone":"\\ud800"' in want  # what Node gives
    assert coho_bytes(coho, node, work, "query", "-c", "utf8") == want
    assert coho_bytes(coho, node, work, "export", "--collection", "utf8") == want
    one = coho_bytes(coho, node, work, "query", "utf8", "name=Ø1")
    assert one == node_stringify("'[' + JSON.stringify(docs[0]) + ']\\n'")


def test_brygge_query_and_export_match_node(node: RunningNode, work: Path,
                                            tmp_path: Path) -> None:
    want = node_stringify(ARRAY)
    assert brygge_bytes(node, "query", "utf8") == want
    assert brygge_bytes(node, "export", "utf8") == want
    assert brygge_bytes(node, "query", "utf8", "--json") == \
        node_stringify("JSON.stringify(docs, null, 2) + '\\n'")
    assert brygge_bytes(node, "export", "utf8", "--jsonl") == \
        node_stringify("docs.map(d => JSON.stringify(d) + '\\n').join('')")
    out = tmp_path / "utf8.json"
    brygge_bytes(node, "export", "utf8", "-f", str(out))
    assert out.read_bytes() == want


def test_plain_json_answers_are_utf8_with_lone_surrogates_escaped(node: RunningNode,
                                                                  work: Path) -> None:
    """A plain (not streamed) `_A_D_M_*` answer: the key-value read. A lone surrogate in
    the value was a UnicodeEncodeError there (500)."""
    headers = ADMIN | {"x-admintoken": node.admin_token}
    body = '{"key":"k-Ø","value":"Ø \\ud800 😀 \\u2028"}'.encode()
    r = httpx.post(f"{node.base}/dev/_A_D_M_keys", content=body, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    want = node_js("const b = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
                   "process.stdout.write(JSON.stringify({key: b.key, value: b.value}))", body)
    assert r.content == want
    r = httpx.get(f"{node.base}/dev/_A_D_M_keys?key=k-%C3%98", headers=headers, timeout=30)
    assert r.status_code == 200 and r.content == want, r.text
    assert brygge_bytes(node, "get", "k-Ø", "--json") == node_js(
        "const b = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify({key: b.key, value: b.value}, null, 2) + '\\n')",
        body)
