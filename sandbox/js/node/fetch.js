  // -- the request itself -------------------------------------------------------------------------
  // One host call. Failures come back as {error: {code, message, ...}}; a host refusal
  // ("ERR_CODE: message") is folded into the same shape.
  function outbound(req) {
    let s;
    try {
      s = host("net.fetch", JSON.stringify(req));
    } catch (e) {
      const msg = String(e.message).replace(/^(internal )?fetch failed: /, "");
      const m = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(msg);
      return { error: m ? { code: m[1], message: m[2], brygge: true } : { code: "ERR_BRYGGE_OUTBOUND", message: msg, brygge: true } };
    }
    return JSON.parse(s);
  }
  function netError(err) { // Node's shape of a network error (the cause of "fetch failed")
    const e = new Error(err.message);
    for (const k of ["errno", "code", "syscall", "address", "port", "hostname"]) if (err[k] !== undefined) e[k] = err[k];
    return e;
  }
  class FetchError extends Error { // node-fetch v2
    constructor(message, type, systemError) {
      super(message);
      this.type = type;
      if (systemError) this.code = this.errno = systemError.code;
    }
    get name() { return "FetchError"; }
  }
  function nfAbortError() {
    const e = new Error("The user aborted a request.");
    e.name = "AbortError";
    e.type = "aborted";
    return e;
  }
  function failure(err, req, nodeFetch) {
    if (nodeFetch) {
      if (err.code === "ERR_BRYGGE_REDIRECT") return new FetchError(`uri requested responds with a redirect, redirect mode is set to error: ${req.url}`, "no-redirect");
      if (err.code === "ERR_BRYGGE_REDIRECTS") return new FetchError(`maximum redirect reached at: ${req.url}`, "max-redirect");
      if (err.timeout === "app") return new FetchError(`network timeout at: ${req.url}`, "request-timeout");
      return new FetchError(`request to ${req.url} failed, reason: ${err.message}`, "system", err);
    }
    const cause = err.code === "ERR_BRYGGE_REDIRECT" ? new Error("unexpected redirect")
      : err.code === "ERR_BRYGGE_REDIRECTS" ? new Error("redirect count exceeded") : netError(err);
    return new TypeError(err.brygge ? "fetch failed: " + err.message : "fetch failed", { cause });
  }
  async function doFetch(input, init, nodeFetch) {
    const opts = init || {};
    const req = new Request(input, nodeFetch ? { ...opts, [kCredentials]: true } : opts);
    const signal = req.signal;
    const aborted = () => (nodeFetch ? nfAbortError() : signal.reason);
    if (signal.aborted) throw aborted();
    let bytes = req._bytes;
    if (req._source) { bytes = await readSource(req._source); req._source = null; }
    if (signal.aborted) throw aborted();
    const headers = {};
    req.headers.forEach((v, k) => { headers[k] = k in headers ? headers[k] + ", " + v : v; });
    const payload = { url: req.url, method: req.method, headers, redirect: req.redirect };
    if (bytes && bytes.length) payload.body = toBase64(bytes);
    else if (bytes) payload.body = "";
    if (nodeFetch) {
      if (opts.follow !== undefined) payload.follow = Math.max(0, opts.follow | 0);
      if (opts.follow === 0 && req.redirect === "follow") payload.redirect = "error";
    }
    // The host waits at most until AbortSignal.timeout() fires (or node-fetch's `timeout`).
    const bySignal = Math.max(1, signal._deadline - Date.now());
    const byOption = nodeFetch && opts.timeout > 0 ? opts.timeout : Infinity;
    if (Math.min(bySignal, byOption) !== Infinity) payload.timeout_ms = Math.min(bySignal, byOption);
    const r = outbound(payload);
    if (r.error) {
      if (r.error.timeout === "app" && bySignal <= byOption) {
        // the signal's timer is due: reject as undici does, with its reason
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        throw aborted();
      }
      if (r.error.code === "ERR_BRYGGE_REDIRECTS" && nodeFetch && opts.follow === 0) r.error.code = "ERR_BRYGGE_REDIRECT";
      throw failure(r.error, req, nodeFetch);
    }
    if (signal.aborted) throw aborted();
    if (nodeFetch && opts.size > 0 && r.body.length * 3 / 4 > opts.size) {
      const n = fromBase64(r.body).length;
      if (n > opts.size) throw new FetchError(`content size at ${req.url} over limit: ${opts.size}`, "max-size");
    }
    return Response._from(r, req.url, signal, nodeFetch, req.method);
  }
  // Asynchronous like undici: a bad URL or init rejects, never throws.
  function fetch(input, init) {
    return Promise.resolve().then(() => doFetch(input, init, false));
  }
  G.fetch = fetch;
  Object.assign(G, { Headers, Request, Response, Blob, File, FormData, AbortController, AbortSignal });
  if (typeof G.EventTarget === "undefined") Object.assign(G, { EventTarget, Event });
  define("node-fetch", () => {
    const f = function fetch(input, init) { return Promise.resolve().then(() => doFetch(input, init, true)); };
    Object.defineProperty(f, "__esModule", { value: true });
    Object.assign(f, { default: f, Headers, Request, Response, FetchError, AbortError: class AbortError extends Error {
      constructor(message) { super(message); this.type = "aborted"; } get name() { return "AbortError"; } },
    isRedirect: (code) => REDIRECTS.has(code) });
    return f;
  });

