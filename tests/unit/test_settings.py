"""Unit tests for brygge/settings.py: defaults, env overrides, bounds, describe, round trip."""

from __future__ import annotations

import dataclasses

import pytest

from brygge.settings import Settings, SettingsError

FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def env_name(field: str) -> str:
    return f"BRYGGE_{field.upper()}"


def test_defaults_validate() -> None:
    s = Settings()
    s.validate()
    assert Settings.from_env({}) == s


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_default_is_inside_its_own_bounds(name: str) -> None:
    f = FIELDS[name]
    lo, hi, choices = f.metadata["lo"], f.metadata["hi"], f.metadata["choices"]
    if lo is not None:
        assert f.default >= lo
    if hi is not None:
        assert f.default <= hi
    if choices:
        assert f.default in choices
    assert f.metadata["meaning"], f"{name} has no meaning text"


@pytest.mark.parametrize("name,raw,expected", [
    ("http_port", "9090", 9090),
    ("admin_port", "0", 0),
    ("nats_port", "65535", 65535),
    ("executors", " 4 ", 4),
    ("max_body_bytes", "1048576", 1048576),
    ("request_timeout_s", "2.5", 2.5),
    ("request_timeout_s", "900", 900.0),
    ("restart_backoff_s", "0", 0.0),
    ("memory_limit_mb", "16", 16),
    ("cpu_epoch_ms", "1000", 1000),
    ("storage_sync", "fsync", "fsync"),
    ("host", "0.0.0.0", "0.0.0.0"),
    ("nats_url", "nats://127.0.0.1:4222", "nats://127.0.0.1:4222"),
    ("data_dir", "/var/lib/brygge", "/var/lib/brygge"),
    ("domain", "example.org", "example.org"),
])
def test_env_override_parses_to_field_type(name: str, raw: str, expected: object) -> None:
    s = Settings.from_env({env_name(name): raw})
    v = getattr(s, name)
    assert v == expected
    assert type(v) is type(FIELDS[name].default)


def test_unrelated_env_is_ignored() -> None:
    s = Settings.from_env({"HTTP_PORT": "1", "brygge_http_port": "2", "BRYGGE_NOPE": "3"})
    assert s == Settings()


def test_from_env_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRYGGE_HTTP_PORT", "7070")
    monkeypatch.setenv("BRYGGE_STORAGE_SYNC", "fsync")
    s = Settings.from_env()
    assert (s.http_port, s.storage_sync) == (7070, "fsync")


@pytest.mark.parametrize("name,raw", [
    ("http_port", "65536"),
    ("http_port", "-1"),
    ("executors", "0"),
    ("executors", "65"),
    ("max_body_bytes", "1023"),
    ("memory_limit_mb", "15"),
    ("memory_limit_mb", "4097"),
    ("request_timeout_s", "0.05"),
    ("request_timeout_s", "901"),
    ("request_timeout_s", "inf"),
    ("request_timeout_s", "-inf"),
    ("restart_backoff_s", "-0.1"),
    ("page_size", "0"),
    ("log_retention_s", "59"),
    ("max_host_calls", "9"),
    ("storage_sync", "none"),
    ("storage_sync", "WAL"),
    ("storage_sync", ""),
])
def test_out_of_bounds_or_bad_choice_raises_naming_knob(name: str, raw: str) -> None:
    with pytest.raises(SettingsError) as ei:
        Settings.from_env({env_name(name): raw})
    assert name in str(ei.value)


@pytest.mark.parametrize("name,raw", [
    ("http_port", "abc"),
    ("http_port", ""),
    ("http_port", "80.5"),
    ("http_port", "1e3"),
    ("executors", "two"),
    ("max_body_bytes", "10MB"),
    ("request_timeout_s", "fast"),
    ("request_timeout_s", ""),
    ("restart_backoff_s", "0,5"),
])
def test_non_numeric_raises_naming_env_var(name: str, raw: str) -> None:
    with pytest.raises(SettingsError) as ei:
        Settings.from_env({env_name(name): raw})
    assert env_name(name) in str(ei.value)
    assert isinstance(ei.value, ValueError)


@pytest.mark.parametrize("name", ["request_timeout_s", "start_timeout_s", "restart_backoff_s"])
def test_nan_float_is_refused(name: str) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({env_name(name): "nan"})


@pytest.mark.parametrize("changes,ok", [
    ({"http_port": 1}, True),
    ({"http_port": 70000}, False),
    ({"storage_sync": "fsync"}, True),
    ({"storage_sync": "sometimes"}, False),
    ({"http_port": None}, True),  # None means "keep"
])
def test_replace_validates(changes: dict, ok: bool) -> None:
    if ok:
        s = Settings().replace(**changes)
        for k, v in changes.items():
            if v is not None:
                assert getattr(s, k) == v
    else:
        with pytest.raises(SettingsError) as ei:
            Settings().replace(**changes)
        assert next(iter(changes)) in str(ei.value)


def test_settings_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().http_port = 1  # type: ignore[misc]


def test_describe_covers_every_field() -> None:
    rows = Settings.describe()
    assert [r[0] for r in rows] == [env_name(f) for f in FIELDS]
    for (_env, default, bounds, meaning), f in zip(rows, FIELDS.values(), strict=True):
        assert default == f.default
        assert meaning == f.metadata["meaning"] and meaning
        if f.metadata["choices"]:
            assert bounds == "|".join(f.metadata["choices"])
        elif f.metadata["lo"] is not None:
            assert bounds == f"{f.metadata['lo']}..{f.metadata['hi']}"
        else:
            assert bounds == ""


def test_describe_row_examples() -> None:
    rows = {r[0]: r for r in Settings.describe()}
    assert rows["BRYGGE_HTTP_PORT"][1:3] == (8080, "0..65535")
    assert rows["BRYGGE_STORAGE_SYNC"][1:3] == ("wal", "wal|fsync")
    assert rows["BRYGGE_NATS_URL"][2] == ""


@pytest.mark.parametrize("changes", [
    {},
    {"http_port": 9091, "storage_sync": "fsync", "request_timeout_s": 12.25,
     "data_dir": "/tmp/x y", "nats_url": "nats://h:1", "restart_backoff_s": 0.0},
    {"executors": 64, "memory_limit_mb": 4096, "max_response_bytes": 1024, "domain": "a.b.c"},
])
def test_to_env_from_env_round_trip(changes: dict) -> None:
    s = Settings().replace(**changes)
    env = s.to_env()
    assert set(env) == {env_name(f) for f in FIELDS}
    assert all(isinstance(v, str) for v in env.values())
    assert Settings.from_env(env) == s
