"""Backup and restore of a space (issue 8): `brygge backup` / `brygge restore`.

    GET  /v1/projects/{p}/spaces/{s}/backup            the backup file, streamed (gzip)
    POST /v1/projects/{p}/spaces/{s}/restore?force=    body = a backup file, streamed in

The file is made by storage (storage/backup.py) from one consistent view of the space:
documents, indexes, schemas, key-value entries (with TTLs, keyspaces), files, the
deployment history with its artifacts, cron-run records, and the space record's
settings. Restore streams the body into a fresh staging space id; only when the whole
file arrived and its checksum matched does the space point at it (one write batch:
the space record, its id mapping and its API tokens), the replaced id's data is
erased, routers and executors are told (space-changed event) and the restored active
deployment's cron schedules are written, as a rollback does. Any error before that
erases the staging id: the target space is untouched.

Restored from the backup's space record: env (with which values are sealed), cron time
zone, JWKS, allowed hosts, CORS, rate limit (SETTINGS). Not restored: API tokens
(credentials of the target node stay as they are; a backup file is not a key to the
space), metering counters, and what lives in NATS (queued jobs, dead letters, logs).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from brygge.clock import now_iso
from control_plane.api.auth import ADMIN
from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from storage.client import raise_for
from storage.errors import NotFound, StorageError
from storage.keys import new_space_id

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")  # as Catalog.set_env
SETTINGS = ("env", "cron_timezone", "jwks_url", "jwt_iss", "jwt_aud", "allowed_hosts",
            "cors_origins", "rate_limit")
PIECE = 1024 * 1024  # bytes of the request body per restore.write


async def _raw(cp: Any, space: str, op: str, payload: bytes) -> bytes:
    """A storage op with raw bytes in and out (backup.read, restore.write)."""
    st = cp.storage
    if hasattr(st, "stub"):
        from proto import brygge_pb2 as pb
        reply = await st.stub.Call(pb.StorageCall(space=space, op=op, payload=payload),
                                   timeout=120, wait_for_ready=True)
        return raise_for(reply)
    return st.engine.call(space, op, payload)  # LocalStorageClient


def _nonempty(what: dict[str, Any]) -> str:
    parts = [f"{what[k]} {k}" for k in ("documents", "collections", "kv", "files",
                                        "deployments") if what.get(k)]
    return ", ".join(p.replace(" kv", " key-value entries") for p in parts)


async def restore_space(cp: Any, project: str, space_name: str,
                        body: AsyncIterator[bytes], force: bool) -> dict[str, Any]:
    space = await cp.catalog.space(project, space_name)
    old = space["id"]
    if not force:
        what = await cp.storage.call(old, "space.isEmpty", {})
        if not what["empty"]:
            raise ApiError(409, f"space {space_name!r} of {project!r} is not empty "
                                f"({_nonempty(what)}); restore with --force to replace it")
    staging = new_space_id()
    # `replaces`: artifacts the backup names but does not hold must be this space's own.
    rid = (await cp.storage.call(staging, "restore.open", {"replaces": old}))["restore"]
    committed = False
    try:
        buf = b""
        prefix = rid.encode() + b"\n"
        async for piece in body:
            buf += piece
            if len(buf) >= PIECE:
                await _raw(cp, staging, "restore.write", prefix + buf)
                buf = b""
        await _raw(cp, staging, "restore.write", prefix + buf)
        result = await cp.storage.call(staging, "restore.commit", {"restore": rid})
        committed = True
    except StorageError as e:
        raise ApiError(400, str(e)) from None
    finally:
        if not committed:
            try:
                await cp.storage.call(staging, "restore.abort", {"restore": rid})
            except StorageError:
                pass
    try:
        return await _activate(cp, space, staging, result)
    except BaseException:
        await cp.storage.call(staging, "space.erase", {})
        raise


async def _activate(cp: Any, space: dict[str, Any], staging: str,
                    result: dict[str, Any]) -> dict[str, Any]:
    """Point the space at the restored id (one write batch), erase the old id's data,
    announce the change and write the active deployment's cron schedules."""
    project, name, old = space["project"], space["name"], space["id"]
    # Re-read: a setting changed while the body streamed in is not lost.
    space = await cp.catalog.space(project, name)
    if space["id"] != old:
        raise ApiError(409, f"space {name!r} was restored by someone else meanwhile")
    src = (result.get("manifest") or {}).get("space") or {}
    history = await cp.catalog.deployments(staging)
    active = src.get("deployment")
    if active and not any(d.get("digest") == active for d in history):
        active = None  # the backup's record names a deployment it does not hold
    new = {k: v for k, v in space.items() if k not in SETTINGS}
    new.update({k: src[k] for k in SETTINGS if src.get(k) is not None})
    if src.get("env") is not None:  # the env and which of its values are sealed go together
        new.pop("env_encrypted", None)
        new.update(_restored_env(src))
    new.update({"id": staging, "deployment": active, "restored_at": now_iso()})
    if active:
        new["deployed_at"] = next(d.get("date") for d in history if d.get("digest") == active)
    new.pop("undeployed_at", None)
    if not active and history:
        new["undeployed_at"] = src.get("undeployed_at") or now_iso()
    batch: dict[str, Any] = {f"space/{project}/{name}": new,
                             f"space-id/{staging}": {"project": project, "name": name},
                             f"space-id/{old}": None}
    for k, t in await cp.catalog.space_tokens.records(project, name):
        batch[k] = {**t, "space_id": staging}  # still sealed: bound to project and space
    await cp.storage.call("", "sys.put", {"batch": batch})
    await cp.storage.call(old, "space.erase", {})
    await cp.publish_space_changed(old)
    await cp.publish_space_changed(staging)
    if cp.js is not None:
        from control_plane import schedules
        try:
            await schedules.clear_space(cp.js, old)
        except Exception:
            pass  # the old id runs nothing any more: its leftovers are never consumed
    await cp.sync_schedules(new, await cp.active_jobs(new) if active else None)
    dep = next((d for d in history if d.get("digest") == active), None)
    return {"restored": True, "project": project, "space": name,
            "deployment": dep["seq"] if dep else None, "deployments": len(history),
            "counts": result.get("counts") or {},
            "source_created": (result.get("manifest") or {}).get("created")}


def _restored_env(src: dict[str, Any]) -> dict[str, Any]:
    """The backup's env, checked as set-env checks it, with `env_encrypted` limited to
    its names. Sealed values stay sealed; brygge/envcrypt.py opens a value only in the
    project and space it was sealed for, so one copied from another space stays shut."""
    env = src["env"]
    if not isinstance(env, dict) or not all(
            isinstance(k, str) and _ENV_NAME.match(k) and isinstance(v, str)
            and len(v) <= 64 * 1024 for k, v in env.items()):
        raise ApiError(400, "the backup's env is not a map of env var names to strings")
    sealed = src.get("env_encrypted") or []
    if not isinstance(sealed, list):
        raise ApiError(400, "the backup's env_encrypted is not a list of names")
    names = sorted({k for k in sealed if isinstance(k, str) and k in env})
    return {"env": env, **({"env_encrypted": names} if names else {})}


def router(cp: Any) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)
    prefix = "/v1/projects/{project}/spaces/{space}"

    @r.get(prefix + "/backup")
    async def backup(project: str, space: str) -> Response:
        sp = await cp.catalog.space(project, space)
        sid = sp["id"]
        bid = (await cp.storage.call(sid, "backup.open",
                                     {"space_key": f"space/{project}/{space}"}))["backup"]

        async def body() -> AsyncIterator[bytes]:
            done = False
            try:
                while True:
                    chunk = await _raw(cp, sid, "backup.read", bid.encode())
                    if not chunk:
                        done = True
                        return
                    yield chunk
            finally:
                if not done:  # the client went away, or storage failed: cut the stream
                    try:
                        await cp.storage.call(sid, "backup.close", {"backup": bid})
                    except (StorageError, NotFound):
                        pass

        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return StreamingResponse(body(), media_type="application/gzip", headers={
            "content-disposition":
                f'attachment; filename="{project}-{space}-{stamp}.brygge-backup"'})

    @r.post(prefix + "/restore")
    async def restore(project: str, space: str, request: Request, force: bool = False
                      ) -> Response:
        result = await restore_space(cp, project, space, request.stream(), force)
        return JSONResponse(result, status_code=201)

    return r
