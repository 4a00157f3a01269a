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

