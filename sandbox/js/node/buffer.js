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

