"""The official CLI's login token wrapper (brygge/cohotoken.py): attack cases."""

from __future__ import annotations

import base64
import json

import jwt

from brygge import cohotoken


def _b64(d: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()


def test_round_trip() -> None:
    assert cohotoken.unwrap(cohotoken.wrap("adm-secret")) == "adm-secret"


def test_opaque_tokens_and_garbage_are_not_wrappers() -> None:
    for bad in ("adm-secret", "", "a.b", "a.b.c", "...", "x" * 5000):
        assert cohotoken.unwrap(bad) is None


def test_tampered_payload_is_refused() -> None:
    h, _, sig = cohotoken.wrap("adm-secret").split(".")
    forged = f"{h}.{_b64({cohotoken.CLAIM: 'other-token', 'exp': 2**40})}.{sig}"
    assert cohotoken.unwrap(forged) is None


def test_alg_none_and_expired_are_refused() -> None:
    none = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({cohotoken.CLAIM: 'adm'})}."
    assert cohotoken.unwrap(none) is None
    assert cohotoken.unwrap(cohotoken.wrap("adm", now=0)) is None  # exp long past
    other_alg = jwt.encode({cohotoken.CLAIM: "adm"}, cohotoken._key("adm") * 2, algorithm="HS512")
    assert cohotoken.unwrap(other_alg) is None
