  function inspect(v, opts, depth = 0, seen = []) {
    if (typeof v === "string") return depth ? `'${v.replace(/'/g, "\\'")}'` : `'${v}'`;
    if (typeof v === "function") return `[Function: ${v.name || "(anonymous)"}]`;
    if (typeof v === "bigint") return `${v}n`;
    if (typeof v === "symbol") return v.toString();
    if (v === null || typeof v !== "object") return String(v);
    if (seen.includes(v)) return "[Circular *1]";
    if (v instanceof Error) return v.stack || `${v.name}: ${v.message}`;
    if (v instanceof Date) return v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (depth > (opts && opts.depth !== undefined ? opts.depth : 2)) return Array.isArray(v) ? "[Array]" : "[Object]";
    const s2 = seen.concat([v]);
    if (Array.isArray(v)) return v.length ? `[ ${v.map((x) => inspect(x, opts, depth + 1, s2)).join(", ")} ]` : "[]";
    const keys = Object.keys(v);
    if (!keys.length) return "{}";
    const body = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${inspect(v[k], opts, depth + 1, s2)}`).join(", ");
    return `{ ${body} }`;
  }
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

