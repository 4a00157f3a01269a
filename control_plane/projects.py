"""Projects in the catalog: creating one under a unique name, listing, describing.

A project is named as Codehooks names them: the name given (`display`) is 4 to 15
lower-case letters or digits, and the project's unique name — the one in URLs
(`<unique>.api.<domain>`), config.json and every admin route — is `<name>-<4 chars>`
(random lower-case letters and digits, drawn again on a collision). The default project
of `brygge up` (`default_project`, "brygge") keeps its plain name: it is created by
Catalog.bootstrap, not here.

    project/<unique>  {name: unique, display, description, team, created_by, created,
                       suspended?}   (plan and quota overrides: control_plane quotas)
"""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any

from brygge.clock import now_iso
from storage.catalog import Catalog, CatalogError

DISPLAY_RE = re.compile(r"^[a-z0-9]{4,15}$")
SUFFIX_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
SUFFIX_LEN = 4
MAX_DESCRIPTION = 500
_create_lock = asyncio.Lock()  # one control plane never races itself for a unique name


def check_display(name: Any) -> str:
    if not isinstance(name, str) or not DISPLAY_RE.match(name):
        raise CatalogError(f"project name {str(name)[:40]!r} must be 4 to 15 lower-case "
                           "letters or digits (a-z, 0-9)")
    return name


def unique_name(name: str) -> str:
    return f"{name}-" + "".join(secrets.choice(SUFFIX_CHARS) for _ in range(SUFFIX_LEN))


async def create(catalog: Catalog, name: str, description: str = "", team: str | None = None,
                 created_by: str | None = None, attempts: int = 20) -> dict[str, Any]:
    """A new project `<name>-xxxx`; returns its record. `team`: the owning team's id (the
    identity layer fills it in)."""
    check_display(name)
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise CatalogError(f"description must be a string of at most {MAX_DESCRIPTION} "
                           "characters")
    async with _create_lock:
        for _ in range(attempts):
            unique = unique_name(name)
            if await catalog._get(f"project/{unique}") is None:
                break
        else:
            raise CatalogError(f"no free unique name for {name!r} in {attempts} tries: "
                               "choose another name")
        rec = {"name": unique, "display": name, "description": description, "team": team,
               "created_by": created_by, "created": now_iso()}
        await catalog._put({f"project/{unique}": rec})
    return rec


async def list_all(catalog: Catalog) -> list[dict[str, Any]]:
    """Every project record, by unique name."""
    return [v for _, v in await catalog._scan("project/")]


async def describe(cp: Any, project: str) -> dict[str, Any]:
    """`GET /v1/projects/{p}`: what `cp.info` gives (spaces, URLs, tokens, deployment —
    what `brygge info` and `use` read) plus the project record's fields, each space's id,
    creation time and usage, and totals."""
    rec = await cp.catalog.project(project)
    out = await cp.info(project)
    by_name = {sp["name"]: sp for sp in await cp.catalog.spaces(project)}
    totals = {"spaces": 0, "tokens": 0, "deployments": 0, "documents": 0, "data_bytes": 0,
              "files": 0, "file_bytes": 0}
    for sp in out["spaces"]:
        full = by_name.get(sp["name"]) or {}
        sid = full.get("id")
        usage = await cp.storage.call(sid, "space.usage", {}) if sid else {}
        counts = {"tokens": len(sp.get("tokens") or []),
                  "deployments": len(await cp.catalog.deployments(sid)) if sid else 0,
                  "documents": int(usage.get("objects", 0)),
                  "data_bytes": int(usage.get("bytes", 0)),
                  "files": int(usage.get("file_count", 0)),
                  "file_bytes": int(usage.get("file_bytes", 0))}
        sp.update({"id": sid, "created": full.get("created"),
                   "suspended": bool(full.get("suspended")), "counts": counts})
        totals["spaces"] += 1
        for k, v in counts.items():
            totals[k] += v
    return {**out, "name": rec["name"], "display": rec.get("display") or rec["name"],
            "description": rec.get("description") or "", "team": rec.get("team"),
            "created": rec.get("created"), "suspended": bool(rec.get("suspended")),
            "counts": totals}
