  // -- request parsing ----------------------------------------------------------------
  function parseQuery(qs) {
    const out = {};
    if (!qs) return out;
    for (const part of qs.split("&")) {
      if (!part) continue;
      const i = part.indexOf("=");
      let k = i < 0 ? part : part.slice(0, i), v = i < 0 ? "" : part.slice(i + 1);
      try { k = decodeURIComponent(k.replace(/\+/g, " ")); v = decodeURIComponent(v.replace(/\+/g, " ")); } catch (_) {}
      if (k in out) out[k] = [].concat(out[k], v); else out[k] = v;
    }
    return out;
  }

  class BadRequest extends Error {}

  function parseBody(ctype, raw) {
    if (!raw) return {};
    const t = (ctype || "").split(";")[0].trim().toLowerCase();
    if (t === "application/json" || t.endsWith("+json")) {
      try { return JSON.parse(raw); } catch (e) {
        throw new BadRequest(`Malformed JSON body: ${e.message}`);
      }
    }
    if (t === "application/x-www-form-urlencoded") return parseQuery(raw);
    if (t.startsWith("text/")) return raw;
    return {};
  }

  // Request and response objects use prototype methods, not per-request closures: an
  // object of ~20 closures costs ~40 µs to build in QuickJS-in-wasm (a class instance
  // ~4 µs), and closures that capture the object they hang on are reference cycles that
  // only the cycle collector frees (a ~2 ms pause every few dozen requests).
  // The raw body as a Node Readable of Buffer chunks (64 Ki chars of text each), made on
  // first use (req.on / req.pipe): busboy and PassThrough->filestore pipe it. A body
  // that is not UTF-8 (binary uploads) also comes as base64 and is piped byte-exact.
  function rawBodyStream(r) {
    // A large binary/multipart upload streamed in (router/body.py): pulled from the
    // host as the app reads, so the whole of it is never in this heap at once.
    if (r.streamed) {
      return new (builtin("stream").Readable)({
        read() {
          try {
            const b64 = host("http.body_read", "");
            if (b64 === "") { this.push(null); return; }
            const u = Uint8Array.fromBase64(b64);
            this.push(G.Buffer.from(u.buffer, u.byteOffset, u.length));
          } catch (e) { this.destroy(e); }
        },
      });
    }
    let pos = 0;
    let bytes = r.bodyBase64 ? null : undefined;
    return new (builtin("stream").Readable)({
      read() {
        if (bytes !== undefined) {
          if (bytes === null) bytes = Uint8Array.fromBase64(r.bodyBase64);
          if (pos >= bytes.length) { this.push(null); return; }
          const end = Math.min(bytes.length, pos + 65536);
          this.push(G.Buffer.from(bytes.buffer, pos, end - pos));
          pos = end;
          return;
        }
        const text = r.body || "";
        if (pos >= text.length) { this.push(null); return; }
        let end = Math.min(text.length, pos + 65536);
        if (end < text.length && (text.charCodeAt(end - 1) & 0xfc00) === 0xd800) end++; // keep pairs whole
        const chunk = G.Buffer.from(text.slice(pos, end), "utf8");
        pos = end;
        this.push(chunk);
      },
    });
  }
  const RAW = Symbol("raw");
  const STREAM = Symbol("stream");
  class HttpRequest {
    get apipath() { return this.apiPath; }
    get url() { return this.originalUrl; }
    // As Express: the scheme the client used (the router sets X-Forwarded-Proto, believing
    // it only from trusted proxies).
    get protocol() { return (this.headers && this.headers["x-forwarded-proto"]) || "http"; }
    toJSON() {
      return { hostname: this.hostname, headers: this.headers, query: this.query, path: this.path,
        apiPath: this.apiPath, originalUrl: this.originalUrl, params: this.params, body: this.body,
        method: this.method };
    }
    _stream() { return this[STREAM] || (this[STREAM] = rawBodyStream(this[RAW])); }
    on(ev, fn) { this._stream().on(ev, fn); return this; }
    pipe(dest, opts) { return this._stream().pipe(dest, opts); }
  }
  for (const k of ["toJSON", "_stream", "on", "pipe"]) Object.defineProperty(HttpRequest.prototype, k, { enumerable: false });
  function makeRequest(r) {
    const req = new HttpRequest();
    req.method = r.method; req.headers = r.headers; req.query = parseQuery(r.query); req.params = null;
    req.path = r.path; req.apiPath = r.apiPath; req.originalUrl = r.originalUrl; req.hostname = r.hostname;
    req.body = {};
    Object.defineProperty(req, "rawBody", { value: r.body, writable: true, configurable: true });
    Object.defineProperty(req, "ip", { value: r.ip, writable: true, configurable: true });
    req[RAW] = r;
    return req;
  }

