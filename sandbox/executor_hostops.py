"""The executor's answers to the host ops of side "executor" in sandbox/hostops.py:
storage for the invoking space, queues and realtime over NATS (sandbox/jobs.py), and
outbound HTTP (sandbox/outbound.py). `HostBackend.for_space` is the `host_ops`
callable each AppInstance of a space is given; it answers only declared ops, with
the space id the executor knows (never one the guest names)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from brygge.settings import Settings
from sandbox import hostops, internal, jobs, outbound
from sandbox.hosterror import host_error, unknown_op
from sandbox.job_quota import JobQuota
from storage.client import StorageClient
from storage.enqueue import EnqueueStopped, projection_keeping_id
from storage.errors import StorageError

HostOps = Callable[[str, str], str]  # (op, payload) -> reply, as AppInstance calls it


class HostBackend:
    def __init__(self, settings: Settings, storage: StorageClient,
                 job_publisher: jobs.JobPublisher | None) -> None:
        self.s = settings
        self.storage = storage
        self.jobs = job_publisher
        self.job_quota = JobQuota(storage, job_publisher.count_queued, settings.quota_refresh_s) \
            if job_publisher is not None else None
        self.outbound_allow = outbound.parse_allow(settings.outbound_allow)
        # The router is on this node (loopback): only internal calls may reach it, and
        # only their hops on the router's origin may use loopback (sandbox/outbound.py).
        self.gateway_home = outbound.Home(
            settings.internal_gateway_url, outbound.parse_allow("127.0.0.0/8,::1/128"),
            settings.request_timeout_s, settings.max_response_bytes, frozenset({internal.HEADER}))

    def for_space(self, space_id: str) -> HostOps:
        def ops(op: str, payload: str) -> str:
            handler = _HANDLERS.get(op)
            if handler is None:
                return unknown_op(op)
            return handler(self, space_id, op, payload)
        return ops

    def fetch(self, space_id: str, op: str, payload: str) -> str:
        if self.s.internal_gateway_url and \
                (internal_req := internal.rewrite(payload, space_id,
                                                  self.s.internal_gateway_url,
                                                  self.s.internal_secret)):
            try:  # loopback only while on the router: redirects are re-checked
                return outbound.fetch(internal_req, self.outbound_allow,
                                      self.s.outbound_timeout_s, self.s.outbound_max_bytes,
                                      self.gateway_home)
            except (outbound.OutboundRefused, httpx.HTTPError, ValueError) as e:
                return host_error("TypeError", f"internal fetch failed: {e}")
        try:
            return outbound.fetch(payload, self.outbound_allow, self.s.outbound_timeout_s,
                                  self.s.outbound_max_bytes)
        except (outbound.OutboundRefused, httpx.HTTPError, ValueError) as e:
            return host_error("TypeError", f"fetch failed: {e}")

    def storage_op(self, space_id: str, op: str, payload: str) -> str:
        reply = self.storage.raw(space_id, op, payload.encode())
        if reply.error:
            return host_error(reply.error_name, reply.error)
        return reply.payload.decode()

    def publish_event(self, space_id: str, op: str, payload: str) -> str:
        """rt.publish {channel, data, query}: the event for every router's listeners
        (storage/realtime.py). Answers {id}: the event's stream sequence."""
        if self.jobs is None:
            return host_error("Error",
                              "realtime is not available: this executor has no NATS connection")
        try:
            args = json.loads(payload)
        except ValueError:
            return host_error("TypeError", "publishEvent: the event is not JSON")
        channel = args.get("channel")
        if not isinstance(channel, str) or not channel.strip("/") or len(channel) > 200:
            return host_error("TypeError", "publishEvent(channel, data, query): the channel "
                                           "must be a path such as '/chat'")
        query = args.get("query")
        if query is None:
            query = {}
        if not isinstance(query, dict):
            return host_error("TypeError", "publishEvent: the query must be an object (a filter)")
        body = json.dumps({"data": args.get("data"), "query": query},
                          separators=(",", ":")).encode()
        if len(body) > self.s.realtime_max_event_bytes:
            return host_error("RangeError", f"publishEvent: the event is {len(body)} bytes, "
                              f"more than {self.s.realtime_max_event_bytes} "
                              "(BRYGGE_REALTIME_MAX_EVENT_BYTES)")
        try:
            return json.dumps({"id": self.jobs.publish_event(space_id, channel, body)})
        except Exception as e:
            return host_error("Error", f"publishEvent failed: {e}")

    def queue(self, space_id: str, op: str, payload: str) -> str:
        """queue.enqueue {topic, payload, options} and queue.enqueueFromQuery
        {collection, query, topic, options} (sandbox/jobs.py)."""
        if self.jobs is None:
            return host_error("Error",
                              "queues are not available: this executor has no NATS connection")
        try:
            args = json.loads(payload)
            opts = args.get("options") or {}
            if not isinstance(opts, dict):
                raise jobs.QueueError("enqueue options must be an object")
            assert self.job_quota is not None
            if op == "queue.enqueue":
                self.job_quota.take(space_id)  # the project's jobs_queued quota
                return json.dumps(self.jobs.enqueue(space_id, args.get("topic"),
                                                    args.get("payload"), opts))
            if op == "queue.enqueueFromQuery":
                # each job's source _id is read even where the projection drops it
                find_opts, drop_id = projection_keeping_id(
                    {k: v for k, v in opts.items()
                     if k in ("useIndex", "start", "end", "startIndex", "endIndex", "limit",
                              "offset", "reverse", "hints", "sort")})
                find = {"collection": args.get("collection"), "query": args.get("query") or {},
                        "options": find_opts}

                def pages() -> Any:
                    cursor = None
                    while True:
                        r = self.storage.call(space_id, "db.getMany", {**find, "cursor": cursor})
                        if r.get("docs"):
                            yield r["docs"]
                        cursor = r.get("cursor")
                        if not cursor:
                            return

                room = self.job_quota.room(space_id)
                try:
                    done = self.jobs.enqueue_many(space_id, args.get("topic"), pages, opts,
                                                  drop_id, None if room is None
                                                  else max(0, room[2] - room[1]))
                except EnqueueStopped as e:
                    assert room is not None
                    project, used, limit = room
                    raise self.job_quota.stopped(space_id, e.count, used, limit, project) \
                        from None
                if room is not None:
                    self.job_quota.added(room[0], int(done.get("count", 0)))
                return json.dumps(done)
        except jobs.QueueError as e:
            return host_error("Error", str(e))
        except StorageError as e:
            return host_error(e.name, str(e))
        except (ValueError, TypeError, AttributeError) as e:
            return host_error("TypeError", f"{op}: {e}")
        except Exception as e:  # NATS timeouts and the like: the app sees a clear error
            return host_error("Error", f"{op} failed: {type(e).__name__}: {e}")
        return unknown_op(op)


# op -> HostBackend method, from the table (a row naming no method fails at import).
_HANDLERS: dict[str, Callable[[HostBackend, str, str, str], str]] = {
    op.name: getattr(HostBackend, op.handler) for op in hostops.EXECUTOR.values()}
