// Node's `stream` (+ `stream/promises`), `string_decoder` and `assert` for tenant code,
// written from Node's documented behaviour. Constructors are plain functions (not
// classes) because packages still do `Readable.call(this, opts)` with util.inherits;
// `class X extends Readable` works as well. nextTick, the errors, inspect and
// EventEmitter come from the runtime scope (node/next_tick.js .. node/events.js).
  const G = globalThis;
  const I = G.__brygge_internal;
  const define = I.define;
  const Buffer = I.Buffer;
  const utf8Decode = I.utf8Decode;
  const toBase64 = I.toBase64;
  const { nextTick, nodeError, invalidArgType, invalidReturn, E, abortError, inspectValue } = I;
  const { EventEmitter, captureRejectionSymbol, eventsOf, abortListen } = I;

  // -- string_decoder ---------------------------------------------------------------------------
  const ENCODINGS = {
    utf8: "utf8", "utf-8": "utf8", ucs2: "utf16le", "ucs-2": "utf16le", utf16le: "utf16le", "utf-16le": "utf16le",
    latin1: "latin1", binary: "latin1", base64: "base64", base64url: "base64url", hex: "hex", ascii: "ascii",
  };
  function normEncoding(enc) {
    if (enc === undefined || enc === null || enc === "") return "utf8";
    const n = ENCODINGS[String(enc).toLowerCase()];
    if (!n) throw E.unknownEncoding(enc);
    return n;
  }
  function asBytes(b) {
    if (b instanceof Uint8Array) return b;
    if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    if (b instanceof ArrayBuffer) return new Uint8Array(b);
    throw invalidArgType("buf", "an instance of Buffer, TypedArray, or DataView", b);
  }
  function concatBytes(a, b) {
    if (!a.length) return b;
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }
  // How many bytes at the end of u start a UTF-8 character that is not complete yet.
  function utf8Incomplete(u) {
    for (let back = 1; back <= Math.min(3, u.length); back++) {
      const b = u[u.length - back];
      if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
      const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
      return need > back ? back : 0;
    }
    return 0;
  }
  function utf16Decode(u) {
    let s = "";
    for (let i = 0; i + 1 < u.length; i += 2) s += String.fromCharCode(u[i] | (u[i + 1] << 8));
    return s;
  }
  function StringDecoder(encoding) {
    if (!(this instanceof StringDecoder)) return new StringDecoder(encoding);
    this.encoding = normEncoding(encoding);
    this._pending = new Uint8Array(0);
  }
  StringDecoder.prototype.write = function write(buf) {
    if (typeof buf === "string") return buf;
    let u = concatBytes(this._pending, asBytes(buf));
    let keep = 0;
    switch (this.encoding) {
      case "utf8": keep = utf8Incomplete(u); break;
      case "utf16le": {
        keep = u.length % 2;
        if (!keep && u.length >= 2) {
          const last = u[u.length - 2] | (u[u.length - 1] << 8);
          if (last >= 0xd800 && last <= 0xdbff) keep = 2; // high surrogate waits for its pair
        }
        break;
      }
      case "base64": case "base64url": keep = u.length % 3; break;
      default: keep = 0;
    }
    this._pending = keep ? u.slice(u.length - keep) : new Uint8Array(0);
    u = keep ? u.subarray(0, u.length - keep) : u;
    return decodeBytes(u, this.encoding);
  };
  StringDecoder.prototype.end = function end(buf) {
    let s = buf === undefined ? "" : this.write(buf);
    const p = this._pending;
    this._pending = new Uint8Array(0);
    if (p.length) {
      if (this.encoding === "utf8") s += "\ufffd";
      else if (this.encoding === "utf16le") s += utf16Decode(p.subarray(0, p.length - (p.length % 2)));
      else s += decodeBytes(p, this.encoding);
    }
    return s;
  };
  StringDecoder.prototype.text = function text(buf, offset) { return this.write(asBytes(buf).subarray(offset)); };
  function decodeBytes(u, enc) {
    if (!u.length) return "";
    switch (enc) {
      case "utf8": return utf8Decode(u);
      case "utf16le": return utf16Decode(u);
      case "base64": return toBase64(u);
      case "base64url": return toBase64(u).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      case "hex": { let s = ""; for (const b of u) s += (b < 16 ? "0" : "") + b.toString(16); return s; }
      case "latin1": { let s = ""; for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192)); return s; }
      case "ascii": { let s = ""; for (const b of u) s += String.fromCharCode(b & 0x7f); return s; }
      default: throw E.unknownEncoding(enc);
    }
  }

