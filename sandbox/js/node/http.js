// Node's `http` and `https` clients for tenant code: request(), get(), ClientRequest,
// IncomingMessage, Agent, STATUS_CODES, METHODS. The host makes the request (one
// synchronous `net.fetch` call with SSRF checks, timeouts and size caps, see
// sandbox/outbound.py), so the body the app writes is sent whole at end() and the
// response arrives whole; events are still emitted asynchronously in Node's order
// (socket, finish, response, data..., end, close). Redirects are not followed (the
// http module never does). There is no zlib in the runtime, so the host decodes
// gzip/deflate/br bodies and drops content-encoding: apps see what they would after
// piping through zlib. Also: node-fetch's Response.body, a Node Readable.
  const G = globalThis;
  const I = G.__brygge_internal;
  const { Buffer, define, outbound, netError, toBase64, concatBytes } = I;
  const Stream = I.stream;
  const { Readable } = Stream;
  const nextTick = I.nextTick;
  const setTimeout_ = G.setTimeout;

  function nodeError(Base, code, message) {
    const e = new Base(message);
    e.code = code;
    Object.defineProperty(e, "toString", { value() { return `${this.name} [${code}]: ${this.message}`; }, configurable: true, writable: true });
    return e;
  }
  const describe = (v) => (v === null || v === undefined ? ` Received ${v}`
    : typeof v === "function" ? ` Received function ${v.name}`
      : typeof v === "object" ? ` Received an instance of ${(v.constructor && v.constructor.name) || "Object"}`
        : ` Received type ${typeof v} (${typeof v === "string" ? `'${v}'` : String(v)})`);
  const argType = (name, what, v) => nodeError(TypeError, "ERR_INVALID_ARG_TYPE",
    `The "${name}" ${name.includes(".") ? "property" : "argument"} must be ${what}.${describe(v)}`);

  // -- node-fetch's Response.body: a Readable of the bytes (also with getReader()) -------------
  I.nodeBodyStream = (bytes, onRead) => {
    let pushed = false;
    const r = new Readable({
      read() {
        if (onRead) onRead();
        if (!pushed && bytes.length) this.push(Buffer._wrap(bytes));
        pushed = true;
        this.push(null);
      },
    });
    Object.defineProperty(r, "locked", { get: () => !!r._reader, configurable: true });
    r.getReader = () => {
      if (r._reader) throw new TypeError("ReadableStream is locked");
      const it = r[Symbol.asyncIterator]();
      r._reader = {
        read: () => it.next().then(({ done, value }) => (done ? { done: true, value: undefined } : { done: false, value: new Uint8Array(value) })),
        releaseLock() { r._reader = null; },
        cancel: () => { r.destroy(); return Promise.resolve(); },
        closed: new Promise((resolve) => r.once("close", resolve)),
      };
      return r._reader;
    };
    r.cancel = () => { r.destroy(); return Promise.resolve(); };
    return r;
  };

  // -- tables ---------------------------------------------------------------------------------
  const STATUS_CODES = {
    100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
    205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
    305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
    409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
    414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
    418: "I'm a Teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked",
    424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required",
    429: "Too Many Requests", 431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
    507: "Insufficient Storage", 508: "Loop Detected", 509: "Bandwidth Limit Exceeded", 510: "Not Extended",
    511: "Network Authentication Required",
  };
  const METHODS = ["ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK",
    "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS", "PATCH", "POST",
    "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH", "SOURCE", "SUBSCRIBE",
    "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE"];
  const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
  const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
  // Response headers whose repeats Node drops (the first wins); cookie joins with "; ".
  const SINGLE = new Set(["age", "authorization", "content-length", "content-type", "etag", "expires", "from",
    "host", "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards",
    "proxy-authorization", "referer", "retry-after", "server", "user-agent"]);

  function validateHeaderName(name) {
    if (typeof name !== "string" || !name || !TOKEN.test(name)) {
      throw nodeError(TypeError, "ERR_INVALID_HTTP_TOKEN", `Header name must be a valid HTTP token ["${name}"]`);
    }
  }
  function validateHeaderValue(name, value) {
    if (value === undefined) throw nodeError(TypeError, "ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "${value}" for header "${name}"`);
    if ([].concat(value).some((v) => BAD_VALUE.test(String(v)))) {
      throw nodeError(TypeError, "ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
    }
  }

  // -- Agent ------------------------------------------------------------------------------------
  // Connections are the host's: an Agent only carries options (keepAlive, maxSockets, ...).
  class Agent extends I.events {
    constructor(options) {
      super();
      this.defaultPort = 80;
      this.protocol = "http:";
      this.options = { __proto__: null, ...options, path: null };
      this.keepAlive = !!(options && options.keepAlive);
      this.keepAliveMsecs = (options && options.keepAliveMsecs) || 1000;
      this.maxSockets = (options && options.maxSockets) || Infinity;
      this.maxFreeSockets = (options && options.maxFreeSockets) || 256;
      this.maxTotalSockets = (options && options.maxTotalSockets) || Infinity;
      this.totalSocketCount = 0;
      this.requests = { __proto__: null };
      this.sockets = { __proto__: null };
      this.freeSockets = { __proto__: null };
    }
    getName(o = {}) { return `${o.host || "localhost"}:${o.port || ""}:${o.localAddress || ""}${o.family ? ":" + o.family : ""}`; }
    destroy() {}
  }
  class HttpsAgent extends Agent {
    constructor(options) {
      super(options);
      this.defaultPort = 443;
      this.protocol = "https:";
    }
  }

  // -- a stand-in for the socket (no real one exists in the guest) -----------------------------
  class FakeSocket extends I.events {
    constructor(req) {
      super();
      this.remoteAddress = req.host;
      this.remotePort = Number(req._port);
      this.remoteFamily = req.host.includes(":") ? "IPv6" : "IPv4";
      this.encrypted = req.protocol === "https:" || undefined;
      this.authorized = req.protocol === "https:" ? true : undefined;
      this.connecting = false;
      this.destroyed = false;
      this.readable = this.writable = true;
      this._req = req;
    }
    setTimeout(ms, cb) { this._req.setTimeout(ms); if (cb) this.once("timeout", cb); return this; }
    setNoDelay() { return this; }
    setKeepAlive() { return this; }
    ref() { return this; }
    unref() { return this; }
    address() { return {}; }
    getPeerCertificate() { return {}; }
    end() { return this; }
    destroy(err) { if (!this.destroyed) { this.destroyed = true; this._req.destroy(err); } return this; }
  }

  // -- IncomingMessage --------------------------------------------------------------------------
  class IncomingMessage extends Readable {
    constructor(socket) {
      super();
      this.socket = this.connection = socket;
      this.httpVersionMajor = 1;
      this.httpVersionMinor = 1;
      this.httpVersion = "1.1";
      this.complete = false;
      this.rawHeaders = [];
      this.rawTrailers = [];
      this.aborted = false;
      this.upgrade = false;
      this.url = "";
      this.method = null;
      this.statusCode = null;
      this.statusMessage = null;
      this._headers = null;
      this._distinct = null;
      this._body = null;
    }
    get headers() {
      if (!this._headers) {
        const h = {};
        for (let i = 0; i < this.rawHeaders.length; i += 2) {
          const k = this.rawHeaders[i].toLowerCase(), v = this.rawHeaders[i + 1];
          if (k === "set-cookie") (h[k] = h[k] || []).push(v);
          else if (!(k in h)) h[k] = v;
          else if (!SINGLE.has(k)) h[k] += (k === "cookie" ? "; " : ", ") + v;
        }
        this._headers = h;
      }
      return this._headers;
    }
    set headers(v) { this._headers = v; }
    get headersDistinct() {
      if (!this._distinct) {
        const h = {};
        for (let i = 0; i < this.rawHeaders.length; i += 2) (h[this.rawHeaders[i].toLowerCase()] = h[this.rawHeaders[i].toLowerCase()] || []).push(this.rawHeaders[i + 1]);
        this._distinct = h;
      }
      return this._distinct;
    }
    get trailers() { return {}; }
    get trailersDistinct() { return {}; }
    setTimeout(ms, cb) { if (cb) this.on("timeout", cb); return this; }
    _read() {
      if (this._body === null) return;
      const b = this._body;
      this._body = null;
      // delivered in pieces, as a socket would
      for (let o = 0; o < b.length; o += 65536) this.push(Buffer._wrap(b.subarray(o, o + 65536)));
      this.complete = true;
      this.push(null);
    }
    _destroy(err, cb) {
      if (!this.complete) this.aborted = true;
      cb(err);
    }
  }

  // -- ClientRequest ----------------------------------------------------------------------------
  function urlToOptions(u) {
    const o = {
      protocol: u.protocol,
      hostname: u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname,
      hash: u.hash, search: u.search, pathname: u.pathname,
      path: `${u.pathname || ""}${u.search || ""}`, href: u.href,
    };
    if (u.port !== "") o.port = Number(u.port);
    if (u.username || u.password) o.auth = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    return o;
  }
  function parseUrl(s) {
    try { return new G.URL(s); } catch (_) {
      const e = nodeError(TypeError, "ERR_INVALID_URL", "Invalid URL");
      e.input = s;
      throw e;
    }
  }

  class ClientRequest extends Stream.Stream {
    constructor(input, options, cb, defaults) {
      super();
      if (typeof input === "string") input = urlToOptions(parseUrl(input));
      else if (input instanceof G.URL) input = urlToOptions(input);
      else { cb = options; options = input; input = null; }
      if (typeof options === "function") { cb = options; options = input || {}; }
      else options = Object.assign({}, input, options);
      const agent = options.agent;
      const defaultAgent = options._defaultAgent || defaults.agent;
      const expected = (agent && agent.protocol) || defaultAgent.protocol;
      const protocol = options.protocol || expected;
      if (protocol !== expected) {
        throw nodeError(TypeError, "ERR_INVALID_PROTOCOL", `Protocol "${protocol}" not supported. Expected "${expected}"`);
      }
      const defaultPort = options.defaultPort || (agent && agent.defaultPort) || defaultAgent.defaultPort;
      const port = options.port || defaultPort || 80;
      if ((typeof port !== "number" && typeof port !== "string") || (typeof port === "string" && !port.trim()) ||
          +port !== (+port >>> 0) || +port > 0xffff) {
        throw nodeError(RangeError, "ERR_SOCKET_BAD_PORT", `Port should be >= 0 and < 65536.${describe(port)}.`);
      }
      for (const k of ["hostname", "host"]) {
        const v = options[k];
        if (v !== undefined && v !== null && typeof v !== "string") throw argType(`options.${k}`, "of type string or one of undefined or null", v);
      }
      const host = options.hostname || options.host || "localhost";
      let method = options.method === undefined || options.method === null ? "GET" : options.method;
      if (typeof method !== "string") throw argType("options.method", "of type string", method);
      if (!TOKEN.test(method)) throw nodeError(TypeError, "ERR_INVALID_HTTP_TOKEN", `Method must be a valid HTTP token ["${method}"]`);
      method = method.toUpperCase();
      const path = options.path === undefined || options.path === null ? "/" : String(options.path);
      if (/[\u0000-\u0020]/.test(path)) throw nodeError(TypeError, "ERR_UNESCAPED_CHARACTERS", "Request path contains unescaped characters");

      this.agent = agent === undefined ? defaultAgent : agent;
      this.protocol = protocol;
      this.host = host;
      this.method = method;
      this.path = path;
      this._port = port;
      this._defaultPort = defaultPort;
      this.socketPath = options.socketPath;
      this.timeout = undefined;
      this.reusedSocket = false;
      this.maxHeadersCount = null;
      this.res = null;
      this.aborted = false;
      this.destroyed = false;
      this.finished = false;
      this.headersSent = false;
      this.writable = true;
      this.writableEnded = false;
      this.writableFinished = false;
      this.socket = this.connection = null;
      this._h = new Map(); // lower name -> [name as set, value]
      this._chunks = [];
      this._state = "open"; // open -> ended -> sent (host called) / destroyed
      this._timeoutMs = 0;
      this._errored = false;

      const headers = options.headers;
      if (Array.isArray(headers)) { // raw [name, value, name, value, ...]
        for (let i = 0; i + 1 < headers.length; i += 2) this._append(headers[i], headers[i + 1]);
      } else if (headers) for (const k of Object.keys(headers)) this.setHeader(k, headers[k]);
      if (options.setHost !== false && !this.hasHeader("host")) {
        const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
        this._h.set("host", ["Host", Number(port) === Number(defaultPort) ? h : `${h}:${port}`]);
      }
      if (options.auth && !this.hasHeader("authorization")) {
        this.setHeader("Authorization", "Basic " + Buffer.from(String(options.auth)).toString("base64"));
      }
      if (cb) this.once("response", cb);
      if (options.timeout !== undefined) this.setTimeout(options.timeout);
      const signal = options.signal;
      if (signal) {
        if (typeof signal.aborted !== "boolean") throw argType("options.signal", "an instance of AbortSignal", signal);
        const onAbort = () => {
          const e = nodeError(Error, "ABORT_ERR", "The operation was aborted");
          e.name = "AbortError";
          e.cause = signal.reason;
          this.destroy(e);
        };
        if (signal.aborted) nextTick(onAbort);
        else signal.addEventListener("abort", onAbort, { once: true });
      }
      nextTick(() => this._onSocket());
    }
    // -- headers --
    setHeader(name, value) {
      if (this.headersSent) throw nodeError(Error, "ERR_HTTP_HEADERS_SENT", "Cannot set headers after they are sent to the client");
      validateHeaderName(name);
      validateHeaderValue(name, value);
      this._h.set(name.toLowerCase(), [name, value]);
      return this;
    }
    _append(name, value) {
      validateHeaderName(name);
      validateHeaderValue(name, value);
      const k = name.toLowerCase(), o = this._h.get(k);
      this._h.set(k, o ? [o[0], [].concat(o[1], value)] : [name, value]);
    }
    appendHeader(name, value) {
      if (this.headersSent) throw nodeError(Error, "ERR_HTTP_HEADERS_SENT", "Cannot append headers after they are sent to the client");
      this._append(name, value);
      return this;
    }
    getHeader(name) {
      if (typeof name !== "string") throw argType("name", "of type string", name);
      const e = this._h.get(name.toLowerCase());
      return e ? e[1] : undefined;
    }
    getHeaders() { const o = Object.create(null); for (const [k, [, v]] of this._h) o[k] = v; return o; }
    getHeaderNames() { return [...this._h.keys()]; }
    getRawHeaderNames() { return [...this._h.values()].map(([n]) => n); }
    hasHeader(name) {
      if (typeof name !== "string") throw argType("name", "of type string", name);
      return this._h.has(name.toLowerCase());
    }
    removeHeader(name) {
      if (typeof name !== "string") throw argType("name", "of type string", name);
      if (this.headersSent) throw nodeError(Error, "ERR_HTTP_HEADERS_SENT", "Cannot remove headers after they are sent to the client");
      this._h.delete(name.toLowerCase());
    }
    flushHeaders() { this.headersSent = true; }
    setNoDelay() {}
    setSocketKeepAlive() {}
    cork() {}
    uncork() {}
    get writableLength() { return 0; }
    get writableHighWaterMark() { return 16384; }
    get writableCorked() { return 0; }
    get writableNeedDrain() { return false; }
    setTimeout(ms, cb) {
      if (typeof ms !== "number" || !(ms >= 0)) throw argType("msecs", "of type number", ms);
      if (cb) this.once("timeout", cb);
      this.timeout = ms;
      this._timeoutMs = ms;
      return this;
    }
    // -- body --
    write(chunk, encoding, cb) {
      if (typeof encoding === "function") { cb = encoding; encoding = undefined; }
      if (chunk === null) throw nodeError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream");
      if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
        throw argType("chunk", "of type string or an instance of Buffer or Uint8Array", chunk);
      }
      if (this._state !== "open") {
        const e = nodeError(Error, "ERR_STREAM_WRITE_AFTER_END", "write after end");
        nextTick(() => { if (cb) cb(e); this.emit("error", e); });
        return false;
      }
      this.headersSent = true;
      this._chunks.push(typeof chunk === "string" ? Buffer.from(chunk, encoding || "utf8") : chunk);
      if (cb) this.once("finish", () => cb());
      return true;
    }
    end(chunk, encoding, cb) {
      if (typeof chunk === "function") { cb = chunk; chunk = undefined; } else if (typeof encoding === "function") { cb = encoding; encoding = undefined; }
      if (this._state !== "open") { if (cb) nextTick(cb); return this; }
      if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
      this.headersSent = true;
      this._state = "ended";
      this.finished = true; // (Node: end() was called; writableFinished says it was sent)
      this.writable = false;
      this.writableEnded = true;
      if (cb) this.once("finish", cb);
      if (this.socket) this._schedule();
      return this;
    }
    abort() {
      if (this.aborted) return;
      this.aborted = true;
      // Node: 'abort' before 'close' once a socket was assigned, after it before that
      if (this.socket) nextTick(() => this.emit("abort"));
      this.destroy();
      if (!this.socket) nextTick(() => this.emit("abort"));
    }
    destroy(err) {
      if (this.destroyed) return this;
      this.destroyed = true;
      if (this.res) { this.res._dump(); return this; } // it arrived whole: it ends, then 'close'
      // Node: a request destroyed before its response reports "socket hang up"
      if (!err && !this.res && !this.aborted) err = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      nextTick(() => {
        if (err) this._emitError(err);
        this._close();
      });
      return this;
    }
    _close() {
      if (this._closed) return;
      this._closed = true;
      this.emit("close");
    }
    _emitError(err) {
      if (this._errored) return;
      this._errored = true;
      this.emit("error", err);
    }
    // -- the exchange --
    _onSocket() {
      if (this.destroyed) return;
      this.socket = this.connection = new FakeSocket(this);
      this.emit("socket", this.socket);
      if (this._state === "ended") this._schedule();
    }
    _schedule() { // ended, with a "socket": Node's prefinish; the exchange itself comes later
      if (this._scheduled) return;
      this._scheduled = true;
      this.emit("prefinish");
      setTimeout_(() => this._send(), 0);
    }
    _send() {
      if (this.destroyed) return;
      this._state = "sent";
      let r;
      if (this.socketPath) {
        r = { error: { code: "ERR_BRYGGE_OUTBOUND_REFUSED", message: "requests over Unix sockets (socketPath) are not allowed from tenant code" } };
      } else {
        const headers = {};
        // arrays go out as one line per value (cookie: one line, "; "-joined), as Node sends them
        for (const [name, value] of this._h.values()) {
          headers[name] = !Array.isArray(value) ? String(value) : name.toLowerCase() === "cookie" ? value.join("; ") : value.map(String);
        }
        const h = this.host.includes(":") ? `[${this.host}]` : this.host;
        const payload = { url: `${this.protocol}//${h}:${this._port}${this.path.startsWith("/") ? "" : "/"}${this.path}`,
          method: this.method, headers, raw: true, decode: true };
        if (this._chunks.length) payload.body = toBase64(concatBytes(this._chunks));
        if (this._timeoutMs > 0) payload.timeout_ms = this._timeoutMs;
        r = outbound(payload);
      }
      if (r.error) {
        if (r.error.sent) { // the request went out before it failed: Node has flushed it
          this.writableFinished = true;
          this.emit("finish");
        }
        if (r.error.timeout === "app") {
          // Node's socket timeout: the app decides (usually destroy()); the host has given up
          // on this request, so one that is left alone ends with the error Node would give a
          // reset socket.
          this.emit("timeout");
          if (this.socket) this.socket.emit("timeout");
          if (!this.destroyed) this.destroy();
          return;
        }
        const e = netError(r.error);
        this.destroyed = true;
        nextTick(() => { this._emitError(e); this._close(); });
        return;
      }
      this.writableFinished = true;
      this.emit("finish");
      const res = new IncomingMessage(this.socket);
      res.req = this;
      res.statusCode = r.status;
      res.statusMessage = r.statusText;
      res.httpVersion = r.httpVersion || "1.1";
      [res.httpVersionMajor, res.httpVersionMinor] = res.httpVersion.split(".").map(Number);
      res.rawHeaders = r.rawHeaders.flat();
      res._body = I.fromBase64(r.body);
      res._dump = () => { if (!res._dumped) { res._dumped = true; res.resume(); } };
      this.res = res;
      // the request closes after the response ends (after its 'close' for a HEAD, as in Node)
      const close = () => { this.destroyed = true; this._close(); };
      if (this.method === "HEAD") res.on("close", () => setTimeout_(close, 0));
      else res.on("end", () => nextTick(close));
      nextTick(() => {
        if (!this.emit("response", res)) res._dump();
      });
    }
  }

  function makeModule(defaultAgent, name) {
    const defaults = { agent: defaultAgent };
    const request = name === "https" // (Node's https.request takes ...args: length 0)
      ? (...args) => new ClientRequest(args[0], args[1], args[2], defaults)
      : function request(input, options, cb) { return new ClientRequest(input, options, cb, defaults); };
    function get(input, options, cb) { const r = request(input, options, cb); r.end(); return r; }
    const m = {
      request, get, Agent: name === "https" ? HttpsAgent : Agent, globalAgent: defaultAgent,
      ClientRequest, IncomingMessage, OutgoingMessage: Stream.Stream, STATUS_CODES, METHODS,
      maxHeaderSize: 16384, validateHeaderName, validateHeaderValue,
      createServer() { throw nodeError(Error, "ERR_BRYGGE_UNAVAILABLE", `${name}.createServer is not available: apps answer requests through codehooks routes`); },
      setMaxIdleHTTPParsers() {},
    };
    m.default = m;
    return m;
  }
  const httpAgent = new Agent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true });
  define("http", () => makeModule(httpAgent, "http"));
  define("https", () => makeModule(httpsAgent, "https"));
