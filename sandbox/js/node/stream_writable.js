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

