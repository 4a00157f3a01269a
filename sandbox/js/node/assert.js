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

