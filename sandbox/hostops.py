"""Every host op, declared once: the calls the guest runtime makes to the host
(`host("op", payload)` in sandbox/js/), who answers each, and under which rules. The
guest's door (sandbox/app.py `AppInstance._host`) and the executor's backend
(sandbox/executor_hostops.py) both dispatch from this table, so what tenant code can
reach is exactly the rows with `tenant=True`: every other name is refused with
`unknown host operation '<op>'` (sandbox/hosterror.py) and never reaches storage.
Storage's system records (`sys.*`), blobs, space administration and backups have no
row; the storage ops that do take the space id from the executor, never from the guest.

`handler` names a method: on `AppInstance` (side "instance": answered inside the
instance, from the artifact or the host's own libraries) or on the executor's
`HostBackend` (side "executor": storage, NATS, outbound HTTP). An AppInstance hands
executor ops to the `host_ops` callable it was given, so tests and `brygge verify`
can stand in a backend of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class HostOp:
    name: str
    handler: str  # method of AppInstance (side "instance") or HostBackend (side "executor")
    side: Literal["instance", "executor"]
    # Waits on I/O (storage, NATS, the network, the client): the epoch deadline is
    # re-armed after it, as waiting is not CPU time.
    blocking: bool = False
    counted: bool = True  # counts against max_host_calls (BRYGGE_MAX_HOST_CALLS)
    outbound: bool = False  # counts against max_outbound_requests too
    # Answered while the app's module loads (no invocation). Others then answer
    # `load_error` as an Error, or "" (the call does nothing) when it is empty.
    at_load: bool = False
    load_error: str = ""
    tenant: bool = True  # the guest may send it; False: only the host itself calls it


def _storage(*names: str) -> list[HostOp]:
    """Ops storage answers for the invoking space (storage/engine.py)."""
    return [HostOp(n, "storage_op", "executor", blocking=True, at_load=True) for n in names]


TABLE: tuple[HostOp, ...] = (
    # -- the datastore, key-value store and files of the invoking space -----------------
    *_storage("db.count", "db.createCollection", "db.createIndex", "db.dropCollection",
              "db.getMany", "db.getOne", "db.getSchema", "db.insertMany", "db.insertOne",
              "db.removeIndex", "db.removeMany", "db.removeOne", "db.removeSchema",
              "db.replaceMany", "db.replaceOne", "db.setSchema", "db.updateMany",
              "db.updateOne"),
    *_storage("kv.decr", "kv.del", "kv.delAll", "kv.get", "kv.getAll", "kv.getObj", "kv.incr",
              "kv.set", "kv.setObj"),
    *_storage("file.abort", "file.commit", "file.delete", "file.get", "file.list", "file.open",
              "file.read", "file.stat", "file.write"),
    # A deployed binary file's bytes by digest: the instance asks for the artifact's own
    # assets (AppInstance._asset_bytes); the guest must not name any blob.
    HostOp("file.asset", "storage_op", "executor", blocking=True, at_load=True, tenant=False),
    # -- queues and realtime (NATS; sandbox/jobs.py) ---------------------------------------
    HostOp("queue.enqueue", "queue", "executor", blocking=True, at_load=True),
    HostOp("queue.enqueueFromQuery", "queue", "executor", blocking=True, at_load=True),
    HostOp("rt.publish", "publish_event", "executor", blocking=True, at_load=True),
    # -- outbound HTTP (sandbox/outbound.py) ---------------------------------------------------
    HostOp("net.fetch", "fetch", "executor", blocking=True, outbound=True,
           load_error="outbound requests cannot be made while the app's module loads; make "
                      "them in a route, worker, job or the app.init() hook"),
    # -- answered in the instance: crypto, require(), the deployed source files ----------
    *(HostOp(n, "host_crypto", "instance", counted=False, at_load=True) for n in (
        "crypto.random", "crypto.hash", "crypto.hmac", "crypto.key.import",
        "crypto.key.export", "crypto.key.sign", "crypto.key.verify", "crypto.key.crypt",
        "crypto.key.generate")),
    *(HostOp(n, "host_module", "instance", counted=False, at_load=True)
      for n in ("module.resolve", "module.source", "module.esm")),
    *(HostOp(n, "host_source_file", "instance", counted=False, at_load=True)
      for n in ("fs.read", "fs.stat", "fs.list")),
    # -- the invocation: the response, the streamed request body, job batches -------------
    *(HostOp(n, "host_response", "instance")
      for n in ("http.res", "http.head", "http.write", "http.end", "http.writeb", "http.endb")),
    HostOp("http.body_read", "host_body_read", "instance", blocking=True, counted=False),
    # One job of a batch is over (its own budgets follow, so it is not counted).
    HostOp("job.done", "host_job_done", "instance", counted=False),
)

BY_NAME: dict[str, HostOp] = {op.name: op for op in TABLE}
# What the guest may send (AppInstance._host) and what the executor answers.
GUEST: dict[str, HostOp] = {op.name: op for op in TABLE if op.tenant}
EXECUTOR: dict[str, HostOp] = {op.name: op for op in TABLE if op.side == "executor"}
if len(BY_NAME) != len(TABLE):
    raise RuntimeError("a host op is declared twice in sandbox/hostops.py")
