  // -- Buffer ----------------------------------------------------------------------------
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function latin1(u) { let s = ""; for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192)); return s; }
  function fromLatin1(s) { const u = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 255; return u; }
  function toBase64(u) { return G.btoa(latin1(u)); }
  function fromBase64(s) {
    s = String(s).replace(/[^A-Za-z0-9+/\-_]/g, "").replace(/-/g, "+").replace(/_/g, "/");
    if (s.length % 4 === 1) s = s.slice(0, -1); // a lone trailing sextet holds no byte: Node drops it
    while (s.length % 4) s += "=";
    return fromLatin1(G.atob(s));
  }
  function toHex(u) { let s = ""; for (let i = 0; i < u.length; i++) s += (u[i] < 16 ? "0" : "") + u[i].toString(16); return s; }
  function fromHex(s) {
    const n = s.length >> 1, u = new Uint8Array(n);
    // Node stops at the first pair that is not two hex digits (parseInt alone would take "bl" as 0xb).
    for (let i = 0; i < n; i++) {
      const pair = s.substr(i * 2, 2);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) return u.subarray(0, i);
      u[i] = parseInt(pair, 16);
    }
    return u;
  }
  function fromUtf16le(s) {
    const u = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); u[2 * i] = c & 255; u[2 * i + 1] = c >> 8; }
    return u;
  }
  function toUtf16le(u) {
    let s = "";
    for (let i = 0; i + 1 < u.length; i += 2) s += String.fromCharCode(u[i] | (u[i + 1] << 8));
    return s;
  }
  // Node's encoding names, any case, to the one each stands for (undefined: unknown).
  const ENCODING_NAMES = { "utf8": "utf8", "utf-8": "utf8", "hex": "hex", "base64": "base64", "base64url": "base64url",
    "latin1": "latin1", "binary": "latin1", "ascii": "ascii", "ucs2": "utf16le", "ucs-2": "utf16le",
    "utf16le": "utf16le", "utf-16le": "utf16le" };
  const normalizeEncoding = (enc) => (enc === undefined || enc === null || enc === "" ? "utf8"
    : ENCODING_NAMES[String(enc).toLowerCase()]);
  function encode(str, enc) {
    switch (normalizeEncoding(enc)) {
      case "utf8": return utf8Encode(str);
      case "hex": return fromHex(str);
      case "base64": case "base64url": return fromBase64(str);
      case "latin1": case "ascii": return fromLatin1(str);
      case "utf16le": return fromUtf16le(str);
      default: throw I.E.unknownEncoding(enc);
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
    static alloc(n, fill, enc) { const b = new Buffer(n); if (fill !== undefined && fill !== 0 && n > 0) b.fill(fill, 0, n, enc); return b; }
    static allocUnsafe(n) { return new Buffer(n); }
    static isBuffer(b) { return b instanceof Buffer; }
    static isEncoding(e) { return typeof e === "string" && e !== "" && normalizeEncoding(e) !== undefined; }
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
      switch (normalizeEncoding(enc)) {
        case "utf8": return utf8Decode(u);
        case "hex": return toHex(u);
        case "base64": return toBase64(u);
        case "base64url": return toBase64(u).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
        case "latin1": return latin1(u);
        case "ascii": return latin1(u.map((c) => c & 127));
        case "utf16le": return toUtf16le(u);
        default: throw I.E.unknownEncoding(enc);
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

