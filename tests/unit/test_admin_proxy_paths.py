"""router/admin_proxy.py: which `/<space>/_A_D_M_<op>` paths may be forwarded, and to
which control-plane path (issue 15 #4: traversal reached the whole admin API)."""

from __future__ import annotations

import pytest

from router.admin_proxy import ADMIN_OPS, path_problem, target_path
from router.errors import Reject


@pytest.mark.parametrize("path", [
    "/dev/_A_D_M_../../../v1/projects/brygge/spaces/dev/tokens",
    "/dev/_A_D_M_query/../../../../openapi.json",
    "/dev/_A_D_M_query/./x",
    "/dev/_A_D_M_%2e%2e/%2e%2e/v1/projects",
    "/dev/_A_D_M_%2E./x",
    "/dev/_A_D_M_query/%2e",
    "/dev/_A_D_M_%252e%252e/%252e%252e/docs",      # double encoding
    "/dev/_A_D_M_%25252e%25252e/x",                # triple
    "/dev/_A_D_M_query%2f..%2f..%2fdocs",
    "/dev/_A_D_M_query%2F..",
    "/dev/_A_D_M_query/x%252f..%252fy",
    "/dev/_A_D_M_..\\..\\v1\\projects",
    "/dev/_A_D_M_query%5c..%5cdocs",
    "/dev/_A_D_M_query/x%00",
    "/dev/_A_D_M_query//x",
])
def test_hostile_paths_are_refused(path: str) -> None:
    assert path_problem(path) is not None


@pytest.mark.parametrize("path", [
    "/dev/_A_D_M_deploy", "/dev/_A_D_M_query/customers", "/dev/_A_D_M_query/caf%C3%A9",
    "/dev/_A_D_M_query/a.b", "/dev/_A_D_M_logs",
])
def test_plain_paths_pass(path: str) -> None:
    assert path_problem(path) is None


@pytest.mark.parametrize(("op", "want"), [
    ("deploy", "/_adm/brygge/dev/deploy"),
    ("query/customers", "/_adm/brygge/dev/query/customers"),
    ("schema/caf%C3%A9", "/_adm/brygge/dev/schema/caf%C3%A9"),
])
def test_target_paths(op: str, want: str) -> None:
    assert target_path("brygge", "dev", op, "GET") == want


@pytest.mark.parametrize(("project", "space", "op"), [
    ("brygge", "dev", "openapi.json"), ("brygge", "dev", "v1/projects/brygge/spaces"),
    ("brygge", "dev", "query"),              # query takes a collection
    ("brygge", "dev", "deploy/x"),           # deploy takes none
    ("brygge", "dev", "query/a/b"),
    ("../../x", "dev", "deploy"),            # a project from a hostile Host header
    ("brygge", "d?v", "deploy"),
    ("a/../b", "dev", "usage"),
])
def test_unknown_operations_and_names_are_404(project: str, space: str, op: str) -> None:
    with pytest.raises(Reject) as e:
        target_path(project, space, op, "GET")
    assert e.value.status == 404


def test_collection_with_raw_special_characters_is_400() -> None:
    with pytest.raises(Reject) as e:
        target_path("brygge", "dev", "query/a?b", "GET")
    assert e.value.status == 400


def test_allow_list_is_documented() -> None:
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md").read_text()
    for op in ADMIN_OPS:
        assert f"_A_D_M_{op}" in doc, op
