"""CI fails when the committed gRPC stubs are stale: regenerate them with the
script into a temp dir and compare byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_stubs_are_current(tmp_path: Path) -> None:
    r = subprocess.run(["bash", str(ROOT / "scripts" / "gen_proto.sh"), str(tmp_path)],
                       capture_output=True, text=True, env={**os.environ, "PYTHON": sys.executable})
    assert r.returncode == 0, r.stderr
    for name in ("brygge_pb2.py", "brygge_pb2_grpc.py", "brygge_pb2.pyi"):
        fresh = (tmp_path / name).read_text()
        committed = (ROOT / "proto" / name).read_text()
        assert fresh == committed, f"proto/{name} is stale: run scripts/gen_proto.sh"
