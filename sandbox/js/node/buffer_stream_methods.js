  // -- Buffer methods stream packages call (busboy, streamsearch) ------------------------------
  // Only where node/buffer.js does not define them: it owns Buffer.
  const BP = Buffer.prototype;
  const fill = (name, fn) => {
    if (typeof BP[name] !== "function") Object.defineProperty(BP, name, { value: fn, writable: true, configurable: true });
  };
  fill("copy", function copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
    if (!(target instanceof Uint8Array)) throw invalidArgType("target", "an instance of Buffer or Uint8Array", target);
    targetStart = Math.max(0, targetStart | 0);
    sourceStart = Math.max(0, sourceStart | 0);
    sourceEnd = Math.min(this.length, sourceEnd | 0);
    const n = Math.max(0, Math.min(sourceEnd - sourceStart, target.length - targetStart));
    if (n > 0) target.set(Uint8Array.prototype.subarray.call(this, sourceStart, sourceStart + n), targetStart);
    return n;
  });
  for (const enc of ["latin1", "utf8", "ascii", "base64", "hex", "ucs2"]) {
    fill(`${enc}Slice`, function (start = 0, end = this.length) {
      return decodeBytes(Uint8Array.prototype.subarray.call(this, start, end), ENCODINGS[enc]);
    });
  }

