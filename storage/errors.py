"""Errors of storage operations. Each has the `name` that crosses the gRPC
boundary (`StorageReply.error_name`) and is rebuilt on the client side, so the
datastore, the engine, the service and its clients share one hierarchy."""

from __future__ import annotations

import json
from typing import Any


class StorageError(Exception):
    name = "StorageError"


class BadRequest(StorageError):
    name = "BadRequest"


class NotFound(StorageError):
    name = "NotFound"


class Conflict(StorageError):
    name = "Conflict"


class SchemaFailed(BadRequest):
    """A write violates the collection's JSON schema; `errors` in ajv's format.
    The message is `{"schemaError": [...]}` as JSON, which the guest turns back
    into `error.schemaError`."""
    name = "SchemaError"

    def __init__(self, detail: list[dict[str, Any]] | str) -> None:
        if isinstance(detail, str):  # rebuilt from a reply
            super().__init__(detail)
            try:
                self.errors = json.loads(detail).get("schemaError", [])
            except (ValueError, AttributeError):
                self.errors = []
        else:
            super().__init__(json.dumps({"schemaError": detail}))
            self.errors = detail


BY_NAME: dict[str, type[StorageError]] = {
    c.name: c for c in (StorageError, BadRequest, NotFound, Conflict, SchemaFailed)}


class TooLarge(BadRequest):
    """Over a size limit or quota (HTTP 413)."""
    name = "TooLarge"


BY_NAME[TooLarge.name] = TooLarge


class QuotaExceeded(StorageError):
    """A write or request over one of the project's quotas (storage/quota.py). The message
    crossing the wire is JSON `{error, quota, used, limit}`; the HTTP answer is 507 for
    bytes and deployments, 429 for rates, CPU, jobs and streams."""
    name = "QuotaExceeded"

    def __init__(self, detail: str, quota: str = "", used: int = 0, limit: int = 0) -> None:
        if quota:  # raised here: detail is the human text
            info = {"error": detail, "quota": quota, "used": used, "limit": limit}
        else:  # rebuilt from a reply: detail is the JSON
            try:
                info = json.loads(detail)
            except ValueError:
                info = {"error": detail}
        super().__init__(json.dumps(info))
        self.error = str(info.get("error", ""))
        self.quota = str(info.get("quota", ""))
        self.used = int(info.get("used", 0) or 0)
        self.limit = int(info.get("limit", 0) or 0)

    @property
    def status(self) -> int:
        return 429 if self.quota in RATE_QUOTAS else 507

    def body(self, request_id: str = "") -> dict[str, object]:
        return {"error": self.error, "quota": self.quota, "used": self.used,
                "limit": self.limit, "requestId": request_id}


RATE_QUOTAS = frozenset({"requests_per_minute", "cpu_seconds_per_day", "jobs_queued",
                         "realtime_streams"})
BY_NAME[QuotaExceeded.name] = QuotaExceeded
