"""sandbox/internal.py: the signed internal-gateway credential, attacked."""

from __future__ import annotations

import json

from sandbox import internal

SECRET = "k" * 64


def test_signature_is_bound_to_the_space() -> None:
    sig = internal.sign(SECRET, "space0000001")
    assert internal.verify(SECRET, sig, "space0000001")
    assert not internal.verify(SECRET, sig, "space0000002")  # no crossing tenants
    assert not internal.verify("other-node-secret", sig, "space0000001")
    assert not internal.verify("", internal.sign("", "space0000001"), "space0000001")
    assert not internal.verify(SECRET, "", "space0000001")


def test_rewrite_targets_the_router_and_replaces_a_forged_header() -> None:
    payload = json.dumps({"url": "http://apigateway-service:8888/dev/x?a=1", "method": "POST",
                          "headers": {"Host": "p.api.localhost", "X-Brygge-Internal": "forged"}})
    out = json.loads(internal.rewrite(payload, "space0000001", "http://127.0.0.1:8080", SECRET)
                     or "{}")
    assert out["url"] == "http://127.0.0.1:8080/dev/x?a=1" and out["method"] == "POST"
    assert out["headers"][internal.HEADER] == internal.sign(SECRET, "space0000001")
    assert out["headers"]["host"] == "p.api.localhost"


def test_other_urls_are_not_internal() -> None:
    for url in ("https://example.com/x", "http://apigateway-service.evil.com/", "not a url",
                "http://127.0.0.1:8080/dev/x"):
        assert internal.rewrite(json.dumps({"url": url}), "s", "http://127.0.0.1:1", SECRET) \
            is None
    assert internal.rewrite("{not json", "s", "http://127.0.0.1:1", SECRET) is None
