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

