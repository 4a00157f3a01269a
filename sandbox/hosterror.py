"""The error reply of a host call: "\\0<Name>\\0<message>". The guest's `host()`
(sandbox/js/runtime/host.js) throws it as a JS error of that name with that message
(a "SchemaError" message is JSON: its `schemaError` list). Every host op, whoever
answers it, builds its errors here, so the wire format has one home."""

from __future__ import annotations

MARK = "\0"  # no reply that succeeds starts with it (replies are JSON or text)


def host_error(name: str, message: str) -> str:
    """The reply that makes the guest throw `name: message`."""
    return f"{MARK}{name}{MARK}{message}"


def is_host_error(reply: str) -> bool:
    return reply.startswith(MARK)


def unknown_op(op: str) -> str:
    """The answer to an op no one declared (sandbox/hostops.py)."""
    return host_error("Error", f"unknown host operation {op!r}")
