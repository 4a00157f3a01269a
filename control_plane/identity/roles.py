"""The permission table (docs/ACCESS.md prints it): which project role allows which
permission. Routes name one permission each (control_plane/api/rules.py).

Two pseudo-permissions need no project: `self` (any signed-in principal) and `public`
(no credential at all). `node.manage` belongs to the operator alone."""

from __future__ import annotations

ROLES = ("viewer", "developer", "admin", "owner")  # weakest first
RANK = {r: i for i, r in enumerate(ROLES)}

VIEWER = frozenset({"project.read", "members.read", "settings.read", "data.read", "logs.read"})
DEVELOPER = VIEWER | {"tokens.read", "secrets.read", "deploy", "data.write", "env.write",
                      "queues.manage", "files.write"}
ADMIN = DEVELOPER | {"tokens.manage", "settings.write", "members.manage", "spaces.manage",
                     "audit.read"}
OWNER = ADMIN | {"project.delete"}

PERMISSIONS: dict[str, frozenset[str]] = {"viewer": VIEWER, "developer": DEVELOPER,
                                          "admin": ADMIN, "owner": OWNER}
NODE_ONLY = frozenset({"node.manage"})
PSEUDO = frozenset({"self", "public"})
ALL = OWNER | NODE_ONLY | PSEUDO


def allows(role: str | None, permission: str) -> bool:
    return role is not None and permission in PERMISSIONS.get(role, frozenset())


def stronger(a: str | None, b: str | None) -> str | None:
    """The stronger of two roles (None is no role)."""
    if a is None or b is None:
        return a or b
    return a if RANK[a] >= RANK[b] else b


def weaker(a: str | None, b: str | None) -> str | None:
    """The weaker of two roles; no role if either is none (a PAT's cap)."""
    if a is None or b is None:
        return None
    return a if RANK[a] <= RANK[b] else b


def check_role(role: object) -> str:
    if role not in RANK:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return str(role)
