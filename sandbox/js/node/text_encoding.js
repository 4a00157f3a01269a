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

