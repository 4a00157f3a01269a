"""The deployments_kept quota of a project (storage/quota.py) at deploy time.

Decision: a new deployment PRUNES the project's oldest deployments beyond the limit
instead of refusing, so that a project at its limit keeps deploying (its rollback history
just gets shorter). Never pruned: the active deployment of every other space of the
project. The target space's active deployment may go when the limit leaves no other
choice (the new one replaces it). Only when every kept deployment is the active one of
another space is the deploy refused, with 507 `{quota: "deployments_kept", used, limit}`.
The pruned records go in the same write batch as the new one (Catalog.record_deployment),
so a failed deploy prunes nothing. Artifacts are content-addressed blobs shared by
identical uploads and stay stored.
"""

from __future__ import annotations

from typing import Any

from storage import quota
from storage.catalog import Catalog


async def to_prune(catalog: Catalog, space: dict[str, Any]) -> list[str]:
    """`deploy/<sid>/<id>` keys to delete so that one more deployment of `space` fits
    its project's deployments_kept limit; raises QuotaExceeded when none may go."""
    project = space["project"]
    limit = (await catalog.quota_of(project))["limits"].get("deployments_kept", 0)
    if not limit:
        return []
    kept: list[tuple[str, str, str]] = []  # (date, key, kind) kind: old | target | pinned
    for sp in await catalog.spaces(project):
        active_seen = False
        for d in await catalog.deployments(sp["id"]):  # newest first
            key = f"deploy/{sp['id']}/{d['_id']}"
            active = not active_seen and sp.get("deployment") == d.get("digest")
            active_seen = active_seen or active
            kind = "old" if not active else "target" if sp["id"] == space["id"] else "pinned"
            kept.append((str(d.get("date", "")), key, kind))
    need = len(kept) + 1 - limit
    if need <= 0:
        return []
    # oldest first; the target's active one only after every older one
    order = sorted(k for k in kept if k[2] == "old") + [k for k in kept if k[2] == "target"]
    if len(order) < need:
        raise quota.exceeded("deployments_kept", len(kept), limit, project,
                             "; every kept deployment is the active one of a space "
                             "(undeploy one, or raise the limit)")
    return [k[1] for k in order[:need]]
