"""The access matrix's cases and expectations (tests/integration/test_access_matrix.py):
every admin REST route of create_app, every GraphQL field and every `_A_D_M_` op the
router forwards, each with the permission rules.py names; what a principal may do comes
from roles.py. The few places where a handler refuses more than its rule says are listed
in EXCEPTIONS, by route, with the reason. A route, field or op without a rule is
MissingRule: the matrix cannot be built until it has one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from control_plane.api.rules import ADM_RULES, GQL_RULES, RULES, adm_rule
from control_plane.identity import roles


class MissingRule(AssertionError):
    pass


@dataclass(frozen=True)
class Who:
    """A principal of the matrix: its credential kind and its role in project brygge
    (and its team)."""
    name: str
    kind: str  # session | local | admintoken | pat | none
    role: str | None
    operator: bool = False
    headers: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def allowed(perm: str, who: Who) -> bool:
    """What rules.py's permission means for `who` (auth.py's check, restated from
    roles.py's table)."""
    if perm == "public":
        return True
    if who.kind == "none":
        return False
    if perm == "self":
        return True
    if perm == "node.manage":
        return who.operator and who.kind in ("session", "local")
    return roles.allows(who.role, perm)


def _users_only(perm: str, who: Who) -> bool:
    return who.kind in ("session", "local")


def _not_admin_token(perm: str, who: Who) -> bool:
    return who.kind not in ("none", "admintoken")


# Where a handler refuses more than the route's rule (or answers for another rule).
EXCEPTIONS: dict[tuple[str, str], tuple[Callable[[str, Who], bool], str]] = {
    ("GET", "/v1/pats"): (_users_only, "PATs are a user's own: not an admin token's nor a "
                                       "PAT's business"),
    ("POST", "/v1/pats"): (_users_only, "likewise: a PAT cannot mint PATs"),
    ("DELETE", "/v1/pats/{pat_id}"): (_users_only, "likewise"),
    ("POST", "/v1/teams"): (_not_admin_token, "teams are created by users"),
    # a person's acts (control_plane/membership.py): an admin token acts for its team
    **dict.fromkeys((("POST", "/v1/projects"), ("POST", "/v1/invitations/{id}/accept"),
                     ("POST", "/v1/invitations/{id}/decline"),
                     ("POST", "/v1/projects/{project}/join"),
                     ("POST", "/v1/projects/{project}/leave")),
                    (_not_admin_token, "done by a user, not by a team's admin token")),
    # the body's refresh token is the credential: the matrix's `{}` is none (401 for all)
    ("POST", "/v1/auth/refresh"): (lambda perm, who: False, "authenticates its body"),
    # the router's pre-check answers the refusal of the op it is asked about
    ("POST", "/v1/auth/check"): (lambda perm, who: allowed(adm_rule("GET", "usage"), who),
                                 "asked about GET usage: project.read"),
}
GQL_EXCEPTIONS: dict[str, tuple[Callable[[str, Who], bool], str]] = {
    # /graphql authenticates the request before any field runs
    "ping": (lambda perm, who: who.kind != "none", "the endpoint needs a credential first"),
    # joining needs a role through the project's team; a caller with none is told the
    # project is not found (membership.py: no telling which projects exist)
    "joinProject": (lambda perm, who: who.kind != "none" and who.role is not None,
                    "only a member of the project's team may join"),
    # the matrix removes another user: that is members.manage (leaving oneself is self)
    "removeProjectMember": (lambda perm, who: allowed("members.manage", who),
                            "removing someone else needs members.manage"),
    # the invitation is looked up first (its invitee may decline it): a made-up id is
    # "Invitation not found" for every caller; tests/integration/test_project_members.py
    # checks who may revoke a real one
    "removeProjectInvitation": (lambda perm, who: who.kind != "none",
                                "not found before any role is asked"),
}


@dataclass(frozen=True)
class Case:
    surface: str  # rest | gql | adm
    method: str
    path: str  # the route's path, the GraphQL field or the op
    perm: str
    expect: Callable[[Who], bool]


def _walk(routes: list[Any]) -> Iterator[Any]:
    for r in routes:
        if hasattr(r, "original_router"):
            yield from _walk(r.original_router.routes)
        else:
            yield r


def rest_cases(app: Any) -> list[Case]:
    """A case per (method, route) of the app; MissingRule for a route without a rule."""
    out, missing = [], []
    for r in _walk(app.routes):
        for m in sorted(getattr(r, "methods", None) or ()):
            if m == "HEAD":
                continue
            perm = RULES.get((m, r.path))
            if perm is None:
                missing.append(f"{m} {r.path}")
                continue
            exc = EXCEPTIONS.get((m, r.path))
            fn = exc[0] if exc else allowed
            out.append(Case("rest", m, r.path, perm, lambda who, p=perm, f=fn: f(p, who)))
    if missing:
        raise MissingRule(f"routes without an access rule in rules.py: {missing}")
    return out


def gql_cases(schema: Any) -> list[Case]:
    out, missing = [], []
    for kind, t in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name in sorted(t.fields):
            perm = GQL_RULES.get(name)
            if perm is None:
                missing.append(name)
                continue
            exc = GQL_EXCEPTIONS.get(name)
            fn = exc[0] if exc else allowed
            out.append(Case("gql", kind, name, perm, lambda who, p=perm, f=fn: f(p, who)))
    if missing:
        raise MissingRule(f"GraphQL fields without a rule in GQL_RULES: {missing}")
    return out


def adm_cases(admin_ops: dict[str, bool]) -> list[Case]:
    """A case per (method, op) of ADM_RULES whose op the router forwards; MissingRule for
    a forwarded op without a rule, or a rule for an op the router does not forward."""
    by_op: dict[str, list[str]] = {}
    for m, op in ADM_RULES:
        if op != "{op:path}":
            by_op.setdefault(op, []).append(m)
    forwarded = {name + ("/{coll}" if coll else "") for name, coll in admin_ops.items()}
    if forwarded != set(by_op):
        raise MissingRule(f"ops forwarded without a rule: {sorted(forwarded - set(by_op))}; "
                          f"rules of ops never forwarded: {sorted(set(by_op) - forwarded)}")
    return [Case("adm", m, op, ADM_RULES[(m, op)],
                 lambda who, p=ADM_RULES[(m, op)]: allowed(p, who))
            for op, ms in sorted(by_op.items()) for m in sorted(ms)]


def fill(path: str, params: dict[str, str]) -> str:
    """The route's path with its parameters filled in; KeyError names one not known."""
    return re.sub(r"\{(\w+)(?::path)?\}", lambda m: params[m.group(1)], path)


def gql_literal(arg_name: str, arg: Any, values: dict[str, Any]) -> str:
    from graphql import GraphQLEnumType, get_named_type
    t = get_named_type(arg.type)
    if isinstance(t, GraphQLEnumType):
        return str(values.get(arg_name) or next(iter(t.values)))
    v = values[arg_name]  # KeyError: a new field's argument needs a value here
    return json.dumps(v)


def gql_document(schema: Any, kind: str, name: str, values: dict[str, Any]) -> str:
    from graphql import GraphQLObjectType, get_named_type
    t = (schema.query_type if kind == "query" else schema.mutation_type).fields[name]
    args = ", ".join(f"{a}: {gql_literal(a, arg, values)}" for a, arg in t.args.items())
    sel = " { __typename }" if isinstance(get_named_type(t.type), GraphQLObjectType) else ""
    return f"{kind} {{ {name}{f'({args})' if args else ''}{sel} }}"


# A GraphQL answer that is a refusal of the caller (not of the input).
GQL_DENIED = re.compile(r"Invalid session token|No session|does not allow|you have no role|"
                        r"not valid for|only valid for|^Project not found|^Space not found|"
                        r"^Team not found|only the node's operator")


def gql_denied(body: dict[str, Any]) -> bool:
    return any(GQL_DENIED.search(str(e.get("message"))) for e in body.get("errors") or [])
