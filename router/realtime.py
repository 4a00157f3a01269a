"""Server-Sent Event streams of realtime channels (spec §9.2), held by the router.

A response tagged `x-realtime-connect: <channel>` (codehooks-js answers it on
`GET <channel>/<listenerID>`) is not sent: the router reads the listener's interests
(`subscribe` of `_event_listeners_<channel>` document `listenerID`) and turns the
connection into a `text/event-stream` that carries `id: <seq>` / `data: <JSON>` for every
event published on that channel whose `query` matches those interests.

Events come from JetStream (storage/realtime.py), so the stream does not depend on the
sandbox: a deploy or an executor restart leaves it open. Each router process follows a
channel with one ordered consumer while it has clients on it and fans out in memory;
the per-connection state is a small object and a bounded deque, so an idle stream costs
little beyond its socket. A client that cannot keep up (more than
`realtime_client_buffer` events queued) is cut off with a log line; it reconnects with
`Last-Event-ID` and is replayed what it missed from the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from nats.js.api import ConsumerConfig, DeliverPolicy

from router.errors import send_json  # one error shape for everything the router says
from storage import query as q
from storage import realtime as rt

log = logging.getLogger("brygge.realtime")

Send = Any
Receive = Any


class Client:
    """One open event stream: a few slots, no per-stream task while idle beyond the one
    that writes to it, nothing allocated for events until one arrives."""

    __slots__ = ("cut", "gone", "interests", "last_id", "pending", "replaying", "task",
                 "waiter")

    def __init__(self, interests: dict[str, Any], last_id: int | None) -> None:
        self.interests = interests
        self.pending: list[tuple[int, bytes]] | None = None
        self.waiter: asyncio.Future[None] | None = None  # the writer waiting for events
        # the newest event id it was sent (or replayed up to)
        self.last_id = last_id if last_id is not None else 0
        self.cut = False  # too slow: closed
        self.gone = False  # the client hung up
        self.replaying = last_id is not None
        self.task: asyncio.Task[Any] | None = None  # what writes to it (cancelled on cut)

    def wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class Channel:
    """The clients of one (space, channel) in this router and the consumer feeding them."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.clients: set[Client] = set()
        self.sub: Any = None
        self.ready = asyncio.Event()
        self.error = ""


class Realtime:
    def __init__(self, settings: Any, storage: Any, nc: Any) -> None:
        self.s = settings
        self.storage = storage
        self.nc = nc
        self.js = nc.jetstream() if nc is not None else None
        self.channels: dict[str, Channel] = {}
        self.streams = 0
        self._stream_ready = False

    # -- following a channel -------------------------------------------------------------
    async def _ensure_stream(self) -> None:
        if not self._stream_ready:
            await rt.ensure_stream(self.js, self.s)
            self._stream_ready = True

    async def _join(self, subject: str, client: Client) -> Channel:
        ch = self.channels.get(subject)
        if ch is None:
            ch = self.channels[subject] = Channel(subject)
            try:
                await self._ensure_stream()

                async def on_event(msg: Any, ch: Channel = ch) -> None:
                    self._fan_out(ch, msg)

                ch.sub = await self.js.subscribe(subject, cb=on_event, ordered_consumer=True,
                                                 deliver_policy=DeliverPolicy.NEW)
            except Exception as e:
                ch.error = str(e) or type(e).__name__
                self.channels.pop(subject, None)
            ch.ready.set()
        await ch.ready.wait()
        if ch.error:
            raise RuntimeError(ch.error)
        ch.clients.add(client)
        return ch

    async def _leave(self, ch: Channel, client: Client) -> None:
        ch.clients.discard(client)
        if not ch.clients and self.channels.get(ch.subject) is ch:
            del self.channels[ch.subject]
            with contextlib.suppress(Exception):
                await ch.sub.unsubscribe()

    def _fan_out(self, ch: Channel, msg: Any) -> None:
        try:
            seq = int(msg.metadata.sequence.stream)
            event = json.loads(msg.data)
            match = q.compile_query(event.get("query") or {})
            line = _frame(seq, event.get("data"))
        except Exception as e:  # not ours, or an unknown filter: skip it, say so
            log.warning("realtime event on %s skipped: %s", ch.subject, e)
            return
        for c in ch.clients:
            self._offer(c, seq, line, match)

    def _offer(self, c: Client, seq: int, line: bytes, match: Any) -> None:
        if c.cut or (seq <= c.last_id and not c.replaying):
            return
        try:
            if not match(c.interests):
                return
        except Exception:
            return
        if c.pending is None:
            c.pending = []
        elif len(c.pending) >= self.s.realtime_client_buffer:
            # Its writes are stuck behind a full socket: stop them, which closes it.
            c.cut = True
            c.pending = None
            if c.task is not None:
                c.task.cancel()
            return
        c.pending.append((seq, line))
        c.wake()

    # -- one stream --------------------------------------------------------------------------
    async def listener(self, sid: str, channel: str, listener_id: str) -> dict[str, Any] | None:
        coll = f"_event_listeners_{rt.channel_name(channel)}"
        doc = await self.storage.call(sid, "db.getOne", {
            "collection": coll, "query": {"_id": listener_id}, "orNull": True})
        return doc if isinstance(doc, dict) else None

    async def serve(self, send: Send, receive: Receive, sid: str, channel: str,
                    listener_id: str, last_event_id: str, headers: list[tuple[bytes, bytes]],
                    request_id: str) -> None:
        """Answer with the event stream of listener `listener_id` (the response head has
        not been sent). Returns when the client goes away or is cut off."""
        if self.js is None:
            await send_json(send, 503, {"error": "realtime is not available: the router has no "
                                        "NATS connection", "requestId": request_id})
            return
        doc = await self.listener(sid, channel, listener_id) if listener_id else None
        if doc is None:
            await send_json(send, 404, {
                "error": f"no listener {listener_id!r} on channel {channel!r}: create one with "
                         "realtime.createListener(channel, interests) and connect to its _id",
                "requestId": request_id})
            return
        if self.streams >= self.s.realtime_max_streams:
            await send_json(send, 503, {"error": "this router holds its most event streams "
                                        "(BRYGGE_REALTIME_MAX_STREAMS); retry later",
                                        "requestId": request_id})
            return
        interests = doc.get("subscribe")
        client = Client(interests if isinstance(interests, dict) else {},
                        _event_id(last_event_id))
        subject = rt.subject(sid, channel)
        try:
            ch = await self._join(subject, client)
        except Exception as e:
            await send_json(send, 503, {"error": f"realtime is not available: {e}",
                                        "requestId": request_id})
            return
        self.streams += 1
        try:
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no"),
                *[(k, v) for k, v in headers if k.lower() in _KEEP]]})
            # retry: how soon EventSource reconnects (and then sends Last-Event-ID)
            await send({"type": "http.response.body", "body": b"retry: 2000\n\n",
                        "more_body": True})
            await self._until_gone(receive, client,
                                   asyncio.create_task(self._stream(send, subject, client)))
        except OSError:
            pass  # the client went away while we wrote
        finally:
            self.streams -= 1
            await self._leave(ch, client)
        if client.cut:
            log.warning("realtime: space %s channel %s listener %s: client too slow (more than "
                        "%d events waiting), stream closed", sid, channel, listener_id,
                        self.s.realtime_client_buffer)

    @staticmethod
    async def _until_gone(receive: Receive, client: Client, task: asyncio.Task[Any]) -> None:
        """Wait (in the request's own task, so an idle stream costs one more task, the
        writer) until the client hangs up or the writer ends (cut off, write error)."""
        me = asyncio.current_task()
        client.task = task

        def ended(t: asyncio.Task[Any]) -> None:
            if not t.cancelled():
                t.exception()  # retrieved: a write error just ends the stream
            if not client.gone and me is not None:
                me.cancel()  # stop waiting for the client's hang-up

        task.add_done_callback(ended)
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
        except asyncio.CancelledError:
            if not task.done():
                task.cancel()
                raise  # the router is stopping
            if me is not None:
                me.uncancel()
            return
        client.gone = True
        client.wake()
        task.cancel()

    async def _stream(self, send: Send, subject: str, client: Client) -> None:
        if client.replaying:
            await self._replay(send, subject, client)
        await self._pump(send, client)

    async def _replay(self, send: Send, subject: str, client: Client) -> None:
        """What the client missed after Last-Event-ID, from the stream, while live events
        queue up behind it; then the live ones it has not had."""
        start = client.last_id + 1
        sub = None
        try:
            info = await self.js.stream_info(rt.STREAM, subjects_filter=subject)
            last = int(info.state.last_seq)
            if start <= last and (info.state.subjects or {}).get(subject):
                cfg = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                     opt_start_seq=start, filter_subject=subject,
                                     inactive_threshold=30.0)
                sub = await self.js.subscribe(subject, ordered_consumer=True, config=cfg)
                while True:
                    msg = await sub.next_msg(timeout=5)
                    seq = int(msg.metadata.sequence.stream)
                    event = json.loads(msg.data)
                    with contextlib.suppress(Exception):
                        if q.compile_query(event.get("query") or {})(client.interests):
                            await send({"type": "http.response.body", "more_body": True,
                                        "body": _frame(seq, event.get("data"))})
                    client.last_id = seq
                    if seq >= last or msg.metadata.num_pending == 0:
                        break
        except TimeoutError as e:
            log.warning("realtime replay of %s stopped early: %s", subject, e)
        finally:
            client.replaying = False
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()

    async def _pump(self, send: Send, client: Client) -> None:
        loop = asyncio.get_running_loop()
        beat = self.s.realtime_heartbeat_s
        next_beat = loop.time() + beat
        while not client.gone and not client.cut:
            if not client.pending:
                fut = client.waiter = loop.create_future()
                timer = loop.call_later(max(0.0, next_beat - loop.time()), _resolve, fut)
                try:
                    await fut
                finally:
                    timer.cancel()
                    client.waiter = None
            if client.gone or client.cut:
                return
            if client.pending:
                items, client.pending = client.pending, None
                parts = []
                for seq, line in items:
                    if seq > client.last_id:
                        parts.append(line)
                        client.last_id = seq
                if parts:
                    await send({"type": "http.response.body", "body": b"".join(parts),
                                "more_body": True})
                    next_beat = loop.time() + beat
            elif loop.time() >= next_beat:
                await send({"type": "http.response.body", "body": b": ping\n\n",
                            "more_body": True})
                next_beat = loop.time() + beat


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


# the app's response headers an event stream keeps (CORS, the request id)
_KEEP = frozenset({b"access-control-allow-origin", b"access-control-allow-credentials",
                   b"access-control-expose-headers", b"vary", b"x-request-id"})


def _frame(seq: int, data: Any) -> bytes:
    # JSON has no raw newlines, so one `data:` line carries the whole event.
    return (f"id: {seq}\ndata: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False)
            + "\n\n").encode()


def _event_id(text: str) -> int | None:
    """Last-Event-ID: the id of the last event the client saw (ours are stream
    sequences); None when absent or not one of ours (then: live events only)."""
    try:
        return max(0, int(text.strip())) if text.strip() else None
    except (ValueError, AttributeError):
        return None
