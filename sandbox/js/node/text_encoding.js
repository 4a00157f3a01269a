// Node.js compatibility for tenant code: TextEncoder/TextDecoder, Buffer and the
// `crypto` hashing subset webhook apps rely on (createHash, createHmac, randomBytes,
// randomUUID, timingSafeEqual). Digests are computed by the host (Python hashlib)
// in one host call each; the byte plumbing stays in the guest.
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

