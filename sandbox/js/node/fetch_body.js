  // -- bodies -----------------------------------------------------------------------------------
  // A body is bytes, or (a Node stream, form-data's CombinedStream, an async iterable) a
  // source read to its end when the request is sent.
  function extractBody(body) {
    if (body === undefined || body === null) return null;
    if (typeof body === "string") return { bytes: utf8Encode(body), type: "text/plain;charset=UTF-8" };
    if (body instanceof URLSearchParams) return { bytes: utf8Encode(body.toString()), type: "application/x-www-form-urlencoded;charset=UTF-8" };
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return { bytes: bytesOfPart(body), type: null };
    if (body instanceof Blob) return { bytes: body._bytes, type: body.type || null };
    if (body instanceof FormData) return encodeForm(body);
    if (typeof body.getBoundary === "function" && typeof body.on === "function") { // npm form-data
      return { source: body, type: "multipart/form-data;boundary=" + body.getBoundary() };
    }
    if (typeof body.on === "function" || typeof body[Symbol.asyncIterator] === "function" || typeof body.getReader === "function") {
      return { source: body, type: null };
    }
    return { bytes: utf8Encode(String(body)), type: "text/plain;charset=UTF-8" };
  }
  const chunkBytes = (c) => (typeof c === "string" ? utf8Encode(c) : bytesOfPart(c));
  function readSource(src) {
    if (typeof src.on === "function") { // Node streams and old-style ones (form-data)
      return new Promise((resolve, reject) => {
        const parts = [];
        src.on("data", (c) => parts.push(chunkBytes(c)));
        src.on("end", () => resolve(concatBytes(parts)));
        src.on("error", reject);
        if (typeof src.resume === "function") src.resume();
      });
    }
    const it = typeof src.getReader === "function" && typeof src[Symbol.asyncIterator] !== "function"
      ? { async *[Symbol.asyncIterator]() { const r = src.getReader(); for (;;) { const { done, value } = await r.read(); if (done) return; yield value; } } }
      : src;
    return (async () => {
      const parts = [];
      for await (const c of it) parts.push(chunkBytes(c));
      return concatBytes(parts);
    })();
  }
  // Response.body of fetch(): a minimal web ReadableStream of Uint8Array chunks (getReader,
  // async iteration). node-fetch's is a Node Readable (I.nodeBodyStream, node/http.js).
  class BodyStream {
    constructor(bytes, onRead) { this._bytes = bytes; this._onRead = onRead; this._reader = null; }
    get locked() { return this._reader !== null; }
    _next() {
      if (this._onRead) { this._onRead(); this._onRead = null; }
      const b = this._bytes;
      this._bytes = null;
      return Promise.resolve(b && b.length ? { done: false, value: new Uint8Array(b) } : { done: true, value: undefined });
    }
    getReader() {
      if (this._reader) throw new TypeError("ReadableStream is locked");
      const self = this;
      this._reader = {
        read: () => self._next(),
        releaseLock() { self._reader = null; },
        cancel() { self._bytes = null; return Promise.resolve(); },
        get closed() { return Promise.resolve(); },
      };
      return this._reader;
    }
    cancel() { this._bytes = null; return Promise.resolve(); }
    async *[Symbol.asyncIterator]() {
      const r = this.getReader();
      try { for (;;) { const { done, value } = await r.read(); if (done) return; yield value; } } finally { r.releaseLock(); }
    }
    get [Symbol.toStringTag]() { return "ReadableStream"; }
  }
  const BodyMixin = {
    _consume() {
      if (this._used) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
      this._used = true;
      if (this._source) { const s = this._source; this._source = null; return readSource(s); }
      return Promise.resolve(this._bytes || new Uint8Array(0));
    },
    text() { return this._consume().then(utf8Decode); },
    json() { return this.text().then(JSON.parse); },
    arrayBuffer() { return this._consume().then((u) => u.slice().buffer); },
    blob() { return this._consume().then((u) => new Blob([u], { type: this.headers.get("content-type") || "" })); },
    buffer() { return this._consume().then((u) => Buffer._wrap(u)); }, // node-fetch v2
    formData() {
      const ct = this.headers.get("content-type") || "";
      return this.text().then((t) => {
        if (!/^application\/x-www-form-urlencoded/i.test(ct)) throw new TypeError("Response.formData: only application/x-www-form-urlencoded bodies can be parsed here");
        const fd = new FormData();
        for (const [k, v] of new URLSearchParams(t)) fd.append(k, v);
        return fd;
      });
    },
  };
  const bodyProps = {
    bodyUsed: { get() { return !!this._used; }, configurable: true },
    body: {
      get() {
        if (this._bytes === null && !this._source) return null;
        if (!this._stream) {
          if (this._source) this._stream = this._source;
          else {
            const self = this;
            const used = () => { self._used = true; };
            this._stream = this._nodeBody && I.nodeBodyStream ? I.nodeBodyStream(this._bytes, used) : new BodyStream(this._bytes, used);
          }
        }
        return this._stream;
      },
      configurable: true,
    },
  };

  const NULL_BODY = new Set([101, 103, 204, 205, 304]);
  const REDIRECTS = new Set([301, 302, 303, 307, 308]);
  const METHODS = { DELETE: 1, GET: 1, HEAD: 1, OPTIONS: 1, POST: 1, PUT: 1 };
  class Request {
    constructor(input, init = {}) {
      const src = input instanceof Request ? input : null;
      const raw = src ? src.url : input instanceof URL ? input.href : String(input);
      let url;
      try { url = new URL(raw); } catch (cause) { throw new TypeError(`Failed to parse URL from ${raw}`, { cause }); }
      if ((url.username || url.password) && !(init && init[kCredentials])) {
        throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${raw}`);
      }
      init = init || {};
      let method = init.method !== undefined ? String(init.method) : src ? src.method : "GET";
      if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
      if (/^(connect|trace|track)$/i.test(method)) throw new TypeError(`'${method}' HTTP method is unsupported.`);
      if (METHODS[method.toUpperCase()]) method = method.toUpperCase();
      const redirect = init.redirect !== undefined ? String(init.redirect) : src ? src.redirect : "follow";
      if (!["follow", "error", "manual"].includes(redirect)) {
        throw new TypeError(`Request constructor: ${redirect} is not an accepted type. Expected one of follow, manual, error.`);
      }
      const signal = init.signal !== undefined && init.signal !== null ? init.signal : src ? src.signal : new AbortSignal(kSignal);
      if (!signal || typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function") {
        throw new TypeError("Request constructor: Expected signal to be an instance of AbortSignal.");
      }
      this._url = url.href;
      this._method = method;
      this._redirect = redirect;
      this._signal = signal;
      this._headers = new Headers(init.headers !== undefined ? init.headers : src ? src.headers : undefined);
      let body = null;
      if (init.body !== undefined && init.body !== null) body = extractBody(init.body);
      else if (src && init.body === undefined) {
        if (src._used) throw new TypeError("Cannot construct a Request with a Request object that has already been used.");
        body = src._bytes !== null ? { bytes: src._bytes } : src._source ? { source: src._source } : null;
        if (src._source || src._bytes !== null) src._used = true;
      }
      if (body && (method === "GET" || method === "HEAD")) throw new TypeError("Request with GET/HEAD method cannot have body.");
      if (body && body.type && !this._headers.has("content-type")) this._headers.set("content-type", body.type);
      this._bytes = body && body.bytes ? body.bytes : null;
      this._source = body && body.source ? body.source : null;
      this._used = false;
    }
    get url() { return this._url; }
    get method() { return this._method; }
    get headers() { return this._headers; }
    get redirect() { return this._redirect; }
    get signal() { return this._signal; }
    get cache() { return "default"; }
    get credentials() { return "same-origin"; }
    get mode() { return "cors"; }
    get referrer() { return "about:client"; }
    get referrerPolicy() { return ""; }
    get integrity() { return ""; }
    get keepalive() { return false; }
    get destination() { return ""; }
    get duplex() { return "half"; }
    clone() {
      if (this._used) throw new TypeError("Request.clone: Body has already been consumed.");
      return new Request(this, { body: this._bytes === null ? undefined : this._bytes, [kCredentials]: true });
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  const kCredentials = Symbol("brygge.credentials");
  Object.assign(Request.prototype, BodyMixin);
  Object.defineProperties(Request.prototype, bodyProps);

  class Response {
    constructor(body = null, init = {}) {
      init = init || {};
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!(status >= 200 && status <= 599) || !Number.isInteger(status)) {
        throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
      }
      const b = extractBody(body);
      if (b && NULL_BODY.has(status)) throw new TypeError(`Response constructor: Invalid response status code ${status}`);
      this._status = status;
      this._statusText = init.statusText === undefined ? "" : String(init.statusText);
      this._headers = new Headers(init.headers);
      if (b && b.type && !this._headers.has("content-type")) this._headers.set("content-type", b.type);
      this._bytes = b && b.bytes ? b.bytes : null;
      this._source = b && b.source ? b.source : null;
      this._type = "default";
      this._url = "";
      this._redirected = false;
      this._used = false;
    }
    static _from(r, url, signal, nodeFetch, method) { // a response the host received
      const res = Object.create(Response.prototype);
      res._status = r.status;
      res._statusText = r.statusText || "";
      res._headers = new Headers(r.headers);
      res._bytes = NULL_BODY.has(r.status) || method === "HEAD" ? null : fromBase64(r.body);
      res._source = null;
      res._type = "basic";
      res._url = r.url || url;
      res._redirected = !!r.redirected;
      res._used = false;
      res._signal = signal;
      res._nodeBody = nodeFetch; // node-fetch v2: body is a Node stream of Buffers
      return res;
    }
    get status() { return this._status; }
    get statusText() { return this._statusText; }
    get ok() { return this._status >= 200 && this._status < 300; }
    get headers() { return this._headers; }
    get type() { return this._type; }
    get url() { return this._url; }
    get redirected() { return this._redirected; }
    clone() {
      if (this._used) throw new TypeError("Response.clone: Body has already been consumed.");
      const r = Object.create(Response.prototype);
      Object.assign(r, this, { _headers: new Headers(this._headers), _stream: undefined });
      return r;
    }
    get [Symbol.toStringTag]() { return "Response"; }
    static error() {
      const r = new Response(null, { status: 200 });
      r._status = 0;
      r._type = "error";
      return r;
    }
    static redirect(url, status = 302) {
      let href;
      try { href = new URL(String(url)).href; } catch (cause) { throw new TypeError(`Failed to parse URL from ${url}`, { cause }); }
      if (!REDIRECTS.has(status)) throw new RangeError(`Invalid status code ${status}`);
      return new Response(null, { status, headers: { location: href } });
    }
    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Value is not JSON serializable");
      const r = new Response(text, init);
      r._headers.set("content-type", "application/json");
      return r;
    }
  }
  Object.assign(Response.prototype, BodyMixin);
  Object.defineProperties(Response.prototype, bodyProps);
  // A body read after the request's signal aborted rejects with its reason, as in undici.
  const consumeBase = BodyMixin._consume;
  Response.prototype._consume = function () {
    if (this._signal && this._signal.aborted && !this._used) return Promise.reject(this._signal.reason);
    return consumeBase.call(this);
  };

