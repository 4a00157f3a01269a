"""Removing a space or deleting a project completely, and suspending a project: the one
implementation behind the admin API (control_plane/api/projects.py), GraphQL
`removeDatastore` and `brygge remove-space|remove-project`.

What a space is made of, and where each part goes:
- its records: `space/<p>/<s>`, `space-id/<sid>` and its API tokens (one write batch,
  Catalog.remove_space), env vars, allowed hosts and admission settings (fields of the
  space record), custom hosts `host/<name>` naming it;
- its data in the storage engine (`space.delete`): documents (realtime event documents
  among them), indexes, key-value entries and their expiry-index entries, files and
  uploads, metering counters, deployment records, cron-run records — and from then on the
  engine refuses every call for the id, so a late write cannot bring one back;
- deployment blobs no deployment of any space names any more (`blob.gc`, storage/blobs.py:
  blobs are shared by content);
- on NATS: its cron schedules (schedules.clear_space), queued jobs and one-off runs
  (JOBS `jobs.<sid>.>`, `sched.<sid>.>`), dead letters (DEAD), realtime history (REALTIME
  `rt.<sid>.>`), logs (LOGS), and the durable consumers of its workers and cron jobs.
Routers and dispatchers are told at once (`brygge.events.space.<sid>`): they drop the
cached space and tokens, and stop consuming its jobs.

A removal is recorded first as `trash/<sid>` {project, space, id, digests}; the record is
dropped when every part is gone. A removal interrupted (NATS down, a crash) is finished by
the next removal call for that project or at the next control-plane start
(`finish_pending`), so no half-removed space is ever left behind for good.

Suspension: the project record and each of its space records carry `suspended: true` (so
the router's one space lookup sees it and answers 403 on every route); the cron schedules
of its spaces are cleared and queued jobs wait (dispatchers skip suspended spaces). Resume
drops the flag, rewrites the schedules and jobs run again.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from brygge.clock import now_iso
from brygge.logbus import STREAM as LOGS_STREAM
from control_plane import schedules
from storage import queues
from storage.catalog import NotFoundError
from storage.realtime import STREAM as REALTIME_STREAM

log = logging.getLogger("brygge.lifecycle")

TRASH = "trash/"
# Records of other parts of the control plane that name a project (and maybe a space):
# scanned and dropped with it. Absent prefixes cost one empty scan.
_NAMED_BY_FIELD = ("token/", "admintoken/", "host/", "invite/", "pat/")


def _sid_subjects(sid: str) -> list[tuple[str, str]]:
    """(stream, subject filter) of everything JetStream holds for the space."""
    return [(queues.JOBS_STREAM, f"jobs.{sid}.>"), (queues.JOBS_STREAM, f"sched.{sid}.>"),
            (queues.DEAD_STREAM, f"dead.{sid}.>"), (REALTIME_STREAM, f"rt.{sid}.>"),
            (LOGS_STREAM, f"logs.{sid}")]


async def _wipe_nats(js: Any, sid: str) -> None:
    import nats.js.errors

    await schedules.clear_space(js, sid)
    for stream, subject in _sid_subjects(sid):
        try:
            await js.purge_stream(stream, subject=subject)
        except nats.js.errors.NotFoundError:
            pass  # the stream was never created on this NATS (nothing of the space in it)
    names: list[str] = []
    while True:
        batch = await js.consumers_info(queues.JOBS_STREAM, offset=len(names) or None)
        names += [c.name for c in batch]
        if len(batch) < 256:
            break
    mine = [n for n in names if n.startswith((f"w_{sid}_", f"c_{sid}_"))]
    for name in mine:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await js.delete_consumer(queues.JOBS_STREAM, name)


async def _drop_records(cp: Any, project: str, space: str | None) -> None:
    """Records of other parts naming the project (and, with `space`, that space)."""
    batch: dict[str, Any] = {}
    for prefix in _NAMED_BY_FIELD:
        for k, v in await cp.catalog._scan(prefix):
            if isinstance(v, dict) and v.get("project") == project \
                    and (space is None or v.get("space") == space):
                batch[k] = None
    if space is None:
        batch.update({k: None for k, _ in await cp.catalog._scan(f"member/{project}/")})
    if batch:
        await cp.catalog._put(batch)


async def _finish(cp: Any, trash: dict[str, Any]) -> int:
    """Every part of the trashed space gone; returns how many blobs were collected."""
    sid = trash["id"]
    sp = await cp.catalog.find_space(trash["project"], trash["space"])
    if sp is not None and sp.get("id") == sid:
        await cp.catalog.remove_space(trash["project"], trash["space"])
    await _drop_records(cp, trash["project"], trash["space"])
    await cp.publish_space_changed(sid)  # routers forget the space and its tokens now
    if cp.js is not None:
        await _wipe_nats(cp.js, sid)
    await cp.storage.call(sid, "space.delete", {})
    removed = await cp.storage.call("", "blob.gc", {"candidates": trash.get("digests") or []})
    await cp.storage.call("", "sys.delete", {"key": f"{TRASH}{sid}"})
    return len(removed.get("removed") or [])


async def finish_pending(cp: Any, project: str | None = None) -> int:
    """Finish the removals an interruption left (of `project`, or of every project)."""
    n = 0
    for _, t in await cp.catalog._scan(TRASH):
        if project is None or t.get("project") == project:
            await _finish(cp, t)
            n += 1
    return n


async def remove_space(cp: Any, project: str, name: str) -> dict[str, Any]:
    """Remove the space and everything of it; returns {project, space, id, blobs}."""
    await finish_pending(cp, project)
    sp = await cp.catalog.space(project, name)
    digests = sorted({d["digest"] for d in await cp.catalog.deployments(sp["id"])
                      if isinstance(d.get("digest"), str)})
    trash = {"project": project, "space": name, "id": sp["id"], "digests": digests,
             "since": now_iso()}
    await cp.catalog._put({f"{TRASH}{sp['id']}": trash})
    blobs = await _finish(cp, trash)
    log.info("removed space %s/%s (%s): %d blob(s) collected", project, name, sp["id"], blobs)
    return {"project": project, "space": name, "id": sp["id"], "blobs": blobs}


async def delete_project(cp: Any, project: str) -> dict[str, Any]:
    """Remove every space of the project, then its records; returns what went."""
    pending = await finish_pending(cp, project)
    if await cp.catalog._get(f"project/{project}") is None:
        if pending:  # an earlier call got as far as the project record
            return {"project": project, "spaces": [], "blobs": 0}
        raise NotFoundError(f"no project named {project!r}")
    gone = [await remove_space(cp, project, sp["name"])
            for sp in await cp.catalog.spaces(project)]
    await _drop_records(cp, project, None)
    await cp.catalog._put({f"project/{project}": None})
    log.info("deleted project %s (%d space(s))", project, len(gone))
    return {"project": project, "spaces": [g["space"] for g in gone],
            "blobs": sum(g["blobs"] for g in gone)}


async def set_suspended(cp: Any, project: str, suspended: bool) -> dict[str, Any]:
    """Suspend or resume the project at once on every router; returns {project, suspended}."""
    p = dict(await cp.catalog.project(project))
    spaces = await cp.catalog.spaces(project)
    batch: dict[str, Any] = {}
    for rec, key in [(p, f"project/{project}")] + [
            (dict(sp), f"space/{project}/{sp['name']}") for sp in spaces]:
        if suspended:
            rec["suspended"] = True
        else:
            rec.pop("suspended", None)
        batch[key] = rec
    await cp.catalog._put(batch)
    for sp in spaces:
        await cp.publish_space_changed(sp["id"])
        # no cron ticks while suspended (no runs pile up); queued jobs wait for the resume
        await cp.sync_schedules(sp, None if suspended or not sp.get("deployment")
                                else await cp.active_jobs(sp))
    log.info("%s project %s", "suspended" if suspended else "resumed", project)
    return {"project": project, "suspended": suspended}
