"""The audit log's pure parts (control_plane/audit/records.py, the GraphQL reading of
middleware.py) and its action table (control_plane/audit/actions.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from brygge.settings import Settings
from control_plane.api.app import create_app
from control_plane.api.control import ControlPlane
from control_plane.audit import records
from control_plane.audit.actions import ACTIONS
from control_plane.audit.middleware import graphql_entries
from storage import admission

NOW = 1_700_000_000 * 10**9


def test_every_admin_route_has_an_audit_action() -> None:
    """A route added without a name in ACTIONS fails here (it would be recorded under
    its path template only)."""
    app = create_app(ControlPlane(Settings(), "unix:/nonexistent", [], ""))
    seen, missing = 0, []
    for r in app.routes:
        contexts = r.effective_route_contexts() if hasattr(r, "effective_route_contexts") \
            else [r]
        for c in contexts:
            for m in getattr(c, "methods", None) or []:
                if m != "HEAD":
                    seen += 1
                    if (m, c.path) not in ACTIONS:
                        missing.append(f"{m} {c.path}")
    assert seen > 50  # the walk reaches the included routers' routes
    assert not missing, missing


def test_target_masks_credentials_in_path_parameters() -> None:
    token = "adm_Zk3fP9qLr2Xw8VbN1cTy5uHs"
    project, target = records.target_of({"project": "brygge", "space": "dev", "token": token})
    assert project == "brygge"
    assert target == "brygge/dev token=adm_Z…"
    assert token not in target
    assert records.target_of({"project": "p1", "space": "s", "key": "FOO"})[1] == "p1/s key=FOO"
    # what could not be a project name is text, never a key of its own
    project, target = records.target_of({"project": "Not A Name!" * 30})
    assert project is None and len(target) <= records.MAX_FIELD


def test_outcome_of_status() -> None:
    assert [records.outcome_of(s) for s in (200, 201, 204, 400, 401, 403, 404, 429, 500)] == \
        ["ok", "ok", "ok", "error", "denied", "denied", "error", "denied", "error"]


def test_keys_sort_by_time() -> None:
    a = records.entry_key("p1", NOW)
    b = records.entry_key("p1", NOW + 1)
    c = records.entry_key("p1", NOW + 10**12)
    assert a < b < c and a.startswith("audit/p1/")
    assert records.ts_key("p1", NOW) < a


@pytest.mark.parametrize("text, expect", [
    ("90s", NOW - 90 * 10**9), ("15m", NOW - 900 * 10**9), ("1h", NOW - 3600 * 10**9),
    ("7d", NOW - 7 * 86400 * 10**9), ("2w", NOW - 14 * 86400 * 10**9),
    ("2023-11-14T22:13:20Z", NOW), ("2023-11-14T22:13:20", NOW),
    ("2023-11-15T00:13:20+02:00", NOW),
])
def test_parse_since(text: str, expect: int) -> None:
    assert records.parse_since(text, NOW) == expect


@pytest.mark.parametrize("bad", ["", "yesterday", "1y", "-1h", "1.5h", "2023-13-01"])
def test_parse_since_names_the_forms(bad: str) -> None:
    with pytest.raises(ValueError, match=r"ISO 8601.*90s, 15m, 1h, 7d"):
        records.parse_since(bad, NOW)


def test_matches() -> None:
    assert records.matches("token.add", None)
    assert records.matches("token.add", "token.add")
    assert not records.matches("token.add", "token")
    assert records.matches("token.add", "token.*")
    assert not records.matches("admintoken.add", "token.*")
    assert records.matches("admintoken:abc", "admintoken:*")


def test_client_ip_believes_forwarded_for_only_from_trusted_peers() -> None:
    trusted = admission.parse_networks("10.0.0.5")
    xff = "203.0.113.9"
    assert records.client_ip("198.51.100.1", xff, trusted, False) == "198.51.100.1"
    assert records.client_ip("10.0.0.5", xff, trusted, False) == "203.0.113.9"
    # a loopback peer is a router of this host only on the routes routers forward
    assert records.client_ip("127.0.0.1", xff, trusted, False) == "127.0.0.1"
    assert records.client_ip("127.0.0.1", xff, trusted, True) == "203.0.113.9"
    assert records.client_ip("198.51.100.1", xff, trusted, True) == "198.51.100.1"


def test_iso_time() -> None:
    assert records.iso_of(NOW) == "2023-11-14T22:13:20.000Z"
    assert datetime.fromisoformat(records.iso_of(NOW)) == datetime.fromtimestamp(NOW / 1e9, UTC)


# -- GraphQL -----------------------------------------------------------------------------------
def _body(query: str, variables: dict[str, object] | None = None, **kw: object) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}, **kw}).encode()


def test_graphql_mutation_fields_named_with_their_outcome() -> None:
    q = ("mutation M($d: ID!, $t: ID!, $v: String!) { addToken(datastoreId: $d, "
         "access: READ) { key } removeToken(datastoreId: $d, tokenId: $t) { key } "
         "setEnv(datastoreId: $d, key: \"API_KEY\", value: $v) { key } }")
    secret = "0b7c4e2a-5d1f-4f7e-9c3b-8a6d2e1f0c9b"
    answer = json.dumps({"data": {"addToken": {"key": "x"}, "removeToken": None,
                                  "setEnv": {"key": "API_KEY"}},
                         "errors": [{"message": "Space not found",
                                     "path": ["removeToken"]}]}).encode()
    out = graphql_entries(_body(q, {"d": "ds1", "t": secret, "v": "hunter2"}), answer, True)
    assert out == [
        ("graphql.addToken", ["datastoreId=ds1", "access=READ"], "ok"),
        ("graphql.removeToken", ["datastoreId=ds1", "tokenId=0b7c4…"], "error"),
        ("graphql.setEnv", ["datastoreId=ds1", "key=API_KEY"], "ok"),
    ]
    assert "hunter2" not in repr(out) and secret not in repr(out)


def test_graphql_reads_and_refusals() -> None:
    ok = json.dumps({"data": {"currentUser": {"id": "u"}}}).encode()
    assert graphql_entries(_body("{ currentUser { id } }"), ok, True) is None
    denied = json.dumps({"data": None, "errors": [{"message": "No session"}]}).encode()
    assert graphql_entries(_body("{ currentUser { id } }"), denied, False) == \
        [("graphql.currentUser", [], "denied")]
    assert graphql_entries(_body("mutation { acceptTerms }"), denied, False) == \
        [("graphql.acceptTerms", [], "denied")]
    # a validation error (no path): no field ran
    invalid = json.dumps({"data": None, "errors": [{"message": "Unknown argument"}]}).encode()
    assert graphql_entries(_body("mutation { acceptTerms(x: 1) }"), invalid, True) == \
        [("graphql.acceptTerms", [], "error")]
    # operationName picks the operation; unreadable input is one failed `graphql`
    two = "query A { ping } mutation B { acceptTerms }"
    assert graphql_entries(_body(two, operationName="B"), ok, True) == \
        [("graphql.acceptTerms", [], "ok")]
    assert graphql_entries(_body(two), ok, True) == [("graphql", [], "error")]
    assert graphql_entries(b"{not json", ok, True) == [("graphql", [], "error")]
    assert graphql_entries(_body("mutation {"), ok, True) == [("graphql", [], "error")]
