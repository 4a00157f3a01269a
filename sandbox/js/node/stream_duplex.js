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

