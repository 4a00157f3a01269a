"""Who may use the embedded nats-server, and for what (issue 15).

`brygge up` writes `authorization { users: [...] }` into nats.conf: without a user and
password the server refuses a connection, so a local process cannot read every
tenant's logs, jobs and events or publish fake ones. One user per component, its
password random per data dir, kept in `<data>/nats-auth.json` (mode 0600, readable by
the node's OS user only). The supervisor hands each child its own user through the
environment (BRYGGE_NATS_USER / BRYGGE_NATS_PASSWORD, the same settings an operator
sets for an external NATS), and `brygge.natsconn.connect` uses them.

Each user may publish and subscribe only where its component needs to:
  control-plane  everything (creates the streams, reads logs and dead letters,
                 re-drives and purges queues, writes cron schedules, tells of changes);
  executor       publish jobs.>, sched.>, dead.>, rt.>, logs.>; consume JOBS; make
                 sure the JOBS, DEAD and REALTIME streams exist; hear space changes;
  router         consume REALTIME (subscriptions and history), make sure it exists,
                 hear space changes; plus the executor's subjects when it runs the
                 executors in-process (executor_transport=inprocess, the default).
No component but the control plane may read LOGS or DEAD or delete a stream.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

AUTH_FILE = "nats-auth.json"
COMPONENTS = ("control-plane", "executor", "router")

# Replies (requests, JetStream API answers, push consumers' deliveries) come on inboxes.
_COMMON_PUB = ["$JS.API.INFO", "$JS.API.STREAM.NAMES", "_INBOX.>"]  # NAMES: stream by subject
_COMMON_SUB = ["_INBOX.>", "brygge.events.>"]


def _stream_api(stream: str, consume: bool) -> list[str]:
    """JetStream API subjects to make sure `stream` exists and, with `consume`, to
    create, look up, pull from and ack consumers of it."""
    subs = [f"$JS.API.STREAM.{op}.{stream}" for op in ("INFO", "CREATE", "UPDATE")]
    if consume:
        subs += [f"$JS.API.CONSUMER.*.{stream}", f"$JS.API.CONSUMER.*.{stream}.>",
                 f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.>",
                 f"$JS.API.CONSUMER.MSG.NEXT.{stream}.>", f"$JS.ACK.{stream}.>", "$JS.FC.>"]
    return subs


def permissions(component: str, inprocess: bool) -> dict[str, Any] | None:
    """nats-server permissions of a component's user (None: unrestricted)."""
    if component == "control-plane":
        return None
    executor = [*_stream_api("JOBS", True), *_stream_api("DEAD", False),
                *_stream_api("REALTIME", False),
                "jobs.>", "sched.>", "dead.>", "rt.>", "logs.>"]
    router = _stream_api("REALTIME", True)
    pub = {"executor": executor, "router": router + (executor if inprocess else [])}[component]
    return {"publish": {"allow": sorted(set(_COMMON_PUB + pub))},
            "subscribe": {"allow": _COMMON_SUB}}


def load(data_dir: Path) -> dict[str, str]:
    """component → password, created with fresh random passwords on first use."""
    path = data_dir / AUTH_FILE
    try:
        got = json.loads(path.read_text())
        if isinstance(got, dict) and all(isinstance(got.get(c), str) for c in COMPONENTS):
            return {c: got[c] for c in COMPONENTS}
    except (OSError, ValueError):
        pass
    creds = {c: secrets.token_urlsafe(32) for c in COMPONENTS}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(creds, f)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return creds


def config_block(creds: dict[str, str], inprocess: bool) -> str:
    """The `authorization` section of nats.conf (JSON is valid NATS config syntax)."""
    users = []
    for c in COMPONENTS:
        u: dict[str, Any] = {"user": c, "password": creds[c]}
        perms = permissions(c, inprocess)
        if perms is not None:
            u["permissions"] = perms
        users.append(u)
    return "authorization " + json.dumps({"users": users}, indent=1) + "\n"


def env_of(creds: dict[str, str], component: str) -> dict[str, str]:
    """The environment that makes a child connect as `component`."""
    return {"BRYGGE_NATS_USER": component, "BRYGGE_NATS_PASSWORD": creds[component]}


def options(data_dir: Path, component: str = "control-plane") -> dict[str, str]:
    """nats.connect options to reach a node's embedded server as `component` (tools and
    tests on the node's host, as the node's OS user)."""
    return {"user": component, "password": load(data_dir)[component]}
