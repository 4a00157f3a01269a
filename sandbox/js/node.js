// Node.js compatibility for tenant code: TextEncoder/TextDecoder, Buffer and the
// `crypto` hashing subset webhook apps rely on (createHash, createHmac, randomBytes,
// randomUUID, timingSafeEqual). Digests are computed by the host (Python hashlib)
// in one host call each; the byte plumbing stays in the guest.
(function () {
  "use strict";
  const G = globalThis;
  const I = G.__brygge_internal; // shared with the other prelude files, removed after the last
  const host = I.host;
  const define = I.define;

  // -- UTF-8 ---------------------------------------------------------------------------
  function utf8Encode(str) {
    const out = [];
    for (let i = 0; i < str.length; i++) {
      let c = str.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
        const d = str.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
        else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
  function utf8Decode(u) {
    let s = "";
    for (let i = 0; i < u.length;) {
      const b = u[i];
      let c = 0xfffd, n = 1;
      if (b < 0x80) c = b;
      else if (b >= 0xc2 && b < 0xe0 && i + 1 < u.length && (u[i + 1] & 0xc0) === 0x80) { c = ((b & 31) << 6) | (u[i + 1] & 63); n = 2; }
      else if (b >= 0xe0 && b < 0xf0 && i + 2 < u.length && (u[i + 1] & 0xc0) === 0x80 && (u[i + 2] & 0xc0) === 0x80) {
        c = ((b & 15) << 12) | ((u[i + 1] & 63) << 6) | (u[i + 2] & 63); n = 3;
        if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)) { c = 0xfffd; n = 1; }
      } else if (b >= 0xf0 && b < 0xf5 && i + 3 < u.length && (u[i + 1] & 0xc0) === 0x80 && (u[i + 2] & 0xc0) === 0x80 && (u[i + 3] & 0xc0) === 0x80) {
        c = ((b & 7) << 18) | ((u[i + 1] & 63) << 12) | ((u[i + 2] & 63) << 6) | (u[i + 3] & 63); n = 4;
        if (c < 0x10000 || c > 0x10ffff) { c = 0xfffd; n = 1; }
      }
      s += String.fromCodePoint(c);
      i += n;
    }
    return s;
  }
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(s = "") { return utf8Encode(String(s)); }
  }
  class TextDecoder {
    constructor(label = "utf-8") {
      const l = String(label).toLowerCase();
      if (l !== "utf-8" && l !== "utf8") throw new RangeError(`The "${label}" encoding is not supported`);
    }
    get encoding() { return "utf-8"; }
    decode(b) { return b ? utf8Decode(b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) : ""; }
  }
  G.TextEncoder = TextEncoder;
  G.TextDecoder = TextDecoder;

  // -- URLSearchParams and URL (WHATWG subset: absolute and base-relative URLs) ----------
  const formEncode = (v) => encodeURIComponent(v).replace(/[!'()~]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, "+");
  const formDecode = (v) => { try { return decodeURIComponent(v.replace(/\+/g, " ")); } catch (_) { return v; } };
  class URLSearchParams {
    constructor(init) {
      this._list = [];
      this._url = null;
      if (init === undefined || init === null) return;
      if (typeof init === "string") this._parse(init);
      else if (typeof init[Symbol.iterator] === "function") for (const [k, v] of init) this.append(k, v);
      else for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    _parse(s) {
      this._list = [];
      for (const part of String(s).replace(/^\?/, "").split("&")) {
        if (!part) continue;
        const i = part.indexOf("=");
        this._list.push(i < 0 ? [formDecode(part), ""] : [formDecode(part.slice(0, i)), formDecode(part.slice(i + 1))]);
      }
    }
    _changed() { if (this._url) this._url._search = this._list.length ? "?" + this.toString() : ""; }
    get size() { return this._list.length; }
    append(k, v) { this._list.push([String(k), String(v)]); this._changed(); }
    delete(k) { this._list = this._list.filter(([n]) => n !== String(k)); this._changed(); }
    get(k) { const e = this._list.find(([n]) => n === String(k)); return e ? e[1] : null; }
    getAll(k) { return this._list.filter(([n]) => n === String(k)).map(([, v]) => v); }
    has(k) { return this._list.some(([n]) => n === String(k)); }
    set(k, v) {
      k = String(k);
      const i = this._list.findIndex(([n]) => n === k);
      if (i < 0) this._list.push([k, String(v)]);
      else { this._list[i][1] = String(v); this._list = this._list.filter(([n], j) => n !== k || j === i); }
      this._changed();
    }
    sort() { this._list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this._changed(); }
    forEach(fn, self) { for (const [k, v] of this._list) fn.call(self, v, k, this); }
    *entries() { for (const e of this._list) yield [e[0], e[1]]; }
    *keys() { for (const e of this._list) yield e[0]; }
    *values() { for (const e of this._list) yield e[1]; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this._list.map(([k, v]) => formEncode(k) + "=" + formEncode(v)).join("&"); }
  }
  const URL_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*:)(?:\/\/(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/;
  const DEFAULT_PORTS = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21" };
  function normPath(p) {
    const out = [];
    for (const seg of p.split("/")) {
      if (seg === "..") { if (out.length > 1) out.pop(); } else if (seg !== ".") out.push(seg);
    }
    let r = out.join("/");
    if (/\/\.\.?$/.test(p)) r += "/";
    return r.startsWith("/") ? r : "/" + r;
  }
  class URL {
    constructor(input, base) {
      input = String(input).trim();
      let m = URL_RE.exec(input);
      if (!m || (m[4] === undefined && DEFAULT_PORTS[m[1].toLowerCase()] !== undefined)) {
        if (base === undefined) throw new TypeError(`Invalid URL: ${input}`);
        const b = base instanceof URL ? base : new URL(base);
        if (input.startsWith("//")) m = URL_RE.exec(b.protocol + input);
        else {
          let path = b.pathname, search = b.search, hash = "";
          const h = input.indexOf("#");
          if (h >= 0) { hash = input.slice(h); input = input.slice(0, h); }
          const q = input.indexOf("?");
          let rel = input;
          if (q >= 0) { search = input.slice(q); rel = input.slice(0, q); } else if (rel || hash === "") search = rel ? "" : search;
          if (rel.startsWith("/")) path = rel;
          else if (rel) path = path.replace(/[^/]*$/, "") + rel;
          m = URL_RE.exec(b.origin + normPath(path) + search + hash);
        }
        if (!m) throw new TypeError(`Invalid URL: ${input}`);
      }
      this._protocol = m[1].toLowerCase();
      this._username = m[2] || "";
      this._password = m[3] || "";
      this._hostname = (m[4] || "").toLowerCase();
      const port = m[5] || "";
      this._port = port === DEFAULT_PORTS[this._protocol] ? "" : port;
      const special = DEFAULT_PORTS[this._protocol] !== undefined;
      this._pathname = special ? normPath(m[6] || "/") : (m[6] || "");
      this._search = m[7] && m[7] !== "?" ? m[7] : "";
      this._hash = m[8] && m[8] !== "#" ? m[8] : "";
      this.searchParams = new URLSearchParams(this._search);
      this.searchParams._url = this;
    }
    get protocol() { return this._protocol; }
    get username() { return this._username; }
    get password() { return this._password; }
    get hostname() { return this._hostname; }
    get port() { return this._port; }
    get host() { return this._hostname + (this._port ? ":" + this._port : ""); }
    get origin() { return DEFAULT_PORTS[this._protocol] !== undefined ? this._protocol + "//" + this.host : "null"; }
    get pathname() { return this._pathname; }
    set pathname(p) { this._pathname = normPath(String(p)); }
    get search() { return this._search; }
    set search(s) { s = String(s); this._search = s && s !== "?" ? (s[0] === "?" ? s : "?" + s) : ""; this.searchParams._parse(this._search); }
    get hash() { return this._hash; }
    set hash(h) { h = String(h); this._hash = h && h !== "#" ? (h[0] === "#" ? h : "#" + h) : ""; }
    get href() {
      const auth = this._username ? this._username + (this._password ? ":" + this._password : "") + "@" : "";
      const slashes = this._hostname || DEFAULT_PORTS[this._protocol] !== undefined ? "//" : "";
      return this._protocol + slashes + auth + this.host + this._pathname + this._search + this._hash;
    }
    toString() { return this.href; }
    toJSON() { return this.href; }
  }
  G.URL = URL;
  G.URLSearchParams = URLSearchParams;
  define("url", () => ({ URL, URLSearchParams, default: { URL, URLSearchParams } }));
  define("querystring", () => {
    const qs = {
      parse: (s) => { const o = {}; for (const [k, v] of new URLSearchParams(s)) o[k] = k in o ? [].concat(o[k], v) : v; return o; },
      stringify: (o) => Object.keys(o).map((k) => [].concat(o[k]).map((v) => encodeURIComponent(k) + "=" + encodeURIComponent(v)).join("&")).join("&"),
      escape: encodeURIComponent, unescape: decodeURIComponent,
    };
    qs.default = qs;
    return qs;
  });
  G.structuredClone = (v) => {
    const seen = new Map();
    const clone = (x) => {
      if (x === null || typeof x !== "object") {
        if (typeof x === "function" || typeof x === "symbol") throw new DOMException(`${String(x)} could not be cloned.`, "DataCloneError");
        return x;
      }
      if (seen.has(x)) return seen.get(x);
      let out;
      if (x instanceof Date) out = new Date(x.getTime());
      else if (x instanceof RegExp) out = new RegExp(x.source, x.flags);
      else if (x instanceof Map) { out = new Map(); seen.set(x, out); for (const [k, val] of x) out.set(clone(k), clone(val)); return out; }
      else if (x instanceof Set) { out = new Set(); seen.set(x, out); for (const val of x) out.add(clone(val)); return out; }
      else if (ArrayBuffer.isView(x)) out = new x.constructor(x);
      else if (x instanceof ArrayBuffer) out = x.slice(0);
      else if (Array.isArray(x)) { out = []; seen.set(x, out); x.forEach((val, i) => { out[i] = clone(val); }); return out; }
      else { out = {}; seen.set(x, out); for (const k of Object.keys(x)) out[k] = clone(x[k]); return out; }
      seen.set(x, out);
      return out;
    };
    return clone(v);
  };
  if (typeof G.DOMException === "undefined") {
    G.DOMException = class DOMException extends Error {
      constructor(message = "", name = "Error") { super(message); this.name = name; }
    };
  }

  // -- path (POSIX) and util ---------------------------------------------------------------
  function normalizeArray(parts, absolute) {
    const out = [];
    for (const p of parts) {
      if (!p || p === ".") continue;
      if (p === "..") { if (out.length && out[out.length - 1] !== "..") out.pop(); else if (!absolute) out.push(".."); }
      else out.push(p);
    }
    return out;
  }
  const path = {
    sep: "/", delimiter: ":",
    normalize(p) {
      if (p === "") return ".";
      const abs = p.startsWith("/"), trail = p.endsWith("/");
      let r = normalizeArray(p.split("/"), abs).join("/");
      if (!r && !abs) r = ".";
      if (r && trail) r += "/";
      return (abs ? "/" : "") + r;
    },
    join(...parts) { const j = parts.filter((x) => x !== "").join("/"); return j ? path.normalize(j) : "."; },
    resolve(...parts) {
      let r = "";
      for (let i = parts.length - 1; i >= 0 && !r.startsWith("/"); i--) if (parts[i]) r = parts[i] + (r ? "/" + r : "");
      if (!r.startsWith("/")) r = "/" + r;
      const n = "/" + normalizeArray(r.split("/"), true).join("/");
      return n;
    },
    isAbsolute: (p) => p.startsWith("/"),
    dirname(p) {
      if (!p) return ".";
      const t = p.replace(/\/+$/, "") || "/";
      const i = t.lastIndexOf("/");
      if (i < 0) return ".";
      return i === 0 ? "/" : t.slice(0, i);
    },
    basename(p, ext) {
      let b = p.replace(/\/+$/, "");
      b = b.slice(b.lastIndexOf("/") + 1);
      if (ext && b.endsWith(ext) && b !== ext) b = b.slice(0, -ext.length);
      return b;
    },
    extname(p) {
      const b = path.basename(p);
      const i = b.lastIndexOf(".");
      return i <= 0 ? "" : b.slice(i);
    },
    relative(from, to) {
      const f = path.resolve(from).split("/").filter(Boolean), t = path.resolve(to).split("/").filter(Boolean);
      let i = 0;
      while (i < f.length && i < t.length && f[i] === t[i]) i++;
      return [...f.slice(i).map(() => ".."), ...t.slice(i)].join("/");
    },
    parse(p) {
      const root = p.startsWith("/") ? "/" : "", base = path.basename(p), ext = path.extname(p);
      let dir = path.dirname(p);
      if (dir === "." && !p.includes("/")) dir = "";
      return { root, dir, base, ext, name: ext ? base.slice(0, -ext.length) : base };
    },
    format(o) { const dir = o.dir || o.root || ""; const base = o.base || (o.name || "") + (o.ext || ""); return dir ? (dir === o.root ? dir + base : dir + "/" + base) : base; },
  };
  path.posix = path;
  path.default = path;
  define("path", () => path);

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

  // -- Buffer ----------------------------------------------------------------------------
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function latin1(u) { let s = ""; for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192)); return s; }
  function fromLatin1(s) { const u = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 255; return u; }
  function toBase64(u) { return G.btoa(latin1(u)); }
  function fromBase64(s) {
    s = String(s).replace(/[^A-Za-z0-9+/\-_]/g, "").replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    return fromLatin1(G.atob(s));
  }
  function toHex(u) { let s = ""; for (let i = 0; i < u.length; i++) s += (u[i] < 16 ? "0" : "") + u[i].toString(16); return s; }
  function fromHex(s) {
    const n = s.length >> 1, u = new Uint8Array(n);
    for (let i = 0; i < n; i++) { const v = parseInt(s.substr(i * 2, 2), 16); if (Number.isNaN(v)) return u.subarray(0, i); u[i] = v; }
    return u;
  }
  function encode(str, enc) {
    switch ((enc || "utf8").toLowerCase()) {
      case "utf8": case "utf-8": return utf8Encode(str);
      case "hex": return fromHex(str);
      case "base64": case "base64url": return fromBase64(str);
      case "latin1": case "binary": case "ascii": return fromLatin1(str);
      default: throw new TypeError(`Unknown encoding: ${enc}`);
    }
  }

  class Buffer extends Uint8Array {
    static from(v, encOrOffset, length) {
      if (typeof v === "string") return Buffer._wrap(encode(v, encOrOffset));
      if (v instanceof ArrayBuffer) return new Buffer(v, encOrOffset || 0, length === undefined ? v.byteLength - (encOrOffset || 0) : length);
      if (ArrayBuffer.isView(v)) { const b = Buffer.alloc(v.byteLength); b.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)); return b; }
      if (Array.isArray(v)) { const b = Buffer.alloc(v.length); for (let i = 0; i < v.length; i++) b[i] = v[i] & 255; return b; }
      if (v && v.type === "Buffer" && Array.isArray(v.data)) return Buffer.from(v.data);
      throw new TypeError("The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array");
    }
    static _wrap(u) { return new Buffer(u.buffer, u.byteOffset, u.byteLength); }
    static alloc(n, fill) { const b = new Buffer(n); if (fill !== undefined) b.fill(typeof fill === "string" ? fill.charCodeAt(0) : fill); return b; }
    static allocUnsafe(n) { return new Buffer(n); }
    static isBuffer(b) { return b instanceof Buffer; }
    static isEncoding(e) { return ["utf8", "utf-8", "hex", "base64", "base64url", "latin1", "binary", "ascii"].includes(String(e).toLowerCase()); }
    static byteLength(v, enc) { return typeof v === "string" ? encode(v, enc).length : v.byteLength; }
    static concat(list, total) {
      if (total === undefined) total = list.reduce((n, b) => n + b.length, 0);
      const out = Buffer.alloc(total);
      let o = 0;
      for (const b of list) { if (o >= total) break; out.set(b.subarray(0, total - o), o); o += b.length; }
      return out;
    }
    static compare(a, b) { return a.compare(b); }
    toString(enc, start = 0, end = this.length) {
      const u = this.subarray(start, end);
      switch ((enc || "utf8").toLowerCase()) {
        case "utf8": case "utf-8": return utf8Decode(u);
        case "hex": return toHex(u);
        case "base64": return toBase64(u);
        case "base64url": return toBase64(u).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
        case "latin1": case "binary": return latin1(u);
        case "ascii": return latin1(u.map((c) => c & 127));
        default: throw new TypeError(`Unknown encoding: ${enc}`);
      }
    }
    toJSON() { return { type: "Buffer", data: Array.from(this) }; }
    equals(o) { return this.compare(o) === 0; }
    compare(o) {
      const n = Math.min(this.length, o.length);
      for (let i = 0; i < n; i++) if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1;
      return this.length === o.length ? 0 : this.length < o.length ? -1 : 1;
    }
    slice(s, e) { return this.subarray(s, e); }
    subarray(s, e) { const u = Uint8Array.prototype.subarray.call(this, s, e); return new Buffer(u.buffer, u.byteOffset, u.byteLength); }
    write(str, offset = 0, enc) { const u = encode(str, typeof offset === "string" ? offset : enc); this.set(u.subarray(0, this.length - offset), typeof offset === "number" ? offset : 0); return Math.min(u.length, this.length - offset); }
    readUInt8(o = 0) { return this[o]; }
    readUInt16BE(o = 0) { return (this[o] << 8) | this[o + 1]; }
    readUInt32BE(o = 0) { return ((this[o] << 24) >>> 0) + (this[o + 1] << 16) + (this[o + 2] << 8) + this[o + 3]; }
    writeUInt8(v, o = 0) { this[o] = v; return o + 1; }
    writeUInt32BE(v, o = 0) { this[o] = v >>> 24; this[o + 1] = v >>> 16; this[o + 2] = v >>> 8; this[o + 3] = v; return o + 4; }
  }
  G.Buffer = Buffer;
  define("buffer", () => ({ Buffer, default: { Buffer } }));

  // -- fetch (made by the host, which refuses private and metadata addresses) -----------------
  class Headers {
    constructor(init) {
      this._m = new Map();
      if (init instanceof Headers) init.forEach((v, k) => this.append(k, v));
      else if (Array.isArray(init)) for (const [k, v] of init) this.append(k, v);
      else if (init) for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    append(k, v) { k = String(k).toLowerCase(); const o = this._m.get(k); this._m.set(k, o === undefined ? String(v) : o + ", " + v); }
    set(k, v) { this._m.set(String(k).toLowerCase(), String(v)); }
    get(k) { const v = this._m.get(String(k).toLowerCase()); return v === undefined ? null : v; }
    has(k) { return this._m.has(String(k).toLowerCase()); }
    delete(k) { this._m.delete(String(k).toLowerCase()); }
    forEach(fn, self) { for (const [k, v] of [...this._m].sort()) fn.call(self, v, k, this); }
    *entries() { yield* [...this._m].sort(); }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    raw() { const o = {}; for (const [k, v] of this._m) o[k] = [v]; return o; }
  }
  class Response {
    constructor(body, init = {}) {
      this._body = body instanceof Uint8Array ? body : typeof body === "string" ? utf8Encode(body) : new Uint8Array(0);
      this.status = init.status === undefined ? 200 : init.status;
      this.statusText = init.statusText || "";
      this.headers = new Headers(init.headers);
      this.url = init.url || "";
      this.redirected = !!init.redirected;
      this.bodyUsed = false;
    }
    get ok() { return this.status >= 200 && this.status < 300; }
    _take() { if (this.bodyUsed) return Promise.reject(new TypeError("Body is unusable: Body has already been read")); this.bodyUsed = true; return Promise.resolve(this._body); }
    text() { return this._take().then(utf8Decode); }
    json() { return this.text().then(JSON.parse); }
    arrayBuffer() { return this._take().then((u) => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength)); }
    buffer() { return this._take().then((u) => Buffer._wrap(u)); }
    clone() { const r = new Response(this._body, this); r.headers = new Headers(this.headers); return r; }
    static json(data, init) { return new Response(JSON.stringify(data), { ...init, headers: { "content-type": "application/json", ...(init && init.headers) } }); }
  }
  function fetch(input, init = {}) {
    try {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      const headers = {};
      new Headers(init.headers || (input && input.headers) || {}).forEach((v, k) => { headers[k] = v; });
      let body = init.body;
      if (body !== undefined && body !== null) {
        if (body instanceof URLSearchParams) { headers["content-type"] = headers["content-type"] || "application/x-www-form-urlencoded;charset=UTF-8"; body = body.toString(); }
        const bytes = typeof body === "string" ? utf8Encode(body) : ArrayBuffer.isView(body) ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : body instanceof ArrayBuffer ? new Uint8Array(body) : utf8Encode(String(body));
        body = toBase64(bytes);
        if (!headers["content-type"] && typeof init.body === "string") headers["content-type"] = "text/plain;charset=UTF-8";
      }
      const r = JSON.parse(host("net.fetch", JSON.stringify({ url: String(url), method: init.method || "GET", headers, body })));
      return Promise.resolve(new Response(fromBase64(r.body), { status: r.status, statusText: r.statusText, headers: r.headers, url: r.url, redirected: r.redirected }));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  G.fetch = fetch;
  G.Headers = Headers;
  G.Response = Response;
  define("node-fetch", () => { const f = (...a) => fetch(...a); f.default = f; f.Headers = Headers; f.Response = Response; return f; });

  // -- crypto (digests on the host) ------------------------------------------------------------
  const ALGS = { md5: 1, sha1: 1, sha256: 1, sha384: 1, sha512: 1, "sha-1": "sha1", "sha-256": "sha256", "sha-512": "sha512" };
  function alg(a) {
    const k = String(a).toLowerCase().replace(/^rsa-/, "");
    if (!ALGS[k]) throw new Error(`Digest method not supported: ${a}`);
    return ALGS[k] === 1 ? k : ALGS[k];
  }
  const bytesOf = (d, enc) => (typeof d === "string" ? encode(d, enc) : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : d instanceof ArrayBuffer ? new Uint8Array(d) : encode(String(d)));
  function digestOut(b64, enc) {
    const b = Buffer._wrap(fromBase64(b64));
    return enc ? b.toString(enc) : b;
  }
  class Hash {
    constructor(kind, a, key) { this.kind = kind; this.alg = alg(a); this.key = key; this.parts = []; this.done = false; }
    update(d, enc) { if (this.done) throw new Error("Digest already called"); this.parts.push(bytesOf(d, enc)); return this; }
    digest(enc) {
      if (this.done) throw new Error("Digest already called");
      this.done = true;
      const data = toBase64(Buffer.concat(this.parts.map((p) => Buffer.from(p))));
      const r = JSON.parse(host("crypto." + this.kind, JSON.stringify(this.kind === "hmac"
        ? { alg: this.alg, key: toBase64(this.key), data } : { alg: this.alg, data })));
      return digestOut(r.digest, enc);
    }
    copy() { const h = new Hash(this.kind, this.alg, this.key); h.parts = this.parts.slice(); return h; }
  }
  function randomBytes(n, cb) {
    const b = Buffer._wrap(fromBase64(JSON.parse(host("crypto.random", JSON.stringify({ n: n | 0 }))).bytes));
    if (typeof cb === "function") { queueMicrotask(() => cb(null, b)); return undefined; }
    return b;
  }
  function randomUUID() {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  function timingSafeEqual(a, b) {
    if (a.byteLength !== b.byteLength) {
      const e = new RangeError("Input buffers must have the same byte length");
      e.code = "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH";
      throw e;
    }
    const x = bytesOf(a), y = bytesOf(b);
    let d = 0;
    for (let i = 0; i < x.length; i++) d |= x[i] ^ y[i];
    return d === 0;
  }
  const cryptoModule = {
    createHash: (a) => new Hash("hash", a),
    createHmac: (a, key) => new Hash("hmac", a, bytesOf(key)),
    randomBytes, randomUUID, timingSafeEqual,
    getHashes: () => ["md5", "sha1", "sha256", "sha384", "sha512"],
    getRandomValues: (arr) => { arr.set(randomBytes(arr.byteLength)); return arr; },
  };
  cryptoModule.default = cryptoModule;
  define("crypto", () => cryptoModule);
  if (!G.crypto) G.crypto = { randomUUID, getRandomValues: cryptoModule.getRandomValues };
  Object.assign(I, { Buffer, encode, toBase64, fromBase64, utf8Encode, utf8Decode, bytesOf, Headers, Response, fetch });
})();
