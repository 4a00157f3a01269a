"""The executor's console lines onto the log bus (brygge/logbus.py): one entry per line
of an invocation, a job or a deployment's startup hook, cut to log_line_bytes."""

from __future__ import annotations

from brygge.clock import iso
from brygge.logbus import LogPublisher
from proto import brygge_pb2 as pb
from sandbox.app import Invocation


class ExecutorLogs:
    def __init__(self, publisher: LogPublisher | None, line_bytes: int) -> None:
        self.publisher = publisher  # None: no NATS (tests, tools): the lines go nowhere
        self.line_bytes = line_bytes

    def publish(self, inv: pb.Invocation, invocation: Invocation,
                context: str = "routehooks") -> None:
        """One entry per console line: its own time, level, text, the request id and
        where it came from (`context` as the official CLI filters on, `source` the
        route, worker or job)."""
        if not invocation.logs or self.publisher is None:
            return
        limit = self.line_bytes
        source = f"{inv.http.method} {inv.http.api_path}" if inv.HasField("http") else context
        self.publisher.publish(inv.space_id, [
            {"date": iso(t), "logtype": level, "log": msg[:limit], "requestId": inv.request_id,
             "context": context, "source": source} for level, msg, t in invocation.logs])

    def publish_jobs(self, space_id: str, kind: str, name: str,
                     logs: list[tuple[str, list[tuple[str, str, float]]]]) -> None:
        """Console lines of jobs, [(job id, [(level, text, epoch ms)])], in one publish."""
        if self.publisher is None or not any(lines for _, lines in logs):
            return
        limit = self.line_bytes
        context = "jobhooks" if kind == "cron" else "queuehooks"
        source = f"{'job' if kind == 'cron' else 'worker'} {name}"
        self.publisher.publish(space_id, [
            {"date": iso(t), "logtype": level, "log": msg[:limit], "requestId": job_id,
             "context": context, "source": source}
            for job_id, lines in logs for level, msg, t in lines])

