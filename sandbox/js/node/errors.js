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
  // ERR_OUT_OF_RANGE's "Received ...": big integers with "_" every three digits, BigInts
  // with an "n", anything else as util.inspect prints it (Node's lib/internal/errors.js).
  function addNumericalSeparator(val) {
    let res = "", i = val.length;
    const start = val[0] === "-" ? 1 : 0;
    for (; i >= start + 4; i -= 3) res = `_${val.slice(i - 3, i)}${res}`;
    return `${val.slice(0, i)}${res}`;
  }
  function receivedNumber(v) {
    if (Number.isInteger(v) && Math.abs(v) > 2 ** 32) return addNumericalSeparator(String(v));
    if (typeof v === "bigint") {
      const s = String(v);
      return (v > 2n ** 32n || v < -(2n ** 32n) ? addNumericalSeparator(s) : s) + "n";
    }
    return inspectValue(v, true);
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
    outOfRange: (n, range, v) => nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "${n}" is out of range. It must be ${range}. Received ${receivedNumber(v)}`),
    bufferOutOfBounds: (n) => nodeError(RangeError, "ERR_BUFFER_OUT_OF_BOUNDS",
      n ? `"${n}" is outside of buffer bounds` : "Attempt to access memory outside buffer bounds"),
  };
  function abortError(cause) {
    const e = new Error("The operation was aborted");
    e.name = "AbortError";
    e.code = "ABORT_ERR";
    if (cause !== undefined) e.cause = cause;
    return e;
  }

