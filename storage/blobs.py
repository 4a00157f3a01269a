"""Collecting deployment blobs no deployment needs any more (a deleted space or project).

Blobs (`b <sha256>`, storage/keys.py) are content-addressed and shared: the same artifact
deployed to two spaces — or two projects — is one blob, and an artifact names its binary
assets (`assets: {path: {digest, size}}`) as further blobs. So a blob may go only when no
`deploy/<sid>/<seq>` record of ANY space names it, directly or as an asset of an artifact
such a record names.

A deploy writes its blobs first (`blob.put`), validates the app, and only then records
the deployment. A blob put but not yet recorded is *pending* here (in memory: this process
is the database's single writer), and `blob.gc` keeps pending blobs; recording the
deployment (a `deploy/` record written with `sys.put`) ends the pending state of its
artifact and the artifact's assets. `gc` and `put` take one lock, so a collection never
deletes a blob between a concurrent deploy's put and its record. A pending blob whose
deploy failed stays pending for `PENDING_S` and is collectable after that (the deploy
that put it has long given up: its validation is bounded by request_timeout_s + 10 s).

    blob.gc {candidates: [digest, ...]} -> {removed: [digest, ...]}
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from rocksdict import Rdict

from storage import keys
from storage.backup import _asset_digests
from storage.errors import BadRequest

PENDING_S = 3600.0  # far above a deploy's bounded validation (request_timeout_s ≤ 900 s)
MAX_CANDIDATES = 100_000


class BlobRefs:
    def __init__(self, db: Rdict, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.clock = clock
        self.lock = threading.Lock()
        self.pending: dict[str, float] = {}  # digest -> when it was put, not yet recorded

    def put(self, digest: str, write: Callable[[], None]) -> None:
        """Store a blob (`write`) and mark it pending, under the collection lock."""
        with self.lock:
            write()
            self.pending[digest] = self.clock()

    def recorded(self, record: Any) -> None:
        """A deployment record was written: its artifact and assets are referenced now."""
        d = record.get("digest") if isinstance(record, dict) else None
        if not isinstance(d, str) or d not in self.pending:
            return
        with self.lock:
            self.pending.pop(d, None)
            try:
                art = self.db.get(keys.blob_key(d))
            except keys.BadName:
                art = None
            for a in _asset_digests(art) if art else ():
                self.pending.pop(a, None)

    def gc(self, _: str, args: dict[str, Any]) -> dict[str, list[str]]:
        cands = args.get("candidates")
        if not isinstance(cands, list) or len(cands) > MAX_CANDIDATES \
                or not all(isinstance(c, str) for c in cands):
            raise BadRequest(f"blob.gc needs candidates: a list of at most {MAX_CANDIDATES} "
                             "digests")
        for c in cands:
            keys.blob_key(c)  # a digest, or BadName (400)
        with self.lock:
            now = self.clock()
            self.pending = {d: t for d, t in self.pending.items() if now - t < PENDING_S}
            wanted = {c: self.db.get(keys.blob_key(c)) for c in dict.fromkeys(cands)}
            wanted = {c: v for c, v in wanted.items() if v is not None}
            # the candidates' own assets are candidates too (the deleted artifacts named them)
            for v in list(wanted.values()):
                for a in _asset_digests(v):
                    blob = self.db.get(keys.blob_key(a))
                    if blob is not None:
                        wanted.setdefault(a, blob)
            keep = self._referenced(set(wanted)) | set(self.pending)
            removed = [d for d in wanted if d not in keep]
            for d in removed:
                self.db.delete(keys.blob_key(d))
        return {"removed": removed}

    def _referenced(self, among: set[str]) -> set[str]:
        """Which of `among` a deployment record of any space names, directly or as an
        asset of its artifact. Artifacts are read only when an asset is in question."""
        if not among:
            return set()
        artifacts: set[str] = set()
        prefix = keys.system_key("deploy/")
        it = self.db.iter()
        it.seek(prefix)
        while it.valid() and it.key().startswith(prefix):
            try:
                d = json.loads(it.value()).get("digest")
            except (ValueError, AttributeError):
                d = None
            if isinstance(d, str):
                artifacts.add(d)
            it.next()
        out = among & artifacts
        if among - out:  # an asset is only kept by an artifact that names it
            for d in artifacts:
                try:
                    art = self.db.get(keys.blob_key(d))
                except keys.BadName:
                    continue
                if art is not None:
                    out |= among & _asset_digests(art)
        return out
