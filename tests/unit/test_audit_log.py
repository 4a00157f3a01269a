"""The audit log's writer, reader and sweep (control_plane/audit/log.py) on a real
storage engine (RocksDB in a temp dir, in process), and sys.scan's pages."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from control_plane.audit import log as audit_log
from control_plane.audit import records
from control_plane.audit.log import AuditLog
from storage.client import LocalStorageClient
from storage.engine import Engine

T0 = 1_700_000_000 * 10**9
S = 10**9


@pytest.fixture
def store(tmp_path: Path) -> Any:
    client = LocalStorageClient(Engine(str(tmp_path / "db")))
    yield client
    client.engine.close()


def entry(ts: int, project: str | None, action: str = "env.set", actor: str = "admintoken:a",
          status: int = 200) -> dict[str, Any]:
    return records.new_entry(ts, actor, action, project, f"{project}/dev", "127.0.0.1", status)


def test_sys_scan_pages(store: Any) -> None:
    async def go() -> None:
        await store.call("", "sys.put", {"batch": {f"x/{i:03d}": i for i in range(10)}})
        scan = lambda **a: store.call("", "sys.scan", {"prefix": "x/", **a})  # noqa: E731
        assert [v for _, v in await scan()] == list(range(10))
        assert [v for _, v in await scan(reverse=True, limit=3)] == [9, 8, 7]
        assert [v for _, v in await scan(reverse=True, limit=3, end="x/007")] == [6, 5, 4]
        assert [v for _, v in await scan(start="x/004", end="x/006")] == [4, 5]
        assert [v for _, v in await scan(reverse=True, start="x/008")] == [9, 8]
        with pytest.raises(Exception, match="limit must be a positive integer"):
            await scan(limit=0)
    asyncio.run(go())


def test_project_entries_are_written_twice_and_read_newest_first(store: Any) -> None:
    async def go() -> None:
        a = AuditLog(store)
        a.append(entry(T0, "p1"), T0)
        a.append(entry(T0 + S, None, action="user.add"), T0 + S)
        a.append(entry(T0 + 2 * S, "p2", action="token.add", actor="user:u2"), T0 + 2 * S)
        assert a.pending == 3
        await a.flush()
        assert a.pending == 0
        node = await a.query(records.NODE)
        assert [e["action"] for e in node] == ["token.add", "user.add", "env.set"]
        assert [e["action"] for e in await a.query("p1")] == ["env.set"]
        assert [e["action"] for e in await a.query("p2")] == ["token.add"]
        assert [e["action"] for e in await a.query(records.NODE, actor="user:*")] == \
            ["token.add"]
        assert [e["action"] for e in await a.query(records.NODE, since_ns=T0 + S)] == \
            ["token.add", "user.add"]
    asyncio.run(go())


def test_query_pages_through_filters(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_log, "PAGE", 7)  # many pages from few entries

    async def go() -> None:
        a = AuditLog(store)
        for i in range(50):
            a.append(entry(T0 + i * S, "p1", action="deploy" if i % 10 == 0 else "env.set"),
                     T0 + i * S)
        await a.flush()
        got = await a.query("p1", action="deploy")
        assert [e["time"] for e in got] == [records.iso_of(T0 + i * S) for i in (40, 30, 20, 10, 0)]
        assert len(await a.query("p1", limit=12)) == 12
        assert len(await a.query("p1", action="deploy", limit=2)) == 2
    asyncio.run(go())


def test_sweep_removes_old_entries_of_every_scope(store: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_log, "PAGE", 4)

    async def go() -> None:
        a = AuditLog(store)
        # "p1-x" sorts before "p1/": the skip from scope to scope must not lose either
        for p in ("p1", "p1-x", "gone", "p10"):
            for i in range(9):
                a.append(entry(T0 + i * S, p), T0 + i * S)
        await a.flush()
        removed = await a.sweep(T0 + 5 * S)
        assert removed == 2 * 4 * 5  # 5 old entries of 4 projects, each also in _node
        for scope in ("p1", "p1-x", "gone", "p10"):
            assert [e["time"] for e in await a.query(scope)] == \
                [records.iso_of(T0 + i * S) for i in (8, 7, 6, 5)]
        assert len(await a.query(records.NODE)) == 16
        assert await a.sweep(T0 + 5 * S) == 0
    asyncio.run(go())


class Flaky:
    """A store whose writes fail while `down` (what a storage restart looks like)."""

    def __init__(self, store: Any) -> None:
        self.store, self.down = store, True

    async def call(self, space: str, op: str, args: Any = None) -> Any:
        if self.down and op == "sys.put":
            raise ConnectionError("storage restarting")
        return await self.store.call(space, op, args)


def test_a_failed_write_keeps_the_entries_and_caps_memory(
        store: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(audit_log, "MAX_PENDING", 5)

    async def go() -> None:
        flaky = Flaky(store)
        a = AuditLog(flaky)
        for i in range(7):
            a.append(entry(T0 + i * S, "p1"), T0 + i * S)  # never raises
        assert a.pending == 5 and a.dropped == 2
        with pytest.raises(ConnectionError):
            await a.flush()
        assert a.pending == 5  # kept for the next try
        flaky.down = False
        await a.flush()
        assert [e["time"] for e in await a.query("p1")] == \
            [records.iso_of(T0 + i * S) for i in (6, 5, 4, 3, 2)]
    asyncio.run(go())
    assert "dropped the 1 oldest" in caplog.text  # never silent


def test_the_writer_task_stores_what_is_appended(store: Any) -> None:
    async def go() -> None:
        a = AuditLog(store)
        task = asyncio.create_task(a.run_writer())
        a.append(entry(T0, "p1"), T0)
        for _ in range(1000):
            if await a.query("p1"):
                break
            await asyncio.sleep(0.01)
        task.cancel()
        assert [e["action"] for e in await a.query("p1")] == ["env.set"]
    asyncio.run(go())
