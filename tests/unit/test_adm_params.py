"""Query strings as the official CLI 1.0.13 writes them (control_plane/api/adm.py)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from control_plane.api.adm import json_param, kv_scope, raw_params
from control_plane.api.errors import ApiError


def req(qs: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [],
                    "query_string": qs.encode("latin-1")})


@pytest.mark.parametrize(("qs", "split", "want"), [
    ('q={"name":"Polly"}&h={}', "", {"q": '{"name":"Polly"}', "h": "{}"}),
    ("q={%22a%22:%22x+y%22}", "", {"q": '{"a":"x+y"}'}),  # `+` is not a space here
    ("keyspace=sx?ttl=undefined", "?", {"keyspace": "sx", "ttl": "undefined"}),
    ("ttl=undefined", "?", {"ttl": "undefined"}),
    ("keyspace=sx&ttl=600", "?", {"keyspace": "sx", "ttl": "600"}),
])
def test_raw_params(qs: str, split: str, want: dict[str, str]) -> None:
    assert raw_params(req(qs), split) == want


def test_json_param_errors_name_the_parameter() -> None:
    assert json_param({"q": '{"$max":-1}'}, "q", {}) == {"$max": -1}
    assert json_param({}, "h", {}) == {}
    for bad, msg in (("{bad", "q is not valid JSON"), ("[1]", "q must be a JSON object")):
        with pytest.raises(ApiError) as e:
            json_param({"q": bad}, "q", {})
        assert e.value.status == 400 and msg in str(e.value)


@pytest.mark.parametrize(("params", "want"), [
    ({"keyspace": "sx"}, {"keyspace": "sx"}), ({"keyspace": "undefined"}, {}), ({}, {}),
])
def test_kv_scope(params: dict[str, str], want: dict[str, Any]) -> None:
    assert kv_scope(params) == want
