  // The runtime's one printer (node/util_inspect.js) as util.inspect prints by default:
  // insertion order, depth 2 (opts.depth; null for all), here on one line.
  const inspect = (v, opts) => I.inspectValue(v, true, { sorted: false, depth: opts && opts.depth !== undefined ? opts.depth : 2 });
  function format(f, ...args) {
    if (typeof f !== "string") return [f, ...args].map((a) => (typeof a === "string" ? a : inspect(a))).join(" ");
    if (!args.length) return f; // Node leaves a lone format string untouched, %% included
    let i = 0;
    let out = f.replace(/%[sdifjoO%]/g, (m) => {
      if (m === "%%") return "%";
      if (i >= args.length) return m;
      const a = args[i++];
      switch (m) {
        case "%s": return typeof a === "string" ? a : typeof a === "object" && a !== null ? inspect(a, { depth: 0 }) : String(a);
        case "%d": case "%i": return typeof a === "object" ? "NaN" : String(m === "%i" ? parseInt(a, 10) : Number(a));
        case "%f": return String(parseFloat(a));
        case "%j": try { return JSON.stringify(a); } catch (_) { return "[Circular]"; }
        default: return inspect(a);
      }
    });
    for (; i < args.length; i++) out += " " + (typeof args[i] === "string" ? args[i] : inspect(args[i]));
    return out;
  }
  const util = {
    format, inspect,
    promisify(fn) {
      return (...args) => new Promise((resolve, reject) => fn(...args, (err, val) => (err ? reject(err) : resolve(val))));
    },
    callbackify(fn) { return (...args) => { const cb = args.pop(); fn(...args).then((v) => cb(null, v), (e) => cb(e)); }; },
    inherits(ctor, superCtor) { Object.setPrototypeOf(ctor.prototype, superCtor.prototype); Object.setPrototypeOf(ctor, superCtor); },
    deprecate: (fn) => fn,
    isDeepStrictEqual: (a, b) => JSON.stringify(a) === JSON.stringify(b),
    types: {
      isDate: (v) => v instanceof Date, isRegExp: (v) => v instanceof RegExp,
      isPromise: (v) => v instanceof Promise, isUint8Array: (v) => v instanceof Uint8Array,
      isArrayBuffer: (v) => v instanceof ArrayBuffer, isMap: (v) => v instanceof Map, isSet: (v) => v instanceof Set,
    },
    TextEncoder, TextDecoder,
  };
  util.default = util;
  define("util", () => util);

