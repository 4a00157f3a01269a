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
    // Native path (QuickJS's own URI/base64 code) is ~10x faster than the loop below,
    // which remains for strings with lone surrogates (encodeURIComponent throws on them).
    try { return Uint8Array.fromBase64(btoa(unescape(encodeURIComponent(str)))); } catch (_) { /* below */ }
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
  // WHATWG UTF-8 decode (what Node's Buffer#toString and TextDecoder do): an invalid or
  // cut-short sequence becomes ONE U+FFFD for its maximal valid prefix, and the byte that
  // broke it is read again as the start of the next sequence.
  function utf8Decode(u) {
    const n = u.length, units = [];
    let s = "";
    for (let i = 0; i < n;) {
      const b = u[i];
      let cp = 0xfffd;
      if (b < 0x80) { cp = b; i++; }
      else {
        let need = 0, lo = 0x80, hi = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
        else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0xf; if (b === 0xe0) lo = 0xa0; else if (b === 0xed) hi = 0x9f; }
        else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 7; if (b === 0xf0) lo = 0x90; else if (b === 0xf4) hi = 0x8f; }
        let j = i + 1;
        if (need === 0) cp = 0xfffd;
        for (let k = 0; k < need; k++, j++) {
          const c = j < n ? u[j] : -1;
          if (c < lo || c > hi) { cp = 0xfffd; break; }
          lo = 0x80; hi = 0xbf;
          cp = (cp << 6) | (c & 0x3f);
        }
        i = j;
      }
      if (cp > 0xffff) { cp -= 0x10000; units.push(0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff)); }
      else units.push(cp);
      if (units.length >= 8192) { s += String.fromCharCode.apply(null, units); units.length = 0; }
    }
    return units.length ? s + String.fromCharCode.apply(null, units) : s;
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
  function invalidURL(input) {
    const e = new TypeError("Invalid URL");
    e.code = "ERR_INVALID_URL";
    e.input = input;
    return e;
  }
  class URL {
    static canParse(input, base) { try { new URL(input, base); return true; } catch (_) { return false; } }
    constructor(input, base) {
      input = String(input).trim();
      let m = URL_RE.exec(input);
      if (!m || (m[4] === undefined && DEFAULT_PORTS[m[1].toLowerCase()] !== undefined)) {
        if (base === undefined) throw invalidURL(input);
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
        if (!m) throw invalidURL(input);
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
  // The legacy url API (url.parse/format/resolve), still used by follow-redirects, form-data's
  // submit() and older SDKs: Node's Url objects, without its quirks for malformed input.
  class Url {
    constructor() {
      Object.assign(this, { protocol: null, slashes: null, auth: null, host: null, port: null,
        hostname: null, hash: null, search: null, query: null, pathname: null, path: null, href: null });
    }
  }
  function urlParse(str, parseQuery, slashesDenoteHost) {
    if (str instanceof Url) return str;
    if (typeof str !== "string") {
      const e = new TypeError(`The "url" argument must be of type string. Received ${str === null ? "null" : typeof str}`);
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    const u = new Url();
    let rest = str.trim();
    const h = rest.indexOf("#");
    if (h >= 0) { u.hash = rest.slice(h); rest = rest.slice(0, h); }
    const q = rest.indexOf("?");
    if (q >= 0) { u.search = rest.slice(q); u.query = rest.slice(q + 1); rest = rest.slice(0, q); }
    else if (parseQuery) { u.search = ""; u.query = {}; }
    if (parseQuery && typeof u.query === "string") u.query = G.require("querystring").parse(u.query);
    const pm = /^([a-zA-Z][a-zA-Z0-9+.-]*:)/.exec(rest);
    if (pm) { u.protocol = pm[1].toLowerCase(); rest = rest.slice(pm[1].length); }
    if (rest.startsWith("//") && (u.protocol || slashesDenoteHost)) {
      u.slashes = true;
      rest = rest.slice(2);
      const end = rest.search(/[/\\]/);
      let hostPart = end < 0 ? rest : rest.slice(0, end);
      rest = end < 0 ? "" : rest.slice(end);
      const at = hostPart.lastIndexOf("@");
      if (at >= 0) { u.auth = decodeURIComponent(hostPart.slice(0, at)); hostPart = hostPart.slice(at + 1); }
      const pm2 = /:(\d*)$/.exec(hostPart);
      if (pm2) { u.port = pm2[1] || null; hostPart = hostPart.slice(0, pm2.index); }
      u.hostname = hostPart.toLowerCase().replace(/^\[|\]$/g, "");
      u.host = hostPart.toLowerCase() + (u.port ? ":" + u.port : "");
      if (!rest && DEFAULT_PORTS[u.protocol] !== undefined) rest = "/";
    }
    u.pathname = rest || (u.slashes ? "/" : null);
    if (u.pathname === null && !u.protocol && !u.search) u.pathname = rest;
    u.path = (u.pathname || "") + (u.search || "") || null;
    u.href = urlFormat(u);
    return u;
  }
  function urlFormat(u) {
    if (typeof u === "string") u = urlParse(u);
    if (u instanceof URL) return u.href;
    const protocol = u.protocol ? (u.protocol.endsWith(":") ? u.protocol : u.protocol + ":") : "";
    let host = "";
    if (u.host) host = u.host;
    else if (u.hostname) host = (u.hostname.includes(":") ? `[${u.hostname}]` : u.hostname) + (u.port ? ":" + u.port : "");
    const auth = u.auth ? encodeURIComponent(u.auth).replace(/%3A/i, ":") + "@" : "";
    let pathname = u.pathname || "";
    let search = u.search || "";
    if (!search && u.query && typeof u.query === "object" && Object.keys(u.query).length) {
      search = "?" + G.require("querystring").stringify(u.query);
    } else if (search && search[0] !== "?") search = "?" + search;
    const slashes = u.slashes || DEFAULT_PORTS[protocol] !== undefined || protocol === "file:";
    if (host || (slashes && protocol)) {
      if (pathname && pathname[0] !== "/") pathname = "/" + pathname;
      host = "//" + auth + host;
    }
    let hash = u.hash || "";
    if (hash && hash[0] !== "#") hash = "#" + hash;
    pathname = pathname.replace(/[?#]/g, encodeURIComponent);
    return protocol + host + pathname + search.replace("#", "%23") + hash;
  }
  function urlResolve(from, to) {
    try {
      if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(from)) return new URL(to, from).href;
      // a path-only base: resolve against a placeholder origin, then drop it
      const origin = "http://resolve.invalid";
      const r = new URL(to, origin + (from.startsWith("/") ? "" : "/") + from);
      if (r.origin !== origin) return r.href;
      const path = r.pathname + r.search + r.hash;
      return from.startsWith("/") ? path : path.slice(1);
    } catch (_) { return to; }
  }
  const fileURLToPath = (u) => {
    const x = typeof u === "string" ? new URL(u) : u;
    if (x.protocol !== "file:") { const e = new TypeError("The URL must be of scheme file"); e.code = "ERR_INVALID_URL_SCHEME"; throw e; }
    return decodeURIComponent(x.pathname);
  };
  const pathToFileURL = (p) => new URL("file://" + encodeURI(String(p).startsWith("/") ? p : "/" + p));
  const urlModule = { URL, URLSearchParams, Url, parse: urlParse, format: urlFormat, resolve: urlResolve,
    fileURLToPath, pathToFileURL, domainToASCII: (d) => String(d).toLowerCase(), domainToUnicode: (d) => String(d) };
  urlModule.default = urlModule;
  define("url", () => urlModule);
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
  // form-data calls `new Buffer.alloc(n)`: static class methods are not constructible,
  // plain functions are (and returning an object from one yields that object).
  for (const name of ["alloc", "allocUnsafe", "allocUnsafeSlow", "from"]) {
    const m = name === "allocUnsafeSlow" ? Buffer.allocUnsafe : Buffer[name];
    Object.defineProperty(Buffer, name, { value: function (...a) { return m.apply(Buffer, a); },
      writable: true, configurable: true });
  }
  G.Buffer = Buffer;
  define("buffer", () => ({ Buffer, Blob, File, default: { Buffer, Blob, File } })); // Blob, File: fetch section

  // -- fetch family (made by the host, which refuses private and metadata addresses) ----------
  // AbortController/AbortSignal, Headers, Blob/File/FormData, Request, Response and fetch as
  // Node 20 (undici) has them; `node-fetch` is the same client with node-fetch v2's extras
  // (credentials in the URL, `timeout`, `size`, `follow`, FetchError, Node-stream bodies).
  // The host makes each request in one synchronous call: a streamed request body is read
  // to its end first, and the response comes back whole (Response.body replays it).
  const domError = (message, name, code) => {
    const e = new DOMException(message, name);
    if (e.code === undefined) Object.defineProperty(e, "code", { value: code, configurable: true });
    return e;
  };
  class Event {
    constructor(type, init = {}) {
      this.type = String(type);
      this.cancelable = !!init.cancelable;
      this.defaultPrevented = false;
      this.target = this.currentTarget = null;
      this.timeStamp = Date.now();
      this.isTrusted = false;
      this._stop = false;
    }
    preventDefault() { if (this.cancelable) this.defaultPrevented = true; }
    stopImmediatePropagation() { this._stop = true; }
    stopPropagation() {}
  }
  class EventTarget {
    constructor() { Object.defineProperty(this, "_listeners", { value: new Map() }); }
    addEventListener(type, fn, opts) {
      if (!fn) return;
      const once = !!(opts && typeof opts === "object" && opts.once);
      const list = this._listeners.get(type) || [];
      if (list.some((l) => l.fn === fn)) return;
      list.push({ fn, once });
      this._listeners.set(type, list);
      if (opts && opts.signal) opts.signal.addEventListener("abort", () => this.removeEventListener(type, fn), { once: true });
    }
    removeEventListener(type, fn) {
      const list = this._listeners.get(type);
      if (list) this._listeners.set(type, list.filter((l) => l.fn !== fn));
    }
    dispatchEvent(ev) {
      Object.defineProperty(ev, "target", { value: this, configurable: true });
      Object.defineProperty(ev, "currentTarget", { value: this, configurable: true });
      for (const l of (this._listeners.get(ev.type) || []).slice()) {
        if (!(this._listeners.get(ev.type) || []).includes(l)) continue;
        if (l.once) this.removeEventListener(ev.type, l.fn);
        try {
          if (typeof l.fn === "function") l.fn.call(this, ev); else l.fn.handleEvent(ev);
        } catch (e) { G.queueMicrotask(() => { throw e; }); }
        if (ev._stop) break;
      }
      return !ev.defaultPrevented;
    }
  }
  const kSignal = Symbol("brygge.signal");
  class AbortSignal extends EventTarget {
    constructor(key) {
      if (key !== kSignal) throw new TypeError("Illegal constructor");
      super();
      this._aborted = false;
      this._reason = undefined;
      this._onabort = null;
      this._deadline = Infinity; // when AbortSignal.timeout() fires: the host's timeout
    }
    get aborted() { return this._aborted; }
    get reason() { return this._reason; }
    get onabort() { return this._onabort; }
    set onabort(fn) {
      if (this._onabort === null && !this._hasHandler) {
        this._hasHandler = true;
        this.addEventListener("abort", (ev) => { if (typeof this._onabort === "function") this._onabort.call(this, ev); });
      }
      this._onabort = typeof fn === "function" ? fn : null;
    }
    throwIfAborted() { if (this._aborted) throw this._reason; }
    _abort(reason) {
      if (this._aborted) return;
      this._aborted = true;
      this._reason = reason === undefined ? domError("This operation was aborted", "AbortError", 20) : reason;
      this.dispatchEvent(new Event("abort"));
    }
    get [Symbol.toStringTag]() { return "AbortSignal"; }
    static abort(reason) { const s = new AbortSignal(kSignal); s._abort(reason); return s; }
    static timeout(ms) {
      if (typeof ms !== "number") {
        const e = new TypeError(`The "delay" argument must be of type number. Received ${ms === null ? "null" : typeof ms === "string" ? `type string ('${ms}')` : `type ${typeof ms}`}`);
        e.code = "ERR_INVALID_ARG_TYPE";
        throw e;
      }
      if (!(ms >= 0 && ms <= Number.MAX_SAFE_INTEGER) || !Number.isInteger(ms)) {
        const e = new RangeError(`The value of "delay" is out of range. It must be an integer. Received ${ms}`);
        e.code = "ERR_OUT_OF_RANGE";
        throw e;
      }
      const s = new AbortSignal(kSignal);
      s._deadline = Date.now() + ms;
      G.setTimeout(() => s._abort(domError("The operation was aborted due to timeout", "TimeoutError", 23)), ms);
      return s;
    }
    static any(signals) {
      const s = new AbortSignal(kSignal);
      for (const x of signals) {
        if (!(x instanceof AbortSignal)) throw new TypeError("The \"signals\" argument must be an array of AbortSignal.");
        if (x.aborted) { s._abort(x.reason); return s; }
        s._deadline = Math.min(s._deadline, x._deadline);
      }
      for (const x of signals) x.addEventListener("abort", () => s._abort(x.reason), { once: true });
      return s;
    }
  }
  class AbortController {
    constructor() { this._signal = new AbortSignal(kSignal); }
    get signal() { return this._signal; }
    abort(reason) { this._signal._abort(reason); }
    get [Symbol.toStringTag]() { return "AbortController"; }
  }

  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const trimValue = (v) => String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  class Headers {
    constructor(init) {
      this._m = new Map(); // lower-case name -> combined value (set-cookie kept apart)
      this._cookies = [];
      if (init === undefined || init === null) return;
      if (typeof init !== "object" && typeof init !== "function") {
        throw new TypeError("Headers constructor: Argument 1 could not be converted to one of: sequence<sequence<ByteString>>, record<ByteString, ByteString>.");
      }
      if (init instanceof Headers) { for (const [k, v] of init) this.append(k, v); return; }
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = typeof pair === "string" ? [pair] : Array.from(pair);
          if (p.length !== 2) throw new TypeError(`Headers constructor: expected name/value pair to be length 2, found ${p.length}.`);
          this.append(p[0], p[1]);
        }
        return;
      }
      for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    _check(op, k, v, nameOnly) {
      k = String(k);
      if (!TOKEN.test(k)) throw new TypeError(`Headers.${op}: "${k}" is an invalid header name.`);
      if (nameOnly) return [k.toLowerCase()];
      v = trimValue(v);
      const wide = /[^\x00-\xff]/.exec(v);
      if (wide) throw new TypeError(`Cannot convert argument to a ByteString because the character at index ${wide.index} has a value of ${v.charCodeAt(wide.index)} which is greater than 255.`);
      if (/[\0\r\n]/.test(v)) throw new TypeError(`Headers.${op}: "${v}" is an invalid header value.`);
      return [k.toLowerCase(), v];
    }
    append(k, v) {
      [k, v] = this._check("append", k, v);
      if (k === "set-cookie") { this._cookies.push(v); return; }
      const o = this._m.get(k);
      this._m.set(k, o === undefined ? v : o + ", " + v);
    }
    set(k, v) {
      [k, v] = this._check("set", k, v);
      if (k === "set-cookie") this._cookies = [v]; else this._m.set(k, v);
    }
    get(k) {
      [k] = this._check("get", k, undefined, true);
      if (k === "set-cookie") return this._cookies.length ? this._cookies.join(", ") : null;
      const v = this._m.get(k);
      return v === undefined ? null : v;
    }
    getSetCookie() { return this._cookies.slice(); }
    has(k) { [k] = this._check("has", k, undefined, true); return k === "set-cookie" ? this._cookies.length > 0 : this._m.has(k); }
    delete(k) { [k] = this._check("delete", k, undefined, true); if (k === "set-cookie") this._cookies = []; else this._m.delete(k); }
    _pairs() {
      const out = [];
      const names = [...this._m.keys()];
      if (this._cookies.length) names.push("set-cookie");
      for (const k of names.sort()) {
        if (k === "set-cookie") for (const c of this._cookies) out.push([k, c]);
        else out.push([k, this._m.get(k)]);
      }
      return out;
    }
    forEach(fn, self) { for (const [k, v] of this._pairs()) fn.call(self, v, k, this); }
    *entries() { yield* this._pairs(); }
    *keys() { for (const [k] of this._pairs()) yield k; }
    *values() { for (const [, v] of this._pairs()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
    raw() { // node-fetch v2
      const o = {};
      for (const [k, v] of this._pairs()) (o[k] = o[k] || []).push(v);
      return o;
    }
  }

  // -- Blob, File, FormData -------------------------------------------------------------------
  const bytesOfPart = (p) => (typeof p === "string" ? utf8Encode(p)
    : p instanceof ArrayBuffer ? new Uint8Array(p.slice(0))
      : ArrayBuffer.isView(p) ? new Uint8Array(p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength))
        : p instanceof Blob ? p._bytes : utf8Encode(String(p)));
  function concatBytes(list) {
    let n = 0;
    for (const b of list) n += b.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const b of list) { out.set(b, o); o += b.length; }
    return out;
  }
  class Blob {
    constructor(parts = [], options = {}) {
      if (parts === null || typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function") {
        const e = new TypeError(`The "sources" argument must be a sequence. Received ${parts === null ? "null" : `type ${typeof parts} (${String(parts)})`}`);
        e.code = "ERR_INVALID_ARG_TYPE";
        throw e;
      }
      this._bytes = concatBytes(Array.from(parts, bytesOfPart));
      const t = options && options.type !== undefined ? String(options.type) : "";
      this._type = /^[\x20-\x7e]*$/.test(t) ? t.toLowerCase() : "";
    }
    get size() { return this._bytes.length; }
    get type() { return this._type; }
    text() { return Promise.resolve(utf8Decode(this._bytes)); }
    arrayBuffer() { return Promise.resolve(this._bytes.slice().buffer); }
    slice(start = 0, end = this._bytes.length, type = "") { return new Blob([this._bytes.slice(start, end)], { type }); }
    stream() { return new BodyStream(this._bytes); }
    get [Symbol.toStringTag]() { return "Blob"; }
  }
  class File extends Blob {
    constructor(bits, name, options = {}) {
      if (arguments.length < 2) {
        const e = new TypeError('The "fileBits" and "fileName" arguments must be specified');
        e.code = "ERR_MISSING_ARGS";
        throw e;
      }
      super(bits, options);
      this._name = String(name);
      this._lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
    }
    get name() { return this._name; }
    get lastModified() { return this._lastModified; }
    get [Symbol.toStringTag]() { return "File"; }
  }
  class FormData {
    constructor(form) {
      if (form !== undefined) throw new TypeError("FormData constructor: Argument 1 is not supported.");
      this._list = [];
    }
    _entry(op, name, value, filename, n) {
      if (n < 2) throw new TypeError(`FormData.${op}: At least 2 arguments required, but only ${n} present.`);
      if (n > 2 && !(value instanceof Blob)) throw new TypeError(`Failed to execute '${op}' on 'FormData': parameter 2 is not of type 'Blob'`);
      if (value instanceof Blob) {
        if (!(value instanceof File) || filename !== undefined) {
          value = new File([value], filename !== undefined ? String(filename) : value instanceof File ? value.name : "blob",
            { type: value.type, lastModified: value instanceof File ? value.lastModified : undefined });
        }
        return [String(name), value];
      }
      return [String(name), String(value)];
    }
    append(name, value, filename) { this._list.push(this._entry("append", name, value, filename, arguments.length)); }
    set(name, value, filename) { // replaces the first entry of that name, drops the others
      const e = this._entry("set", name, value, filename, arguments.length);
      let done = false;
      this._list = this._list.flatMap((x) => (x[0] !== e[0] ? [x] : done ? [] : (done = true, [e])));
      if (!done) this._list.push(e);
    }
    get(name) { const e = this._list.find(([k]) => k === String(name)); return e ? e[1] : null; }
    getAll(name) { return this._list.filter(([k]) => k === String(name)).map(([, v]) => v); }
    has(name) { return this._list.some(([k]) => k === String(name)); }
    delete(name) { this._list = this._list.filter(([k]) => k !== String(name)); }
    forEach(fn, self) { for (const [k, v] of this._list) fn.call(self, v, k, this); }
    *entries() { for (const [k, v] of this._list) yield [k, v]; }
    *keys() { for (const [k] of this._list) yield k; }
    *values() { for (const [, v] of this._list) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "FormData"; }
  }
  // multipart/form-data as undici writes it (boundary, escapes, CRLF normalisation)
  function encodeForm(fd) {
    const boundary = "----formdata-undici-0" + String(Math.floor(Math.random() * 1e11)).padStart(11, "0");
    const esc = (s) => s.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
    const crlf = (s) => s.replace(/\r\n|\r|\n/g, "\r\n");
    const parts = [];
    for (const [name, value] of fd._list) {
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(crlf(name))}"`;
      if (typeof value === "string") parts.push(utf8Encode(`${head}\r\n\r\n${crlf(value)}\r\n`));
      else {
        parts.push(utf8Encode(`${head}; filename="${esc(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`),
          value._bytes, utf8Encode("\r\n"));
      }
    }
    parts.push(utf8Encode(`--${boundary}--\r\n`));
    return { bytes: concatBytes(parts), type: "multipart/form-data; boundary=" + boundary };
  }

  // -- bodies -----------------------------------------------------------------------------------
  // A body is bytes, or (a Node stream, form-data's CombinedStream, an async iterable) a
  // source read to its end when the request is sent.
  function extractBody(body) {
    if (body === undefined || body === null) return null;
    if (typeof body === "string") return { bytes: utf8Encode(body), type: "text/plain;charset=UTF-8" };
    if (body instanceof URLSearchParams) return { bytes: utf8Encode(body.toString()), type: "application/x-www-form-urlencoded;charset=UTF-8" };
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return { bytes: bytesOfPart(body), type: null };
    if (body instanceof Blob) return { bytes: body._bytes, type: body.type || null };
    if (body instanceof FormData) return encodeForm(body);
    if (typeof body.getBoundary === "function" && typeof body.on === "function") { // npm form-data
      return { source: body, type: "multipart/form-data;boundary=" + body.getBoundary() };
    }
    if (typeof body.on === "function" || typeof body[Symbol.asyncIterator] === "function" || typeof body.getReader === "function") {
      return { source: body, type: null };
    }
    return { bytes: utf8Encode(String(body)), type: "text/plain;charset=UTF-8" };
  }
  const chunkBytes = (c) => (typeof c === "string" ? utf8Encode(c) : bytesOfPart(c));
  function readSource(src) {
    if (typeof src.on === "function") { // Node streams and old-style ones (form-data)
      return new Promise((resolve, reject) => {
        const parts = [];
        src.on("data", (c) => parts.push(chunkBytes(c)));
        src.on("end", () => resolve(concatBytes(parts)));
        src.on("error", reject);
        if (typeof src.resume === "function") src.resume();
      });
    }
    const it = typeof src.getReader === "function" && typeof src[Symbol.asyncIterator] !== "function"
      ? { async *[Symbol.asyncIterator]() { const r = src.getReader(); for (;;) { const { done, value } = await r.read(); if (done) return; yield value; } } }
      : src;
    return (async () => {
      const parts = [];
      for await (const c of it) parts.push(chunkBytes(c));
      return concatBytes(parts);
    })();
  }
  // Response.body of fetch(): a minimal web ReadableStream of Uint8Array chunks (getReader,
  // async iteration). node-fetch's is a Node Readable (I.nodeBodyStream, http_client.js).
  class BodyStream {
    constructor(bytes, onRead) { this._bytes = bytes; this._onRead = onRead; this._reader = null; }
    get locked() { return this._reader !== null; }
    _next() {
      if (this._onRead) { this._onRead(); this._onRead = null; }
      const b = this._bytes;
      this._bytes = null;
      return Promise.resolve(b && b.length ? { done: false, value: new Uint8Array(b) } : { done: true, value: undefined });
    }
    getReader() {
      if (this._reader) throw new TypeError("ReadableStream is locked");
      const self = this;
      this._reader = {
        read: () => self._next(),
        releaseLock() { self._reader = null; },
        cancel() { self._bytes = null; return Promise.resolve(); },
        get closed() { return Promise.resolve(); },
      };
      return this._reader;
    }
    cancel() { this._bytes = null; return Promise.resolve(); }
    async *[Symbol.asyncIterator]() {
      const r = this.getReader();
      try { for (;;) { const { done, value } = await r.read(); if (done) return; yield value; } } finally { r.releaseLock(); }
    }
    get [Symbol.toStringTag]() { return "ReadableStream"; }
  }
  const BodyMixin = {
    _consume() {
      if (this._used) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
      this._used = true;
      if (this._source) { const s = this._source; this._source = null; return readSource(s); }
      return Promise.resolve(this._bytes || new Uint8Array(0));
    },
    text() { return this._consume().then(utf8Decode); },
    json() { return this.text().then(JSON.parse); },
    arrayBuffer() { return this._consume().then((u) => u.slice().buffer); },
    blob() { return this._consume().then((u) => new Blob([u], { type: this.headers.get("content-type") || "" })); },
    buffer() { return this._consume().then((u) => Buffer._wrap(u)); }, // node-fetch v2
    formData() {
      const ct = this.headers.get("content-type") || "";
      return this.text().then((t) => {
        if (!/^application\/x-www-form-urlencoded/i.test(ct)) throw new TypeError("Response.formData: only application/x-www-form-urlencoded bodies can be parsed here");
        const fd = new FormData();
        for (const [k, v] of new URLSearchParams(t)) fd.append(k, v);
        return fd;
      });
    },
  };
  const bodyProps = {
    bodyUsed: { get() { return !!this._used; }, configurable: true },
    body: {
      get() {
        if (this._bytes === null && !this._source) return null;
        if (!this._stream) {
          if (this._source) this._stream = this._source;
          else {
            const self = this;
            const used = () => { self._used = true; };
            this._stream = this._nodeBody && I.nodeBodyStream ? I.nodeBodyStream(this._bytes, used) : new BodyStream(this._bytes, used);
          }
        }
        return this._stream;
      },
      configurable: true,
    },
  };

  const NULL_BODY = new Set([101, 103, 204, 205, 304]);
  const REDIRECTS = new Set([301, 302, 303, 307, 308]);
  const METHODS = { DELETE: 1, GET: 1, HEAD: 1, OPTIONS: 1, POST: 1, PUT: 1 };
  class Request {
    constructor(input, init = {}) {
      const src = input instanceof Request ? input : null;
      const raw = src ? src.url : input instanceof URL ? input.href : String(input);
      let url;
      try { url = new URL(raw); } catch (cause) { throw new TypeError(`Failed to parse URL from ${raw}`, { cause }); }
      if ((url.username || url.password) && !(init && init[kCredentials])) {
        throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${raw}`);
      }
      init = init || {};
      let method = init.method !== undefined ? String(init.method) : src ? src.method : "GET";
      if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
      if (/^(connect|trace|track)$/i.test(method)) throw new TypeError(`'${method}' HTTP method is unsupported.`);
      if (METHODS[method.toUpperCase()]) method = method.toUpperCase();
      const redirect = init.redirect !== undefined ? String(init.redirect) : src ? src.redirect : "follow";
      if (!["follow", "error", "manual"].includes(redirect)) {
        throw new TypeError(`Request constructor: ${redirect} is not an accepted type. Expected one of follow, manual, error.`);
      }
      const signal = init.signal !== undefined && init.signal !== null ? init.signal : src ? src.signal : new AbortSignal(kSignal);
      if (!signal || typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function") {
        throw new TypeError("Request constructor: Expected signal to be an instance of AbortSignal.");
      }
      this._url = url.href;
      this._method = method;
      this._redirect = redirect;
      this._signal = signal;
      this._headers = new Headers(init.headers !== undefined ? init.headers : src ? src.headers : undefined);
      let body = null;
      if (init.body !== undefined && init.body !== null) body = extractBody(init.body);
      else if (src && init.body === undefined) {
        if (src._used) throw new TypeError("Cannot construct a Request with a Request object that has already been used.");
        body = src._bytes !== null ? { bytes: src._bytes } : src._source ? { source: src._source } : null;
        if (src._source || src._bytes !== null) src._used = true;
      }
      if (body && (method === "GET" || method === "HEAD")) throw new TypeError("Request with GET/HEAD method cannot have body.");
      if (body && body.type && !this._headers.has("content-type")) this._headers.set("content-type", body.type);
      this._bytes = body && body.bytes ? body.bytes : null;
      this._source = body && body.source ? body.source : null;
      this._used = false;
    }
    get url() { return this._url; }
    get method() { return this._method; }
    get headers() { return this._headers; }
    get redirect() { return this._redirect; }
    get signal() { return this._signal; }
    get cache() { return "default"; }
    get credentials() { return "same-origin"; }
    get mode() { return "cors"; }
    get referrer() { return "about:client"; }
    get referrerPolicy() { return ""; }
    get integrity() { return ""; }
    get keepalive() { return false; }
    get destination() { return ""; }
    get duplex() { return "half"; }
    clone() {
      if (this._used) throw new TypeError("Request.clone: Body has already been consumed.");
      return new Request(this, { body: this._bytes === null ? undefined : this._bytes, [kCredentials]: true });
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  const kCredentials = Symbol("brygge.credentials");
  Object.assign(Request.prototype, BodyMixin);
  Object.defineProperties(Request.prototype, bodyProps);

  class Response {
    constructor(body = null, init = {}) {
      init = init || {};
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!(status >= 200 && status <= 599) || !Number.isInteger(status)) {
        throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
      }
      const b = extractBody(body);
      if (b && NULL_BODY.has(status)) throw new TypeError(`Response constructor: Invalid response status code ${status}`);
      this._status = status;
      this._statusText = init.statusText === undefined ? "" : String(init.statusText);
      this._headers = new Headers(init.headers);
      if (b && b.type && !this._headers.has("content-type")) this._headers.set("content-type", b.type);
      this._bytes = b && b.bytes ? b.bytes : null;
      this._source = b && b.source ? b.source : null;
      this._type = "default";
      this._url = "";
      this._redirected = false;
      this._used = false;
    }
    static _from(r, url, signal, nodeFetch, method) { // a response the host received
      const res = Object.create(Response.prototype);
      res._status = r.status;
      res._statusText = r.statusText || "";
      res._headers = new Headers(r.headers);
      res._bytes = NULL_BODY.has(r.status) || method === "HEAD" ? null : fromBase64(r.body);
      res._source = null;
      res._type = "basic";
      res._url = r.url || url;
      res._redirected = !!r.redirected;
      res._used = false;
      res._signal = signal;
      res._nodeBody = nodeFetch; // node-fetch v2: body is a Node stream of Buffers
      return res;
    }
    get status() { return this._status; }
    get statusText() { return this._statusText; }
    get ok() { return this._status >= 200 && this._status < 300; }
    get headers() { return this._headers; }
    get type() { return this._type; }
    get url() { return this._url; }
    get redirected() { return this._redirected; }
    clone() {
      if (this._used) throw new TypeError("Response.clone: Body has already been consumed.");
      const r = Object.create(Response.prototype);
      Object.assign(r, this, { _headers: new Headers(this._headers), _stream: undefined });
      return r;
    }
    get [Symbol.toStringTag]() { return "Response"; }
    static error() {
      const r = new Response(null, { status: 200 });
      r._status = 0;
      r._type = "error";
      return r;
    }
    static redirect(url, status = 302) {
      let href;
      try { href = new URL(String(url)).href; } catch (cause) { throw new TypeError(`Failed to parse URL from ${url}`, { cause }); }
      if (!REDIRECTS.has(status)) throw new RangeError(`Invalid status code ${status}`);
      return new Response(null, { status, headers: { location: href } });
    }
    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Value is not JSON serializable");
      const r = new Response(text, init);
      r._headers.set("content-type", "application/json");
      return r;
    }
  }
  Object.assign(Response.prototype, BodyMixin);
  Object.defineProperties(Response.prototype, bodyProps);
  // A body read after the request's signal aborted rejects with its reason, as in undici.
  const consumeBase = BodyMixin._consume;
  Response.prototype._consume = function () {
    if (this._signal && this._signal.aborted && !this._used) return Promise.reject(this._signal.reason);
    return consumeBase.call(this);
  };

  // -- the request itself -------------------------------------------------------------------------
  // One host call. Failures come back as {error: {code, message, ...}}; a host refusal
  // ("ERR_CODE: message") is folded into the same shape.
  function outbound(req) {
    let s;
    try {
      s = host("net.fetch", JSON.stringify(req));
    } catch (e) {
      const msg = String(e.message).replace(/^(internal )?fetch failed: /, "");
      const m = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(msg);
      return { error: m ? { code: m[1], message: m[2], brygge: true } : { code: "ERR_BRYGGE_OUTBOUND", message: msg, brygge: true } };
    }
    return JSON.parse(s);
  }
  function netError(err) { // Node's shape of a network error (the cause of "fetch failed")
    const e = new Error(err.message);
    for (const k of ["errno", "code", "syscall", "address", "port", "hostname"]) if (err[k] !== undefined) e[k] = err[k];
    return e;
  }
  class FetchError extends Error { // node-fetch v2
    constructor(message, type, systemError) {
      super(message);
      this.type = type;
      if (systemError) this.code = this.errno = systemError.code;
    }
    get name() { return "FetchError"; }
  }
  function nfAbortError() {
    const e = new Error("The user aborted a request.");
    e.name = "AbortError";
    e.type = "aborted";
    return e;
  }
  function failure(err, req, nodeFetch) {
    if (nodeFetch) {
      if (err.code === "ERR_BRYGGE_REDIRECT") return new FetchError(`uri requested responds with a redirect, redirect mode is set to error: ${req.url}`, "no-redirect");
      if (err.code === "ERR_BRYGGE_REDIRECTS") return new FetchError(`maximum redirect reached at: ${req.url}`, "max-redirect");
      if (err.timeout === "app") return new FetchError(`network timeout at: ${req.url}`, "request-timeout");
      return new FetchError(`request to ${req.url} failed, reason: ${err.message}`, "system", err);
    }
    const cause = err.code === "ERR_BRYGGE_REDIRECT" ? new Error("unexpected redirect")
      : err.code === "ERR_BRYGGE_REDIRECTS" ? new Error("redirect count exceeded") : netError(err);
    return new TypeError(err.brygge ? "fetch failed: " + err.message : "fetch failed", { cause });
  }
  async function doFetch(input, init, nodeFetch) {
    const opts = init || {};
    const req = new Request(input, nodeFetch ? { ...opts, [kCredentials]: true } : opts);
    const signal = req.signal;
    const aborted = () => (nodeFetch ? nfAbortError() : signal.reason);
    if (signal.aborted) throw aborted();
    let bytes = req._bytes;
    if (req._source) { bytes = await readSource(req._source); req._source = null; }
    if (signal.aborted) throw aborted();
    const headers = {};
    req.headers.forEach((v, k) => { headers[k] = k in headers ? headers[k] + ", " + v : v; });
    const payload = { url: req.url, method: req.method, headers, redirect: req.redirect };
    if (bytes && bytes.length) payload.body = toBase64(bytes);
    else if (bytes) payload.body = "";
    if (nodeFetch) {
      if (opts.follow !== undefined) payload.follow = Math.max(0, opts.follow | 0);
      if (opts.follow === 0 && req.redirect === "follow") payload.redirect = "error";
    }
    // The host waits at most until AbortSignal.timeout() fires (or node-fetch's `timeout`).
    const bySignal = Math.max(1, signal._deadline - Date.now());
    const byOption = nodeFetch && opts.timeout > 0 ? opts.timeout : Infinity;
    if (Math.min(bySignal, byOption) !== Infinity) payload.timeout_ms = Math.min(bySignal, byOption);
    const r = outbound(payload);
    if (r.error) {
      if (r.error.timeout === "app" && bySignal <= byOption) {
        // the signal's timer is due: reject as undici does, with its reason
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        throw aborted();
      }
      if (r.error.code === "ERR_BRYGGE_REDIRECTS" && nodeFetch && opts.follow === 0) r.error.code = "ERR_BRYGGE_REDIRECT";
      throw failure(r.error, req, nodeFetch);
    }
    if (signal.aborted) throw aborted();
    if (nodeFetch && opts.size > 0 && r.body.length * 3 / 4 > opts.size) {
      const n = fromBase64(r.body).length;
      if (n > opts.size) throw new FetchError(`content size at ${req.url} over limit: ${opts.size}`, "max-size");
    }
    return Response._from(r, req.url, signal, nodeFetch, req.method);
  }
  // Asynchronous like undici: a bad URL or init rejects, never throws.
  function fetch(input, init) {
    return Promise.resolve().then(() => doFetch(input, init, false));
  }
  G.fetch = fetch;
  Object.assign(G, { Headers, Request, Response, Blob, File, FormData, AbortController, AbortSignal });
  if (typeof G.EventTarget === "undefined") Object.assign(G, { EventTarget, Event });
  define("node-fetch", () => {
    const f = function fetch(input, init) { return Promise.resolve().then(() => doFetch(input, init, true)); };
    Object.defineProperty(f, "__esModule", { value: true });
    Object.assign(f, { default: f, Headers, Request, Response, FetchError, AbortError: class AbortError extends Error {
      constructor(message) { super(message); this.type = "aborted"; } get name() { return "AbortError"; } },
    isRedirect: (code) => REDIRECTS.has(code) });
    return f;
  });

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
    randomFillSync: (buf, offset = 0, size) => {
      const u = bytesOf(buf);
      const n = size === undefined ? u.length - offset : size;
      u.set(randomBytes(n), offset);
      return buf;
    },
    randomFill: (buf, ...rest) => {
      const cb = rest.pop();
      try { cryptoModule.randomFillSync(buf, ...rest); queueMicrotask(() => cb(null, buf)); }
      catch (e) { queueMicrotask(() => cb(e)); }
    },
    randomInt: (min, max, cb) => {
      if (max === undefined || typeof max === "function") { cb = max; max = min; min = 0; }
      const range = max - min;
      if (!(range > 0) || range > 2 ** 48) throw new RangeError(`The value of "max" is out of range. It must be greater than the value of "min" (${min})`);
      // rejection sampling over 48 random bits: no modulo bias
      const limit = 2 ** 48 - (2 ** 48 % range);
      let x;
      do { const b = randomBytes(6); x = b.readUIntBE ? b.readUIntBE(0, 6) : b.reduce((a, v) => a * 256 + v, 0); } while (x >= limit);
      const v = min + (x % range);
      if (typeof cb === "function") { queueMicrotask(() => cb(null, v)); return undefined; }
      return v;
    },
    getHashes: () => ["md5", "sha1", "sha256", "sha384", "sha512"],
    getRandomValues: (arr) => { arr.set(randomBytes(arr.byteLength)); return arr; },
  };
  cryptoModule.default = cryptoModule;
  define("crypto", () => cryptoModule);
  if (!G.crypto) G.crypto = { randomUUID, getRandomValues: cryptoModule.getRandomValues };
  Object.assign(I, { Buffer, encode, toBase64, fromBase64, utf8Encode, utf8Decode, bytesOf, Headers, Response, fetch,
    Request, Blob, FormData, AbortSignal, outbound, netError, extractBody, readSource, concatBytes });
})();
