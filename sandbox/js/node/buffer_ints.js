  // -- Buffer's number readers and writers ---------------------------------------------------
  // read/write{U,}Int{8,16,32}{LE,BE}, {U,}Int{LE,BE} (1-6 bytes), BigInt64/BigUInt64,
  // Float, Double, with the `Uint` aliases: Node 20's lib/internal/buffer.js, whose order of
  // checks (value coercion, range, then offset) and error texts apps and tests depend on.
  // The bytes go through buf[i] = x as Node's do, so ToUint8 truncation matches too.
  {
    const { E, invalidArgType } = I;
    const BP = Buffer.prototype;

    const validateNumber = (v, name) => {
      if (typeof v !== "number") throw invalidArgType(name, "of type number", v);
    };
    function boundsError(value, length, type) {
      if (Math.floor(value) !== value) {
        validateNumber(value, type);
        throw E.outOfRange(type || "offset", "an integer", value);
      }
      if (length < 0) throw E.bufferOutOfBounds();
      throw E.outOfRange(type || "offset", `>= ${type ? 1 : 0} and <= ${length}`, value);
    }
    // n bytes from offset must exist: buf[i] is undefined for fractional, negative, NaN indexes.
    function checkBounds(buf, offset, n) {
      validateNumber(offset, "offset");
      if (buf[offset] === undefined || buf[offset + (n - 1)] === undefined) boundsError(offset, buf.length - n);
    }
    // QuickJS-NG misorders a negative Number of magnitude >= 2 ** 53 against a negative
    // BigInt (there -(2 ** 64) < -5n is false): finite Numbers compare as BigInts.
    function outside(value, min, max) {
      if (typeof min !== "bigint" || typeof value !== "number" || !Number.isFinite(value)) return value > max || value < min;
      const f = BigInt(Math.floor(value));
      return f < min || (Number.isInteger(value) ? f > max : f >= max);
    }
    function checkInt(value, min, max, buf, offset, n) {
      if (outside(value, min, max)) {
        const b = typeof min === "bigint" ? "n" : "";
        let range = `>= ${min}${b} and <= ${max}${b}`;
        if (n > 4) {
          range = min === 0 || min === 0n ? `>= 0${b} and < 2${b} ** ${n * 8}${b}`
            : `>= -(2${b} ** ${n * 8 - 1}${b}) and < 2${b} ** ${n * 8 - 1}${b}`;
        }
        throw E.outOfRange("value", range, value);
      }
      checkBounds(buf, offset, n);
    }

    // An n-byte integer's bytes, least significant first, as Node's writers compute them:
    // the low 32 bits by >>>, the bits above from floor(value / 2 ** 32).
    function intBytes(value, n) {
      const lo = value >>> 0, out = [];
      for (let k = 0; k < Math.min(n, 4); k++) out.push(lo >>> (8 * k));
      if (n > 4) {
        const hi = Math.floor(value * 2 ** -32);
        out.push(hi);
        if (n > 5) out.push(hi >>> 8);
      }
      return out;
    }
    function put(buf, bytes, offset, be) {
      const n = bytes.length;
      for (let k = 0; k < n; k++) buf[offset + (be ? n - 1 - k : k)] = bytes[k];
      return offset + n;
    }
    function writeInt(buf, value, offset, n, min, max, be) {
      value = +value;
      if (n === 1) validateNumber(offset, "offset"); // Node's 8-bit writers check it before the value
      checkInt(value, min, max, buf, offset, n);
      return put(buf, intBytes(value, n), offset, be);
    }
    function readUInt(buf, offset, n, be) {
      checkBounds(buf, offset, n);
      let v = 0;
      for (let k = 0; k < n; k++) v = v * 256 + buf[offset + (be ? k : n - 1 - k)];
      return v;
    }
    function readInt(buf, offset, n, be) {
      const u = readUInt(buf, offset, n, be);
      return u >= 2 ** (8 * n - 1) ? u - 2 ** (8 * n) : u;
    }
    const uMax = (n) => 2 ** (8 * n) - 1;
    const sMin = (n) => -(2 ** (8 * n - 1));
    const sMax = (n) => 2 ** (8 * n - 1) - 1;

    const scratch = new DataView(new ArrayBuffer(8));
    function readFloat(buf, offset, n, be) {
      checkBounds(buf, offset, n);
      for (let k = 0; k < n; k++) scratch.setUint8(k, buf[offset + k]);
      return n === 4 ? scratch.getFloat32(0, !be) : scratch.getFloat64(0, !be);
    }
    function writeFloat(buf, value, offset, n, be) {
      value = +value;
      checkBounds(buf, offset, n);
      if (n === 4) scratch.setFloat32(0, value, !be); else scratch.setFloat64(0, value, !be);
      for (let k = 0; k < n; k++) buf[offset + k] = scratch.getUint8(k);
      return offset + n;
    }

    function readBig(buf, offset, signed, be) {
      checkBounds(buf, offset, 8);
      let v = 0n;
      for (let k = 0; k < 8; k++) v = (v << 8n) | BigInt(buf[offset + (be ? k : 7 - k)]);
      return signed ? BigInt.asIntN(64, v) : v;
    }
    function writeBig(buf, value, offset, signed, be) {
      checkInt(value, signed ? -(2n ** 63n) : 0n, signed ? 2n ** 63n - 1n : 2n ** 64n - 1n, buf, offset, 8);
      // A Number passes the range check and fails here, as in Node: "Cannot mix BigInt ...".
      const lo = Number(value & 0xffffffffn), hi = Number((value >> 32n) & 0xffffffffn);
      return put(buf, intBytes(lo, 4).concat(intBytes(hi, 4)), offset, be);
    }

    // readUIntLE & co take the byte count first: 1..6, else Node's "byteLength" errors.
    function byteCount(n) {
      if (n === 1 || n === 2 || n === 3 || n === 4 || n === 5 || n === 6) return n;
      return boundsError(n, 6, "byteLength");
    }

    // Node's methods are enumerable data properties; each `UInt` method is also spelt
    // `Uint` (the same function, so .name says UInt).
    function def(name, fn, keys = [...new Set([name, name.replace("UInt", "Uint")])]) {
      Object.defineProperty(fn, "name", { value: name, configurable: true });
      for (const key of keys) Object.defineProperty(BP, key, { value: fn, enumerable: true, writable: true, configurable: true });
    }
    for (const n of [1, 2, 4]) {
      for (const end of n === 1 ? [""] : ["LE", "BE"]) {
        const be = end === "BE", bits = 8 * n;
        def(`readUInt${bits}${end}`, function (offset = 0) { return readUInt(this, offset, n, be); });
        def(`readInt${bits}${end}`, function (offset = 0) { return readInt(this, offset, n, be); });
        def(`writeUInt${bits}${end}`, function (value, offset = 0) { return writeInt(this, value, offset, n, 0, uMax(n), be); });
        def(`writeInt${bits}${end}`, function (value, offset = 0) { return writeInt(this, value, offset, n, sMin(n), sMax(n), be); });
      }
    }
    for (const end of ["LE", "BE"]) {
      const be = end === "BE", way = be ? "Backwards" : "Forwards"; // Node's names on little-endian hosts
      def(`readUInt${end}`, function (offset, byteLength) {
        if (offset === undefined) throw invalidArgType("offset", "of type number", offset);
        return readUInt(this, offset, byteCount(byteLength), be);
      });
      def(`readInt${end}`, function (offset, byteLength) {
        if (offset === undefined) throw invalidArgType("offset", "of type number", offset);
        return readInt(this, offset, byteCount(byteLength), be);
      });
      def(`writeUInt${end}`, function (value, offset, byteLength) {
        const n = byteCount(byteLength);
        return writeInt(this, value, offset, n, 0, uMax(n), be);
      });
      def(`writeInt${end}`, function (value, offset, byteLength) {
        const n = byteCount(byteLength);
        return writeInt(this, value, offset, n, sMin(n), sMax(n), be);
      });
      def(`readBigUInt64${end}`, function (offset = 0) { return readBig(this, offset, false, be); });
      def(`readBigInt64${end}`, function (offset = 0) { return readBig(this, offset, true, be); });
      def(`writeBigUInt64${end}`, function (value, offset = 0) { return writeBig(this, value, offset, false, be); });
      def(`writeBigInt64${end}`, function (value, offset = 0) { return writeBig(this, value, offset, true, be); });
      def(`readFloat${way}`, function (offset = 0) { return readFloat(this, offset, 4, be); }, [`readFloat${end}`]);
      def(`readDouble${way}`, function (offset = 0) { return readFloat(this, offset, 8, be); }, [`readDouble${end}`]);
      def(`writeFloat${way}`, function (value, offset = 0) { return writeFloat(this, value, offset, 4, be); }, [`writeFloat${end}`]);
      def(`writeDouble${way}`, function (value, offset = 0) { return writeFloat(this, value, offset, 8, be); }, [`writeDouble${end}`]);
    }
  }
