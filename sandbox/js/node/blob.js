  // -- Blob, File, FormData -------------------------------------------------------------------
  const bytesOfPart = (p) => (typeof p === "string" ? utf8Encode(p)
    : p instanceof ArrayBuffer ? new Uint8Array(p.slice(0))
      : ArrayBuffer.isView(p) ? new Uint8Array(p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength))
        : p instanceof Blob ? p._bytes : utf8Encode(String(p)));
  function concatBytes(list) {
    let n = 0;
    for (const b of list) n += b.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const b of list) { out.set(b, o); o += b.length; }
    return out;
  }
  class Blob {
    constructor(parts = [], options = {}) {
      if (parts === null || typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function") {
        const e = new TypeError(`The "sources" argument must be a sequence. Received ${parts === null ? "null" : `type ${typeof parts} (${String(parts)})`}`);
        e.code = "ERR_INVALID_ARG_TYPE";
        throw e;
      }
      this._bytes = concatBytes(Array.from(parts, bytesOfPart));
      const t = options && options.type !== undefined ? String(options.type) : "";
      this._type = /^[\x20-\x7e]*$/.test(t) ? t.toLowerCase() : "";
    }
    get size() { return this._bytes.length; }
    get type() { return this._type; }
    text() { return Promise.resolve(utf8Decode(this._bytes)); }
    arrayBuffer() { return Promise.resolve(this._bytes.slice().buffer); }
    slice(start = 0, end = this._bytes.length, type = "") { return new Blob([this._bytes.slice(start, end)], { type }); }
    stream() { return new BodyStream(this._bytes); }
    get [Symbol.toStringTag]() { return "Blob"; }
  }
  class File extends Blob {
    constructor(bits, name, options = {}) {
      if (arguments.length < 2) {
        const e = new TypeError('The "fileBits" and "fileName" arguments must be specified');
        e.code = "ERR_MISSING_ARGS";
        throw e;
      }
      super(bits, options);
      this._name = String(name);
      this._lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
    }
    get name() { return this._name; }
    get lastModified() { return this._lastModified; }
    get [Symbol.toStringTag]() { return "File"; }
  }
  class FormData {
    constructor(form) {
      if (form !== undefined) throw new TypeError("FormData constructor: Argument 1 is not supported.");
      this._list = [];
    }
    _entry(op, name, value, filename, n) {
      if (n < 2) throw new TypeError(`FormData.${op}: At least 2 arguments required, but only ${n} present.`);
      if (n > 2 && !(value instanceof Blob)) throw new TypeError(`Failed to execute '${op}' on 'FormData': parameter 2 is not of type 'Blob'`);
      if (value instanceof Blob) {
        if (!(value instanceof File) || filename !== undefined) {
          value = new File([value], filename !== undefined ? String(filename) : value instanceof File ? value.name : "blob",
            { type: value.type, lastModified: value instanceof File ? value.lastModified : undefined });
        }
        return [String(name), value];
      }
      return [String(name), String(value)];
    }
    append(name, value, filename) { this._list.push(this._entry("append", name, value, filename, arguments.length)); }
    set(name, value, filename) { // replaces the first entry of that name, drops the others
      const e = this._entry("set", name, value, filename, arguments.length);
      let done = false;
      this._list = this._list.flatMap((x) => (x[0] !== e[0] ? [x] : done ? [] : (done = true, [e])));
      if (!done) this._list.push(e);
    }
    get(name) { const e = this._list.find(([k]) => k === String(name)); return e ? e[1] : null; }
    getAll(name) { return this._list.filter(([k]) => k === String(name)).map(([, v]) => v); }
    has(name) { return this._list.some(([k]) => k === String(name)); }
    delete(name) { this._list = this._list.filter(([k]) => k !== String(name)); }
    forEach(fn, self) { for (const [k, v] of this._list) fn.call(self, v, k, this); }
    *entries() { for (const [k, v] of this._list) yield [k, v]; }
    *keys() { for (const [k] of this._list) yield k; }
    *values() { for (const [, v] of this._list) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "FormData"; }
  }
  // multipart/form-data as undici writes it (boundary, escapes, CRLF normalisation)
  function encodeForm(fd) {
    const boundary = "----formdata-undici-0" + String(Math.floor(Math.random() * 1e11)).padStart(11, "0");
    const esc = (s) => s.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
    const crlf = (s) => s.replace(/\r\n|\r|\n/g, "\r\n");
    const parts = [];
    for (const [name, value] of fd._list) {
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(crlf(name))}"`;
      if (typeof value === "string") parts.push(utf8Encode(`${head}\r\n\r\n${crlf(value)}\r\n`));
      else {
        parts.push(utf8Encode(`${head}; filename="${esc(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`),
          value._bytes, utf8Encode("\r\n"));
      }
    }
    parts.push(utf8Encode(`--${boundary}--\r\n`));
    return { bytes: concatBytes(parts), type: "multipart/form-data; boundary=" + boundary };
  }

