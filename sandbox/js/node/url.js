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
