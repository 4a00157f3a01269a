  // -- Buffer methods beyond Uint8Array's, as Node 20 has them --------------------------------
  // write and the per-encoding *Write/*Slice, fill, indexOf/lastIndexOf/includes (string,
  // number and byte needles), swap16/32/64, inspect, toLocaleString, parent/offset.
  // Semantics from Node's lib/buffer.js and src/node_buffer.cc (offset clamping included).
  {
    const { E, nodeError, invalidArgType } = I;
    const BP = Buffer.prototype;
    const U8 = Uint8Array.prototype;
    const method = (name, fn) => {
      Object.defineProperty(fn, "name", { value: name, configurable: true });
      Object.defineProperty(BP, name, { value: fn, enumerable: true, writable: true, configurable: true });
    };

    const validateOffset = (value, name, min = 0, max = 2 ** 32) => {
      if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
      if (!Number.isInteger(value)) throw E.outOfRange(name, "an integer", value);
      if (value < min || value > max) throw E.outOfRange(name, `>= ${min} && <= ${max}`, value);
    };

    // The bytes of `string` in `enc` that fit in `room`: UTF-8 and UTF-16 never split a character.
    function fitted(string, enc, room) {
      const bytes = encode(string, enc);
      if (bytes.length <= room) return bytes;
      let n = room;
      if (enc === "utf8") while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
      if (enc === "utf16le") n -= n % 2;
      return bytes.subarray(0, n);
    }
    function writeEncoded(buf, string, offset, length, enc) {
      if (typeof string !== "string") throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", "argument must be a string");
      const bytes = fitted(string, enc, Math.max(0, Math.min(length, buf.length - offset)));
      U8.set.call(buf, bytes, offset);
      return bytes.length;
    }
    // src/node_buffer.cc's StringWrite: offset and length are array indexes, clamped to the buffer.
    function index(v, dflt) {
      if (v === undefined) return dflt;
      const n = Math.trunc(+v) || 0;
      if (n < 0) throw nodeError(RangeError, "ERR_OUT_OF_RANGE", "Index out of range");
      return n;
    }
    for (const [name, enc] of [["utf8", "utf8"], ["latin1", "latin1"], ["ascii", "latin1"], ["hex", "hex"],
      ["base64", "base64"], ["base64url", "base64"], ["ucs2", "utf16le"]]) {
      method(`${name}Write`, function (string, offset, length) {
        offset = index(offset, 0);
        if (offset > this.length) throw E.bufferOutOfBounds("offset");
        return writeEncoded(this, string, offset, index(length, this.length - offset), enc);
      });
    }
    method("base64urlSlice", function (start = 0, end = this.length) { return this.toString("base64url", start, end); });

    method("write", function (string, offset, length, encoding) {
      if (offset === undefined) return writeEncoded(this, string, 0, this.length, "utf8");
      if (length === undefined && typeof offset === "string") {
        encoding = offset;
        length = this.length;
        offset = 0;
      } else {
        validateOffset(offset, "offset", 0, this.length);
        const remaining = this.length - offset;
        if (length === undefined) length = remaining;
        else if (typeof length === "string") { encoding = length; length = remaining; }
        else { validateOffset(length, "length", 0, this.length); length = Math.min(length, remaining); }
      }
      const enc = normalizeEncoding(encoding);
      if (enc === undefined) throw E.unknownEncoding(encoding);
      return writeEncoded(this, string, offset, length, enc === "base64url" ? "base64" : enc);
    });

    method("fill", function (value, offset, end, encoding) {
      let enc;
      if (typeof value === "string") {
        if (offset === undefined || typeof offset === "string") { encoding = offset; offset = 0; end = this.length; }
        else if (typeof end === "string") { encoding = end; end = this.length; }
        enc = normalizeEncoding(encoding);
        if (enc === undefined) {
          if (typeof encoding !== "string") throw invalidArgType("encoding", "of type string", encoding);
          throw E.unknownEncoding(encoding);
        }
        if (value.length === 0) value = 0;
        else if (value.length === 1 && (enc === "latin1" || (enc === "utf8" && value.charCodeAt(0) < 128))) value = value.charCodeAt(0);
      }
      if (offset === undefined) { offset = 0; end = this.length; }
      else {
        validateOffset(offset, "offset");
        if (end === undefined) end = this.length;
        else validateOffset(end, "end", 0, this.length);
        if (offset >= end) return this;
      }
      let pattern;
      if (typeof value === "string") pattern = encode(value, enc);
      else if (value instanceof Uint8Array) pattern = value;
      else { U8.fill.call(this, typeof value === "number" ? value : (Number(value) >>> 0) & 255, offset, end); return this; }
      if (pattern.length === 0) throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'value' is invalid. Received ${I.inspectValue(value, true)}`);
      // One copy of the pattern, then doubling copies of what is filled: O(log n) native calls.
      let filled = Math.min(pattern.length, end - offset);
      U8.set.call(this, U8.subarray.call(pattern, 0, filled), offset);
      while (offset + filled < end) {
        const k = Math.min(filled, end - offset - filled);
        U8.copyWithin.call(this, offset + filled, offset, offset + k);
        filled += k;
      }
      return this;
    });

    // src/node_buffer.cc's IndexOfOffset: where a search starts, or -1 for no match.
    function startAt(length, offset, needleLength, forward) {
      if (offset < 0) {
        if (offset + length >= 0) return length + offset;
        return forward || needleLength === 0 ? 0 : -1;
      }
      if (offset + needleLength <= length) return offset;
      if (needleLength === 0) return length;
      return forward ? -1 : length - 1;
    }
    // In `unit`-byte steps: utf16le searches whole code units from start's unit (node_buffer.cc).
    // Its "not found" is the unit count times 2, which is -1 only when that is `length` (so an
    // odd-length buffer and a byte needle answer length - 1, as Node does).
    function search(buf, length, needle, start, forward, unit) {
      const n = Math.floor(needle.length / unit), units = Math.floor(length / unit), last = units - n;
      const matches = (i) => { for (let k = 0; k < n * unit; k++) if (buf[i * unit + k] !== needle[k]) return false; return true; };
      start = Math.floor(start / unit);
      if (forward) { for (let i = start; i <= last; i++) if (matches(i)) return i * unit; }
      else for (let i = Math.min(start, last); i >= 0; i--) if (matches(i)) return i * unit;
      return units * unit === length ? -1 : units * unit;
    }
    function indexOf(buf, val, byteOffset, encoding, forward) {
      if (typeof byteOffset === "string") { encoding = byteOffset; byteOffset = undefined; }
      else if (byteOffset > 0x7fffffff) byteOffset = 0x7fffffff;
      else if (byteOffset < -0x80000000) byteOffset = -0x80000000;
      byteOffset = +byteOffset;
      if (Number.isNaN(byteOffset)) byteOffset = forward ? 0 : buf.length;
      byteOffset = Math.trunc(byteOffset);
      let needle, enc = "utf8";
      if (typeof val === "number") needle = [(val >>> 0) & 255];
      else if (typeof val === "string" || val instanceof Uint8Array) {
        if (encoding !== undefined) enc = normalizeEncoding(encoding);
        if (enc === undefined && typeof val === "string") throw E.unknownEncoding(encoding);
        needle = typeof val === "string" ? encode(val, enc) : val;
      } else throw invalidArgType("value", "one of type number or string or an instance of Buffer or Uint8Array", val);
      // A utf16le string search sees the buffer cut to whole code units (IndexOfString).
      const length = enc === "utf16le" && typeof val === "string" ? buf.length & ~1 : buf.length;
      const start = startAt(length, byteOffset, needle.length, forward);
      if (needle.length === 0) return start;
      if (start < 0 || length === 0) return -1;
      if ((forward && needle.length + start > length) || needle.length > length) return -1;
      if (enc !== "utf16le") return search(buf, length, needle, start, forward, 1);
      return length < 2 || needle.length < 2 ? -1 : search(buf, length, needle, start, forward, 2);
    }
    method("indexOf", function (val, byteOffset, encoding) { return indexOf(this, val, byteOffset, encoding, true); });
    method("lastIndexOf", function (val, byteOffset, encoding) { return indexOf(this, val, byteOffset, encoding, false); });
    method("includes", function (val, byteOffset, encoding) { return this.indexOf(val, byteOffset, encoding) !== -1; });

    for (const size of [2, 4, 8]) {
      method(`swap${size * 8}`, function () {
        if (this.length % size !== 0) {
          throw nodeError(RangeError, "ERR_INVALID_BUFFER_SIZE", `Buffer size must be a multiple of ${size * 8}-bits`);
        }
        for (let i = 0; i < this.length; i += size) {
          for (let a = i, b = i + size - 1; a < b; a++, b--) { const t = this[a]; this[a] = this[b]; this[b] = t; }
        }
        return this;
      });
    }

    const INSPECT_MAX_BYTES = 50; // require('buffer').INSPECT_MAX_BYTES
    method("inspect", function () { // Node's <Buffer 61 62>, not a general printer
      const n = Math.min(this.length, INSPECT_MAX_BYTES);
      let s = Array.from(U8.subarray.call(this, 0, n), (b) => (b < 16 ? "0" : "") + b.toString(16)).join(" ");
      if (this.length > n) s += ` ... ${this.length - n} more byte${this.length - n > 1 ? "s" : ""}`;
      return `<${this.constructor.name} ${s}>`;
    });
    Object.defineProperty(BP, "toLocaleString", { value: BP.toString, enumerable: true, writable: true, configurable: true });
    // The statics Node has and Uint8Array lacks.
    Buffer.poolSize = 8192;
    Buffer.of = function of(...items) {
      const b = Buffer.allocUnsafe(items.length);
      for (let k = 0; k < items.length; k++) b[k] = items[k];
      return b;
    };
    const validateInteger = (v, name) => {
      validateOffset(v, name, 0, Number.MAX_SAFE_INTEGER);
    };
    Buffer.copyBytesFrom = function copyBytesFrom(view, offset, length) {
      if (!ArrayBuffer.isView(view) || view instanceof DataView) throw invalidArgType("view", "an instance of TypedArray", view);
      if (view.length === 0) return Buffer.alloc(0);
      if (offset !== undefined || length !== undefined) {
        if (offset !== undefined) {
          validateInteger(offset, "offset");
          if (offset >= view.length) return Buffer.alloc(0);
        } else offset = 0;
        let end = view.length;
        if (length !== undefined) { validateInteger(length, "length"); end = offset + length; }
        view = view.slice(offset, end);
      }
      return Buffer.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    };
    for (const [name, get] of [["parent", (b) => b.buffer], ["offset", (b) => b.byteOffset]]) {
      Object.defineProperty(BP, name, { enumerable: true, configurable: true,
        get() { return this instanceof Buffer ? get(this) : undefined; } });
    }
  }
