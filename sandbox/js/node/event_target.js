  // -- fetch family (made by the host, which refuses private and metadata addresses) ----------
  // AbortController/AbortSignal, Headers, Blob/File/FormData, Request, Response and fetch as
  // Node 20 (undici) has them; `node-fetch` is the same client with node-fetch v2's extras
  // (credentials in the URL, `timeout`, `size`, `follow`, FetchError, Node-stream bodies).
  // The host makes each request in one synchronous call: a streamed request body is read
  // to its end first, and the response comes back whole (Response.body replays it).
  const domError = (message, name, code) => {
    const e = new DOMException(message, name);
    if (e.code === undefined) Object.defineProperty(e, "code", { value: code, configurable: true });
    return e;
  };
  class Event {
    constructor(type, init = {}) {
      this.type = String(type);
      this.cancelable = !!init.cancelable;
      this.defaultPrevented = false;
      this.target = this.currentTarget = null;
      this.timeStamp = Date.now();
      this.isTrusted = false;
      this._stop = false;
    }
    preventDefault() { if (this.cancelable) this.defaultPrevented = true; }
    stopImmediatePropagation() { this._stop = true; }
    stopPropagation() {}
  }
  class EventTarget {
    constructor() { Object.defineProperty(this, "_listeners", { value: new Map() }); }
    addEventListener(type, fn, opts) {
      if (!fn) return;
      const once = !!(opts && typeof opts === "object" && opts.once);
      const list = this._listeners.get(type) || [];
      if (list.some((l) => l.fn === fn)) return;
      list.push({ fn, once });
      this._listeners.set(type, list);
      if (opts && opts.signal) opts.signal.addEventListener("abort", () => this.removeEventListener(type, fn), { once: true });
    }
    removeEventListener(type, fn) {
      const list = this._listeners.get(type);
      if (list) this._listeners.set(type, list.filter((l) => l.fn !== fn));
    }
    dispatchEvent(ev) {
      Object.defineProperty(ev, "target", { value: this, configurable: true });
      Object.defineProperty(ev, "currentTarget", { value: this, configurable: true });
      for (const l of (this._listeners.get(ev.type) || []).slice()) {
        if (!(this._listeners.get(ev.type) || []).includes(l)) continue;
        if (l.once) this.removeEventListener(ev.type, l.fn);
        try {
          if (typeof l.fn === "function") l.fn.call(this, ev); else l.fn.handleEvent(ev);
        } catch (e) { G.queueMicrotask(() => { throw e; }); }
        if (ev._stop) break;
      }
      return !ev.defaultPrevented;
    }
  }
  const kSignal = Symbol("brygge.signal");
  class AbortSignal extends EventTarget {
    constructor(key) {
      if (key !== kSignal) throw new TypeError("Illegal constructor");
      super();
      this._aborted = false;
      this._reason = undefined;
      this._onabort = null;
      this._deadline = Infinity; // when AbortSignal.timeout() fires: the host's timeout
    }
    get aborted() { return this._aborted; }
    get reason() { return this._reason; }
    get onabort() { return this._onabort; }
    set onabort(fn) {
      if (this._onabort === null && !this._hasHandler) {
        this._hasHandler = true;
        this.addEventListener("abort", (ev) => { if (typeof this._onabort === "function") this._onabort.call(this, ev); });
      }
      this._onabort = typeof fn === "function" ? fn : null;
    }
    throwIfAborted() { if (this._aborted) throw this._reason; }
    _abort(reason) {
      if (this._aborted) return;
      this._aborted = true;
      this._reason = reason === undefined ? domError("This operation was aborted", "AbortError", 20) : reason;
      this.dispatchEvent(new Event("abort"));
    }
    get [Symbol.toStringTag]() { return "AbortSignal"; }
    static abort(reason) { const s = new AbortSignal(kSignal); s._abort(reason); return s; }
    static timeout(ms) {
      if (typeof ms !== "number") {
        const e = new TypeError(`The "delay" argument must be of type number. Received ${ms === null ? "null" : typeof ms === "string" ? `type string ('${ms}')` : `type ${typeof ms}`}`);
        e.code = "ERR_INVALID_ARG_TYPE";
        throw e;
      }
      if (!(ms >= 0 && ms <= Number.MAX_SAFE_INTEGER) || !Number.isInteger(ms)) {
        const e = new RangeError(`The value of "delay" is out of range. It must be an integer. Received ${ms}`);
        e.code = "ERR_OUT_OF_RANGE";
        throw e;
      }
      const s = new AbortSignal(kSignal);
      s._deadline = Date.now() + ms;
      G.setTimeout(() => s._abort(domError("The operation was aborted due to timeout", "TimeoutError", 23)), ms);
      return s;
    }
    static any(signals) {
      const s = new AbortSignal(kSignal);
      for (const x of signals) {
        if (!(x instanceof AbortSignal)) throw new TypeError("The \"signals\" argument must be an array of AbortSignal.");
        if (x.aborted) { s._abort(x.reason); return s; }
        s._deadline = Math.min(s._deadline, x._deadline);
      }
      for (const x of signals) x.addEventListener("abort", () => s._abort(x.reason), { once: true });
      return s;
    }
  }
  class AbortController {
    constructor() { this._signal = new AbortSignal(kSignal); }
    get signal() { return this._signal; }
    abort(reason) { this._signal._abort(reason); }
    get [Symbol.toStringTag]() { return "AbortController"; }
  }

