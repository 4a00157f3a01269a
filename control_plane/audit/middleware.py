"""The audit hook of the admin API: a pure ASGI middleware around the FastAPI app.

A middleware, not a route wrapper: it sees every request the app answers, including
the ones a dependency refuses before the handler runs (401/403 from the credential
check), the ones an exception handler answers and the ones that fail with a 500, and
it needs no change to the routers the other modules own. It records, after the answer:
- every request of a route that is not GET/HEAD/OPTIONS (whatever its outcome);
- a refused GET (401, 403, 429): who tried to read what;
- POST /graphql: one entry per mutation field (`graphql.<field>`), outcome from the
  answer's `errors` (GraphQL answers 200); an operation without a valid session is
  recorded as denied, a signed-in query (a read) is not recorded.
A request that matched no route is not an admin action and is not recorded. URLs are
never recorded: the action comes from control_plane/audit/actions.py and the
target from the route's path parameters, credentials among them masked (records.py).

What handlers may set on `request.state` (the contract with the credential check):
`actor` (`user:<id>`, `admintoken:<id>`, `pat:<id>`; unset: `anonymous`),
`audit_project`, `audit_target`, `audit_action` (override what the route gives) and
`audit_record = True` (record a GET, e.g. a login by SSO callback).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from graphql.utilities import value_from_ast_untyped

from control_plane.audit import records
from control_plane.audit.actions import READ_POSTS, action_of
from storage import admission

log = logging.getLogger("brygge.audit")

Scope = dict[str, Any]
Message = dict[str, Any]
READS = ("GET", "HEAD", "OPTIONS")
GQL_MAX = 64 * 1024  # graphql_api.py refuses larger bodies
GQL_ANSWER_MAX = 1024 * 1024  # an answer longer than this is not read for its errors
# GraphQL arguments that name the target (never a value: setEnv's `value` is a secret)
GQL_TARGET_ARGS = ("projectId", "datastoreId", "teamId", "name", "key", "ip", "jwksURI",
                   "email", "role", "access", "invitationId", "userId", "tokenId")
GQL_SECRET_ARGS = frozenset({"tokenId"})  # removeToken's is the space token itself


class AuditMiddleware:
    def __init__(self, app: Callable[..., Awaitable[None]], cp: Any) -> None:
        self.app = app
        self.cp = cp
        self.trusted = admission.parse_networks(cp.s.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_gql = scope["method"] == "POST" and scope["path"] == "/graphql"
        seen: dict[str, Any] = {"status": 0, "body": bytearray(), "answer": bytearray()}

        async def recv() -> Message:
            msg = await receive()
            if msg["type"] == "http.request" and len(seen["body"]) <= GQL_MAX:
                seen["body"] += msg.get("body", b"")
            return msg

        async def snd(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                seen["status"] = msg["status"]
            elif is_gql and msg["type"] == "http.response.body" \
                    and len(seen["answer"]) <= GQL_ANSWER_MAX:
                seen["answer"] += msg.get("body", b"")
            await send(msg)

        try:
            await self.app(scope, recv if is_gql else receive, snd)
        finally:
            try:
                self.record(scope, seen["status"] or 500, bytes(seen["body"]),
                            bytes(seen["answer"]))
            except Exception:  # the answer is sent: a failure here is logged, never raised
                log.exception("audit log: could not record %s %s", scope["method"],
                              scope.get("route") and scope["route"].path)

    def record(self, scope: Scope, status: int, body: bytes, answer: bytes) -> None:
        route = scope.get("route")
        audit = getattr(self.cp, "audit", None)
        if route is None or audit is None:
            return
        method = scope["method"]
        state = scope.get("state") or {}
        refused = status in (401, 403, 429)
        if (method in READS or (method, route.path) in READ_POSTS) and not refused \
                and not state.get("audit_record"):
            return
        project, target = records.target_of(scope.get("path_params") or {})
        project = state.get("audit_project") or project
        actor = str(state.get("actor") or "anonymous")
        ip = self.client_ip(scope)
        now = time.time_ns()
        if method == "POST" and route.path == "/graphql" and 200 <= status < 300:
            entries = graphql_entries(body, answer, authenticated="actor" in state)
            if entries is None:
                return  # a signed-in query: a read
            for action, args, outcome in entries:
                audit.append(records.new_entry(now, actor, action, project,
                                               " ".join(([project] if project else []) + args),
                                               ip, status, outcome), now)
            return
        action = state.get("audit_action") or action_of("GET" if method == "HEAD" else method,
                                                        route.path)
        audit.append(records.new_entry(now, actor, action, project,
                                       str(state.get("audit_target") or target), ip, status),
                     now)

    def client_ip(self, scope: Scope) -> str:
        peer = (scope.get("client") or ("", 0))[0] or ""
        xff = ", ".join(v.decode("latin-1") for k, v in scope["headers"]
                        if k.lower() == b"x-forwarded-for") or None
        return records.client_ip(peer, xff, self.trusted, scope["path"].startswith("/_adm/"))


def graphql_entries(body: bytes, answer: bytes, authenticated: bool
                    ) -> list[tuple[str, list[str], str | None]] | None:
    """(action, target parts, outcome or None for the status's) per field of the
    operation; None for an authenticated query. Unreadable input is one `graphql`
    entry that failed (the handler answered its error)."""
    try:
        req = json.loads(body)
        doc = parse(req["query"])
        variables = req.get("variables") if isinstance(req.get("variables"), dict) else {}
    except (ValueError, TypeError, KeyError, GraphQLError, RecursionError):
        return [("graphql", [], "error")]
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    name = req.get("operationName")
    op = next((o for o in ops if o.name and o.name.value == name), None) if name else \
        (ops[0] if len(ops) == 1 else None)
    if op is None:
        return [("graphql", [], "error")]
    if op.operation != OperationType.MUTATION and authenticated:
        return None
    try:
        errors = json.loads(answer).get("errors") or []
        failed = {str(e["path"][0]) for e in errors if isinstance(e, dict) and e.get("path")}
    except (ValueError, AttributeError, TypeError, KeyError, IndexError):
        errors, failed = [], set()
    whole = bool(errors) and not failed  # e.g. a validation error: no field ran
    out: list[tuple[str, list[str], str | None]] = []
    for field in op.selection_set.selections:
        if not isinstance(field, FieldNode):
            continue
        args = []
        for arg in field.arguments:
            if arg.name.value in GQL_TARGET_ARGS:
                try:
                    v = str(value_from_ast_untyped(arg.value, variables))[:records.MAX_FIELD]
                except Exception:
                    continue
                args.append(f"{arg.name.value}="
                            f"{records.mask(v) if arg.name.value in GQL_SECRET_ARGS else v}")
        key = field.alias.value if field.alias else field.name.value
        outcome = "denied" if not authenticated else \
            "error" if whole or key in failed else "ok"
        out.append((f"graphql.{field.name.value}", args, outcome))
    return out
