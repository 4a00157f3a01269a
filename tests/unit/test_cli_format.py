"""`brygge stats` prints sizes and durations as `coho stats` does (npm pretty-bytes 5 and
pretty-ms 7); the expected strings were printed by those packages under Node 20."""

from __future__ import annotations

import pytest

from control_plane.cli.code import pretty_bytes, pretty_ms


@pytest.mark.parametrize(("n", "text"), [
    (0, "0 B"), (0.5, "0.5 B"), (1, "1 B"), (999, "999 B"), (1000, "1 kB"), (1234, "1.23 kB"),
    (12345, "12.3 kB"), (999999, "1000 kB"), (1_000_000, "1 MB"), (123456789, "123 MB"),
    (5e12, "5 TB")])
def test_pretty_bytes(n: float, text: str) -> None:
    assert pretty_bytes(n) == text


@pytest.mark.parametrize(("ms", "text"), [
    (0, "0ms"), (0.3, "1ms"), (1, "1ms"), (950, "950ms"), (999.6, "1000ms"), (1000, "1s"),
    (1500, "1.5s"), (61234, "1m 1.2s"), (3723000, "1h 2m 3s"), (90061000, "1d 1h 1m 1s"),
    (40_000_000_000, "1y 97d 23h 6m 40s")])
def test_pretty_ms(ms: float, text: str) -> None:
    assert pretty_ms(ms) == text
