"""The compiled guest always runs from a mapped file (sandbox/engine.py
`_compiled_module`): from the memory a fresh compile leaves it in, it runs ~40 % slower."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from sandbox import engine

WASM = wasmtime.wat2wasm('(module (func (export "f") (result i32) i32.const 7))')


@pytest.fixture
def mapped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths deserialize_file mapped, in order."""
    saved = list(engine._cache_dir)
    seen: list[str] = []
    real = wasmtime.Module.deserialize_file

    def spy(eng: wasmtime.Engine, path: str) -> wasmtime.Module:
        seen.append(path)
        return real(eng, path)

    monkeypatch.setattr(wasmtime.Module, "deserialize_file", staticmethod(spy))
    yield seen
    engine._cache_dir[:] = saved


def _answers(eng: wasmtime.Engine, module: wasmtime.Module) -> int:
    store = wasmtime.Store(eng)
    f = wasmtime.Instance(store, module, []).exports(store)["f"]
    return int(f(store))


def test_without_a_cache_dir_the_guest_is_mapped_from_a_temp_file_then_unlinked(
        mapped: list[str]) -> None:
    engine.configure(None)
    eng = wasmtime.Engine()
    module = engine._compiled_module(eng, WASM, "k")
    assert len(mapped) == 1 and "brygge-guest-" in mapped[0]
    assert not Path(mapped[0]).exists()  # unlinked; the mapping stays valid
    assert _answers(eng, module) == 7


def test_the_process_that_compiles_maps_its_own_cache_file_and_the_next_maps_it_too(
        tmp_path: Path, mapped: list[str]) -> None:
    engine.configure(tmp_path)
    eng = wasmtime.Engine()
    first = engine._compiled_module(eng, WASM, "k")
    [cached] = list(tmp_path.glob("guest-*.cwasm"))
    assert mapped == [str(cached)]
    second = engine._compiled_module(eng, WASM, "k")
    assert mapped == [str(cached), str(cached)]
    assert _answers(eng, first) == _answers(eng, second) == 7
    assert not list(tmp_path.glob("*.tmp"))


def test_an_unwritable_cache_dir_still_maps_the_guest(tmp_path: Path,
                                                      mapped: list[str]) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    engine.configure(blocker / "cache")  # mkdir fails: a file is in the way
    eng = wasmtime.Engine()
    module = engine._compiled_module(eng, WASM, "k")
    assert len(mapped) == 1 and "brygge-guest-" in mapped[0]
    assert _answers(eng, module) == 7
