  // == codehooks-js platform facilities (spec §2.16, §10, §2.12) ==========================
  // _coho_fs: {source: true} reads the deployed source files (fs.* host ops, answered by
  // the executor from the artifact; binary ones from storage); without it, the space's blob
  // storage (file.* ops, answered by storage/files.py). Contents cross as base64, at most
  // FILE_CHUNK bytes per host call, both ways: a file is never whole in this heap unless the
  // app asks for it whole (readFile, readFileAsBuffer).
  const FILE_CHUNK = 262144;
  function filePath(p) {
    if (typeof p !== "string" || !p) {
      const e = new TypeError(`The "path" argument must be a non-empty string. Received ${p === "" ? "''" : typeof p}`);
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    if (p.includes("\0")) {
      const e = new TypeError(`The argument 'path' must be a string without null bytes. Received '${p.replace(/\0/g, "\\x00")}'`);
      e.code = "ERR_INVALID_ARG_VALUE";
      throw e;
    }
    // No '..' segments (nor look-alikes NFKC folds to dots, nor behind backslashes): a
    // name an app builds from a request (`'/docs/' + req.params.name`) stays in its folder.
    if (p.split(/[\\/]/).some((s) => s.normalize("NFKC") === "..")) {
      const e = new Error(`ENOENT: no such file or directory, open '${p}' ('..' path segments are not allowed)`);
      e.code = "ENOENT";
      throw e;
    }
    return p.startsWith("/") ? p : "/" + p;
  }
  function fileError(e) {
    if (e && /^ENOENT\b/.test(e.message || "")) { e.code = "ENOENT"; e.name = "Error"; }
    else if (e && e.name === "TooLarge") { e.code = "EFBIG"; e.name = "Error"; }
    else if (e && e.name === "BadRequest") { e.code = "ERR_INVALID_ARG_VALUE"; e.name = "Error"; }
    return e;
  }
  const b64buf = (b64) => { const u = Uint8Array.fromBase64(b64); return G.Buffer.from(u.buffer, u.byteOffset, u.length); };
  function fileText(path, opts) {
    try {
      return opts && opts.source ? host("fs.read", JSON.stringify({ path }))
        : hostJSON("file.get", { path, encoding: "utf8" }).data;
    } catch (e) { throw fileError(e); }
  }
  // {path, size, sha256, version?}: what a reader needs before the first byte.
  function fileStat(path, opts) {
    try {
      return opts && opts.source ? JSON.parse(host("fs.stat", JSON.stringify({ path })))
        : hostJSON("file.stat", { path });
    } catch (e) { throw fileError(e); }
  }
  // Bytes [offset, offset + length) of the file (length ≤ FILE_CHUNK).
  function fileRead(path, opts, offset, length, version) {
    return b64buf(opts && opts.source
      ? host("fs.read", JSON.stringify({ path, encoding: "base64", offset, length }))
      : hostJSON("file.read", { path, offset, length, version }).data);
  }
  const bytesOf = (c) => (typeof c === "string" ? G.Buffer.from(c, "utf8")
    : c instanceof ArrayBuffer ? new Uint8Array(c)
    : ArrayBuffer.isView(c) ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : null);
  // saveFile: a Buffer/typed array/ArrayBuffer/string, or a readable stream of those. The
  // bytes go to storage piece by piece (file.open, file.write ≤ FILE_CHUNK, file.commit)
  // as they arrive; a stream that errors, or a limit reached, aborts the upload.
  function saveBytes(p, input) {
    const direct = input === undefined || input === null ? null : bytesOf(input);
    if (!direct && (!input || typeof input.on !== "function")) {
      return Promise.reject(new TypeError("saveFile: the content must be a Buffer, a string or a readable stream"));
    }
    let upload;
    try { upload = hostJSON("file.open", direct ? { path: p, size: direct.length } : { path: p }).upload; }
    catch (e) { return Promise.reject(fileError(e)); }
    const put = (u) => {
      for (let i = 0; i < u.length; i += FILE_CHUNK) {
        hostJSON("file.write", { upload, data: u.subarray(i, i + FILE_CHUNK).toBase64() });
      }
    };
    const abort = () => { try { hostJSON("file.abort", { upload }); } catch (_) { /* gone already */ } };
    const commit = () => { const m = hostJSON("file.commit", { upload }); return m; };
    if (direct) {
      return new Promise((resolve) => {
        try { put(direct); resolve(commit()); } catch (e) { abort(); throw fileError(e); }
      });
    }
    return new Promise((resolve, reject) => {
      let done = false;
      const fail = (e) => {
        if (done) return;
        done = true;
        abort();
        if (typeof input.unpipe === "function") { try { input.unpipe(); } catch (_) { /* ignore */ } }
        reject(fileError(e instanceof Error ? e : new Error(String(e))));
      };
      input.on("data", (c) => {
        if (done) return;
        const u = bytesOf(c);
        if (!u) return fail(new TypeError("saveFile: the stream must yield Buffers or strings"));
        try { put(u); } catch (e) { fail(e); }
      });
      input.on("error", fail);
      input.on("end", () => {
        if (done) return;
        done = true;
        try { resolve(commit()); } catch (e) { abort(); reject(fileError(e)); }
      });
      if (typeof input.resume === "function" && input.isPaused && input.isPaused()) input.resume();
    });
  }
  const readOnly = (what) => Promise.reject(new Error(`_coho_fs.${what}: deployed source files are read-only`));
  G._coho_fs = {
    readFile: (path, opts) => new Promise((resolve) => resolve(fileText(filePath(path), opts))),
    // A Readable emitting the file's Buffer chunks (≤ FILE_CHUNK bytes, read from storage
    // as the consumer pulls), then 'end'. Brygge extension: {start, end} (inclusive byte
    // offsets, as Node's fs.createReadStream) read a range.
    getFileStream: (path, opts) => new Promise((resolve) => {
      const p = filePath(path);
      const st = fileStat(p, opts);
      const o = opts || {};
      let pos = Number.isInteger(o.start) && o.start > 0 ? o.start : 0;
      const stop = Number.isInteger(o.end) && o.end >= 0 ? Math.min(o.end + 1, st.size) : st.size;
      resolve(new (builtin("stream").Readable)({
        read() {
          if (pos >= stop) { this.push(null); return; }
          let buf;
          try { buf = fileRead(p, opts, pos, Math.min(FILE_CHUNK, stop - pos), st.version); }
          catch (e) { this.destroy(fileError(e)); return; }
          if (!buf.length) { this.push(null); return; }
          pos += buf.length;
          this.push(buf);
        },
      }));
    }),
    // Brygge extension (web.js uses it for ETags without reading the file):
    // {path, size, sha256} of a file.
    stat: (path, opts) => new Promise((resolve) => resolve(fileStat(filePath(path), opts))),
    saveFile: (path, input, opts) => {
      if (opts && opts.source) return readOnly("saveFile");
      let p;
      try { p = filePath(path); } catch (e) { return Promise.reject(e); }
      return saveBytes(p, input);
    },
    deleteFile: (path, opts) => {
      if (opts && opts.source) return readOnly("deleteFile");
      return new Promise((resolve) => {
        try { resolve(hostJSON("file.delete", { path: filePath(path) })); } catch (e) { throw fileError(e); }
      });
    },
    list: (path, opts) => new Promise((resolve) => {
      const p = path === undefined || path === "" ? "/" : filePath(path);
      try {
        resolve(opts && opts.source ? JSON.parse(host("fs.list", JSON.stringify({ path: p })))
          : hostJSON("file.list", { path: p }));
      } catch (e) { throw fileError(e); }
    }),
  };

