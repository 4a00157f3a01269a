"""The space log for `brygge logs`, as JSON Lines (the official CLI's SSE stream is in
adm.py; both read ControlPlane.log_entries).

    GET /v1/projects/{p}/spaces/{s}/logs?tail=&follow=&context=
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from control_plane.api.auth import ADMIN
from control_plane.api.control import END_OF_HISTORY, ControlPlane


async def _of_context(entries: AsyncIterator[bytes], context: str, tail: int
                      ) -> AsyncIterator[bytes]:
    """Log entries of one context (routehooks, queuehooks, jobhooks, startup): the last
    `tail` of the history, then live ones."""
    history: list[bytes] = []
    live = False
    async for line in entries:
        if line == END_OF_HISTORY:
            live = True
            for h in history[-tail:] if tail > 0 else []:
                yield h
            continue
        try:
            ok = json.loads(line).get("context") == context
        except ValueError:
            ok = False
        if ok:
            if live:
                yield line
            else:
                history.append(line)
    if not live:
        for h in history[-tail:] if tail > 0 else []:
            yield h


def router(cp: ControlPlane) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)

    @r.get("/v1/projects/{project}/spaces/{space}/logs")
    async def logs(project: str, space: str, tail: int = 100,
                   follow: bool = False, context: str = "") -> StreamingResponse:
        sp = await cp.catalog.space(project, space)
        if context:  # brygge logs --context: only the lines of that kind, the last `tail`
            entries = _of_context(cp.log_entries(sp["id"], 10**9, follow, end_marker=True),
                                  context, tail)
        else:
            entries = cp.log_entries(sp["id"], tail, follow)
        return StreamingResponse(entries, media_type="application/x-ndjson")

    return r
