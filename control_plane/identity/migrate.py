"""Bringing a data dir to the people model (idempotent; run by `brygge up` before the
components start and by the control plane at start):

- the first start on a data dir creates the operator user (`operator_email`) with a
  random password, returned once for the banner;
- a project without `team` gets one: the operator's personal team for the default
  project of a new node, else a team `team-<project>` owned by the operator;
- admin tokens stored in clear (`admintoken/<token>`, before issue 18) are re-keyed by
  their hash into their project's team;
- a team without any admin token (a new node) gets one, returned once."""

from __future__ import annotations

import secrets
from typing import Any

from control_plane.identity import passwords, tokens
from control_plane.identity.records import Records


async def ensure_operator(rec: Records, email: str) -> tuple[dict[str, Any], str | None]:
    """(the first operator, its new password or None when it existed)."""
    ops = sorted((u for u in await rec.users() if u.get("operator")),
                 key=lambda u: u["created"])
    if ops:
        return ops[0], None
    password = secrets.token_urlsafe(18)
    user = await rec.create_user(email, "operator", await passwords.hash_async(password),
                                 operator=True)
    return user, password


async def migrate(rec: Records, operator: dict[str, Any], default_project: str = ""
                  ) -> dict[str, str]:
    """Teams for team-less projects, hashed admin tokens; {project: team} it assigned."""
    assigned: dict[str, str] = {}
    for key, p in await rec.scan("project/"):
        if p.get("team"):
            continue
        name = key.split("/", 1)[1]
        fresh = name == default_project and not await _has_clear_tokens(rec, name)
        if fresh:  # a new node: the operator owns the default project through their team
            tid = operator["team"]
        else:
            tid = f"team-{name}"
            if await rec.team(tid) is None:
                await rec.create_team(name, operator["id"], tid=tid)
        await rec.put({key: {**p, "team": tid}})
        assigned[name] = tid
    teams = {k.split("/", 1)[1]: v.get("team") for k, v in await rec.scan("project/")}
    batch: dict[str, Any] = {}
    for key, v in await rec.scan("admintoken/"):
        token = key.split("/", 1)[1]
        if "team" in v or not isinstance(v.get("project"), str):
            continue
        team = teams.get(v["project"])
        if team is None:  # its project is gone: so is the token
            batch[key] = None
            continue
        new_key, new = tokens.admin_record(token, team, v.get("description", ""),
                                           operator["id"], v.get("created"))
        batch[key], batch[new_key] = None, new
    if batch:
        await rec.put(batch)
    return assigned


async def _has_clear_tokens(rec: Records, project: str) -> bool:
    return any(v.get("project") == project and "team" not in v
               for _, v in await rec.scan("admintoken/"))


async def bootstrap(rec: Records, email: str, default_project: str) -> dict[str, Any]:
    """What `brygge up` prints once: {operator_email, password?, admin_token?}."""
    operator, password = await ensure_operator(rec, email)
    await migrate(rec, operator, default_project)
    out: dict[str, Any] = {"operator_email": operator["email"], "password": password,
                           "admin_token": None}
    p = await rec.get(f"project/{default_project}")
    if p and p.get("team") and not await tokens.admin_tokens(rec, p["team"]):
        out["admin_token"], _ = await tokens.add_admin_token(
            rec, p["team"], "created by brygge up", operator["id"])
    return out


async def at_start(rec: Records, s: Any) -> None:
    """The control plane's start: teams and hashed admin tokens for what an older node
    left (the operator exists once `brygge up` ran; without one there is nothing to own
    the teams, and `brygge up` migrates when it creates it)."""
    ops = sorted((u for u in await rec.users() if u.get("operator")), key=lambda u: u["created"])
    if ops:
        await migrate(rec, ops[0], s.default_project)
