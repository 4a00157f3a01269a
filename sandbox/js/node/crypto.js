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
