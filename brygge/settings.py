"""Every tunable of a Brygge node, in one place.

Each knob has a meaning, a default and safe bounds. Any knob can be overridden by
an environment variable named ``BRYGGE_<NAME>`` (upper case), e.g.
``BRYGGE_HTTP_PORT=9090`` or ``BRYGGE_MAX_BODY_BYTES=1048576``. Values outside the
bounds are refused at start-up with a message naming the knob, so a typo cannot
silently run a node with a dangerous limit.

The settings object is immutable; processes of one node receive the same values
because the supervisor passes its environment to its children.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def knob(default: Any, meaning: str, lo: float | None = None, hi: float | None = None,
         choices: tuple[str, ...] | None = None) -> Any:
    return field(default=default, metadata={"meaning": meaning, "lo": lo, "hi": hi,
                                            "choices": choices})


class SettingsError(ValueError):
    """A knob has a value outside its bounds or of the wrong type."""


# The plans a node starts with (`plans`): free for trials, standard for every project that
# names no plan (`default_plan`), unlimited for the operator's own.
_DEFAULT_PLANS = json.dumps({
    "free": {"data_bytes": 256 * 1024**2, "file_bytes": 1024**3, "deployments_kept": 10,
             "requests_per_minute": 6_000, "cpu_seconds_per_day": 3_600,
             "jobs_queued": 10_000, "realtime_streams": 100},
    "standard": {"data_bytes": 10 * 1024**3, "file_bytes": 50 * 1024**3,
                 "deployments_kept": 100, "requests_per_minute": 600_000,
                 "cpu_seconds_per_day": 4 * 86_400, "jobs_queued": 1_000_000,
                 "realtime_streams": 10_000},
    "unlimited": {},
}, separators=(",", ":"))


@dataclass(frozen=True)
class Settings:
    # -- node layout ---------------------------------------------------------
    data_dir: str = knob("./.brygge", "Directory holding RocksDB, JetStream files, sockets and logs.")
    wasm_cache_dir: str = knob("", "Directory where executors keep the compiled guest (wasm "
                               "compiled to machine code once, ~1 s of CPU, then mapped by "
                               "every later executor process). Empty: <data_dir>/wasm-cache. "
                               "Several nodes of one machine may share one directory; a file "
                               "from another wasmtime build is recompiled.")
    host: str = knob("127.0.0.1", "Interface the router and admin API listen on.")
    http_port: int = knob(8080, "Port of the data-plane router (tenant APIs).", 0, 65535)
    admin_port: int = knob(8081, "Port of the control plane's admin API.", 0, 65535)
    nats_port: int = knob(0, "Port of the embedded nats-server (0: pick a free one).", 0, 65535)
    nats_url: str = knob("", "Use this external NATS instead of starting an embedded one; a "
                         "comma-separated list names several servers of one cluster.")
    nats_user: str = knob("", "User name for an external NATS (`nats_url`) that requires one; "
                          "`user:password@` in the URL works too. The embedded nats-server "
                          "gets one user per component from `brygge up` instead "
                          "(brygge/natsauth.py, <data>/nats-auth.json, mode 0600).")
    nats_password: str = knob("", "Password of `nats_user` (never logged; the supervisor passes "
                              "it to its components in their environment).")
    nats_replicas: int = knob(1, "Copies JetStream keeps of the JOBS, DEAD and LOGS streams. 1 "
                              "for a single nats-server; 3 on a three-server cluster, so that "
                              "jobs and cron schedules survive the loss of one server "
                              "(queues and schedules move with the stream's leader).", 1, 5)
    storage_url: str = knob("", "Use another node's storage (its `storage` target from "
                            "node.json, e.g. unix:/path/storage.sock) instead of starting one: "
                            "this node then adds routers, executors and a control plane to "
                            "that node's data.")
    domain: str = knob("localhost", "Base domain: projects answer on <project>.api.<domain>.")
    alt_host_domain: str = knob("", "Domain of the alternative host every space gets "
                                "(<word>-<word>-<4 chars>.<this>, served with the whole path "
                                "as the API path, storage/hosts.py); empty: `domain` (so "
                                "calm-harbor-x7k2.localhost on a laptop). Point a wildcard DNS "
                                "record of it at the routers. May not start with 'api.' nor "
                                "contain '.api.' (those hosts are project URLs). Changing it "
                                "moves every alternative host at the next control-plane start "
                                "(the generated names stay).")
    max_domains_per_space: int = knob(20, "Custom domains one space may have "
                                      "(`brygge domain add`).", 0, 1000)
    default_project: str = knob("brygge", "Project served on bare localhost/IP hosts.")
    default_space: str = knob("dev", "Space created with the default project.")
    routers: int = knob(1, "Router processes sharing the HTTP port (SO_REUSEPORT). Each runs "
                        "invocations in-process and is single-threaded in Python, so on a node "
                        "with spare cores more routers serve more requests/s "
                        "(docs/BENCHMARKS.md).", 1, 64)
    executors: int = knob(1, "Executor processes the supervisor runs.", 1, 64)
    storage_transport: str = knob("wire", "How executors call storage on one node: 'wire' (the "
                                  "Storage messages framed on a Unix socket, ~10x less CPU per "
                                  "call, see docs/BENCHMARKS.md) or 'grpc'.",
                                  choices=("grpc", "wire"))
    executor_transport: str = knob("inprocess", "How the router reaches executors: 'inprocess' "
                                   "(the router runs invocations itself, ~2x the throughput on one "
                                   "node, see docs/BENCHMARKS.md; executor processes still validate "
                                   "deployments) or 'grpc' (executor processes over Unix sockets, "
                                   "as in a cluster).", choices=("grpc", "inprocess"))

    # -- request admission -----------------------------------------------------
    max_body_bytes: int = knob(10 * 1024 * 1024, "Largest request body accepted (413 above).",
                               1024, 2 * 1024**3)
    max_stream_body_bytes: int = knob(1024**3, "Largest binary or multipart body streamed into "
                                      "the app (one beyond max_body_bytes is read as the app "
                                      "reads it; JSON, form and text bodies are capped at "
                                      "max_body_bytes).", 1024, 64 * 1024**3)
    max_deploy_bytes: int = knob(50 * 1024 * 1024, "Largest deployment upload accepted.",
                                 1024, 1024**3)
    keep_alive_s: float = knob(65.0, "Seconds the router and the admin API keep an idle HTTP "
                               "keep-alive connection open. Longer than the pools of common "
                               "clients (httpx 5 s, Node 4-5 s), so a client never writes a "
                               "request into a connection the server is closing; routers drop "
                               "their own pooled connections to the admin API after half this.",
                               5, 3600)
    request_timeout_s: float = knob(60.0, "Wall-clock deadline of one HTTP invocation.", 0.1, 900)
    trusted_proxies: str = knob("", "Comma-separated IPs/CIDRs of reverse proxies whose "
                                "X-Forwarded-For names the client (for allowed-hosts checks); "
                                "from any other peer the header is ignored.")
    max_header_bytes: int = knob(32 * 1024, "Largest total size of request headers (431 above).",
                                 1024, 1024**2)
    meter_flush_s: float = knob(5.0, "How often routers add their counts of API calls, "
                                "invocations and invocation time to the stored usage (a crash "
                                "loses at most this much metering).", 0.1, 3600)
    dev_mode: bool = knob(False, "Error responses carry stack traces (the app's, or the "
                          "router's for its own failures), and the admin API serves its "
                          "interactive docs and schema (/docs, /redoc, /openapi.json; off "
                          "otherwise). For a laptop, never in production: stacks name files "
                          "and internals.")
    compress_min_bytes: int = knob(1024, "Smallest one-piece response body gzipped for clients "
                                   "that accept it (streamed textual bodies are always gzipped "
                                   "then); -1 turns compression off.", -1, 1024**3)
    compress_level: int = knob(5, "zlib level of response compression (1 fastest, 9 smallest).",
                               1, 9)
    offload_min_bytes: int = knob(32 * 1024, "Response pieces to gzip and JSON request bodies "
                                  "to check (max_json_depth) of at least this many bytes are "
                                  "processed on a worker thread, so the router's event loop "
                                  "keeps serving other requests meanwhile; smaller ones inline "
                                  "(a thread hop costs about as much as gzipping 12 KiB). 0 "
                                  "sends everything to a thread.", 0, 1024**2)
    max_json_depth: int = knob(256, "Deepest nesting of arrays and objects accepted in a JSON "
                               "request body (and in the JSON parameters, headers and bodies "
                               "of _A_D_M_ calls, which also may not hold NaN/Infinity); "
                               "deeper is 400 before anything parses it. The guest's "
                               "JSON.parse traps near 100,000 levels and Python's json (the "
                               "control plane, storage) fails near 1,000.", 16, 900)
    max_url_bytes: int = knob(8 * 1024, "Longest request path plus query string (414 above, "
                              "measured as the request line arrives). At most 65,000: "
                              "httptools cannot parse a longer URL.", 256, 65000)
    jwt_leeway_s: float = knob(30.0, "Clock skew allowed on JWT exp/nbf/iat.", 0, 600)
    jwks_cache_s: float = knob(600.0, "How long a space's fetched JWKS is reused.", 1, 86400)
    jwks_refetch_s: float = knob(30.0, "Least time between refetches of a JWKS for an unknown "
                                 "kid (bounds what forged kids can cost).", 0, 3600)
    jwks_timeout_s: float = knob(3.0, "Longest wait for a JWKS endpoint (then 503).", 0.1, 60)

    # -- sandbox ---------------------------------------------------------------
    internal_secret: str = knob("", "Key that signs app.internalFetch calls from executors to the "
                                "router (generated by `brygge up` when empty; same on every "
                                "component of a node).")
    internal_gateway_url: str = knob("", "Router URL executors send app.internalFetch calls to "
                                     "(set by `brygge up`; empty disables internalFetch).")
    cpu_limit_s: float = knob(10.0, "CPU time one invocation may spend running JS (waiting on "
                              "storage, outbound requests and timers excluded); beyond it the "
                              "invocation ends with a 500 and its instance is recycled.", 0.01, 900)
    memory_limit_mb: int = knob(128, "Linear memory cap of one wasm instance.", 16, 4096)
    stack_limit_kb: int = knob(512, "JS stack one invocation may use; deeper recursion is a "
                               "catchable RangeError (~2,900 frames at 512). The guest's stack "
                               "is 1 MiB, so 640 is the most that takes effect.", 64, 640)
    max_guest_reentry: int = knob(64, "Host calls that may nest inside one another on one "
                                  "thread (guest -> host -> guest: each require() of an ES "
                                  "module from CommonJS is one level); past it the innermost "
                                  "require() throws a RangeError. Bounds the native and Python "
                                  "stack a tenant's require() chain can take (~10 Python frames "
                                  "and ~25 KiB of stack a level; the recursion limit is raised to "
                                  "fit).", 4, 200)
    cpu_epoch_ms: int = knob(10, "Period of the wasmtime epoch ticker (CPU deadline granularity).",
                             1, 1000)
    instances_per_space: int = knob(4, "Warm wasm instances one executor keeps per space.", 1, 256)
    executor_threads: int = knob(16, "Concurrent invocations one executor process (or router, "
                                 "in-process) runs. An HTTP invocation takes one only once it "
                                 "holds an instance of its space (sandbox/sched.py).", 1, 1024)
    space_max_running: int = knob(8, "Most HTTP invocations of one space one executor runs at "
                                  "once (its instances_per_space bound it too); always below "
                                  "executor_threads, so that one space never holds every "
                                  "thread. When threads are short, spaces take turns.", 1, 1024)
    space_max_waiting: int = knob(64, "HTTP invocations of one space that may wait in one "
                                  "executor for an instance (holding no thread); more are "
                                  "refused at once with 429. One waiting longer than its "
                                  "deadline gets 503.", 0, 100_000)
    stream_buffer_bytes: int = knob(1024 * 1024, "Response bytes of one invocation buffered "
                                    "between the guest and the client; beyond it the guest's "
                                    "write waits (its wall-clock deadline still runs) until "
                                    "the client reads. Bounds what a client that stops "
                                    "reading costs.", 64 * 1024, 256 * 1024 * 1024)
    max_host_calls: int = knob(100_000, "Host calls allowed in one invocation.", 10, 10_000_000)
    max_response_bytes: int = knob(256 * 1024 * 1024, "Largest response one invocation may "
                                   "write (streamed, so this bounds abuse, not memory); at "
                                   "least max_file_bytes, so app.storage can serve every file "
                                   "a space can store.", 1024, 4 * 1024**3)
    outbound_allow: str = knob("", "CIDRs tenant fetch() may reach besides public addresses "
                               "(e.g. '10.0.0.0/8'); loopback, private, link-local and metadata "
                               "addresses are refused otherwise.")
    outbound_timeout_s: float = knob(15.0, "Timeout of one outbound request from tenant code.",
                                     0.1, 300)
    outbound_max_bytes: int = knob(10 * 1024 * 1024, "Largest response tenant fetch() may read.",
                                   1024, 1024**3)
    max_outbound_requests: int = knob(50, "Outbound HTTP requests (fetch, http.request, "
                                      "redirects within one included) one invocation may make; "
                                      "beyond it they fail with an error the app can catch.",
                                      1, 100_000)
    log_line_bytes: int = knob(16 * 1024, "A console line longer than this is truncated.", 128,
                               1024**2)

    # -- storage ---------------------------------------------------------------
    storage_sync: str = knob("wal", "Durability of acknowledged writes: 'wal' survives a crash of "
                             "any process (kill -9); 'fsync' also survives power loss, slower.",
                             choices=("wal", "fsync"))
    page_size: int = knob(500, "Documents fetched per storage round trip when streaming.", 1, 100_000)
    max_doc_bytes: int = knob(16 * 1024 * 1024, "Largest document the datastore accepts.",
                              1024, 256 * 1024 * 1024)
    max_blob_bytes: int = knob(128 * 1024 * 1024, "Largest blob storage keeps: a deployment "
                               "artifact (the upload as JSON, so somewhat larger than "
                               "max_deploy_bytes; keep this above it) or a deployed asset. Also "
                               "the largest blob frame a restore buffers (storage/backup.py).",
                               1024 * 1024, 4 * 1024**3)
    max_doc_depth: int = knob(100, "Deepest nesting of arrays/objects accepted in JSON from "
                               "outside (storage op arguments, admin API bodies, backups; "
                               "brygge/strictjson.py), as MongoDB's 100 levels for documents. "
                               "Kept well under Python's recursion limit, which code walking "
                               "a document must not reach.", 8, 500)
    max_file_bytes: int = knob(256 * 1024 * 1024, "Largest file of a space's blob storage "
                               "(filestore.saveFile, brygge files upload, served by "
                               "app.storage); files are stored and streamed in 256 KiB "
                               "chunks.", 1024, 64 * 1024**3)
    space_file_quota_bytes: int = knob(1024**3, "Most bytes of files one space may store "
                                       "(committed files plus uploads in progress).",
                                       1024, 1024**5)
    sort_limit_docs: int = knob(200_000, "Most documents sorted in memory without an index; "
                                "beyond it a query must use an index.", 1000, 10_000_000)
    regex_timeout_s: float = knob(0.25, "Longest one $regex match may run in storage before the "
                                  "query fails with 400.", 0.001, 10)
    kv_reclaim_interval_s: float = knob(5.0, "How often expired key-value entries are deleted.",
                                        0.1, 3600)

    # -- queues, cron jobs (storage/queues.py, control_plane/schedules.py) ------
    queue_retries: int = knob(3, "Retries of a failed job after its first attempt, unless the "
                              "enqueue says otherwise (then it is dead-lettered).", 0, 1000)
    queue_retry_delay_ms: float = knob(1000.0, "First backoff delay before a failed job runs "
                                       "again; doubled per attempt.", 0, 3_600_000)
    queue_max_backoff_s: float = knob(300.0, "Longest backoff between attempts of a job.", 0.1,
                                      86400)
    queue_timeout_s: float = knob(30.0, "Wall-clock budget of one job attempt when the worker "
                                  "sets no timeout (then it fails and is retried).", 0.1, 3600)
    queue_ack_grace_s: float = knob(10.0, "Added to a job's timeout before JetStream redelivers "
                                    "it to another dispatcher (the holder died).", 1, 3600)
    dispatch_max_in_flight: int = knob(64, "Jobs one executor process runs at once, over all "
                                       "spaces and topics.", 1, 4096)
    dispatch_batch: int = knob(16, "Most jobs taken from one topic per turn (smaller = fairer "
                                   "between topics and spaces).", 1, 1000)
    job_batch_max_ms: float = knob(20.0, "Jobs of one topic fetched in one turn run as one "
                                   "invocation (one after the other, each with its own "
                                   "budgets) while the topic's jobs take less than this on "
                                   "average; slower ones run one per invocation, "
                                   "concurrently. 0 = never batch.", 0, 60_000)
    dispatch_refresh_s: float = knob(5.0, "How often a dispatcher re-reads which workers and "
                                     "cron jobs are deployed (deploys also notify it).", 0.1, 3600)
    dispatch_poll_s: float = knob(2.0, "Long-poll of one topic's consumer when it has no jobs "
                                  "(a new job is delivered at once; this only bounds each "
                                  "pull request).", 0.05, 60)
    queue_publish_batch: int = knob(500, "Jobs enqueueFromQuery publishes as one JetStream "
                                    "atomic batch: one acknowledgement and one fsync per batch "
                                    "(NATS allows at most 1,000).", 1, 1000)
    queue_dedupe_window_s: float = knob(120.0, "JetStream duplicate window of the JOBS stream: a "
                                        "job published twice with the same Nats-Msg-Id within "
                                        "it runs once (idempotent enqueue, cron catch-up).",
                                        1, 86400)
    dead_letter_max_age_s: float = knob(7 * 86400.0, "How long jobs that used up their retries "
                                        "are kept in the DEAD stream.", 60, 365 * 86400)
    missed_ticks: str = knob("latest", "Cron ticks that fell while NATS (or the whole node) was "
                             "down: 'latest' runs each job once for the latest missed tick when "
                             "the control plane starts or reconnects; 'skip' runs nothing.",
                             choices=("skip", "latest"))
    cron_timezone: str = knob("UTC", "Default time zone of cron expressions (an IANA name, e.g. "
                              "'Europe/Oslo'); a space can choose its own with `brygge "
                              "timezone`. NATS evaluates the schedule in it, DST included.")
    cron_catchup_grace_s: float = knob(1.0, "A tick is only counted as missed when it is older "
                                       "than this, so that a run NATS fired just before a "
                                       "control-plane restart, already taken by the dispatcher "
                                       "but not yet recorded, is not repeated (runs still "
                                       "waiting in the stream are seen directly). A missed tick "
                                       "younger than this is not made up for.", 0, 3600)

    # -- realtime (SSE) ---------------------------------------------------------
    realtime_retention_s: float = knob(3600.0, "How long published events stay replayable: a "
                                       "client reconnecting with Last-Event-ID within it gets "
                                       "what it missed (stream REALTIME, memory storage).",
                                       1, 7 * 86400)
    realtime_retention_bytes: int = knob(256 * 1024 * 1024, "Most bytes of events the REALTIME "
                                         "stream keeps in nats-server's memory (oldest dropped "
                                         "first).", 1024 * 1024, 64 * 1024**3)
    realtime_max_event_bytes: int = knob(256 * 1024, "Largest event publishEvent accepts "
                                         "(its data and query as JSON).", 1024, 8 * 1024 * 1024)
    realtime_event_docs_ttl_s: float = knob(7 * 86400.0, "Age after which the control plane "
                                            "removes the `_event_publish_*` documents "
                                            "realtime.publishEvent writes (nothing on the "
                                            "platform reads them again; replay comes from "
                                            "JetStream). 0 keeps them forever.", 0, 10 * 365 * 86400)
    realtime_event_sweep_s: float = knob(3600.0, "How often the control plane looks for event "
                                         "documents past realtime_event_docs_ttl_s.", 0.1, 86400)
    realtime_heartbeat_s: float = knob(15.0, "Idle event streams get a comment line this often, "
                                       "so proxies and load balancers keep them open.", 0.05,
                                       300)
    realtime_client_buffer: int = knob(1000, "Events queued for one slow client; beyond it the "
                                       "router closes the stream (the client reconnects with "
                                       "Last-Event-ID) instead of buffering without bound.",
                                       1, 1_000_000)
    realtime_max_streams: int = knob(100_000, "Event streams one router process holds open at "
                                     "once; more are refused with 503.", 1, 10_000_000)

    # -- quotas (issue 18; storage/quota.py) -----------------------------------
    plans: str = knob(_DEFAULT_PLANS, "Named plans of per-project limits, JSON {plan: {quota: "
                      "limit}}; quotas: data_bytes (documents + key-value bytes), file_bytes, "
                      "deployments_kept, requests_per_minute, cpu_seconds_per_day (invocation "
                      "seconds as metered, per UTC day), jobs_queued, realtime_streams. 0 or "
                      "absent = unlimited; each limit an integer 0..2^53-1. A project's record "
                      "names its plan and may override single limits (`brygge quota set`).")
    default_plan: str = knob("standard", "Plan of a project that names none (must be one of "
                             "`plans`).")
    quota_refresh_s: float = knob(2.0, "How long routers and executors reuse a project's "
                                  "limits and its counts of queued jobs before asking again "
                                  "(a change made with `brygge quota set` is seen at once by "
                                  "routers, through the space-changed event).", 0.1, 60)

    # -- logs ------------------------------------------------------------------
    log_retention_s: int = knob(7 * 86400, "How long space logs are kept in JetStream.", 60,
                                365 * 86400)
    log_max_per_space: int = knob(10_000, "Log lines kept per space.", 100, 10_000_000)

    # -- audit log (control_plane/audit/) -----------------------------------------------
    audit_retention_days: float = knob(90.0, "Days the audit log keeps an entry (who did which "
                                       "admin action, from where, with what outcome); older "
                                       "entries are removed by the control plane's sweep. 0 "
                                       "keeps them forever.", 0, 36500)
    audit_sweep_s: float = knob(3600.0, "How often the control plane removes audit entries "
                                "older than audit_retention_days.", 0.1, 86400)
    # -- people and sessions (control_plane/identity/) ---------------------------
    session_ttl_s: int = knob(900, "Lifetime of an admin-API access JWT (EdDSA, signed with "
                              "<data>/session.ed25519); the client renews it with its refresh "
                              "token. Revocation is checked on every request regardless.",
                              30, 86400)
    refresh_ttl_s: int = knob(30 * 86400, "Lifetime of a session (its refresh token): after it "
                              "the user signs in again.", 300, 365 * 86400)
    coho_session_ttl_s: int = knob(30 * 86400, "Lifetime of the session the official coho CLI "
                                   "holds after its browser login (coho never refreshes).",
                                   300, 365 * 86400)
    login_max_failures: int = knob(5, "Failed logins for one email address before it is locked "
                                   "for login_lockout_s (429 with Retry-After). One client IP "
                                   "gets four times as many failures over all emails.", 1, 1000)
    login_lockout_s: int = knob(300, "How long a throttled email address or client IP is "
                                "refused logins.", 1, 86400)
    operator_email: str = knob("admin@localhost", "Email of the operator user the first `brygge "
                               "up` on a new data dir creates (its password is printed once).")
    # -- browser login and single sign-on (control_plane/login/) -------------------
    cli_auth_ttl_s: int = knob(600, "How long a browser login of the official coho CLI may "
                               "take: the login page's form stays valid, a sign-in waits for "
                               "its CLI's /cli_auth stream, and one stream waits for a "
                               "sign-in (coho reconnects after it).", 30, 3600)
    cli_auth_poll_s: float = knob(1.0, "How often a waiting /cli_auth stream looks in storage "
                                  "for a sign-in that another control plane took (one on the "
                                  "same control plane wakes it at once).", 0.05, 10)
    cli_auth_max_streams: int = knob(1000, "/cli_auth streams one control plane holds open at "
                                     "once; more are refused with 503.", 1, 100_000)
    oidc_issuer: str = knob("", "Single sign-on: the OpenID Connect issuer URL (its "
                            "/.well-known/openid-configuration is read); empty: no SSO. Must "
                            "be https, or http on a loopback address.")
    oidc_client_id: str = knob("", "Single sign-on: this node's client id at the issuer.")
    oidc_client_secret: str = knob("", "Single sign-on: the client secret (empty: a public "
                                   "client, PKCE only). Never logged.")
    oidc_label: str = knob("Single sign-on", "Single sign-on: the text of the login page's "
                           "SSO button.")
    oidc_redirect_url: str = knob("", "Single sign-on: the callback URL registered at the "
                                  "issuer; empty: <the admin URL the browser used>/sso/"
                                  "callback (set it behind a proxy that terminates TLS).")

    # -- supervisor --------------------------------------------------------------
    start_timeout_s: float = knob(30.0, "How long the supervisor waits for a component to start.",
                                  1, 600)
    restart_backoff_s: float = knob(0.2, "Initial delay before restarting a crashed component.",
                                    0.0, 60)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()

    def replace(self, **changes: Any) -> Settings:
        s = dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})
        s.validate()
        return s

    def validate(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            lo, hi, choices = f.metadata["lo"], f.metadata["hi"], f.metadata["choices"]
            if (lo is not None and not v >= lo) or (hi is not None and not v <= hi):  # NaN fails
                raise SettingsError(f"{f.name}={v!r} is outside [{lo}, {hi}]")
            if choices and v not in choices:
                raise SettingsError(f"{f.name}={v!r} must be one of {', '.join(choices)}")
        alt = (self.alt_host_domain or self.domain).strip().lower().rstrip(".")
        if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}"
                            r"[a-z0-9])?)*", alt) or len(alt) > 240:
            raise SettingsError(f"alt_host_domain={alt!r} is not a domain name such as "
                                "'apps.example.com'")
        if alt.startswith("api.") or ".api." in alt:
            raise SettingsError(f"alt_host_domain={alt!r}: alternative hosts below it would "
                                "read as <project>.api.<domain> project URLs; set "
                                "BRYGGE_ALT_HOST_DOMAIN to a domain without an 'api' label")
        self._check_plans()
        self._check_oidc()
        try:
            from zoneinfo import ZoneInfo
            ZoneInfo(self.cron_timezone)
        except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
            raise SettingsError(f"cron_timezone={self.cron_timezone!r} is not an IANA time "
                                "zone such as 'UTC' or 'Europe/Oslo'") from None

    def _check_oidc(self) -> None:
        """An SSO issuer is https (http only on loopback: a test's or a sidecar's) and
        comes with a client id."""
        if not self.oidc_issuer:
            return
        from urllib.parse import urlsplit
        u = urlsplit(self.oidc_issuer)
        loopback = u.hostname in ("localhost", "::1") or (u.hostname or "").startswith("127.")
        if u.scheme != "https" and not (u.scheme == "http" and loopback):
            raise SettingsError(f"oidc_issuer={self.oidc_issuer!r} must be an https URL "
                                "(http only on a loopback address)")
        if not self.oidc_client_id:
            raise SettingsError("oidc_issuer is set but oidc_client_id is empty")

    def _check_plans(self) -> None:
        """`plans` is JSON of plan -> {quota: non-negative integer} naming `default_plan`
        (the quota names are storage/quota.py's, checked again where it is read)."""
        try:
            plans = json.loads(self.plans)
        except ValueError as e:
            raise SettingsError(f"plans is not JSON: {e}") from None
        if not isinstance(plans, dict) or not all(
                isinstance(lim, dict) and all(isinstance(v, int) and not isinstance(v, bool)
                                              and 0 <= v < 2**53 for v in lim.values())
                for lim in plans.values()):
            raise SettingsError("plans must be JSON {plan: {quota: integer >= 0}}")
        if self.default_plan not in plans:
            raise SettingsError(f"default_plan={self.default_plan!r} is not one of the plans "
                                f"({', '.join(plans)})")

    def to_env(self) -> dict[str, str]:
        """The environment that makes a child process see these settings."""
        return {f"BRYGGE_{f.name.upper()}": str(getattr(self, f.name))
                for f in dataclasses.fields(self)}

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"BRYGGE_{f.name.upper()}")
            if raw is None:
                continue
            kind = type(f.default)
            try:
                values[f.name] = kind(raw) if kind is not bool else raw.lower() in ("1", "true")
            except ValueError:
                raise SettingsError(f"BRYGGE_{f.name.upper()}={raw!r} is not a {kind.__name__}") \
                    from None
        s = cls(**values)
        s.validate()
        return s

    @classmethod
    def describe(cls) -> list[tuple[str, Any, str, str]]:
        """(env name, default, bounds, meaning) for every knob: docs and `brygge settings`."""
        rows = []
        for f in dataclasses.fields(cls):
            m = f.metadata
            bounds = ("|".join(m["choices"]) if m["choices"] else
                      f"{m['lo']}..{m['hi']}" if m["lo"] is not None else "")
            rows.append((f"BRYGGE_{f.name.upper()}", f.default, bounds, m["meaning"]))
        return rows
