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
