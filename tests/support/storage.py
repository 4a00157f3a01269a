"""A real storage process (`python -m storage.server`: RocksDB behind its socket) for
tests that drive an Executor directly."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from storage.client import StorageClient
from tests.support.nodes import ROOT, wait_until


def storage_process(tmp: Path) -> Iterator[StorageClient]:
    """Yield a client of a storage process in `tmp`; stop the process after."""
    sock = tmp / "storage.sock"
    proc = subprocess.Popen([sys.executable, "-m", "storage.server", "--socket", str(sock),
                             "--db", str(tmp / "db")], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        wait_until(lambda: "storage ready" in proc.stdout.readline(), 30, "storage")
        client = StorageClient(f"unix:{sock}")
        yield client
        client.close()
    finally:
        proc.terminate()
        proc.wait(10)
