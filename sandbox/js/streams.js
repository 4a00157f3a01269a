// Node's `events`, `stream` (+ `stream/promises`), `string_decoder` and `assert` for
// tenant code, written from Node's documented behaviour. Constructors are plain
// functions (not classes) because packages still do `Readable.call(this, opts)` with
// util.inherits; `class X extends Readable` works as well.
// Event timing follows Node: process.nextTick callbacks run as one batch before the
// promise jobs queued after them (a batched queue drained from a microtask).
(function () {
  "use strict";
  const G = globalThis;
  const I = G.__brygge_internal;
  const define = I.define;
  const Buffer = I.Buffer;
  const utf8Decode = I.utf8Decode;
  const toBase64 = I.toBase64;
  const queueMicrotask = G.queueMicrotask;
  const consoleError = (...a) => G.console.error(...a);

  // -- process.nextTick ------------------------------------------------------------------
  let ticks = [];
  let tickScheduled = false;
  function runTicks() {
    // Ticks queued while draining run in the same batch, as in Node.
    for (let i = 0; i < ticks.length; i++) {
      const t = ticks[i];
      ticks[i] = undefined;
      try {
        t.fn.apply(undefined, t.args);
      } catch (e) {
        consoleError("Uncaught exception in a process.nextTick callback:", e);
      }
    }
    ticks = [];
    tickScheduled = false;
  }
  function nextTick(fn, ...args) {
    if (typeof fn !== "function") throw invalidArgType("callback", "of type function", fn);
    ticks.push({ fn, args });
    if (!tickScheduled) { tickScheduled = true; queueMicrotask(runTicks); }
  }
  G.process.nextTick = nextTick;

  // -- Node-style errors ---------------------------------------------------------------------
  function nodeError(Base, code, message) {
    const e = new Base(message);
    e.code = code;
    Object.defineProperty(e, "toString", {
      value() { return `${this.name} [${code}]: ${this.message}`; }, enumerable: false, configurable: true, writable: true,
    });
    return e;
  }
  function quoteString(s) {
    let q = "'";
    if (s.includes("'")) q = !s.includes('"') ? '"' : !s.includes("`") && !s.includes("${") ? "`" : "'";
    const body = s.replace(/[\\\n\t\r\b\f\v\0]/g, (c) => ({ "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\0": "\\x00" })[c]);
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  }
  function describeReceived(v) {
    if (v === null || v === undefined) return ` Received ${v}`;
    if (typeof v === "function") return ` Received function ${v.name}`;
    if (typeof v === "object") {
      if (v.constructor && v.constructor.name) return ` Received an instance of ${v.constructor.name}`;
      return ` Received ${inspectValue(v, true)}`;
    }
    let s = typeof v === "string" ? quoteString(v) : inspectValue(v, true);
    if (s.length > 28) s = s.slice(0, 25) + "...";
    return ` Received type ${typeof v} (${s})`;
  }
  function invalidArgType(name, what, v, kind = "argument") {
    return nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" ${kind} must be ${what}.${describeReceived(v)}`);
  }
  function invalidReturn(what, name, v) {
    const got = v && v.constructor && v.constructor.name ? `instance of ${v.constructor.name}` : `type ${typeof v}`;
    return nodeError(TypeError, "ERR_INVALID_RETURN_VALUE", `Expected ${what} to be returned from the "${name}" function but got ${got}.`);
  }
  const E = {
    methodNotImplemented: (m) => nodeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", `The ${m} method is not implemented`),
    pushAfterEOF: () => nodeError(Error, "ERR_STREAM_PUSH_AFTER_EOF", "stream.push() after EOF"),
    unshiftAfterEnd: () => nodeError(Error, "ERR_STREAM_UNSHIFT_AFTER_END_EVENT", "stream.unshift() after end event"),
    writeAfterEnd: () => nodeError(Error, "ERR_STREAM_WRITE_AFTER_END", "write after end"),
    destroyed: (m) => nodeError(Error, "ERR_STREAM_DESTROYED", `Cannot call ${m} after a stream was destroyed`),
    alreadyFinished: (m) => nodeError(Error, "ERR_STREAM_ALREADY_FINISHED", `Cannot call ${m} after a stream was finished`),
    nullValues: () => nodeError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream"),
    multipleCallback: () => nodeError(Error, "ERR_MULTIPLE_CALLBACK", "Callback called multiple times"),
    prematureClose: () => nodeError(Error, "ERR_STREAM_PREMATURE_CLOSE", "Premature close"),
    unknownEncoding: (e) => nodeError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${e}`),
    missingArgs: (n) => nodeError(TypeError, "ERR_MISSING_ARGS", `The "${n}" argument must be specified`),
    outOfRange: (n, range, v) => nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "${n}" is out of range. It must be ${range}. Received ${v}`),
  };
  function abortError(cause) {
    const e = new Error("The operation was aborted");
    e.name = "AbortError";
    e.code = "ABORT_ERR";
    if (cause !== undefined) e.cause = cause;
    return e;
  }

  // -- util.inspect-like printing (used for messages: compact=false, sorted keys) --------------
  const IDENT = /^[A-Za-z_$][\w$]*$/;
  function inspectValue(v, oneLine) {
    const seen = [];
    const ind = (n) => "  ".repeat(n);
    const key = (k) => (typeof k === "symbol" ? `[${k.toString()}]` : IDENT.test(k) ? k : quoteString(k));
    function block(open, close, items, depth) {
      if (!items.length) return open.endsWith("[") || open.endsWith("{") ? open + close : open + " " + close;
      if (oneLine) return `${open} ${items.join(", ")} ${close}`;
      return `${open}\n${items.map((x) => ind(depth + 1) + x).join(",\n")}\n${ind(depth)}${close}`;
    }
    function fmt(x, depth) {
      switch (typeof x) {
        case "string": return quoteString(x);
        case "number": return Object.is(x, -0) ? "-0" : String(x);
        case "bigint": return `${x}n`;
        case "symbol": return x.toString();
        case "undefined": return "undefined";
        case "boolean": return String(x);
        case "function": {
          const src = Function.prototype.toString.call(x);
          if (src.startsWith("class")) return `[class ${x.name || "(anonymous)"}]`;
          return `[Function: ${x.name || "(anonymous)"}]`;
        }
      }
      if (x === null) return "null";
      if (seen.includes(x)) return "[Circular *1]";
      if (x instanceof Date) return isNaN(x) ? "Invalid Date" : x.toISOString();
      if (x instanceof RegExp) return String(x);
      if (x instanceof Error) return x.stack && String(x.stack).startsWith(x.name) ? String(x.stack) : `${x.name}: ${x.message}`;
      seen.push(x);
      try {
        const proto = Object.getPrototypeOf(x);
        const ctor = proto && proto.constructor && proto.constructor.name;
        const sortKeys = (ks) => ks.slice().sort();
        const props = (skipIndex) => sortKeys(Object.keys(x).filter((k) => !skipIndex || !/^\d+$/.test(k)))
          .map((k) => `${key(k)}: ${fmt(x[k], depth + 1)}`);
        if (Array.isArray(x)) {
          const items = [];
          for (let i = 0; i < x.length; i++) items.push(i in x ? fmt(x[i], depth + 1) : "<1 empty item>");
          const pre = ctor && ctor !== "Array" ? `${ctor}(${x.length}) [` : "[";
          return block(pre, "]", items.concat(props(true)), depth);
        }
        if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
          const items = Array.from(x, (n) => fmt(n, depth + 1));
          const base = x instanceof Uint8Array ? "Uint8Array" : ctor;
          const pre = ctor === base ? `${ctor}(${x.length}) [` : `${ctor}(${x.length}) [${base}] [`;
          return block(pre, "]", items, depth);
        }
        if (x instanceof Map) {
          const items = [...x].map(([k, val]) => `${fmt(k, depth + 1)} => ${fmt(val, depth + 1)}`).sort();
          return block(`${ctor || "Map"}(${x.size}) {`, "}", items.concat(props()), depth);
        }
        if (x instanceof Set) {
          const items = [...x].map((val) => fmt(val, depth + 1)).sort();
          return block(`${ctor || "Set"}(${x.size}) {`, "}", items.concat(props()), depth);
        }
        const syms = Object.getOwnPropertySymbols(x).filter((s) => Object.prototype.propertyIsEnumerable.call(x, s))
          .map((s) => `${key(s)}: ${fmt(x[s], depth + 1)}`);
        const pre = proto === null ? "[Object: null prototype] {" : ctor && ctor !== "Object" ? `${ctor} {` : "{";
        return block(pre, "}", props().concat(syms), depth);
      } finally {
        seen.pop();
      }
    }
    return fmt(v, 0);
  }

  // -- EventEmitter ---------------------------------------------------------------------------
  const kErrorMonitor = Symbol("events.errorMonitor");
  const kCapture = Symbol("kCapture");
  const captureRejectionSymbol = Symbol.for("nodejs.rejection");
  let defaultMaxListeners = 10;
  let captureRejectionsDefault = false;

  function checkListener(fn) {
    if (typeof fn !== "function") throw invalidArgType("listener", "of type function", fn);
  }
  function EventEmitter(opts) {
    EventEmitter.init.call(this, opts);
  }
  EventEmitter.prototype._events = undefined;
  EventEmitter.prototype._eventsCount = 0;
  EventEmitter.prototype._maxListeners = undefined;
  EventEmitter.init = function (opts) {
    if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
      this._events = Object.create(null);
      this._eventsCount = 0;
    }
    this._maxListeners = this._maxListeners || undefined;
    if (opts && opts.captureRejections !== undefined) {
      if (typeof opts.captureRejections !== "boolean") {
        throw invalidArgType("options.captureRejections", "of type boolean", opts.captureRejections, "property");
      }
      this[kCapture] = opts.captureRejections;
    } else {
      this[kCapture] = captureRejectionsDefault;
    }
  };
  function eventsOf(ee) {
    if (ee._events === undefined) { ee._events = Object.create(null); ee._eventsCount = 0; }
    return ee._events;
  }
  const proto = EventEmitter.prototype;
  proto.setMaxListeners = function setMaxListeners(n) {
    if (typeof n !== "number" || n < 0 || Number.isNaN(n)) throw E.outOfRange("n", "a non-negative number", n);
    this._maxListeners = n;
    return this;
  };
  proto.getMaxListeners = function getMaxListeners() {
    return this._maxListeners === undefined ? defaultMaxListeners : this._maxListeners;
  };
  function addCatch(ee, promise, type, args) {
    // captureRejections: a rejected promise from an async listener becomes an 'error'.
    promise.then(undefined, (err) => nextTick(() => {
      if (typeof ee[captureRejectionSymbol] === "function") ee[captureRejectionSymbol](err, type, ...args);
      else {
        const prev = ee[kCapture];
        try { ee[kCapture] = false; ee.emit("error", err); } finally { ee[kCapture] = prev; }
      }
    }));
  }
  proto.emit = function emit(type, ...args) {
    let doError = type === "error";
    const events = this._events;
    if (events !== undefined) {
      if (doError && events[kErrorMonitor] !== undefined) this.emit(kErrorMonitor, ...args);
      doError = doError && events.error === undefined;
    } else if (!doError) {
      return false;
    }
    if (doError) {
      const er = args[0];
      if (er instanceof Error) throw er;
      let shown;
      try { shown = inspectValue(er, true); } catch (_) { shown = String(er); }
      const err = nodeError(Error, "ERR_UNHANDLED_ERROR", `Unhandled error. (${shown})`);
      err.context = er;
      throw err;
    }
    const handler = events[type];
    if (handler === undefined) return false;
    if (typeof handler === "function") {
      const r = handler.apply(this, args);
      if (r !== undefined && r !== null && this[kCapture] && typeof r.then === "function") addCatch(this, r, type, args);
      return true;
    }
    const list = handler.slice(); // listeners added or removed while emitting do not change this emit
    for (let i = 0; i < list.length; i++) {
      const r = list[i].apply(this, args);
      if (r !== undefined && r !== null && this[kCapture] && typeof r.then === "function") addCatch(this, r, type, args);
    }
    return true;
  };
  function addListener(target, type, listener, prepend) {
    checkListener(listener);
    let events = eventsOf(target);
    if (events.newListener !== undefined) {
      target.emit("newListener", type, listener.listener ? listener.listener : listener);
      events = target._events;
    }
    let existing = events[type];
    if (existing === undefined) {
      events[type] = listener;
      ++target._eventsCount;
    } else {
      if (typeof existing === "function") existing = events[type] = prepend ? [listener, existing] : [existing, listener];
      else if (prepend) existing.unshift(listener);
      else existing.push(listener);
      const m = target.getMaxListeners ? target.getMaxListeners() : defaultMaxListeners;
      if (m > 0 && existing.length > m && !existing.warned) {
        existing.warned = true;
        const name = target.constructor && target.constructor.name || "EventEmitter";
        G.console.warn(`MaxListenersExceededWarning: Possible EventEmitter memory leak detected. ${existing.length} ` +
          `${String(type)} listeners added to [${name}]. MaxListeners is ${m}. Use emitter.setMaxListeners() to increase limit`);
      }
    }
    return target;
  }
  proto.addListener = function addListener_(type, listener) { return addListener(this, type, listener, false); };
  proto.on = proto.addListener;
  proto.prependListener = function prependListener(type, listener) { return addListener(this, type, listener, true); };
  function onceWrapper(...args) {
    if (!this.fired) {
      this.target.removeListener(this.type, this.wrapFn);
      this.fired = true;
      return this.listener.apply(this.target, args);
    }
  }
  function onceWrap(target, type, listener) {
    const state = { fired: false, wrapFn: undefined, target, type, listener };
    const wrapped = onceWrapper.bind(state); // named "bound onceWrapper", as listeners see it in Node
    wrapped.listener = listener;
    state.wrapFn = wrapped;
    return wrapped;
  }
  proto.once = function once(type, listener) {
    checkListener(listener);
    this.on(type, onceWrap(this, type, listener));
    return this;
  };
  proto.prependOnceListener = function prependOnceListener(type, listener) {
    checkListener(listener);
    this.prependListener(type, onceWrap(this, type, listener));
    return this;
  };
  proto.removeListener = function removeListener(type, listener) {
    checkListener(listener);
    const events = this._events;
    if (events === undefined) return this;
    const list = events[type];
    if (list === undefined) return this;
    if (list === listener || list.listener === listener) {
      this._eventsCount -= 1;
      if (this._eventsCount === 0) this._events = Object.create(null);
      else delete events[type];
      if (events.removeListener !== undefined) this.emit("removeListener", type, list.listener || listener);
    } else if (typeof list !== "function") {
      let pos = -1;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i] === listener || list[i].listener === listener) { pos = i; break; }
      }
      if (pos < 0) return this;
      list.splice(pos, 1);
      if (list.length === 1) events[type] = list[0];
      if (events.removeListener !== undefined) this.emit("removeListener", type, listener);
    }
    return this;
  };
  proto.off = proto.removeListener;
  proto.removeAllListeners = function removeAllListeners(type) {
    const events = this._events;
    if (events === undefined) return this;
    if (events.removeListener === undefined) {
      if (arguments.length === 0) { this._events = Object.create(null); this._eventsCount = 0; }
      else if (events[type] !== undefined) {
        if (--this._eventsCount === 0) this._events = Object.create(null);
        else delete events[type];
      }
      return this;
    }
    if (arguments.length === 0) {
      for (const k of Reflect.ownKeys(events)) if (k !== "removeListener") this.removeAllListeners(k);
      this.removeAllListeners("removeListener");
      this._events = Object.create(null);
      this._eventsCount = 0;
      return this;
    }
    const listeners = events[type];
    if (typeof listeners === "function") this.removeListener(type, listeners);
    else if (listeners !== undefined) for (let i = listeners.length - 1; i >= 0; i--) this.removeListener(type, listeners[i]);
    return this;
  };
  function listenersOf(target, type, unwrap) {
    const events = target._events;
    if (events === undefined) return [];
    const l = events[type];
    if (l === undefined) return [];
    const arr = typeof l === "function" ? [l] : l.slice();
    return unwrap ? arr.map((f) => f.listener || f) : arr;
  }
  proto.listeners = function listeners(type) { return listenersOf(this, type, true); };
  proto.rawListeners = function rawListeners(type) { return listenersOf(this, type, false); };
  proto.listenerCount = function listenerCount(type, listener) {
    const events = this._events;
    if (events === undefined || events[type] === undefined) return 0;
    const l = events[type];
    if (typeof l === "function") return listener == null || l === listener || l.listener === listener ? 1 : 0;
    if (listener == null) return l.length;
    return l.filter((f) => f === listener || f.listener === listener).length;
  };
  proto.eventNames = function eventNames() {
    return this._eventsCount > 0 ? Reflect.ownKeys(this._events) : [];
  };
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.usingDomains = false;
  EventEmitter.captureRejectionSymbol = captureRejectionSymbol;
  EventEmitter.errorMonitor = kErrorMonitor;
  Object.defineProperty(EventEmitter, "captureRejections", {
    enumerable: true, get: () => captureRejectionsDefault,
    set(v) {
      if (typeof v !== "boolean") throw invalidArgType("EventEmitter.captureRejections", "of type boolean", v, "property");
      captureRejectionsDefault = v;
    },
  });
  Object.defineProperty(EventEmitter, "defaultMaxListeners", {
    enumerable: true, get: () => defaultMaxListeners,
    set(v) {
      if (typeof v !== "number" || v < 0 || Number.isNaN(v)) throw E.outOfRange("defaultMaxListeners", "a non-negative number", v);
      defaultMaxListeners = v;
    },
  });
  EventEmitter.listenerCount = (emitter, type) => (typeof emitter.listenerCount === "function"
    ? emitter.listenerCount(type) : proto.listenerCount.call(emitter, type));
  EventEmitter.getEventListeners = (emitter, type) => emitter.listeners(type);
  EventEmitter.getMaxListeners = (emitter) => emitter.getMaxListeners();
  EventEmitter.setMaxListeners = (n = defaultMaxListeners, ...targets) => {
    if (typeof n !== "number" || n < 0 || Number.isNaN(n)) throw E.outOfRange("n", "a non-negative number", n);
    if (!targets.length) defaultMaxListeners = n;
    else for (const t of targets) t.setMaxListeners(n);
  };
  function abortListen(signal, fn) {
    if (signal === undefined) return () => {};
    if (signal.aborted) { nextTick(fn); return () => {}; }
    signal.addEventListener("abort", fn, { once: true });
    return () => signal.removeEventListener("abort", fn);
  }
  EventEmitter.addAbortListener = (signal, listener) => {
    const off = abortListen(signal, listener);
    return { [Symbol.dispose || "dispose"]: off };
  };
  EventEmitter.once = function once(emitter, name, options = {}) {
    const signal = options ? options.signal : undefined;
    if (signal && signal.aborted) return Promise.reject(abortError(signal.reason));
    return new Promise((resolve, reject) => {
      let offAbort = () => {};
      const onError = (err) => {
        emitter.removeListener(name, resolver);
        offAbort();
        reject(err);
      };
      const resolver = (...args) => {
        if (name !== "error") emitter.removeListener("error", onError);
        offAbort();
        resolve(args);
      };
      emitter.once(name, resolver);
      if (name !== "error") emitter.once("error", onError);
      offAbort = abortListen(signal, () => {
        emitter.removeListener(name, resolver);
        emitter.removeListener("error", onError);
        reject(abortError(signal.reason));
      });
    });
  };
  EventEmitter.on = function on(emitter, event, options = {}) {
    const signal = options ? options.signal : undefined;
    if (signal && signal.aborted) throw abortError(signal.reason);
    const queued = [];      // events nobody has asked for yet
    const waiting = [];     // [resolve, reject] of pending next() calls
    let error = null;
    let finished = false;
    const closeEvents = (options && options.close) || [];
    const done = () => {
      finished = true;
      emitter.removeListener(event, onEvent);
      emitter.removeListener("error", onError);
      for (const c of closeEvents) emitter.removeListener(c, onClose);
      offAbort();
    };
    const onEvent = (...args) => {
      const w = waiting.shift();
      if (w) w[0]({ value: args, done: false });
      else queued.push(args);
    };
    const onError = (err) => {
      const w = waiting.shift();
      if (w) w[1](err);
      else error = err;
      iterator.return();
    };
    const onClose = () => {
      done();
      while (waiting.length) waiting.shift()[0]({ value: undefined, done: true });
    };
    const offAbort = abortListen(signal, () => onError(abortError(signal.reason)));
    const iterator = {
      next() {
        if (queued.length) return Promise.resolve({ value: queued.shift(), done: false });
        if (error) { const e = error; error = null; return Promise.reject(e); }
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => waiting.push([resolve, reject]));
      },
      return() {
        done();
        while (waiting.length) waiting.shift()[0]({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
      throw(err) {
        error = err;
        done();
        return Promise.reject(err);
      },
      [Symbol.asyncIterator]() { return this; },
    };
    emitter.on(event, onEvent);
    if (event !== "error") emitter.on("error", onError);
    for (const c of closeEvents) emitter.on(c, onClose);
    return iterator;
  };
  Object.defineProperty(EventEmitter, "default", { value: EventEmitter, enumerable: false, configurable: true, writable: true });

  // -- string_decoder ---------------------------------------------------------------------------
  const ENCODINGS = {
    utf8: "utf8", "utf-8": "utf8", ucs2: "utf16le", "ucs-2": "utf16le", utf16le: "utf16le", "utf-16le": "utf16le",
    latin1: "latin1", binary: "latin1", base64: "base64", base64url: "base64url", hex: "hex", ascii: "ascii",
  };
  function normEncoding(enc) {
    if (enc === undefined || enc === null || enc === "") return "utf8";
    const n = ENCODINGS[String(enc).toLowerCase()];
    if (!n) throw E.unknownEncoding(enc);
    return n;
  }
  function asBytes(b) {
    if (b instanceof Uint8Array) return b;
    if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    if (b instanceof ArrayBuffer) return new Uint8Array(b);
    throw invalidArgType("buf", "an instance of Buffer, TypedArray, or DataView", b);
  }
  function concatBytes(a, b) {
    if (!a.length) return b;
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }
  // How many bytes at the end of u start a UTF-8 character that is not complete yet.
  function utf8Incomplete(u) {
    for (let back = 1; back <= Math.min(3, u.length); back++) {
      const b = u[u.length - back];
      if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
      const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
      return need > back ? back : 0;
    }
    return 0;
  }
  function utf16Decode(u) {
    let s = "";
    for (let i = 0; i + 1 < u.length; i += 2) s += String.fromCharCode(u[i] | (u[i + 1] << 8));
    return s;
  }
  function StringDecoder(encoding) {
    if (!(this instanceof StringDecoder)) return new StringDecoder(encoding);
    this.encoding = normEncoding(encoding);
    this._pending = new Uint8Array(0);
  }
  StringDecoder.prototype.write = function write(buf) {
    if (typeof buf === "string") return buf;
    let u = concatBytes(this._pending, asBytes(buf));
    let keep = 0;
    switch (this.encoding) {
      case "utf8": keep = utf8Incomplete(u); break;
      case "utf16le": {
        keep = u.length % 2;
        if (!keep && u.length >= 2) {
          const last = u[u.length - 2] | (u[u.length - 1] << 8);
          if (last >= 0xd800 && last <= 0xdbff) keep = 2; // high surrogate waits for its pair
        }
        break;
      }
      case "base64": case "base64url": keep = u.length % 3; break;
      default: keep = 0;
    }
    this._pending = keep ? u.slice(u.length - keep) : new Uint8Array(0);
    u = keep ? u.subarray(0, u.length - keep) : u;
    return decodeBytes(u, this.encoding);
  };
  StringDecoder.prototype.end = function end(buf) {
    let s = buf === undefined ? "" : this.write(buf);
    const p = this._pending;
    this._pending = new Uint8Array(0);
    if (p.length) {
      if (this.encoding === "utf8") s += "\ufffd";
      else if (this.encoding === "utf16le") s += utf16Decode(p.subarray(0, p.length - (p.length % 2)));
      else s += decodeBytes(p, this.encoding);
    }
    return s;
  };
  StringDecoder.prototype.text = function text(buf, offset) { return this.write(asBytes(buf).subarray(offset)); };
  function decodeBytes(u, enc) {
    if (!u.length) return "";
    switch (enc) {
      case "utf8": return utf8Decode(u);
      case "utf16le": return utf16Decode(u);
      case "base64": return toBase64(u);
      case "base64url": return toBase64(u).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      case "hex": { let s = ""; for (const b of u) s += (b < 16 ? "0" : "") + b.toString(16); return s; }
      case "latin1": { let s = ""; for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192)); return s; }
      case "ascii": { let s = ""; for (const b of u) s += String.fromCharCode(b & 0x7f); return s; }
      default: throw E.unknownEncoding(enc);
    }
  }

  // -- Buffer methods stream packages call (busboy, streamsearch) ------------------------------
  // Only where node.js does not define them: node.js owns Buffer.
  const BP = Buffer.prototype;
  const fill = (name, fn) => {
    if (typeof BP[name] !== "function") Object.defineProperty(BP, name, { value: fn, writable: true, configurable: true });
  };
  fill("copy", function copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
    if (!(target instanceof Uint8Array)) throw invalidArgType("target", "an instance of Buffer or Uint8Array", target);
    targetStart = Math.max(0, targetStart | 0);
    sourceStart = Math.max(0, sourceStart | 0);
    sourceEnd = Math.min(this.length, sourceEnd | 0);
    const n = Math.max(0, Math.min(sourceEnd - sourceStart, target.length - targetStart));
    if (n > 0) target.set(Uint8Array.prototype.subarray.call(this, sourceStart, sourceStart + n), targetStart);
    return n;
  });
  for (const enc of ["latin1", "utf8", "ascii", "base64", "hex", "ucs2"]) {
    fill(`${enc}Slice`, function (start = 0, end = this.length) {
      return decodeBytes(Uint8Array.prototype.subarray.call(this, start, end), ENCODINGS[enc]);
    });
  }

  // -- stream helpers -------------------------------------------------------------------------
  const nop = () => {};
  const kDestroy = Symbol("kDestroy");
  const kConstruct = Symbol("kConstruct");
  const kOnFinished = Symbol("kOnFinished");
  const kPaused = Symbol("kPaused");
  const kCallback = Symbol("kCallback");
  const kIsDestroyedByPipeline = Symbol("kIsDestroyed");
  let defaultHWMBytes = 16 * 1024;
  let defaultHWMObjects = 16;

  function inherits(ctor, superCtor) {
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
    Object.setPrototypeOf(ctor, superCtor);
  }
  function getHighWaterMark(options, duplexKey, isDuplex, objectMode) {
    let hwm = options.highWaterMark;
    if ((hwm === undefined || hwm === null) && isDuplex) hwm = options[duplexKey];
    if (hwm !== undefined && hwm !== null) {
      if (!Number.isInteger(hwm) || hwm < 0) {
        const name = isDuplex && options.highWaterMark == null ? `options.${duplexKey}` : "options.highWaterMark";
        throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The property '${name}' is invalid. Received ${inspectValue(hwm, true)}`);
      }
      return Math.floor(hwm);
    }
    return objectMode ? defaultHWMObjects : defaultHWMBytes;
  }
  const isBufferLike = (c) => ArrayBuffer.isView(c);
  const toBuffer = (c) => (c instanceof Buffer ? c : Buffer.from(c.buffer ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : c));

  function errorOrDestroy(stream, err, sync) {
    const r = stream._readableState, w = stream._writableState;
    if ((w && w.destroyed) || (r && r.destroyed)) return;
    if ((r && r.autoDestroy) || (w && w.autoDestroy)) stream.destroy(err);
    else if (err) {
      if (w && !w.errored) w.errored = err;
      if (r && !r.errored) r.errored = err;
      if (sync) nextTick(emitErrorNT, stream, err);
      else emitErrorNT(stream, err);
    }
  }
  function emitErrorNT(stream, err) {
    const r = stream._readableState, w = stream._writableState;
    if ((w && w.errorEmitted) || (r && r.errorEmitted)) return;
    if (w) w.errorEmitted = true;
    if (r) r.errorEmitted = true;
    stream.emit("error", err);
  }
  function emitCloseNT(stream) {
    const r = stream._readableState, w = stream._writableState;
    if (w) w.closeEmitted = true;
    if (r) r.closeEmitted = true;
    if ((w && w.emitClose) || (r && r.emitClose)) stream.emit("close");
  }
  function emitErrorCloseNT(stream, err) {
    emitErrorNT(stream, err);
    emitCloseNT(stream);
  }
  function destroy(err, cb) {
    const r = this._readableState, w = this._writableState;
    const s = w || r;
    if ((w && w.destroyed) || (r && r.destroyed)) {
      if (typeof cb === "function") cb();
      return this;
    }
    if (err) {
      if (w && !w.errored) w.errored = err;
      if (r && !r.errored) r.errored = err;
    }
    if (w) w.destroyed = true;
    if (r) r.destroyed = true;
    if (!s.constructed) this.once(kDestroy, (er) => runDestroy(this, er || err, cb));
    else runDestroy(this, err, cb);
    return this;
  }
  function runDestroy(self, err, cb) {
    let called = false;
    const onDestroy = (er) => {
      if (called) return;
      called = true;
      const r = self._readableState, w = self._writableState;
      if (er) {
        if (w && !w.errored) w.errored = er;
        if (r && !r.errored) r.errored = er;
      }
      if (w) w.closed = true;
      if (r) r.closed = true;
      if (typeof cb === "function") cb(er);
      if (er) nextTick(emitErrorCloseNT, self, er);
      else nextTick(emitCloseNT, self);
    };
    try {
      self._destroy(err || null, onDestroy);
    } catch (e) {
      onDestroy(e);
    }
  }
  function undestroy() {
    const r = this._readableState, w = this._writableState;
    for (const s of [r, w]) {
      if (!s) continue;
      s.constructed = true;
      s.closed = s.closeEmitted = s.destroyed = s.errored = s.errorEmitted = false;
      s.errored = null;
    }
    if (r) { r.reading = false; r.ended = r.readable === false; r.endEmitted = r.readable === false; }
    if (w) {
      w.ended = w.writable === false; w.ending = w.writable === false;
      w.finalCalled = w.prefinished = w.finished = false;
    }
  }
  function construct(stream, cb) {
    if (typeof stream._construct !== "function") return;
    const r = stream._readableState, w = stream._writableState;
    if (r) r.constructed = false;
    if (w) w.constructed = false;
    stream.once(kConstruct, cb);
    if (stream.listenerCount(kConstruct) > 1) return; // Duplex: constructed once
    nextTick(() => {
      let called = false;
      const onConstruct = (err) => {
        if (called) { errorOrDestroy(stream, err || E.multipleCallback()); return; }
        called = true;
        if (r) r.constructed = true;
        if (w) w.constructed = true;
        if ((r && r.destroyed) || (w && w.destroyed)) stream.emit(kDestroy, err);
        else if (err) errorOrDestroy(stream, err, true);
        else nextTick(() => stream.emit(kConstruct));
      };
      try { stream._construct((err) => nextTick(onConstruct, err)); } catch (e) { nextTick(onConstruct, e); }
    });
  }

  // -- Stream (legacy) ---------------------------------------------------------------------------
  function Stream(opts) {
    EventEmitter.call(this, opts);
  }
  inherits(Stream, EventEmitter);
  // The pre-streams2 pipe(): still used by old packages (combined-stream, form-data).
  Stream.prototype.pipe = function pipe(dest, options) {
    const source = this;
    function ondata(chunk) {
      if (dest.writable && dest.write(chunk) === false && source.pause) source.pause();
    }
    source.on("data", ondata);
    function ondrain() {
      if (source.readable && source.resume) source.resume();
    }
    dest.on("drain", ondrain);
    let didOnEnd = false;
    function onend() {
      if (didOnEnd) return;
      didOnEnd = true;
      dest.end();
    }
    function onclose() {
      if (didOnEnd) return;
      didOnEnd = true;
      if (typeof dest.destroy === "function") dest.destroy();
    }
    if (!dest._isStdio && (!options || options.end !== false)) {
      source.on("end", onend);
      source.on("close", onclose);
    }
    function onerror(er) {
      cleanup();
      if (EventEmitter.listenerCount(this, "error") === 0) this.emit("error", er);
    }
    prependListener(source, "error", onerror);
    prependListener(dest, "error", onerror);
    function cleanup() {
      source.removeListener("data", ondata);
      dest.removeListener("drain", ondrain);
      source.removeListener("end", onend);
      source.removeListener("close", onclose);
      source.removeListener("error", onerror);
      dest.removeListener("error", onerror);
      source.removeListener("end", cleanup);
      source.removeListener("close", cleanup);
      dest.removeListener("close", cleanup);
    }
    source.on("end", cleanup);
    source.on("close", cleanup);
    dest.on("close", cleanup);
    dest.emit("pipe", source);
    return dest;
  };
  function prependListener(emitter, event, fn) {
    if (typeof emitter.prependListener === "function") return emitter.prependListener(event, fn);
    const ev = eventsOf(emitter);
    if (!ev[event]) emitter.on(event, fn);
    else if (Array.isArray(ev[event])) ev[event].unshift(fn);
    else ev[event] = [fn, ev[event]];
  }

  // -- Readable ----------------------------------------------------------------------------------
  function ReadableState(options, stream, isDuplex) {
    options = options || {};
    if (typeof isDuplex !== "boolean") isDuplex = stream instanceof Duplex;
    this.objectMode = !!(options.objectMode || (isDuplex && options.readableObjectMode));
    this.highWaterMark = getHighWaterMark(options, "readableHighWaterMark", isDuplex, this.objectMode);
    this.buffer = [];
    this.length = 0;
    this.pipes = [];
    this.flowing = null;
    this.ended = false;
    this.endEmitted = false;
    this.reading = false;
    this.constructed = true;
    this.sync = true;
    this.needReadable = false;
    this.emittedReadable = false;
    this.readableListening = false;
    this.resumeScheduled = false;
    this[kPaused] = null;
    this.errorEmitted = false;
    this.emitClose = options.emitClose !== false;
    this.autoDestroy = options.autoDestroy !== false;
    this.destroyed = false;
    this.errored = null;
    this.closed = false;
    this.closeEmitted = false;
    this.defaultEncoding = options.defaultEncoding || "utf8";
    this.awaitDrainWriters = null;
    this.multiAwaitDrain = false;
    this.readingMore = false;
    this.dataEmitted = false;
    this.decoder = null;
    this.encoding = null;
    if (options.encoding) {
      this.decoder = new StringDecoder(options.encoding);
      this.encoding = options.encoding;
    }
  }
  Object.defineProperty(ReadableState.prototype, "paused", {
    get() { return this[kPaused] !== null ? this[kPaused] : false; },
    set(v) { this[kPaused] = !!v; },
  });

  function Readable(options) {
    if (!(this instanceof Readable)) return new Readable(options);
    const isDuplex = this instanceof Duplex;
    this._readableState = new ReadableState(options, this, isDuplex);
    if (options) {
      if (typeof options.read === "function") this._read = options.read;
      if (typeof options.destroy === "function") this._destroy = options.destroy;
      if (typeof options.construct === "function") this._construct = options.construct;
      if (options.signal && !isDuplex) addAbortSignal(options.signal, this);
    }
    Stream.call(this, options);
    construct(this, () => {
      if (this._readableState.needReadable) maybeReadMore(this, this._readableState);
    });
  }
  inherits(Readable, Stream);
  Readable.ReadableState = ReadableState;
  const R = Readable.prototype;
  R.destroy = destroy;
  R._undestroy = undestroy;
  R._destroy = function (err, cb) { cb(err); };
  R[captureRejectionSymbol] = function (err) { this.destroy(err); };
  R.push = function push(chunk, encoding) { return readableAddChunk(this, chunk, encoding, false); };
  R.unshift = function unshift(chunk, encoding) { return readableAddChunk(this, chunk, encoding, true); };

  function readableAddChunk(stream, chunk, encoding, addToFront) {
    const state = stream._readableState;
    let err;
    if (!state.objectMode) {
      if (typeof chunk === "string") {
        encoding = encoding || state.defaultEncoding;
        if (state.encoding !== encoding) {
          if (addToFront && state.encoding) chunk = Buffer.from(chunk, encoding).toString(state.encoding);
          else { chunk = Buffer.from(chunk, encoding); encoding = ""; }
        }
      } else if (chunk instanceof Buffer) {
        encoding = "";
      } else if (isBufferLike(chunk)) {
        chunk = toBuffer(chunk);
        encoding = "";
      } else if (chunk !== null && chunk !== undefined) {
        err = invalidArgType("chunk", "of type string or an instance of Buffer, TypedArray, or DataView", chunk);
      }
    }
    if (err) {
      errorOrDestroy(stream, err);
    } else if (chunk === null) {
      state.reading = false;
      onEofChunk(stream, state);
    } else if (state.objectMode || (chunk && chunk.length > 0)) {
      if (addToFront) {
        if (state.endEmitted) errorOrDestroy(stream, E.unshiftAfterEnd());
        else if (state.destroyed || state.errored) return false;
        else addChunk(stream, state, chunk, true);
      } else if (state.ended) {
        errorOrDestroy(stream, E.pushAfterEOF());
      } else if (state.destroyed || state.errored) {
        return false;
      } else {
        state.reading = false;
        if (state.decoder && !encoding) {
          chunk = state.decoder.write(chunk);
          if (state.objectMode || chunk.length !== 0) addChunk(stream, state, chunk, false);
          else maybeReadMore(stream, state);
        } else {
          addChunk(stream, state, chunk, false);
        }
      }
    } else if (!addToFront) {
      state.reading = false;
      maybeReadMore(stream, state);
    }
    return !state.ended && (state.length < state.highWaterMark || state.length === 0);
  }
  function addChunk(stream, state, chunk, addToFront) {
    if (state.flowing && state.length === 0 && !state.sync && stream.listenerCount("data") > 0) {
      if (state.multiAwaitDrain) state.awaitDrainWriters.clear();
      else state.awaitDrainWriters = null;
      state.dataEmitted = true;
      stream.emit("data", chunk);
    } else {
      state.length += state.objectMode ? 1 : chunk.length;
      if (addToFront) state.buffer.unshift(chunk);
      else state.buffer.push(chunk);
      if (state.needReadable) emitReadable(stream);
    }
    maybeReadMore(stream, state);
  }
  function onEofChunk(stream, state) {
    if (state.ended) return;
    if (state.decoder) {
      const chunk = state.decoder.end();
      if (chunk && chunk.length) {
        state.buffer.push(chunk);
        state.length += state.objectMode ? 1 : chunk.length;
      }
    }
    state.ended = true;
    if (state.sync) {
      emitReadable(stream);
    } else {
      state.needReadable = false;
      state.emittedReadable = true;
      emitReadableNow(stream);
    }
  }
  function emitReadable(stream) {
    const state = stream._readableState;
    state.needReadable = false;
    if (!state.emittedReadable) {
      state.emittedReadable = true;
      nextTick(emitReadableNow, stream);
    }
  }
  function emitReadableNow(stream) {
    const state = stream._readableState;
    if (!state.destroyed && !state.errored && (state.length || state.ended)) {
      stream.emit("readable");
      state.emittedReadable = false;
    }
    state.needReadable = !state.flowing && !state.ended && state.length <= state.highWaterMark;
    flow(stream);
  }
  function maybeReadMore(stream, state) {
    if (!state.readingMore && state.constructed) {
      state.readingMore = true;
      nextTick(maybeReadMoreNow, stream, state);
    }
  }
  function maybeReadMoreNow(stream, state) {
    while (!state.reading && !state.ended &&
           (state.length < state.highWaterMark || (state.flowing && state.length === 0))) {
      const len = state.length;
      stream.read(0);
      if (len === state.length) break;
    }
    state.readingMore = false;
  }
  R.isPaused = function isPaused() {
    const s = this._readableState;
    return s[kPaused] === true || s.flowing === false;
  };
  R.setEncoding = function setEncoding(enc) {
    const decoder = new StringDecoder(enc);
    const state = this._readableState;
    state.decoder = decoder;
    state.encoding = decoder.encoding;
    let content = "";
    for (const c of state.buffer) content += decoder.write(c);
    state.buffer = content ? [content] : [];
    state.length = content.length;
    return this;
  };
  const MAX_HWM = 0x40000000;
  function computeNewHighWaterMark(n) {
    if (n > MAX_HWM) throw E.outOfRange("size", "<= 1GiB", n);
    n--;
    n |= n >>> 1; n |= n >>> 2; n |= n >>> 4; n |= n >>> 8; n |= n >>> 16;
    return n + 1;
  }
  function howMuchToRead(n, state) {
    if (n <= 0 || (state.length === 0 && state.ended)) return 0;
    if (state.objectMode) return 1;
    if (Number.isNaN(n)) {
      if (state.flowing && state.length) return state.buffer[0].length;
      return state.length;
    }
    if (n <= state.length) return n;
    return state.ended ? state.length : 0;
  }
  R.read = function read(n) {
    if (n === undefined) n = NaN;
    else if (!Number.isInteger(n)) n = Number.parseInt(n, 10);
    const state = this._readableState;
    const nOrig = n;
    if (n > state.highWaterMark) state.highWaterMark = computeNewHighWaterMark(n);
    if (n !== 0) state.emittedReadable = false;
    if (n === 0 && state.needReadable &&
        ((state.highWaterMark !== 0 ? state.length >= state.highWaterMark : state.length > 0) || state.ended)) {
      if (state.length === 0 && state.ended) endReadable(this);
      else emitReadable(this);
      return null;
    }
    n = howMuchToRead(n, state);
    if (n === 0 && state.ended) {
      if (state.length === 0) endReadable(this);
      return null;
    }
    let doRead = state.needReadable;
    if (state.length === 0 || state.length - n < state.highWaterMark) doRead = true;
    if (state.ended || state.reading || state.destroyed || state.errored || !state.constructed) {
      doRead = false;
    } else if (doRead) {
      state.reading = true;
      state.sync = true;
      if (state.length === 0) state.needReadable = true;
      try {
        this._read(state.highWaterMark);
      } catch (err) {
        errorOrDestroy(this, err);
      }
      state.sync = false;
      if (!state.reading) n = howMuchToRead(nOrig, state);
    }
    let ret = n > 0 ? fromList(n, state) : null;
    if (ret === null) {
      state.needReadable = state.length <= state.highWaterMark;
      n = 0;
    } else {
      state.length -= n;
      if (state.multiAwaitDrain) state.awaitDrainWriters.clear();
      else state.awaitDrainWriters = null;
    }
    if (state.length === 0) {
      if (!state.ended) state.needReadable = true;
      if (nOrig !== n && state.ended) endReadable(this);
    }
    if (ret !== null && !state.errorEmitted && !state.closeEmitted) {
      state.dataEmitted = true;
      this.emit("data", ret);
    }
    return ret;
  };
  function fromList(n, state) {
    if (state.length === 0) return null;
    const buf = state.buffer;
    if (state.objectMode) return buf.shift();
    if (!n || n >= state.length) {
      let ret;
      if (state.decoder) ret = buf.join("");
      else if (buf.length === 1) ret = buf[0];
      else ret = Buffer.concat(buf, state.length);
      state.buffer = [];
      return ret;
    }
    // Take n units (chars or bytes) from the front, splitting a chunk if needed.
    if (n < buf[0].length) {
      const ret = buf[0].slice(0, n);
      buf[0] = buf[0].slice(n);
      return ret;
    }
    if (n === buf[0].length) return buf.shift();
    if (state.decoder) {
      let ret = "";
      while (ret.length < n) {
        const need = n - ret.length;
        if (buf[0].length <= need) ret += buf.shift();
        else { ret += buf[0].slice(0, need); buf[0] = buf[0].slice(need); }
      }
      return ret;
    }
    const ret = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const need = n - off;
      const c = buf[0];
      if (c.length <= need) { ret.set(c, off); off += c.length; buf.shift(); }
      else { ret.set(c.subarray(0, need), off); buf[0] = c.slice(need); off += need; }
    }
    return ret;
  }
  function endReadable(stream) {
    const state = stream._readableState;
    if (!state.endEmitted) {
      state.ended = true;
      nextTick(endReadableNT, state, stream);
    }
  }
  function endReadableNT(state, stream) {
    if (!state.errored && !state.closeEmitted && !state.endEmitted && state.length === 0) {
      state.endEmitted = true;
      stream.emit("end");
      if (stream.writable && stream.allowHalfOpen === false) {
        nextTick(endWritableNT, stream);
      } else if (state.autoDestroy) {
        const w = stream._writableState;
        const auto = !w || (w.autoDestroy && (w.finished || w.writable === false));
        if (auto) stream.destroy();
      }
    }
  }
  function endWritableNT(stream) {
    const writable = stream.writable && !stream.writableEnded && !stream.destroyed;
    if (writable) stream.end();
  }
  R._read = function () { throw E.methodNotImplemented("_read()"); };
  R.pipe = function pipe(dest, pipeOpts) {
    const src = this;
    const state = this._readableState;
    if (state.pipes.length === 1 && !state.multiAwaitDrain) {
      state.multiAwaitDrain = true;
      state.awaitDrainWriters = new Set(state.awaitDrainWriters ? [state.awaitDrainWriters] : []);
    }
    state.pipes.push(dest);
    const doEnd = !pipeOpts || pipeOpts.end !== false;
    const endFn = doEnd ? onend : unpipe;
    if (state.endEmitted) nextTick(endFn);
    else src.once("end", endFn);
    dest.on("unpipe", onunpipe);
    function onunpipe(readable, info) {
      if (readable === src && info && info.hasUnpiped === false) {
        info.hasUnpiped = true;
        cleanup();
      }
    }
    function onend() { dest.end(); }
    let ondrain;
    let cleanedUp = false;
    function cleanup() {
      dest.removeListener("close", onclose);
      dest.removeListener("finish", onfinish);
      if (ondrain) dest.removeListener("drain", ondrain);
      dest.removeListener("error", onerror);
      dest.removeListener("unpipe", onunpipe);
      src.removeListener("end", onend);
      src.removeListener("end", unpipe);
      src.removeListener("data", ondata);
      cleanedUp = true;
      if (ondrain && state.awaitDrainWriters && (!dest._writableState || dest._writableState.needDrain)) ondrain();
    }
    function pause() {
      if (!cleanedUp) {
        if (state.pipes.length === 1 && state.pipes[0] === dest) {
          state.awaitDrainWriters = dest;
          state.multiAwaitDrain = false;
        } else if (state.pipes.length > 1 && state.pipes.includes(dest)) {
          state.awaitDrainWriters.add(dest);
        }
        src.pause();
      }
      if (!ondrain) {
        ondrain = pipeOnDrain(src, dest);
        dest.on("drain", ondrain);
      }
    }
    src.on("data", ondata);
    function ondata(chunk) {
      if (dest.write(chunk) === false) pause();
    }
    function onerror(er) {
      unpipe();
      dest.removeListener("error", onerror);
      if (dest.listenerCount("error") === 0) {
        const s = dest._writableState || dest._readableState;
        if (s && !s.errorEmitted) errorOrDestroy(dest, er);
        else dest.emit("error", er);
      }
    }
    prependListener(dest, "error", onerror);
    function onclose() {
      dest.removeListener("finish", onfinish);
      unpipe();
    }
    dest.once("close", onclose);
    function onfinish() {
      dest.removeListener("close", onclose);
      unpipe();
    }
    dest.once("finish", onfinish);
    function unpipe() { src.unpipe(dest); }
    dest.emit("pipe", src);
    if (dest.writableNeedDrain === true) pause();
    else if (!state.flowing) src.resume();
    return dest;
  };
  function pipeOnDrain(src, dest) {
    return function pipeOnDrainFunctionResult() {
      const state = src._readableState;
      if (state.awaitDrainWriters === dest) state.awaitDrainWriters = null;
      else if (state.multiAwaitDrain) state.awaitDrainWriters.delete(dest);
      if ((!state.awaitDrainWriters || state.awaitDrainWriters.size === 0) && src.listenerCount("data")) src.resume();
    };
  }
  R.unpipe = function unpipe(dest) {
    const state = this._readableState;
    const info = { hasUnpiped: false };
    if (state.pipes.length === 0) return this;
    if (!dest) {
      const dests = state.pipes;
      state.pipes = [];
      this.pause();
      for (const d of dests) d.emit("unpipe", this, { hasUnpiped: false });
      return this;
    }
    const i = state.pipes.indexOf(dest);
    if (i === -1) return this;
    state.pipes.splice(i, 1);
    if (state.pipes.length === 0) this.pause();
    dest.emit("unpipe", this, info);
    return this;
  };
  R.on = function on(ev, fn) {
    const res = Stream.prototype.on.call(this, ev, fn);
    const state = this._readableState;
    if (ev === "data") {
      state.readableListening = this.listenerCount("readable") > 0;
      if (state.flowing !== false) this.resume();
    } else if (ev === "readable") {
      if (!state.endEmitted && !state.readableListening) {
        state.readableListening = state.needReadable = true;
        state.flowing = false;
        state.emittedReadable = false;
        if (state.length) emitReadable(this);
        else if (!state.reading) nextTick(nReadingNextTick, this);
      }
    }
    return res;
  };
  R.addListener = R.on;
  R.removeListener = function removeListener(ev, fn) {
    const res = Stream.prototype.removeListener.call(this, ev, fn);
    if (ev === "readable") nextTick(updateReadableListening, this);
    return res;
  };
  R.off = R.removeListener;
  R.removeAllListeners = function removeAllListeners(ev) {
    const res = Stream.prototype.removeAllListeners.apply(this, arguments);
    if (ev === "readable" || ev === undefined) nextTick(updateReadableListening, this);
    return res;
  };
  function updateReadableListening(self) {
    const state = self._readableState;
    state.readableListening = self.listenerCount("readable") > 0;
    if (state.resumeScheduled && state[kPaused] === false) state.flowing = true;
    else if (self.listenerCount("data") > 0) self.resume();
    else if (!state.readableListening) state.flowing = null;
  }
  function nReadingNextTick(self) { self.read(0); }
  R.resume = function resume() {
    const state = this._readableState;
    if (!state.flowing) {
      state.flowing = !state.readableListening;
      if (!state.resumeScheduled) {
        state.resumeScheduled = true;
        nextTick(resumeNow, this, state);
      }
    }
    state[kPaused] = false;
    return this;
  };
  function resumeNow(stream, state) {
    if (!state.reading) stream.read(0);
    state.resumeScheduled = false;
    stream.emit("resume");
    flow(stream);
    if (state.flowing && !state.reading) stream.read(0);
  }
  R.pause = function pause() {
    const state = this._readableState;
    if (state.flowing !== false) {
      state.flowing = false;
      this.emit("pause");
    }
    state[kPaused] = true;
    return this;
  };
  function flow(stream) {
    const state = stream._readableState;
    while (state.flowing && stream.read() !== null);
  }
  R.wrap = function wrap(stream) {
    let paused = false;
    stream.on("data", (chunk) => {
      if (!this.push(chunk) && stream.pause) { paused = true; stream.pause(); }
    });
    stream.on("end", () => this.push(null));
    stream.on("error", (err) => errorOrDestroy(this, err));
    stream.on("close", () => this.destroy());
    stream.on("destroy", () => this.destroy());
    this._read = () => {
      if (paused && stream.resume) { paused = false; stream.resume(); }
    };
    for (const k of Object.keys(stream)) {
      if (this[k] === undefined && typeof stream[k] === "function") this[k] = stream[k].bind(stream);
    }
    return this;
  };
  R[Symbol.asyncIterator] = function () { return streamToAsyncIterator(this); };
  R.iterator = function iterator(options) { return streamToAsyncIterator(this, options); };
  async function* streamToAsyncIterator(stream, options) {
    let wake = nop;
    function next(resolve) {
      if (this === stream) { wake(); wake = nop; } else { wake = resolve; }
    }
    stream.on("readable", next);
    let error;
    const cleanup = finished(stream, { writable: false }, (err) => {
      error = err ? aggregateTwoErrors(error, err) : null;
      wake();
      wake = nop;
    });
    try {
      for (;;) {
        const chunk = stream.destroyed ? null : stream.read();
        if (chunk !== null) yield chunk;
        else if (error) throw error;
        else if (error === null) return;
        else await new Promise(next);
      }
    } catch (err) {
      error = aggregateTwoErrors(error, err);
      throw error;
    } finally {
      if ((error || !options || options.destroyOnReturn !== false) &&
          (error === undefined || stream._readableState.autoDestroy)) {
        destroyer(stream, null);
      } else {
        stream.off("readable", next);
        cleanup();
      }
    }
  }
  function aggregateTwoErrors(inner, outer) {
    if (inner && outer && inner !== outer) {
      if (Array.isArray(outer.errors)) { outer.errors.push(inner); return outer; }
      const e = new AggregateError([outer, inner], outer.message);
      e.code = outer.code;
      return e;
    }
    return inner || outer;
  }
  function defineGetters(target, getters) {
    for (const k of Object.keys(getters)) {
      const d = getters[k];
      Object.defineProperty(target, k, typeof d === "function" ? { get: d, enumerable: false, configurable: true }
        : Object.assign({ enumerable: false, configurable: true }, d));
    }
  }
  defineGetters(R, {
    readable: {
      get() {
        const r = this._readableState;
        return !!r && r.readable !== false && !r.destroyed && !r.errorEmitted && !r.endEmitted;
      },
      set(v) { if (this._readableState) this._readableState.readable = !!v; },
    },
    readableDidRead() { return this._readableState.dataEmitted; },
    readableAborted() {
      const r = this._readableState;
      return !!(r.readable !== false && (r.destroyed || r.errored) && !r.endEmitted);
    },
    readableHighWaterMark() { return this._readableState.highWaterMark; },
    readableBuffer() { return this._readableState && this._readableState.buffer; },
    readableFlowing: {
      get() { return this._readableState.flowing; },
      set(v) { if (this._readableState) this._readableState.flowing = v; },
    },
    readableLength() { return this._readableState.length; },
    readableObjectMode() { return this._readableState ? this._readableState.objectMode : false; },
    readableEncoding() { return this._readableState ? this._readableState.encoding : null; },
    errored() { return this._readableState ? this._readableState.errored : null; },
    closed() { return this._readableState ? this._readableState.closed : false; },
    destroyed: {
      get() { return this._readableState ? this._readableState.destroyed : false; },
      set(v) { if (this._readableState) this._readableState.destroyed = v; },
    },
    readableEnded() { return this._readableState ? this._readableState.endEmitted : false; },
  });
  // Iterator helpers (experimental in Node 20, but commonly used: toArray, forEach, map, filter, reduce).
  R.toArray = async function toArray(options) {
    const out = [];
    for await (const c of this.iterator ? this.iterator(options) : this) out.push(c);
    return out;
  };
  R.forEach = async function forEach(fn) {
    for await (const c of this) await fn(c);
  };
  R.reduce = async function reduce(fn, initial) {
    let acc = initial;
    let first = arguments.length < 2;
    for await (const c of this) {
      if (first) { acc = c; first = false; } else acc = await fn(acc, c);
    }
    return acc;
  };
  R.some = async function some(fn) { for await (const c of this) if (await fn(c)) { this.destroy(); return true; } return false; };
  R.every = async function every(fn) { for await (const c of this) if (!(await fn(c))) { this.destroy(); return false; } return true; };
  R.find = async function find(fn) { for await (const c of this) if (await fn(c)) { this.destroy(); return c; } return undefined; };
  R.map = function map(fn) {
    const src = this;
    return Readable.from((async function* () { for await (const c of src) yield await fn(c); })());
  };
  R.filter = function filter(fn) {
    const src = this;
    return Readable.from((async function* () { for await (const c of src) if (await fn(c)) yield c; })());
  };
  R.take = function take(n) {
    const src = this;
    return Readable.from((async function* () { if (n <= 0) return; let i = 0; for await (const c of src) { yield c; if (++i >= n) return; } })());
  };
  R.drop = function drop(n) {
    const src = this;
    return Readable.from((async function* () { let i = 0; for await (const c of src) if (i++ >= n) yield c; })());
  };
  R.flatMap = function flatMap(fn) {
    const src = this;
    return Readable.from((async function* () { for await (const c of src) yield* await fn(c); })());
  };

  Readable.from = function from(iterable, opts) {
    if (typeof iterable === "string" || iterable instanceof Buffer) {
      return new Readable(Object.assign({ objectMode: true }, opts, {
        read() { this.push(iterable); this.push(null); },
      }));
    }
    let iterator, isAsync;
    if (iterable && typeof iterable[Symbol.asyncIterator] === "function") {
      isAsync = true;
      iterator = iterable[Symbol.asyncIterator]();
    } else if (iterable && typeof iterable[Symbol.iterator] === "function") {
      isAsync = false;
      iterator = iterable[Symbol.iterator]();
    } else {
      throw invalidArgType("iterable", "an instance of Iterable", iterable);
    }
    const readable = new Readable(Object.assign({ objectMode: true, highWaterMark: 1 }, opts));
    let reading = false;
    readable._read = function () {
      if (!reading) { reading = true; next(); }
    };
    readable._destroy = function (error, cb) {
      close(error).then(() => nextTick(cb, error), (e) => nextTick(cb, e || error));
    };
    async function close(error) {
      const hadError = error !== undefined && error !== null;
      if (hadError && typeof iterator.throw === "function") {
        const { value, done } = await iterator.throw(error);
        await value;
        if (done) return;
      }
      if (typeof iterator.return === "function") {
        const { value } = await iterator.return();
        await value;
      }
    }
    async function next() {
      for (;;) {
        try {
          const { value, done } = isAsync ? await iterator.next() : iterator.next();
          if (done) {
            readable.push(null);
          } else {
            const res = value && typeof value.then === "function" ? await value : value;
            if (res === null) {
              reading = false;
              throw E.nullValues();
            } else if (readable.push(res)) {
              continue;
            } else {
              reading = false;
            }
          }
        } catch (err) {
          readable.destroy(err);
        }
        break;
      }
    }
    return readable;
  };
  Readable.wrap = function wrap(src, options) {
    return new Readable(Object.assign({ objectMode: src.readableObjectMode !== undefined ? src.readableObjectMode : src.objectMode !== undefined ? src.objectMode : true }, options, {
      destroy(err, cb) { destroyer(src, err); cb(err); },
    })).wrap(src);
  };

  // -- Writable ------------------------------------------------------------------------------------
  function WritableState(options, stream, isDuplex) {
    options = options || {};
    if (typeof isDuplex !== "boolean") isDuplex = stream instanceof Duplex;
    this.objectMode = !!(options.objectMode || (isDuplex && options.writableObjectMode));
    this.highWaterMark = getHighWaterMark(options, "writableHighWaterMark", isDuplex, this.objectMode);
    this.finalCalled = false;
    this.needDrain = false;
    this.ending = false;
    this.ended = false;
    this.finished = false;
    this.destroyed = false;
    this.decodeStrings = options.decodeStrings !== false;
    this.defaultEncoding = options.defaultEncoding || "utf8";
    this.length = 0;
    this.writing = false;
    this.corked = 0;
    this.sync = true;
    this.bufferProcessing = false;
    this.onwrite = (er) => onwrite(stream, er);
    this.writecb = null;
    this.writelen = 0;
    this.afterWriteTickInfo = null;
    this.buffered = [];
    this.bufferedIndex = 0;
    this.allBuffers = true;
    this.allNoop = true;
    this.pendingcb = 0;
    this.constructed = true;
    this.prefinished = false;
    this.errorEmitted = false;
    this.emitClose = options.emitClose !== false;
    this.autoDestroy = options.autoDestroy !== false;
    this.errored = null;
    this.closed = false;
    this.closeEmitted = false;
    this[kOnFinished] = [];
  }
  WritableState.prototype.getBuffer = function () { return this.buffered.slice(this.bufferedIndex); };
  Object.defineProperty(WritableState.prototype, "bufferedRequestCount", {
    get() { return this.buffered.length - this.bufferedIndex; },
  });

  const hasInstance = Function.prototype[Symbol.hasInstance];
  function Writable(options) {
    const isDuplex = this instanceof Duplex;
    if (!isDuplex && !hasInstance.call(Writable, this)) return new Writable(options);
    this._writableState = new WritableState(options, this, isDuplex);
    if (options) {
      if (typeof options.write === "function") this._write = options.write;
      if (typeof options.writev === "function") this._writev = options.writev;
      if (typeof options.destroy === "function") this._destroy = options.destroy;
      if (typeof options.final === "function") this._final = options.final;
      if (typeof options.construct === "function") this._construct = options.construct;
      if (options.signal) addAbortSignal(options.signal, this);
    }
    Stream.call(this, options);
    construct(this, () => {
      const state = this._writableState;
      if (!state.writing) clearBuffer(this, state);
      finishMaybe(this, state);
    });
  }
  inherits(Writable, Stream);
  Writable.WritableState = WritableState;
  // A Duplex inherits from Readable only, yet `duplex instanceof Writable` holds in Node.
  Object.defineProperty(Writable, Symbol.hasInstance, {
    value(object) {
      if (hasInstance.call(this, object)) return true;
      if (this !== Writable) return false;
      return !!(object && object._writableState instanceof WritableState);
    },
  });
  const W = Writable.prototype;
  W.pipe = function () { errorOrDestroy(this, nodeError(Error, "ERR_STREAM_CANNOT_PIPE", "Cannot pipe, not readable")); };
  function writeImpl(stream, chunk, encoding, cb) {
    const state = stream._writableState;
    // Object-mode chunks carry no encoding unless one is given (Node passes null).
    const fallback = state.objectMode ? null : state.defaultEncoding;
    if (typeof encoding === "function") {
      cb = encoding;
      encoding = fallback;
    } else {
      if (!encoding) encoding = fallback;
      else if (encoding !== "buffer" && !Buffer.isEncoding(encoding) && !ENCODINGS[String(encoding).toLowerCase()]) {
        throw E.unknownEncoding(encoding);
      }
      if (typeof cb !== "function") cb = nop;
    }
    if (chunk === null) {
      throw E.nullValues();
    } else if (!state.objectMode) {
      if (typeof chunk === "string") {
        if (state.decodeStrings !== false) {
          chunk = Buffer.from(chunk, encoding);
          encoding = "buffer";
        }
      } else if (chunk instanceof Buffer) {
        encoding = "buffer";
      } else if (ArrayBuffer.isView(chunk)) {
        chunk = toBuffer(chunk);
        encoding = "buffer";
      } else {
        throw invalidArgType("chunk", "of type string or an instance of Buffer, TypedArray, or DataView", chunk);
      }
    }
    let err;
    if (state.ending) err = E.writeAfterEnd();
    else if (state.destroyed) err = E.destroyed("write");
    if (err) {
      nextTick(cb, err);
      errorOrDestroy(stream, err, true);
      return err;
    }
    state.pendingcb++;
    return writeOrBuffer(stream, state, chunk, encoding, cb);
  }
  W.write = function write(chunk, encoding, cb) { return writeImpl(this, chunk, encoding, cb) === true; };
  W.cork = function cork() { this._writableState.corked++; };
  W.uncork = function uncork() {
    const state = this._writableState;
    if (state.corked) {
      state.corked--;
      if (!state.writing) clearBuffer(this, state);
    }
  };
  W.setDefaultEncoding = function setDefaultEncoding(encoding) {
    if (typeof encoding === "string") encoding = encoding.toLowerCase();
    if (!Buffer.isEncoding(encoding) && !ENCODINGS[encoding]) throw E.unknownEncoding(encoding);
    this._writableState.defaultEncoding = encoding;
    return this;
  };
  function writeOrBuffer(stream, state, chunk, encoding, callback) {
    const len = state.objectMode ? 1 : chunk.length;
    state.length += len;
    const ret = state.length < state.highWaterMark;
    if (!ret) state.needDrain = true;
    if (state.writing || state.corked || state.errored || !state.constructed) {
      state.buffered.push({ chunk, encoding, callback });
      if (state.allBuffers && encoding !== "buffer") state.allBuffers = false;
      if (state.allNoop && callback !== nop) state.allNoop = false;
    } else {
      state.writelen = len;
      state.writecb = callback;
      state.writing = true;
      state.sync = true;
      stream._write(chunk, encoding, state.onwrite);
      state.sync = false;
    }
    return ret && !state.errored && !state.destroyed;
  }
  function doWrite(stream, state, writev, len, chunk, encoding, cb) {
    state.writelen = len;
    state.writecb = cb;
    state.writing = true;
    state.sync = true;
    if (state.destroyed) state.onwrite(E.destroyed("write"));
    else if (writev) stream._writev(chunk, state.onwrite);
    else stream._write(chunk, encoding, state.onwrite);
    state.sync = false;
  }
  function onwriteError(stream, state, er, cb) {
    --state.pendingcb;
    cb(er);
    errorBuffer(state);
    errorOrDestroy(stream, er);
  }
  function onwrite(stream, er) {
    const state = stream._writableState;
    const sync = state.sync;
    const cb = state.writecb;
    if (typeof cb !== "function") {
      errorOrDestroy(stream, E.multipleCallback());
      return;
    }
    state.writing = false;
    state.writecb = null;
    state.length -= state.writelen;
    state.writelen = 0;
    if (er) {
      if (!state.errored) state.errored = er;
      if (stream._readableState && !stream._readableState.errored) stream._readableState.errored = er;
      if (sync) nextTick(onwriteError, stream, state, er, cb);
      else onwriteError(stream, state, er, cb);
    } else {
      if (state.buffered.length > state.bufferedIndex) clearBuffer(stream, state);
      if (sync) {
        if (state.afterWriteTickInfo !== null && state.afterWriteTickInfo.cb === cb) {
          state.afterWriteTickInfo.count++;
        } else {
          state.afterWriteTickInfo = { count: 1, cb, stream, state };
          nextTick(afterWriteTick, state.afterWriteTickInfo);
        }
      } else {
        afterWrite(stream, state, 1, cb);
      }
    }
  }
  function afterWriteTick({ stream, state, count, cb }) {
    state.afterWriteTickInfo = null;
    afterWrite(stream, state, count, cb);
  }
  function afterWrite(stream, state, count, cb) {
    const needDrain = !state.ending && !stream.destroyed && state.length === 0 && state.needDrain;
    if (needDrain) {
      state.needDrain = false;
      stream.emit("drain");
    }
    while (count-- > 0) {
      state.pendingcb--;
      cb();
    }
    if (state.destroyed) errorBuffer(state);
    finishMaybe(stream, state);
  }
  function errorBuffer(state) {
    if (state.writing) return;
    for (let n = state.bufferedIndex; n < state.buffered.length; ++n) {
      const { chunk, callback } = state.buffered[n];
      state.length -= state.objectMode ? 1 : chunk.length;
      callback(state.errored || E.destroyed("write"));
    }
    for (const cb of state[kOnFinished].splice(0)) cb(state.errored || E.destroyed("end"));
    resetBuffer(state);
  }
  function resetBuffer(state) {
    state.buffered = [];
    state.bufferedIndex = 0;
    state.allBuffers = true;
    state.allNoop = true;
  }
  function clearBuffer(stream, state) {
    if (state.corked || state.bufferProcessing || state.destroyed || !state.constructed) return;
    const { buffered, bufferedIndex, objectMode } = state;
    const bufferedLength = buffered.length - bufferedIndex;
    if (!bufferedLength) return;
    let i = bufferedIndex;
    state.bufferProcessing = true;
    if (bufferedLength > 1 && stream._writev) {
      state.pendingcb -= bufferedLength - 1;
      const callback = state.allNoop ? nop : (err) => {
        for (let n = i; n < buffered.length; ++n) buffered[n].callback(err);
      };
      const chunks = state.allNoop && i === 0 ? buffered : buffered.slice(i);
      chunks.allBuffers = state.allBuffers;
      doWrite(stream, state, true, state.length, chunks, "", callback);
      resetBuffer(state);
    } else {
      do {
        const { chunk, encoding, callback } = buffered[i];
        buffered[i++] = null;
        const len = objectMode ? 1 : chunk.length;
        doWrite(stream, state, false, len, chunk, encoding, callback);
      } while (i < buffered.length && !state.writing);
      if (i === buffered.length) resetBuffer(state);
      else if (i > 256) { buffered.splice(0, i); state.bufferedIndex = 0; }
      else state.bufferedIndex = i;
    }
    state.bufferProcessing = false;
  }
  W._write = function (chunk, encoding, cb) {
    if (this._writev) this._writev([{ chunk, encoding }], cb);
    else throw E.methodNotImplemented("_write()");
  };
  W._writev = null;
  W.end = function end(chunk, encoding, cb) {
    const state = this._writableState;
    if (typeof chunk === "function") { cb = chunk; chunk = null; encoding = null; }
    else if (typeof encoding === "function") { cb = encoding; encoding = null; }
    let err;
    if (chunk !== null && chunk !== undefined) {
      const ret = writeImpl(this, chunk, encoding);
      if (ret instanceof Error) err = ret;
    }
    if (state.corked) {
      state.corked = 1;
      this.uncork();
    }
    if (err) {
      // already reported by write
    } else if (!state.errored && !state.ending) {
      state.ending = true;
      finishMaybe(this, state, true);
      state.ended = true;
    } else if (state.finished) {
      err = E.alreadyFinished("end");
    } else if (state.destroyed) {
      err = E.destroyed("end");
    }
    if (typeof cb === "function") {
      if (err || state.finished) nextTick(cb, err);
      else state[kOnFinished].push(cb);
    }
    return this;
  };
  function needFinish(state) {
    return state.ending && !state.destroyed && state.constructed && state.length === 0 && !state.errored &&
      state.buffered.length === 0 && !state.finished && !state.writing && !state.errorEmitted && !state.closeEmitted;
  }
  function callFinal(stream, state) {
    let called = false;
    function onFinish(err) {
      if (called) {
        errorOrDestroy(stream, err || E.multipleCallback());
        return;
      }
      called = true;
      state.pendingcb--;
      if (err) {
        for (const cb of state[kOnFinished].splice(0)) cb(err);
        errorOrDestroy(stream, err, state.sync);
      } else if (needFinish(state)) {
        state.prefinished = true;
        stream.emit("prefinish");
        state.pendingcb++;
        nextTick(finish, stream, state);
      }
    }
    state.sync = true;
    state.pendingcb++;
    try {
      stream._final(onFinish);
    } catch (err) {
      onFinish(err);
    }
    state.sync = false;
  }
  function prefinish(stream, state) {
    if (!state.prefinished && !state.finalCalled) {
      if (typeof stream._final === "function" && !state.destroyed) {
        state.finalCalled = true;
        callFinal(stream, state);
      } else {
        state.prefinished = true;
        stream.emit("prefinish");
      }
    }
  }
  function finishMaybe(stream, state, sync) {
    if (needFinish(state)) {
      prefinish(stream, state);
      if (state.pendingcb === 0) {
        if (sync) {
          state.pendingcb++;
          nextTick((s, st) => {
            if (needFinish(st)) finish(s, st);
            else st.pendingcb--;
          }, stream, state);
        } else if (needFinish(state)) {
          state.pendingcb++;
          finish(stream, state);
        }
      }
    }
  }
  function finish(stream, state) {
    state.pendingcb--;
    state.finished = true;
    for (const cb of state[kOnFinished].splice(0)) cb();
    stream.emit("finish");
    if (state.autoDestroy) {
      const r = stream._readableState;
      const auto = !r || (r.autoDestroy && (r.endEmitted || r.readable === false));
      if (auto) stream.destroy();
    }
  }
  defineGetters(W, {
    closed() { return this._writableState ? this._writableState.closed : false; },
    destroyed: {
      get() { return this._writableState ? this._writableState.destroyed : false; },
      set(v) { if (this._writableState) this._writableState.destroyed = v; },
    },
    writable: {
      get() {
        const w = this._writableState;
        return !!w && w.writable !== false && !w.destroyed && !w.errored && !w.ending && !w.ended;
      },
      set(v) { if (this._writableState) this._writableState.writable = !!v; },
    },
    writableFinished() { return this._writableState ? this._writableState.finished : false; },
    writableObjectMode() { return this._writableState ? this._writableState.objectMode : false; },
    writableBuffer() { return this._writableState && this._writableState.getBuffer(); },
    writableEnded() { return this._writableState ? this._writableState.ending : false; },
    writableNeedDrain() {
      const w = this._writableState;
      return w ? !w.destroyed && !w.ending && w.needDrain : false;
    },
    writableHighWaterMark() { return this._writableState && this._writableState.highWaterMark; },
    writableCorked() { return this._writableState ? this._writableState.corked : 0; },
    writableLength() { return this._writableState && this._writableState.length; },
    errored() { return this._writableState ? this._writableState.errored : null; },
    writableAborted() {
      const w = this._writableState;
      return !!(w.writable !== false && (w.destroyed || w.errored) && !w.finished);
    },
  });
  W.destroy = function (err, cb) {
    const state = this._writableState;
    if (!state.destroyed && (state.bufferedIndex < state.buffered.length || state[kOnFinished].length)) {
      nextTick(errorBuffer, state);
    }
    destroy.call(this, err, cb);
    return this;
  };
  W._undestroy = undestroy;
  W._destroy = function (err, cb) { cb(err); };
  W[captureRejectionSymbol] = function (err) { this.destroy(err); };

  // -- Duplex, Transform, PassThrough -----------------------------------------------------------------
  function Duplex(options) {
    if (!(this instanceof Duplex)) return new Duplex(options);
    this._readableState = new ReadableState(options, this, true);
    this._writableState = new WritableState(options, this, true);
    if (options) {
      this.allowHalfOpen = options.allowHalfOpen !== false;
      if (options.readable === false) {
        this._readableState.readable = false;
        this._readableState.ended = true;
        this._readableState.endEmitted = true;
      }
      if (options.writable === false) {
        this._writableState.writable = false;
        this._writableState.ending = true;
        this._writableState.ended = true;
        this._writableState.finished = true;
      }
      for (const k of ["read", "write", "writev", "destroy", "final", "construct"]) {
        if (typeof options[k] === "function") this["_" + k] = options[k];
      }
      if (options.signal) addAbortSignal(options.signal, this);
    } else {
      this.allowHalfOpen = true;
    }
    Stream.call(this, options);
    construct(this, () => {
      if (this._readableState.needReadable) maybeReadMore(this, this._readableState);
      const w = this._writableState;
      if (!w.writing) clearBuffer(this, w);
      finishMaybe(this, w);
    });
  }
  inherits(Duplex, Readable);
  for (const k of Object.getOwnPropertyNames(W)) {
    if (k === "constructor" || k === "destroy" || k === "_destroy" || k === "_undestroy" || k === "pipe" ||
        k === "closed" || k === "errored" || Object.prototype.hasOwnProperty.call(Duplex.prototype, k)) continue;
    Object.defineProperty(Duplex.prototype, k, Object.getOwnPropertyDescriptor(W, k));
  }
  defineGetters(Duplex.prototype, {
    destroyed: {
      get() {
        if (this._readableState === undefined || this._writableState === undefined) return false;
        return this._readableState.destroyed && this._writableState.destroyed;
      },
      set(v) {
        if (this._readableState && this._writableState) {
          this._readableState.destroyed = v;
          this._writableState.destroyed = v;
        }
      },
    },
  });
  Duplex.prototype.destroy = W.destroy;
  Duplex.from = function from(body) {
    if (body instanceof Duplex) return body;
    if (isReadableNodeStream(body) && !isWritableNodeStream(body)) return body instanceof Readable ? duplexFromParts(body, null) : body;
    if (body && typeof body === "object" && (body.readable || body.writable)) return duplexFromParts(body.readable || null, body.writable || null);
    if (body && (typeof body[Symbol.asyncIterator] === "function" || typeof body[Symbol.iterator] === "function" || typeof body === "string")) {
      return duplexFromParts(Readable.from(body), null);
    }
    throw invalidArgType("body", "of type Stream, Iterable, AsyncIterable, Function or Object", body);
  };
  function duplexFromParts(r, w) {
    const d = new Duplex({ objectMode: true, writable: !!w, readable: !!r,
      write(chunk, enc, cb) { if (w.write(chunk, enc)) cb(); else w.once("drain", cb); },
      final(cb) { w.end(); finished(w, cb); },
      read() { if (r) r.resume(); },
      destroy(err, cb) { if (r) destroyer(r, err); if (w) destroyer(w, err); cb(err); },
    });
    if (r) {
      r.on("data", (c) => { if (!d.push(c)) r.pause(); });
      r.on("end", () => d.push(null));
      r.on("error", (e) => d.destroy(e));
    }
    return d;
  }

  function Transform(options) {
    if (!(this instanceof Transform)) return new Transform(options);
    Duplex.call(this, options);
    this._readableState.sync = false;
    this[kCallback] = null;
    if (options) {
      if (typeof options.transform === "function") this._transform = options.transform;
      if (typeof options.flush === "function") this._flush = options.flush;
    }
    this.on("prefinish", transformPrefinish);
  }
  inherits(Transform, Duplex);
  function transformFinal(cb) {
    if (typeof this._flush === "function" && !this.destroyed) {
      this._flush((er, data) => {
        if (er) {
          if (cb) cb(er);
          else this.destroy(er);
          return;
        }
        if (data != null) this.push(data);
        this.push(null);
        if (cb) cb();
      });
    } else {
      this.push(null);
      if (cb) cb();
    }
  }
  function transformPrefinish() {
    if (this._final !== transformFinal) transformFinal.call(this);
  }
  Transform.prototype._final = transformFinal;
  Transform.prototype._transform = function () { throw E.methodNotImplemented("_transform()"); };
  Transform.prototype._write = function (chunk, encoding, callback) {
    const rState = this._readableState;
    const wState = this._writableState;
    const length = rState.length;
    this._transform(chunk, encoding, (err, val) => {
      if (err) { callback(err); return; }
      if (val != null) this.push(val);
      // Hold the write callback while the readable side is full: that is the back-pressure.
      if (wState.ended || length === rState.length || rState.length < rState.highWaterMark) callback();
      else this[kCallback] = callback;
    });
  };
  Transform.prototype._read = function () {
    if (this[kCallback]) {
      const cb = this[kCallback];
      this[kCallback] = null;
      cb();
    }
  };

  function PassThrough(options) {
    if (!(this instanceof PassThrough)) return new PassThrough(options);
    Transform.call(this, options);
  }
  inherits(PassThrough, Transform);
  PassThrough.prototype._transform = function (chunk, encoding, cb) { cb(null, chunk); };

  // -- finished / pipeline / utilities -------------------------------------------------------------
  const isNodeStream = (o) => !!o && (o._readableState || o._writableState ||
    (typeof o.write === "function" && typeof o.on === "function") || (typeof o.pipe === "function" && typeof o.on === "function"));
  function isReadableNodeStream(o, strict) {
    return !!(o && typeof o.pipe === "function" && typeof o.on === "function" &&
      (!strict || (typeof o.pause === "function" && typeof o.resume === "function")) &&
      (!o._writableState || (o._readableState && o._readableState.readable !== false)) &&
      (!o._writableState || o._readableState));
  }
  function isWritableNodeStream(o) {
    return !!(o && typeof o.write === "function" && typeof o.on === "function" &&
      (!o._readableState || (o._writableState && o._writableState.writable !== false)));
  }
  const isIterable = (o, isAsync) => o != null && (isAsync === true ? typeof o[Symbol.asyncIterator] === "function"
    : isAsync === false ? typeof o[Symbol.iterator] === "function"
      : typeof o[Symbol.asyncIterator] === "function" || typeof o[Symbol.iterator] === "function");
  function isDestroyed(s) {
    if (!isNodeStream(s)) return null;
    const w = s._writableState, r = s._readableState;
    const st = w || r;
    return !!(s.destroyed || (st && st.destroyed));
  }
  function isWritableEnded(s) {
    if (s.writableEnded === true) return true;
    const w = s._writableState;
    if (!w || w.errored) return false;
    if (typeof w.ended !== "boolean") return null;
    return w.ended;
  }
  function isWritableFinished(s, strict) {
    const w = s._writableState;
    if (!w || w.errored) return false;
    if (typeof w.finished !== "boolean") return null;
    return !!(w.finished || (strict === false && w.ended === true && w.length === 0));
  }
  function isReadableFinished(s, strict) {
    const r = s._readableState;
    if (!r || r.errored) return false;
    return !!(r.endEmitted || (strict === false && r.ended === true && r.length === 0));
  }
  function isReadable(s) {
    if (typeof (s && s.readable) !== "boolean") return null;
    if (isDestroyed(s)) return false;
    return isReadableNodeStream(s) && s.readable && !isReadableFinished(s);
  }
  function isWritable(s) {
    if (typeof (s && s.writable) !== "boolean") return null;
    if (isDestroyed(s)) return false;
    return isWritableNodeStream(s) && s.writable && !isWritableEnded(s);
  }
  function isErrored(s) {
    return !!(s && (s.readableErrored || s.writableErrored ||
      (s._writableState && s._writableState.errored) || (s._readableState && s._readableState.errored)));
  }
  function isDisturbed(s) {
    return !!(s && (s.readableDidRead || s.readableAborted || (s._readableState && s._readableState.dataEmitted)));
  }
  function willEmitClose(s) {
    if (!isNodeStream(s)) return null;
    const st = s._writableState || s._readableState;
    return !!(st && st.autoDestroy && st.emitClose && st.closed === false);
  }
  function isClosed(s) {
    const w = s._writableState, r = s._readableState;
    if (typeof (w && w.closed) === "boolean" || typeof (r && r.closed) === "boolean") {
      return (w && w.closed) || (r && r.closed);
    }
    return typeof s.closed === "boolean" ? s.closed : null;
  }

  function finished(stream, options, callback) {
    if (arguments.length === 2) { callback = options; options = {}; }
    else if (options == null) options = {};
    if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
    let called = false;
    const cb = (...a) => { if (!called) { called = true; callback.apply(stream, a); } };
    const readable = options.readable !== undefined ? options.readable : isReadableNodeStream(stream);
    const writable = options.writable !== undefined ? options.writable : isWritableNodeStream(stream);
    const wState = stream._writableState;
    const rState = stream._readableState;
    const onlegacyfinish = () => { if (!stream.writable) onfinish(); };
    let emitsClose = willEmitClose(stream) && isReadableNodeStream(stream) === readable &&
      isWritableNodeStream(stream) === writable;
    let writableFinished = isWritableFinished(stream, false);
    const onfinish = () => {
      writableFinished = true;
      if (stream.destroyed) emitsClose = false;
      if (emitsClose && (!stream.readable || readable)) return;
      if (!readable || readableFinished) cb();
    };
    let readableFinished = isReadableFinished(stream, false);
    const onend = () => {
      readableFinished = true;
      if (stream.destroyed) emitsClose = false;
      if (emitsClose && (!stream.writable || writable)) return;
      if (!writable || writableFinished) cb();
    };
    const onerror = (err) => cb(err);
    const onclose = () => {
      const errored = (wState && wState.errored) || (rState && rState.errored);
      if (errored && typeof errored !== "boolean") return cb(errored);
      if (readable && !readableFinished && isReadableNodeStream(stream, true)) {
        if (!isReadableFinished(stream, false)) return cb(E.prematureClose());
      }
      if (writable && !writableFinished) {
        if (!isWritableFinished(stream, false)) return cb(E.prematureClose());
      }
      cb();
    };
    const onclosed = () => {
      const errored = (wState && wState.errored) || (rState && rState.errored);
      if (errored && typeof errored !== "boolean") return cb(errored);
      cb();
    };
    const onrequest = () => { stream.req.on("finish", onfinish); };
    const isRequest = stream && typeof stream.setHeader === "function" && typeof stream.abort === "function";
    if (isRequest) {
      stream.on("complete", onfinish);
      if (!emitsClose) stream.on("abort", onclose);
      if (stream.req) onrequest();
      else stream.on("request", onrequest);
    } else if (writable && !wState) {
      stream.on("end", onlegacyfinish);
      stream.on("close", onlegacyfinish);
    }
    if (!emitsClose && typeof stream.aborted === "boolean") stream.on("aborted", onclose);
    stream.on("end", onend);
    stream.on("finish", onfinish);
    if (options.error !== false) stream.on("error", onerror);
    stream.on("close", onclose);
    if (isClosed(stream)) {
      nextTick(onclose);
    } else if ((wState && wState.errorEmitted) || (rState && rState.errorEmitted)) {
      if (!emitsClose) nextTick(onclosed);
    } else if (!readable && (!emitsClose || isReadable(stream)) && (writableFinished || isWritable(stream) === false)) {
      nextTick(onclosed);
    } else if (!writable && (!emitsClose || isWritable(stream)) && (readableFinished || isReadable(stream) === false)) {
      nextTick(onclosed);
    } else if (rState && stream.req && stream.aborted) {
      nextTick(onclosed);
    }
    const cleanup = () => {
      callback = nop;
      stream.removeListener("aborted", onclose);
      stream.removeListener("complete", onfinish);
      stream.removeListener("abort", onclose);
      stream.removeListener("request", onrequest);
      if (stream.req) stream.req.removeListener("finish", onfinish);
      stream.removeListener("end", onlegacyfinish);
      stream.removeListener("close", onlegacyfinish);
      stream.removeListener("finish", onfinish);
      stream.removeListener("end", onend);
      stream.removeListener("error", onerror);
      stream.removeListener("close", onclose);
    };
    if (options.signal && !called) {
      const abort = () => {
        const endCb = cb;
        cleanup();
        endCb.call(stream, abortError(options.signal.reason));
      };
      if (options.signal.aborted) nextTick(abort);
      else {
        const off = abortListen(options.signal, abort);
        const orig = callback;
        callback = function (...a) { off(); orig.apply(this, a); };
      }
    }
    return cleanup;
  }
  function finishedPromise(stream, opts) {
    return new Promise((resolve, reject) => {
      finished(stream, opts, (err) => (err ? reject(err) : resolve()));
    });
  }

  function destroyer(stream, err) {
    if (!stream || isDestroyed(stream)) return;
    if (!err && !isFinishedStream(stream)) err = abortError();
    if (typeof stream.setHeader === "function" && typeof stream.abort === "function") stream.abort();
    else if (stream.req && typeof stream.req.abort === "function") stream.req.abort();
    else if (typeof stream.destroy === "function") stream.destroy(err);
    else if (typeof stream.close === "function") stream.close();
    else if (err) nextTick((s, e) => s.emit("error", e), stream, err);
    else nextTick((s) => s.emit("close"), stream);
    if (!stream.destroyed) stream[kIsDestroyedByPipeline] = true;
  }
  function isFinishedStream(s) {
    if (!isNodeStream(s)) return null;
    if (isDestroyed(s)) return true;
    if (isReadableNodeStream(s) && s._readableState && !isReadableFinished(s)) return false;
    if (isWritableNodeStream(s) && s._writableState && !isWritableFinished(s)) return false;
    return true;
  }
  function pipelineDestroyer(stream, reading, writing) {
    let finishedFlag = false;
    stream.on("close", () => { finishedFlag = true; });
    const cleanup = finished(stream, { readable: reading, writable: writing }, (err) => { finishedFlag = !err; });
    return {
      destroy: (err) => {
        if (finishedFlag) return;
        finishedFlag = true;
        destroyer(stream, err || E.destroyed("pipe"));
      },
      cleanup,
    };
  }
  function popCallback(streams) {
    const cb = streams[streams.length - 1];
    if (typeof cb !== "function") throw invalidArgType("streams[stream.length - 1]", "of type function", cb, "property");
    return streams.pop();
  }
  function makeAsyncIterable(val) {
    if (isIterable(val)) return val;
    if (isReadableNodeStream(val)) return fromReadable(val);
    throw invalidArgType("val", "an instance of Readable, Iterable, or AsyncIterable", val);
  }
  async function* fromReadable(val) {
    yield* Readable.prototype[Symbol.asyncIterator].call(val);
  }
  async function pumpToNode(iterable, writable, finish, opts) {
    let error;
    let onresolve = null;
    const resume = (err) => {
      if (err) error = err;
      if (onresolve) { const cb = onresolve; onresolve = null; cb(); }
    };
    const wait = () => new Promise((resolve, reject) => {
      if (error) reject(error);
      else onresolve = () => { if (error) reject(error); else resolve(); };
    });
    writable.on("drain", resume);
    const cleanup = finished(writable, { readable: false }, resume);
    try {
      if (writable.writableNeedDrain) await wait();
      for await (const chunk of iterable) {
        if (!writable.write(chunk)) await wait();
      }
      if (opts.end) {
        writable.end();
        await wait();
      }
      finish();
    } catch (err) {
      finish(error !== err ? aggregateTwoErrors(error, err) : err);
    } finally {
      cleanup();
      writable.off("drain", resume);
    }
  }
  function pipe(src, dst, finish, opts) {
    let ended = false;
    dst.on("close", () => {
      if (!ended) finish(E.prematureClose());
    });
    src.pipe(dst, { end: false });
    if (opts.end) {
      const endFn = () => { ended = true; dst.end(); };
      if (isReadableFinished(src)) nextTick(endFn);
      else src.once("end", endFn);
      finished(src, { readable: true, writable: false }, (err) => {
        const r = src._readableState;
        if (err && err.code === "ERR_STREAM_PREMATURE_CLOSE" && r && r.ended && !r.errored && !r.errorEmitted) {
          src.once("end", finish).once("error", finish);
        } else {
          finish(err);
        }
      });
    } else {
      finish();
    }
    finished(dst, { readable: false, writable: true }, finish);
    return dst;
  }
  function pipelineImpl(streams, callback, opts) {
    if (streams.length === 1 && Array.isArray(streams[0])) streams = streams[0];
    if (streams.length < 2) throw E.missingArgs("streams");
    const outerSignal = opts && opts.signal;
    const lastStreamCleanup = [];
    let error;
    let value;
    const destroys = [];
    let finishCount = 0;
    const onAbort = () => finishImpl(abortError(outerSignal && outerSignal.reason), true);
    const offAbort = abortListen(outerSignal, onAbort);
    function finish(err) { finishImpl(err, --finishCount === 0); }
    function finishImpl(err, final) {
      if (err && (!error || error.code === "ERR_STREAM_PREMATURE_CLOSE")) error = err;
      if (!error && !final) return;
      while (destroys.length) destroys.shift()(error);
      offAbort();
      if (final) {
        if (!error) for (const fn of lastStreamCleanup) fn();
        nextTick(callback, error, value);
      }
    }
    let ret;
    for (let i = 0; i < streams.length; i++) {
      const stream = streams[i];
      const reading = i < streams.length - 1;
      const writing = i > 0;
      const end = reading || !opts || opts.end !== false;
      const isLastStream = i === streams.length - 1;
      if (isNodeStream(stream)) {
        if (end) {
          const d = pipelineDestroyer(stream, reading, writing);
          destroys.push(d.destroy);
          if (isReadable(stream) && isLastStream) lastStreamCleanup.push(d.cleanup);
        }
        // A stream's errors after the pipeline has settled must not crash the app.
        const onError = (err) => {
          if (err && err.name !== "AbortError" && err.code !== "ERR_STREAM_PREMATURE_CLOSE") finish(err);
        };
        stream.on("error", onError);
        if (isReadable(stream) && isLastStream) lastStreamCleanup.push(() => stream.removeListener("error", onError));
      }
      if (i === 0) {
        if (typeof stream === "function") {
          ret = stream({ signal: undefined });
          if (!isIterable(ret)) throw invalidReturn("Iterable, AsyncIterable or Stream", "source", ret);
        } else if (isIterable(stream) || isReadableNodeStream(stream)) {
          ret = stream;
        } else {
          ret = Duplex.from(stream);
        }
      } else if (typeof stream === "function") {
        ret = makeAsyncIterable(ret);
        ret = stream(ret, { signal: undefined });
        if (reading) {
          if (!isIterable(ret, true)) throw invalidReturn("AsyncIterable", `transform[${i - 1}]`, ret);
        } else {
          // The last function: its promise's value becomes the pipeline's value.
          const pt = new PassThrough({ objectMode: true });
          const then = ret && ret.then;
          if (typeof then === "function") {
            finishCount++;
            then.call(ret, (val) => {
              value = val;
              if (val != null) pt.write(val);
              if (end) pt.end();
              nextTick(finish);
            }, (err) => {
              pt.destroy(err);
              nextTick(finish, err);
            });
          } else if (isIterable(ret, true)) {
            finishCount++;
            pumpToNode(ret, pt, finish, { end });
          } else {
            throw invalidReturn("AsyncIterable or Promise", "destination", ret);
          }
          ret = pt;
          const d = pipelineDestroyer(ret, false, true);
          destroys.push(d.destroy);
          if (isLastStream) lastStreamCleanup.push(d.cleanup);
        }
      } else if (isNodeStream(stream)) {
        if (isReadableNodeStream(ret)) {
          finishCount += 2;
          pipe(ret, stream, finish, { end });
        } else if (isIterable(ret)) {
          finishCount++;
          pumpToNode(ret, stream, finish, { end });
        } else {
          throw invalidArgType("val", "an instance of Readable, Iterable, AsyncIterable", ret);
        }
        ret = stream;
      } else {
        ret = Duplex.from(stream);
      }
    }
    if (outerSignal && outerSignal.aborted) nextTick(onAbort);
    return ret;
  }
  function pipeline(...streams) {
    return pipelineImpl(streams, popCallback(streams));
  }
  function pipelinePromise(...streams) {
    return new Promise((resolve, reject) => {
      let opts;
      const last = streams[streams.length - 1];
      if (last && typeof last === "object" && !isNodeStream(last) && !isIterable(last)) opts = streams.pop();
      pipelineImpl(streams, (err, value) => (err ? reject(err) : resolve(value)), opts);
    });
  }
  function addAbortSignal(signal, stream) {
    if (!signal || typeof signal.aborted !== "boolean") throw invalidArgType("signal", "an instance of AbortSignal", signal);
    const onAbort = () => stream.destroy(abortError(signal.reason));
    if (signal.aborted) onAbort();
    else {
      const off = abortListen(signal, onAbort);
      finished(stream, off);
    }
    return stream;
  }
  function compose(...streams) {
    if (streams.length === 1) return Duplex.from(streams[0]);
    const head = streams[0], tail = streams[streams.length - 1];
    const d = new Duplex({ objectMode: true,
      write(chunk, enc, cb) { if (head.write(chunk, enc)) cb(); else head.once("drain", cb); },
      final(cb) { head.end(); onDone = cb; },
      read() { tail.resume(); },
      destroy(err, cb) { for (const s of streams) destroyer(s, err); cb(err); },
    });
    let onDone = null;
    pipeline(...streams, (err) => {
      if (err) d.destroy(err);
      else if (onDone) onDone();
    });
    tail.on("data", (c) => { if (!d.push(c)) tail.pause(); });
    tail.on("end", () => d.push(null));
    return d;
  }
  function duplexPair(options) {
    const a = new Duplex(Object.assign({}, options, { read() { } }));
    const b = new Duplex(Object.assign({}, options, { read() { } }));
    const side = (self, other) => {
      self._write = (chunk, enc, cb) => { other.push(chunk); cb(); };
      self._final = (cb) => { other.push(null); cb(); };
    };
    side(a, b);
    side(b, a);
    return [a, b];
  }

  const promises = { pipeline: pipelinePromise, finished: finishedPromise };
  Stream.Stream = Stream;
  Object.assign(Stream, {
    isDestroyed, isDisturbed, isErrored, isReadable, isWritable,
    Readable, Writable, Duplex, Transform, PassThrough, duplexPair,
    pipeline, addAbortSignal, finished, destroy: destroyer, compose,
    setDefaultHighWaterMark(objectMode, value) {
      if (!Number.isInteger(value) || value < 0) throw E.outOfRange("value", ">= 0", value);
      if (objectMode) defaultHWMObjects = value; else defaultHWMBytes = value;
    },
    getDefaultHighWaterMark: (objectMode) => (objectMode ? defaultHWMObjects : defaultHWMBytes),
    _isUint8Array: (v) => v instanceof Uint8Array,
    _uint8ArrayToBuffer: (c) => toBuffer(c),
  });
  Object.defineProperty(Stream, "promises", { enumerable: true, configurable: true, get: () => promises });
  Object.defineProperty(pipeline, Symbol.for("nodejs.util.promisify.custom"), { value: pipelinePromise, enumerable: true });
  Object.defineProperty(finished, Symbol.for("nodejs.util.promisify.custom"), { value: finishedPromise, enumerable: true });
  finished.finished = finished;
  Stream.Stream = Stream;

  // -- assert ----------------------------------------------------------------------------------------
  const READABLE_OP = {
    deepStrictEqual: "Expected values to be strictly deep-equal:",
    strictEqual: "Expected values to be strictly equal:",
    strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
    deepEqual: "Expected values to be loosely deep-equal:",
    notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
    notStrictEqual: 'Expected "actual" to be strictly unequal to:',
    notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
    notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
    notIdentical: "Values have same structure but are not reference-equal:",
    notDeepEqualUnequal: "Expected values not to be loosely deep-equal:",
  };
  const isObj = (v) => typeof v === "object" && v !== null;
  // A line diff in the shape Node prints: "+" actual lines, "-" expected lines, long
  // identical runs collapsed to two lines of context on each side.
  function errDiff(actual, expected, operator) {
    const aLines = inspectValue(actual).split("\n");
    const eLines = inspectValue(expected).split("\n");
    let indicator = "";
    const header = READABLE_OP[operator];
    if (operator === "strictEqual" && ((isObj(actual) && isObj(expected)) ||
        (typeof actual === "function" && typeof expected === "function"))) operator = "strictEqualObject";
    if (aLines.length === 1 && eLines.length === 1 && aLines[0] !== eLines[0]) {
      const len = aLines[0].length + eLines[0].length;
      if (len <= 12) {
        if (!isObj(actual) && !isObj(expected) && (actual !== 0 || expected !== 0)) {
          return `${header}\n\n${aLines[0]} !== ${eLines[0]}\n`;
        }
      } else if (operator !== "strictEqualObject" && len < 80) {
        let i = 0;
        while (aLines[0][i] === eLines[0][i]) i++;
        if (i > 2) indicator = `\n  ${" ".repeat(i)}^`;
      }
    }
    let end = "";
    let other = "";
    let n = 0;
    while (aLines.length && eLines.length && aLines[aLines.length - 1] === eLines[eLines.length - 1]) {
      const a = aLines.pop();
      eLines.pop();
      if (n++ < 3) end = `\n  ${a}${end}`;
      else other = a;
    }
    const maxLines = Math.max(aLines.length, eLines.length);
    if (maxLines === 0) {
      return `${READABLE_OP.notIdentical}\n\n${inspectValue(actual)}\n`;
    }
    let skipped = false;
    if (n >= 5) { end = `\n...${end}`; skipped = true; }
    if (other !== "") { end = `\n  ${other}${end}`; other = ""; }
    let res = "";
    let same = [];
    const flushSame = () => {
      if (same.length > 5) {
        res += `\n  ${same[0]}\n  ${same[1]}\n...\n  ${same[same.length - 2]}\n  ${same[same.length - 1]}`;
        skipped = true;
      } else {
        for (const l of same) res += `\n  ${l}`;
      }
      same = [];
    };
    for (let i = 0; i < maxLines; i++) {
      if (i >= aLines.length) {
        flushSame();
        other += `\n- ${eLines[i]}`;
      } else if (i >= eLines.length) {
        flushSame();
        res += `\n+ ${aLines[i]}`;
      } else {
        const e = eLines[i];
        let a = aLines[i];
        let diverging = a !== e && (!a.endsWith(",") || a.slice(0, -1) !== e);
        if (diverging && e.endsWith(",") && e.slice(0, -1) === a) { diverging = false; a += ","; }
        if (diverging) {
          flushSame();
          res += `\n+ ${a}`;
          other += `\n- ${e}`;
        } else {
          res += other;
          other = "";
          same.push(a);
        }
      }
    }
    flushSame();
    return `${header}\n+ actual - expected${skipped ? " ... Lines skipped" : ""}\n${res}${other}${end}${indicator}`;
  }
  function AssertionError(options) {
    if (!isObj(options)) throw invalidArgType("options", "of type object", options);
    const { message, operator, stackStartFn, details } = options;
    let { actual, expected } = options;
    let text;
    if (message != null) {
      text = String(message);
      if (operator === "deepStrictEqual" || operator === "strictEqual") {
        const diff = errDiff(actual, expected, operator);
        text = text + diff.slice(diff.indexOf("\n"));
      }
    } else if (operator === "deepStrictEqual" || operator === "strictEqual") {
      text = errDiff(actual, expected, operator);
    } else if (operator === "notDeepStrictEqual" || operator === "notStrictEqual") {
      let base = READABLE_OP[operator];
      const res = inspectValue(actual).split("\n");
      if (operator === "notStrictEqual" && (isObj(actual) || typeof actual === "function")) base = READABLE_OP.notStrictEqualObject;
      text = res.length === 1 ? `${base} ${res[0]}` : `${base}\n\n${res.join("\n")}\n`;
    } else {
      let res = inspectValue(actual);
      let other = inspectValue(expected);
      const known = READABLE_OP[operator];
      if (operator === "notDeepEqual" && res === other) {
        res = `${known}\n\n${res}`;
        other = "";
      } else if (operator === "deepEqual") {
        res = `${known}\n\n${res}\n\nshould loosely deep-equal\n\n`;
      } else if (READABLE_OP[`${operator}Unequal`]) {
        res = `${READABLE_OP[`${operator}Unequal`]}\n\n${res}\n\nshould not loosely deep-equal\n\n`;
      } else {
        other = ` ${operator} ${other}`;
      }
      text = `${res}${other}`;
    }
    const self = Reflect.construct(Error, [text], new.target || AssertionError);
    self.generatedMessage = message == null;
    self.code = "ERR_ASSERTION";
    if (details) {
      self.actual = undefined;
      self.expected = undefined;
      self.operator = undefined;
    } else {
      self.actual = actual;
      self.expected = expected;
      self.operator = operator;
    }
    void stackStartFn;
    return self;
  }
  AssertionError.prototype = Object.create(Error.prototype, {
    constructor: { value: AssertionError, writable: true, configurable: true },
    name: { value: "AssertionError", writable: true, configurable: true },
    toString: { value() { return `${this.name} [${this.code}]: ${this.message}`; }, writable: true, configurable: true },
  });
  Object.setPrototypeOf(AssertionError, Error);

  function innerFail(obj) {
    if (obj.message instanceof Error) throw obj.message;
    throw new AssertionError(obj);
  }
  function innerOk(fn, argLen, value, message) {
    if (!value) {
      let generatedMessage = false;
      if (argLen === 0) {
        generatedMessage = true;
        message = "No value argument passed to `assert.ok()`";
      } else if (message == null) {
        generatedMessage = true;
        // Node quotes the failing expression from the source file; without source (as for
        // eval'd code) it prints this form, which is what the sandbox can offer.
        message = `${inspectValue(value, true)} == true`;
      } else if (message instanceof Error) {
        throw message;
      }
      const err = new AssertionError({ actual: value, expected: true, message, operator: "==", stackStartFn: fn });
      err.generatedMessage = generatedMessage;
      throw err;
    }
  }
  function objTag(v) { return Object.prototype.toString.call(v); }
  function isDeepEqual(a, b, strict, memo) {
    if (a === b) return a !== 0 || !strict || Object.is(a, b);
    if (strict) {
      if (typeof a !== "object") return typeof a === "number" && Number.isNaN(a) && Number.isNaN(b);
      if (typeof b !== "object" || a === null || b === null) return false;
      if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    } else {
      if (a === null || typeof a !== "object") {
        if (b === null || typeof b !== "object") return a == b || (Number.isNaN(a) && Number.isNaN(b)); // eslint-disable-line eqeqeq
        return false;
      }
      if (b === null || typeof b !== "object") return false;
    }
    const tag = objTag(a);
    if (tag !== objTag(b)) return false;
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) return false;
    } else if (tag === "[object Object]") {
      // fall through to keys
    } else if (a instanceof Date) {
      if (!(b instanceof Date) || a.getTime() !== b.getTime()) return false;
    } else if (a instanceof RegExp) {
      if (!(b instanceof RegExp) || a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex) return false;
    } else if (a instanceof Error) {
      if (!(b instanceof Error) || a.message !== b.message || a.name !== b.name) return false;
    } else if (ArrayBuffer.isView(a)) {
      if (!ArrayBuffer.isView(b) || a.byteLength !== b.byteLength) return false;
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(!strict && a[i] == b[i])) return false; // eslint-disable-line eqeqeq
      const ka = Object.keys(a).filter((k) => !/^\d+$/.test(k)), kb = Object.keys(b).filter((k) => !/^\d+$/.test(k));
      if (ka.length !== kb.length) return false;
      return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && isDeepEqual(a[k], b[k], strict, memo));
    } else if (a instanceof Number || a instanceof String || a instanceof Boolean) {
      if (!Object.is(a.valueOf(), b.valueOf())) return false;
    }
    if (!memo) memo = { a: new Map(), b: new Map(), pos: 0 };
    const ma = memo.a.get(a);
    if (ma !== undefined) {
      const mb = memo.b.get(b);
      if (mb !== undefined) return ma === mb;
    }
    memo.pos++;
    memo.a.set(a, memo.pos);
    memo.b.set(b, memo.pos);
    try {
      return keysEqual(a, b, strict, memo);
    } finally {
      memo.a.delete(a);
      memo.b.delete(b);
    }
  }
  function keysEqual(a, b, strict, memo) {
    const ownKeys = (o) => {
      const ks = Object.keys(o);
      if (strict) for (const s of Object.getOwnPropertySymbols(o)) if (Object.prototype.propertyIsEnumerable.call(o, s)) ks.push(s);
      return ks;
    };
    const ka = ownKeys(a), kb = ownKeys(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (!Object.prototype.propertyIsEnumerable.call(b, k)) return false;
    if (a instanceof Map) {
      if (!(b instanceof Map) || a.size !== b.size) return false;
      for (const [k, v] of a) {
        if (b.has(k)) { if (!isDeepEqual(v, b.get(k), strict, memo)) return false; continue; }
        if (!isObj(k) && strict) return false;
        let found = false;
        for (const [k2, v2] of b) {
          if (isDeepEqual(k, k2, strict, memo) && isDeepEqual(v, v2, strict, memo)) { found = true; break; }
        }
        if (!found) return false;
      }
    } else if (a instanceof Set) {
      if (!(b instanceof Set) || a.size !== b.size) return false;
      for (const v of a) {
        if (b.has(v)) continue;
        if (!isObj(v) && strict) return false;
        let found = false;
        for (const v2 of b) if (isDeepEqual(v, v2, strict, memo)) { found = true; break; }
        if (!found) return false;
      }
    }
    for (const k of ka) if (!isDeepEqual(a[k], b[k], strict, memo)) return false;
    return true;
  }
  function checkRegExpMatch(fn, actual, regexp, message, negate, operator) {
    if (!(regexp instanceof RegExp)) throw invalidArgType("regexp", "an instance of RegExp", regexp);
    if (typeof actual !== "string" || regexp.test(actual) === negate) {
      if (message instanceof Error) throw message;
      const generatedMessage = !message;
      message = message || (typeof actual !== "string"
        ? `The "string" argument must be of type string. Received type ${typeof actual} (${inspectValue(actual)})`
        : (negate ? "The input was expected to not match the regular expression " : "The input did not match the regular expression ") +
          `${inspectValue(regexp)}. Input:\n\n${inspectValue(actual)}\n`);
      const err = new AssertionError({ actual, expected: regexp, message, operator, stackStartFn: fn });
      err.generatedMessage = generatedMessage;
      throw err;
    }
  }
  const NO_EXCEPTION = {};
  function getActual(fn) {
    if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
    try { fn(); } catch (e) { return e; }
    return NO_EXCEPTION;
  }
  async function waitActual(promiseFn) {
    let resultPromise;
    if (typeof promiseFn === "function") {
      resultPromise = promiseFn();
      if (!resultPromise || typeof resultPromise.then !== "function") {
        throw invalidArgType("promiseFn", "of type function or an instance of Promise", resultPromise, "return value of");
      }
    } else if (promiseFn && typeof promiseFn.then === "function") {
      resultPromise = promiseFn;
    } else {
      throw invalidArgType("promiseFn", "of type function or an instance of Promise", promiseFn);
    }
    try { await resultPromise; } catch (e) { return e; }
    return NO_EXCEPTION;
  }
  function Comparison(obj, keys, actual) {
    for (const key of keys) {
      if (key in obj) {
        if (actual !== undefined && typeof actual[key] === "string" && obj[key] instanceof RegExp && obj[key].test(actual[key])) {
          this[key] = actual[key];
        } else {
          this[key] = obj[key];
        }
      }
    }
  }
  function compareExceptionKey(actual, expected, key, message, keys, fn) {
    if (!(key in actual) || !isDeepEqual(actual[key], expected[key], true)) {
      if (!message) {
        const a = new Comparison(actual, keys);
        const b = new Comparison(expected, keys, actual);
        const err = new AssertionError({ actual: a, expected: b, operator: "deepStrictEqual", stackStartFn: fn });
        err.actual = actual;
        err.expected = expected;
        err.operator = fn.name;
        throw err;
      }
      innerFail({ actual, expected, message, operator: fn.name, stackStartFn: fn });
    }
  }
  function expectedException(actual, expected, message, fn) {
    let generatedMessage = false;
    let throwError = false;
    if (typeof expected !== "function") {
      if (expected instanceof RegExp) {
        const str = String(actual);
        if (expected.test(str)) return;
        if (!message) {
          generatedMessage = true;
          message = `The input did not match the regular expression ${inspectValue(expected)}. Input:\n\n${inspectValue(str)}\n`;
        }
        throwError = true;
      } else if (typeof actual !== "object" || actual === null) {
        const err = new AssertionError({ actual, expected, message, operator: "deepStrictEqual", stackStartFn: fn });
        err.operator = fn.name;
        throw err;
      } else {
        const keys = Object.keys(expected);
        if (expected instanceof Error) keys.push("name", "message");
        else if (keys.length === 0) throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'error' may not be an empty object. Received {}`);
        for (const key of keys) {
          if (typeof actual[key] === "string" && expected[key] instanceof RegExp && expected[key].test(actual[key])) continue;
          compareExceptionKey(actual, expected, key, message, keys, fn);
        }
        return;
      }
    } else if (expected.prototype !== undefined && actual instanceof expected) {
      return;
    } else if (Error.isPrototypeOf(expected) || expected === Error) {
      if (!message) {
        generatedMessage = true;
        message = `The error is expected to be an instance of "${expected.name}". Received `;
        if (actual instanceof Error) message += `"${actual.name}"`;
        else message += `"${inspectValue(actual, true)}"`;
        if (actual && actual.message) message += `\n\nError message:\n\n${actual.message}`;
      }
      throwError = true;
    } else {
      const res = expected.call({}, actual);
      if (res !== true) {
        if (!message) {
          generatedMessage = true;
          const name = expected.name ? `"${expected.name}" ` : "";
          message = `The ${name}validation function is expected to return "true". Received ${inspectValue(res)}`;
          if (actual instanceof Error) message += `\n\nCaught error:\n\n${actual}`;
        }
        throwError = true;
      }
    }
    if (throwError) {
      const err = new AssertionError({ actual, expected, message, operator: fn.name, stackStartFn: fn });
      err.generatedMessage = generatedMessage;
      throw err;
    }
  }
  function expectsError(fn, actual, error, message) {
    if (typeof error === "string") {
      if (arguments.length === 4) throw invalidArgType("error", "of type function or an instance of Error, RegExp, or Object", error);
      if (typeof actual === "object" && actual !== null) {
        if (actual.message === error) {
          throw nodeError(TypeError, "ERR_AMBIGUOUS_ARGUMENT",
            `The "error/message" argument is ambiguous. The error message "${actual.message}" is identical to the message.`);
        }
      } else if (actual === error) {
        throw nodeError(TypeError, "ERR_AMBIGUOUS_ARGUMENT",
          `The "error/message" argument is ambiguous. The error "${actual}" is identical to the message.`);
      }
      message = error;
      error = undefined;
    } else if (error != null && typeof error !== "object" && typeof error !== "function") {
      throw invalidArgType("error", "of type function or an instance of Error, RegExp, or Object", error);
    }
    if (actual === NO_EXCEPTION) {
      let details = "";
      if (error && error.name) details += ` (${error.name})`;
      details += message ? `: ${message}` : ".";
      const fnType = fn === assert.rejects ? "rejection" : "exception";
      innerFail({ actual: undefined, expected: error, operator: fn.name, message: `Missing expected ${fnType}${details}`, stackStartFn: fn });
    }
    if (!error) return;
    expectedException(actual, error, message, fn);
  }
  function hasMatchingError(actual, expected) {
    if (typeof expected !== "function") {
      if (expected instanceof RegExp) return expected.test(String(actual));
      throw invalidArgType("expected", "of type function or an instance of RegExp", expected);
    }
    if (expected.prototype !== undefined && actual instanceof expected) return true;
    if (Error.isPrototypeOf(expected)) return false;
    return expected.call({}, actual) === true;
  }
  function expectsNoError(fn, actual, error, message) {
    if (actual === NO_EXCEPTION) return;
    if (typeof error === "string") { message = error; error = undefined; }
    if (!error || hasMatchingError(actual, error)) {
      const details = message ? `: ${message}` : ".";
      const fnType = fn === assert.doesNotReject ? "rejection" : "exception";
      innerFail({ actual, expected: error, operator: fn.name,
        message: `Got unwanted ${fnType}${details}\nActual message: "${actual && actual.message}"`, stackStartFn: fn });
    }
    throw actual;
  }
  function missingActualExpected() {
    return nodeError(TypeError, "ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
  }
  function assert(...args) { innerOk(assert, args.length, ...args); }
  assert.fail = function fail(actual, expected, message, operator, stackStartFn) {
    const argsLen = arguments.length;
    let internalMessage = false;
    if (actual == null && argsLen <= 1) {
      internalMessage = true;
      message = "Failed";
    } else if (argsLen === 1) {
      message = actual;
      actual = undefined;
    } else {
      if (argsLen === 2) operator = "!=";
    }
    if (message instanceof Error) throw message;
    const err = new AssertionError({ actual, expected, operator: operator === undefined ? "fail" : operator, stackStartFn: stackStartFn || fail, message });
    if (internalMessage) err.generatedMessage = true;
    throw err;
  };
  assert.AssertionError = AssertionError;
  assert.ok = function ok(...args) { innerOk(ok, args.length, ...args); };
  assert.equal = function equal(actual, expected, message) {
    if (arguments.length < 2) throw missingActualExpected();
    // eslint-disable-next-line eqeqeq
    if (actual != expected && (!Number.isNaN(actual) || !Number.isNaN(expected))) {
      innerFail({ actual, expected, message, operator: "==", stackStartFn: equal });
    }
  };
  assert.notEqual = function notEqual(actual, expected, message) {
    if (arguments.length < 2) throw missingActualExpected();
    // eslint-disable-next-line eqeqeq
    if (actual == expected || (Number.isNaN(actual) && Number.isNaN(expected))) {
      innerFail({ actual, expected, message, operator: "!=", stackStartFn: notEqual });
    }
  };
  assert.deepEqual = function deepEqual(actual, expected, message) {
    if (arguments.length < 2) throw missingActualExpected();
    if (!isDeepEqual(actual, expected, false)) innerFail({ actual, expected, message, operator: "deepEqual", stackStartFn: deepEqual });
  };
  assert.notDeepEqual = function notDeepEqual(actual, expected, message) {
    if (arguments.length < 2) throw missingActualExpected();
    if (isDeepEqual(actual, expected, false)) innerFail({ actual, expected, message, operator: "notDeepEqual", stackStartFn: notDeepEqual });
  };
  assert.deepStrictEqual = function deepStrictEqual(actual, expected, message) {
    if (arguments.length < 2) throw missingActualExpected();
    if (!isDeepEqual(actual, expected, true)) innerFail({ actual, expected, message, operator: "deepStrictEqual", stackStartFn: deepStrictEqual });
  };
  assert.notDeepStrictEqual = function notDeepStrictEqual(actual, expected, message) {
    if (arguments.length < 2) throw missingActualExpected();
    if (isDeepEqual(actual, expected, true)) innerFail({ actual, expected, message, operator: "notDeepStrictEqual", stackStartFn: notDeepStrictEqual });
  };
  assert.strictEqual = function strictEqual(actual, expected, message) {
    if (arguments.length < 2) throw missingActualExpected();
    if (!Object.is(actual, expected)) innerFail({ actual, expected, message, operator: "strictEqual", stackStartFn: strictEqual });
  };
  assert.notStrictEqual = function notStrictEqual(actual, expected, message) {
    if (arguments.length < 2) throw missingActualExpected();
    if (Object.is(actual, expected)) innerFail({ actual, expected, message, operator: "notStrictEqual", stackStartFn: notStrictEqual });
  };
  assert.throws = function throws(promiseFn, ...args) { expectsError(throws, getActual(promiseFn), ...args); };
  assert.rejects = async function rejects(promiseFn, ...args) { expectsError(rejects, await waitActual(promiseFn), ...args); };
  assert.doesNotThrow = function doesNotThrow(fn, ...args) { expectsNoError(doesNotThrow, getActual(fn), ...args); };
  assert.doesNotReject = async function doesNotReject(fn, ...args) { expectsNoError(doesNotReject, await waitActual(fn), ...args); };
  assert.ifError = function ifError(err) {
    if (err !== null && err !== undefined) {
      let message = "ifError got unwanted exception: ";
      if (typeof err === "object" && typeof err.message === "string") {
        if (err.message.length === 0 && err.constructor) message += err.constructor.name;
        else message += err.message;
      } else {
        message += inspectValue(err);
      }
      throw new AssertionError({ actual: err, expected: null, operator: "ifError", message, stackStartFn: ifError });
    }
  };
  assert.match = function match(string, regexp, message) { checkRegExpMatch(match, string, regexp, message, false, "match"); };
  assert.doesNotMatch = function doesNotMatch(string, regexp, message) { checkRegExpMatch(doesNotMatch, string, regexp, message, true, "doesNotMatch"); };
  function strict(...args) { innerOk(strict, args.length, ...args); }
  assert.strict = Object.assign(strict, assert, {
    equal: assert.strictEqual, deepEqual: assert.deepStrictEqual,
    notEqual: assert.notStrictEqual, notDeepEqual: assert.notDeepStrictEqual,
  });
  assert.strict.strict = assert.strict;

  // -- registration --------------------------------------------------------------------------------------
  define("events", () => EventEmitter);
  define("stream", () => Stream);
  define("stream/promises", () => promises);
  define("string_decoder", () => ({ StringDecoder }));
  define("assert", () => assert);
  define("assert/strict", () => assert.strict);
  Object.assign(I, { events: EventEmitter, stream: Stream, nextTick, StringDecoder });
})();
