"""Realtime events in JetStream (issue 7): the layout every publisher and router uses.

Stream REALTIME holds `rt.<sid>.<tok(channel)>`, one subject per space and channel, so
a publish on any node reaches the routers of every node (each follows the channels it
has clients on). The stream sequence of an event is its SSE `id:`; a client that
reconnects with `Last-Event-ID` is replayed what followed it on its channel while it is
retained (`realtime_retention_s`, `realtime_retention_bytes`). Memory storage: events
are a live feed with a replay window, not data (the datastore keeps the
`_event_publish_*` documents codehooks-js writes), so they need not cost an fsync each.

Message body: `{"data": <the app's data>, "query": <filter on listener interests>}`.
"""

from __future__ import annotations

from typing import Any

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from storage.queues import tok

STREAM = "REALTIME"


def channel_name(channel: str) -> str:
    """What codehooks-js names a channel's collections by: the first '/' removed
    ('/chat' and 'chat' are one channel)."""
    return str(channel).replace("/", "", 1)


def subject(sid: str, channel: str) -> str:
    return f"rt.{sid}.{tok(channel_name(channel))}"


async def ensure_stream(js: Any, settings: Any) -> None:
    cfg = StreamConfig(name=STREAM, subjects=["rt.>"], storage=StorageType.MEMORY,
                       retention=RetentionPolicy.LIMITS, discard=DiscardPolicy.OLD,
                       max_age=float(settings.realtime_retention_s),
                       max_bytes=int(settings.realtime_retention_bytes),
                       max_msg_size=int(settings.realtime_max_event_bytes),
                       num_replicas=settings.nats_replicas)
    try:
        await js.add_stream(cfg)
    except Exception:
        await js.update_stream(cfg)
