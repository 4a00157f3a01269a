  // -- response ---------------------------------------------------------------------------
  const NOCACHE = [["cache-control", "no-store, no-cache, must-revalidate, proxy-revalidate"],
    ["pragma", "no-cache"], ["expires", "0"], ["surrogate-control", "no-store"]];

  // Binary chunks cross as Latin-1 strings (one char per byte) on the *b ops.
  const isBytes = (d) => d instanceof Uint8Array || d instanceof ArrayBuffer;
  const latin1 = (d) => {
    const u = d instanceof ArrayBuffer ? new Uint8Array(d) : d;
    let out = "";
    for (let i = 0; i < u.length; i += 8192) out += String.fromCharCode.apply(null, u.subarray(i, i + 8192));
    return out;
  };
  const toText = (data) => (typeof data === "string" ? data : String(data));
  const TYPES = { json: "application/json", html: "text/html", text: "text/plain", xml: "application/xml" };
  // Apps detach methods (`setTimeout(res.end, 100)`): a call without a Response `this`
  // means the response of the invocation running now (an instance runs one at a time).
  let currentRes = null;
  const me = (t) => (t instanceof HttpResponse ? t : currentRes);
  class HttpResponse {
    constructor(inv) {
      this._inv = inv;
      this._status = 200;
      this._headers = new Map(NOCACHE);
      this._headSent = false;
    }
    get headersSent() { return me(this)._headSent; }
    get finished() { return me(this)._inv.ended; }
    get statusCode() { return me(this)._status; }
    set statusCode(code) { me(this)._status = +code; }
    // A Node Writable over the response, to pipe into: Buffers stay binary, end() ends
    // the response, and a destroy with an error ends it (500 if nothing was sent).
    get writable() {
      const res = me(this);
      const w = new (builtin("stream").Writable)({
        write(chunk, enc, cb) { res.write(chunk); cb(); },
        writev(chunks, cb) { res.write(G.Buffer.concat(chunks.map((c) => c.chunk))); cb(); },
        final(cb) { res.end(); cb(); },
        destroy(err, cb) { if (err && !res._inv.ended) (res._headSent ? res : res.status(500)).end(); cb(err); },
      });
      Object.defineProperty(res, "writable", { value: w, configurable: true });
      return w;
    }
    _headerList() {
      const list = [];
      for (const [k, v] of this._headers) {
        if (Array.isArray(v)) for (const x of v) list.push([k, String(x)]);
        else list.push([k, String(v)]);
      }
      return list;
    }
    // The head as it goes out. x-realtime-connect asks the router for a realtime hand-off:
    // it stays only on the connect route of its own registered channel (dispatch.js sets
    // _inv.channel once the channel's hooks passed), and there the status is the 200 the
    // hand-off needs whatever the handler set; elsewhere it is dropped, so no stream.
    _head() {
      const rt = this._headers.get("x-realtime-connect");
      let status = this._status;
      if (rt !== undefined) {
        if (this._inv.channel !== undefined && rt === this._inv.channel) status = 200;
        else this._headers.delete("x-realtime-connect");
      }
      return JSON.stringify({ status, headers: this._headerList() });
    }
    _flushHead() {
      if (this._headSent) return;
      this._headSent = true;
      if (!this._inv.job) host("http.head", this._head());
    }
    status(code) { const r = me(this); r._status = +code; return r; }
    set(k, v) {
      const r = me(this);
      if (typeof k === "object") return r.headers(k);
      r._headers.set(String(k).toLowerCase(), v);
      return r;
    }
    setHeader(k, v) { return me(this).set(k, v); }
    header(k, v) { return me(this).set(k, v); }
    getHeader(k) { return me(this)._headers.get(String(k).toLowerCase()); }
    headers(obj) { const r = me(this); for (const k of Object.keys(obj || {})) r.set(k, obj[k]); return r; }
    removeHeader(k) { const r = me(this); r._headers.delete(String(k).toLowerCase()); return r; }
    type(t) { return me(this).set("content-type", TYPES[t] || (t.includes("/") ? t : `application/${t}`)); }
    write(data) {
      const r = me(this);
      if (r._inv.ended) return false;
      if (!r._headers.has("content-type")) r._headers.set("content-type", "text/plain");
      r._flushHead();
      if (r._inv.job) return true; // a worker's or job's output goes nowhere
      if (isBytes(data)) host("http.writeb", latin1(data));
      else host("http.write", toText(data));
      return true;
    }
    end(data) {
      const r = me(this);
      if (r._inv.ended) return r;
      if (data !== undefined && data !== null && typeof data === "object" && !isBytes(data)) {
        return r.json(data);
      }
      if (data !== undefined && data !== null && !r._headers.has("content-type") && !r._headSent) {
        r._headers.set("content-type", isBytes(data) ? "application/octet-stream" : "text/plain; charset=utf-8");
      }
      if (isBytes(data)) {
        r._flushHead();
        r._inv.ended = true;
        if (!r._inv.job) host("http.endb", latin1(data));
        return r;
      }
      r._inv.ended = true;
      if (r._inv.job) { r._headSent = true; return r; } // only its status counts
      const body = data === undefined || data === null ? "" : toText(data);
      if (!r._headSent) {
        // The whole response in one host call: head, a newline, the body.
        r._headSent = true;
        host("http.res", r._head() + "\n" + body);
      } else {
        host("http.end", body);
      }
      return r;
    }
    json(obj) {
      const r = me(this);
      if (!r._headSent) r._headers.set("content-type", "application/json; charset=utf-8");
      const s = JSON.stringify(obj);
      return r.end(s === undefined ? "" : s);
    }
    send(data) {
      const r = me(this);
      if (data !== null && typeof data === "object" && !(data instanceof Uint8Array)) return r.json(data);
      if (typeof data === "number") { r._status = data; return r.end(""); }
      if (!r._headers.has("content-type") && typeof data === "string") {
        r._headers.set("content-type", /^\s*</.test(data) ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
      }
      return r.end(data);
    }
    sendStatus(code) { const r = me(this); r._status = +code; return r.end(String(code)); }
    render(view, data, cb) { return renderView(me(this), view, data, cb); } // codehooks section below
    redirect(a, b) {
      const r = me(this);
      r._status = b === undefined ? 302 : +a;
      r._headers.set("location", b === undefined ? a : b);
      return r.end("");
    }
  }
  function makeResponse(inv) {
    const res = new HttpResponse(inv);
    for (const k of ["_inv", "_status", "_headers", "_headSent"]) {
      Object.defineProperty(res, k, { enumerable: false, writable: true, value: res[k] });
    }
    currentRes = res;
    return res;
  }

