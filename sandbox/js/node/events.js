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

