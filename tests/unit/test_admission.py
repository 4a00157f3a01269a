"""Allowed hosts, trusted proxies, CORS and the rate limiter (storage/admission.py)."""

from __future__ import annotations

import pytest

from storage.admission import (
    AdmissionError,
    RateLimiter,
    check_origins,
    check_rate,
    client_address,
    cors_headers,
    forwarded_view,
    in_networks,
    origin_allowed,
    parse_networks,
    preflight_headers,
)


def test_networks() -> None:
    nets = parse_networks(["203.0.113.7", "10.0.0.0/8", "2001:db8::/32"])
    assert in_networks("203.0.113.7", nets)
    assert in_networks("10.1.2.3", nets)
    assert in_networks("::ffff:10.1.2.3", nets)  # IPv4-mapped IPv6 peers
    assert in_networks("2001:db8::1", nets)
    assert not in_networks("203.0.113.8", nets)
    assert not in_networks("not-an-ip", nets)
    assert parse_networks("127.0.0.1, 10.0.0.0/8") == parse_networks(["127.0.0.1", "10.0.0.0/8"])
    with pytest.raises(AdmissionError, match="is not an IP address or CIDR"):
        parse_networks(["10.0.0.300"])


def test_forwarded_for_only_from_trusted_proxies() -> None:
    trusted = parse_networks(["127.0.0.1", "10.0.0.0/8"])
    # an untrusted client spoofing the header: its own address counts
    assert client_address("198.51.100.9", "203.0.113.7", trusted) == "198.51.100.9"
    # through our proxy: the rightmost hop that is not a trusted proxy
    assert client_address("127.0.0.1", "203.0.113.7", trusted) == "203.0.113.7"
    # a client that prepends a forged hop is still seen as itself
    assert client_address("127.0.0.1", "203.0.113.7, 198.51.100.9", trusted) == "198.51.100.9"
    assert client_address("127.0.0.1", "203.0.113.7, 10.0.0.5", trusted) == "203.0.113.7"
    assert client_address("127.0.0.1", "garbage", trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", None, trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", "203.0.113.7", []) == "127.0.0.1"


FWD_CASES = [
    # peer, incoming headers, -> (ip, host, proto), headers the app sees
    ("198.51.100.9", {"host": "api.example", "x-forwarded-for": "203.0.113.7",
                      "x-forwarded-host": "evil.example", "x-forwarded-proto": "https",
                      "x-real-ip": "203.0.113.8"},
     ("198.51.100.9", "api.example", "http"),
     {"x-forwarded-for": "198.51.100.9", "x-forwarded-host": "api.example",
      "x-forwarded-proto": "http", "x-real-ip": "198.51.100.9"}),
    ("127.0.0.1", {"host": "internal:8080", "x-forwarded-for": "203.0.113.7",
                   "x-forwarded-host": "shop.example.com, internal", "x-forwarded-proto": "HTTPS"},
     ("203.0.113.7", "shop.example.com", "https"),
     {"x-forwarded-for": "203.0.113.7", "x-forwarded-host": "shop.example.com",
      "x-forwarded-proto": "https", "x-real-ip": "203.0.113.7"}),
    ("127.0.0.1", {"host": "internal", "x-real-ip": "203.0.113.9"},  # nginx's X-Real-IP only
     ("203.0.113.9", "internal", "http"),
     {"x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.9"}),
    ("127.0.0.1", {"host": "h", "x-real-ip": "not an ip", "x-forwarded-proto": "gopher"},
     ("127.0.0.1", "h", "http"), {"x-real-ip": "127.0.0.1", "x-forwarded-proto": "http"}),
]


@pytest.mark.parametrize(("peer", "headers", "want", "seen"), FWD_CASES)
def test_forwarded_view(peer: str, headers: dict[str, str], want: tuple[str, str, str],
                        seen: dict[str, str]) -> None:
    trusted = parse_networks(["127.0.0.1"])
    hdrs = dict(headers)
    assert forwarded_view(peer, hdrs, trusted, "http") == want
    for k, v in seen.items():
        assert hdrs[k] == v, k


def test_cors() -> None:
    assert origin_allowed("https://evil.example", None, "api.example")
    assert cors_headers("https://x.example", None) == [(b"access-control-allow-origin", b"*")]
    allowed = check_origins(["https://app.example/"])
    assert allowed == ["https://app.example"]
    assert origin_allowed("https://app.example", allowed, "api.example")
    assert not origin_allowed("https://evil.example", allowed, "api.example")
    assert origin_allowed("http://api.example:8080", allowed, "api.example:8080")  # same host
    assert (b"access-control-allow-origin", b"https://app.example") in cors_headers(
        "https://app.example", allowed)
    pre = dict(preflight_headers("https://app.example", allowed, "x-apikey, content-type"))
    assert pre[b"access-control-allow-headers"] == b"x-apikey, content-type"
    assert b"POST" in pre[b"access-control-allow-methods"]
    with pytest.raises(AdmissionError, match="is not an origin"):
        check_origins(["app.example"])
    with pytest.raises(AdmissionError):
        check_origins(["https://app.example/path"])


def test_rate_limiter_bursts_then_refills() -> None:
    rl = RateLimiter()
    t = 1000.0
    assert [rl.take("s", 2, 3, t) for _ in range(3)] == [0, 0, 0]
    wait = rl.take("s", 2, 3, t)
    assert wait == pytest.approx(0.5)
    assert rl.take("other", 2, 3, t) == 0  # per space
    assert rl.take("s", 2, 3, t + 0.5) == 0  # one token refilled
    assert rl.take("s", 2, 3, t + 0.5) > 0
    assert [rl.take("s", 2, 3, t + 100) for _ in range(3)] == [0, 0, 0]  # capped at burst
    assert rl.take("s", 2, 3, t + 100) > 0


def test_check_rate() -> None:
    assert check_rate(5, None) == (5.0, 5)
    assert check_rate(0.5, None) == (0.5, 1)
    for bad in ((0, 1), (-1, 1), (1, 0), ("x", 1), (float("nan"), 1)):
        with pytest.raises(AdmissionError):
            check_rate(*bad)
