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

