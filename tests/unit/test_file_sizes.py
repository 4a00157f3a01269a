"""One room per concern: no product source file over 1,000 lines (vendored npm packages
and generated protobuf stubs excepted)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("brygge", "storage", "sandbox", "router", "control_plane", "proto")


def test_no_product_source_file_is_over_1000_lines() -> None:
    big = {}
    for top in PRODUCT:
        for p in (ROOT / top).rglob("*"):
            if (p.suffix not in (".py", ".js") or "node_modules" in p.parts
                    or p.name.endswith(("_pb2.py", "_pb2_grpc.py"))):
                continue
            n = p.read_text(encoding="utf-8", errors="replace").count("\n")
            if n > 1000:
                big[str(p.relative_to(ROOT))] = n
    assert not big, f"split these by concern: {big}"
