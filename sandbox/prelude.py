"""The guest runtime's load order: which sandbox/js files make the prelude, in which
scopes, in which order. sandbox/app.py evaluates PRELUDE once per process and freezes
it into the runtime snapshot (prelude_snapshot); this module only assembles sources.

Each file holds one Node built-in (sandbox/js/node/) or one runtime concern
(sandbox/js/runtime/). The files of a scope are concatenated and wrapped in one
strict-mode function, so they share its locals; a scope reaches what an earlier one
made through `__brygge_internal` (set up in runtime/modules.js, deleted by
PRELUDE_END before the app's code runs).
"""

from __future__ import annotations

from importlib import resources

_JS = resources.files("sandbox").joinpath("js")

# Why this order: each file may use, at load time, only what the files before it
# define. runtime/ comes first: host calls, console (the log buffer), timers
# (queueMicrotask) and process exist before anything can log, schedule or tick.
# Then the Node core every other built-in leans on, in dependency order:
# process.nextTick, Node-style errors (their messages use util_inspect), the one
# util.inspect printer, the one EventEmitter (the datastore client's DataStream and
# every stream extend it). runtime/modules.js builds the built-in table and
# __brygge_internal, so the later scopes (which `define` built-ins) come after it.
# node/: text encoding before url (percent-encoding) and Buffer (utf8); Buffer, then its
# number readers/writers and its other methods (they extend Buffer.prototype), before
# fetch (Blob/FormData bodies) and crypto (digests); streams after Buffer (chunks);
# crypto_keys after crypto and stream (it requires both); http last (it extends
# streams and uses fetch's outbound call).
SCOPES: list[tuple[str, list[str]]] = [
    ("runtime", [
        "runtime/host.js", "runtime/console.js", "runtime/timers.js", "runtime/process.js",
        "node/next_tick.js", "node/errors.js", "node/util_inspect.js", "node/events.js",
        "runtime/datastore.js", "runtime/modules.js", "runtime/routes.js",
        "runtime/request.js", "runtime/response.js", "runtime/dispatch.js", "runtime/jobs.js",
        "runtime/files.js", "runtime/views.js", "runtime/queues.js", "runtime/realtime.js",
    ]),
    ("node", [
        "node/text_encoding.js", "node/url.js", "node/structured_clone.js", "node/path.js",
        "node/util.js", "node/buffer.js", "node/buffer_ints.js", "node/buffer_methods.js",
        "node/event_target.js", "node/headers.js", "node/blob.js", "node/fetch_body.js", "node/fetch.js",
        "node/crypto.js",
    ]),
    ("streams", [
        "node/string_decoder.js", "node/buffer_stream_methods.js", "node/stream_base.js",
        "node/stream_readable.js", "node/stream_writable.js", "node/stream_duplex.js",
        "node/stream_pipeline.js", "node/assert.js", "node/stream_register.js",
    ]),
    ("crypto_keys", ["node/crypto_keys.js", "node/webcrypto.js"]),
    ("http", ["node/http.js"]),
]


def scope_source(files: list[str]) -> str:
    """One scope's script: its files, in order, inside one strict function."""
    body = "".join(_JS.joinpath(name).read_text() for name in files)
    return '(function () {\n  "use strict";\n' + body + "})();\n"


# (script name, source) per scope, evaluated in this order in every instance before the
# app (or once, into the runtime snapshot). "brygge:" marks runtime frames in stacks.
PRELUDE: list[tuple[str, str]] = [(f"brygge:{scope}", scope_source(files)) for scope, files in SCOPES]
PRELUDE_END = "delete globalThis.__brygge_internal;"
