// == app.static / app.storage and views (spec §10.3, §2.12) ==============================

// Extension -> content type, as mime@3's getType answers for these (checked by
// tests/compat/test_codehooks_builtin.py against the real package).
const MIME_TYPES = {
  html: "text/html", htm: "text/html", shtml: "text/html", css: "text/css", js: "application/javascript",
  mjs: "application/javascript", cjs: "application/node", json: "application/json", map: "application/json",
  jsonld: "application/ld+json", webmanifest: "application/manifest+json", txt: "text/plain", text: "text/plain",
  log: "text/plain", md: "text/markdown", markdown: "text/markdown", csv: "text/csv", xml: "application/xml",
  xsl: "application/xml", rss: "application/rss+xml", atom: "application/atom+xml", yaml: "text/yaml",
  yml: "text/yaml", ics: "text/calendar", vtt: "text/vtt", svg: "image/svg+xml", svgz: "image/svg+xml",
  png: "image/png", apng: "image/apng", jpg: "image/jpeg", jpeg: "image/jpeg", jpe: "image/jpeg",
  gif: "image/gif", webp: "image/webp", avif: "image/avif", bmp: "image/bmp", ico: "image/vnd.microsoft.icon",
  tif: "image/tiff", tiff: "image/tiff", heic: "image/heic", woff: "font/woff", woff2: "font/woff2",
  ttf: "font/ttf", otf: "font/otf", eot: "application/vnd.ms-fontobject", pdf: "application/pdf",
  zip: "application/zip", gz: "application/gzip", tar: "application/x-tar", wasm: "application/wasm",
  mp3: "audio/mpeg", m4a: "audio/mp4", wav: "audio/wav", weba: "audio/webm", oga: "audio/ogg",
  ogg: "audio/ogg", flac: "audio/x-flac", mp4: "video/mp4", m4v: "video/x-m4v", webm: "video/webm",
  ogv: "video/ogg", mov: "video/quicktime", avi: "video/x-msvideo", mpeg: "video/mpeg",
  doc: "application/msword", docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ppt: "application/vnd.ms-powerpoint", pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  rtf: "application/rtf", epub: "application/epub+zip", bin: "application/octet-stream",
  exe: "application/octet-stream", dll: "application/octet-stream", iso: "application/octet-stream",
  swf: "application/x-shockwave-flash", sh: "application/x-sh", jar: "application/java-archive",
  "7z": "application/x-7z-compressed", rar: "application/vnd.rar", ts: "video/mp2t",
};

// The type of a file path by its extension; null for none or an unknown one. A bare
// name without a directory is read as an extension ("html"), as mime's getType does.
function mimeType(path) {
  const s = String(path);
  const base = s.slice(s.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  let ext;
  if (dot > 0) ext = base.slice(dot + 1);
  else if (!s.includes("/") && dot < 0) ext = base;
  else return null;
  return MIME_TYPES[ext.toLowerCase()] || null;
}

const webEscape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const webJoin = (dir, p) => (dir === "/" || dir === "" ? p : dir.replace(/\/+$/, "") + (p.startsWith("/") ? p : "/" + p));

// The auth hook app.static/app.storage registers makes their files public (spec §10.3).
// It only decides for requests its own GET route would serve; anything else that its
// pattern happens to match (crudlify under a static '/' route, other methods) goes to the
// next auth hook registered for that path, or is refused: a file server must not make
// the rest of the API public.
function delegateAuth(app, ownKey, req, res, next) {
  const match = globalThis.__brygge_match;
  const keys = Object.keys(app.auths);
  for (let i = keys.indexOf(ownKey) + 1; i > 0 && i < keys.length; i++) {
    if (match && match(keys[i], req.apiPath)) return app.auths[keys[i]][0](req, res, next);
  }
  return next("Missing or wrong API token: send x-apikey or Authorization: Bearer");
}

// The first route that would answer `method apiPath`, as the runtime's findRoute picks
// it: a HEAD request is answered by the GET route (Express semantics).
function firstRouteFor(app, method, apiPath) {
  const match = globalThis.__brygge_match;
  if (!match) return undefined; // no matcher to ask (not in the Brygge runtime)
  for (const key of Object.keys(app.routes)) {
    const sp = key.indexOf(" ");
    const m = key.slice(0, sp);
    if ((m === method || m === "*" || (method === "HEAD" && m === "GET")) && match(key.slice(sp + 1), apiPath)) return key;
  }
  return null;
}

// -- conditional and range requests for served files (RFC 9110 §8.8, §13, §14) -------------
// Why a decoded request path may not name a file: '.'/'..' segments (also as Unicode
// look-alikes that NFKC folds to dots, e.g. U+FF0E, U+2024), empty segments ('//etc'),
// backslashes, control characters (NUL), or '%' escapes left after decoding once
// (double encoding). null when the path is acceptable.
function unsafeFilePath(p) {
  if (/[\u0000-\u001f\u007f]/.test(p)) return "control characters (NUL) are not allowed";
  if (p.includes("\\")) return "backslashes are not allowed";
  if (/%[0-9a-fA-F]{2}/.test(p)) return "encoded characters are not allowed after decoding (double encoding)";
  const segs = p.split("/");
  for (let i = 1; i < segs.length; i++) {
    const seg = segs[i];
    if (seg === "") return "empty path segments are not allowed";
    const folded = typeof seg.normalize === "function" ? seg.normalize("NFKC") : seg;
    if (/^\.{1,2}$/.test(folded) || folded.includes("/") || folded.includes("\\")) return "'.' and '..' segments are not allowed";
  }
  return null;
}

// A strong validator from the content, hashed on the host (require('crypto').createHash,
// sandbox/hostcrypto.py): "<first 32 hex digits of SHA-256>-<size>". null outside the
// Brygge runtime (then no ETag is sent).
function contentTag(buf) {
  const mods = globalThis.__brygge_modules;
  let crypto = null;
  try { crypto = mods && mods.builtin("crypto"); } catch (_) { crypto = null; }
  if (!crypto || typeof crypto.createHash !== "function") return null;
  return `"${crypto.createHash("sha256").update(buf).digest("hex").slice(0, 32)}-${buf.length}"`;
}

const reqHeader = (req, name) => {
  const h = req.headers || {};
  const v = h[name] !== undefined ? h[name] : h[Object.keys(h).find((k) => k.toLowerCase() === name)];
  return v === undefined || v === null ? undefined : String(Array.isArray(v) ? v.join(", ") : v);
};

// If-None-Match against the file's tag: '*', or a list of tags compared weakly (W/
// ignored on both sides, so a tag the router weakened when it gzipped still matches).
function noneMatch(header, tag) {
  if (header === undefined || !tag) return false;
  if (header.trim() === "*") return true;
  const opaque = tag.replace(/^W\//, "");
  return header.split(",").some((t) => {
    const x = t.trim().replace(/^W\//, "");
    return x === opaque || `"${x}"` === opaque;
  });
}

// Range: bytes=a-b | a- | -n, for a file of `size` bytes. null: serve the whole file
// (no or another unit, invalid syntax, or several ranges: answered with a plain 200,
// which RFC 9110 §14.2 allows); "unsatisfiable" (416); or [first, last] inclusive.
function byteRange(header, size) {
  if (header === undefined) return null;
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return null;
  const specs = m[1].split(",").map((x) => x.trim()).filter(Boolean);
  if (specs.length !== 1) return null;
  const r = /^(\d*)\s*-\s*(\d*)$/.exec(specs[0]);
  if (!r || (r[1] === "" && r[2] === "")) return null;
  if (r[1] === "") {
    const n = Number(r[2]);
    return n === 0 || size === 0 ? "unsatisfiable" : [Math.max(0, size - n), size - 1];
  }
  const first = Number(r[1]);
  const last = r[2] === "" ? size - 1 : Number(r[2]);
  if (r[2] !== "" && last < first) return null;
  if (first >= size) return "unsatisfiable";
  return [first, Math.min(last, size - 1)];
}

const FILE_CHUNK = 262144;
function readAll(stream) {
  return new Promise((resolve, reject) => {
    const parts = [];
    stream.on("data", (b) => parts.push(typeof b === "string" ? globalThis.Buffer.from(b) : b));
    stream.on("end", () => resolve(parts.length === 1 ? parts[0] : globalThis.Buffer.concat(parts)));
    stream.on("error", reject);
  });
}
function writeBytes(res, buf) {
  if (buf.length <= FILE_CHUNK) return res.end(buf);
  for (let i = 0; i < buf.length; i += FILE_CHUNK) res.write(buf.subarray(i, i + FILE_CHUNK), "buffer");
  return res.end();
}

function serveFiles(app, kind, options, hooks) {
  const what = `app.${kind}`;
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError(`${what}(options): options must be an object such as {route: '/public', directory: '/public'}`);
  }
  const o = options || {};
  let route = o.route === undefined ? "/public" : o.route;
  if (typeof route !== "string" || !route.startsWith("/")) throw new TypeError(`${what}: route must be a path such as '/public'`);
  route = route.length > 1 ? route.replace(/\/+$/, "") : route;
  const directory = o.directory === undefined ? "/" : String(o.directory);
  const index = o.default === undefined ? "index.html" : String(o.default);
  const hookList = handlerList(what, route, hooks);
  const fsOpts = kind === "static" ? { source: true } : {};
  // A deployment's source files never change within an instance: their tags are kept
  // (a revalidation is then answered without asking the host). Blobs can change: their
  // tag comes from the SHA-256 storage keeps with each version (file.stat).
  const tagCache = kind === "static" ? new Map() : null;
  const base = route === "/" ? "" : route;
  // /route, /route/, /route/dir/, /route/dir/file.ext: names of [A-Za-z0-9_-], files may
  // have dots; no '..' can reach outside the directory.
  const pattern = new RegExp(`^${webEscape(base)}(?:\\/(?:[\\w-]+\\/)*(?:[\\w.-]+)?)?$`);
  // The request path -> {file} inside the directory, or {refused: why}.
  const resolve = (apiPath) => {
    let p;
    try { p = decodeURIComponent(apiPath); } catch (_) { return { refused: "malformed percent-encoding" }; }
    if (p === route) p = "/" + index;
    else if (base && p.startsWith(base)) p = p.slice(base.length) || "/";
    if (p.endsWith("/")) p += index;
    if (!p.startsWith("/")) p = "/" + p;
    const why = unsafeFilePath(p);
    return why ? { refused: why } : { file: webJoin(directory, p) };
  };
  const authKey = routeKey(pattern);
  const getKey = `GET ${authKey}`;
  app.auth(pattern, (req, res, next) => {
    const get = req.method === "GET" || req.method === "HEAD";
    const first = get ? firstRouteFor(app, req.method, req.apiPath) : null;
    if (first !== undefined && first !== getKey) {
      return delegateAuth(app, authKey, req, res, next);
    }
    const r = resolve(req.apiPath);
    if (r.refused) return next(); // the route answers 400 and says why
    if (mimeType(r.file)) return next();
    if (o.notFound) return next();
    return next(`Static server: ${r.file} is not a valid file name`);
  });
  const fileHeaders = (res) => {
    if (o.headers && typeof o.headers === "object") res.headers(o.headers);
  };
  const notModified = (res, tag) => {
    fileHeaders(res);
    res.set("etag", tag);
    return res.status(304).end();
  };
  // The file goes out as it is read (≤ 256 KiB per chunk from storage), never whole.
  const streamFile = (res, file, opts) => new Promise((resolve, reject) => {
    globalThis._coho_fs.getFileStream(file, { ...fsOpts, ...opts }).then((stream) => {
      let first = null; // a one-chunk body goes out with res.end(buf), i.e. Content-Length
      stream.on("data", (b) => {
        const buf = typeof b === "string" ? globalThis.Buffer.from(b) : b;
        if (first === null) { first = buf; return; }
        if (first) { res.write(first, "buffer"); first = false; }
        res.write(buf, "buffer");
      });
      stream.on("end", () => { resolve(first ? writeBytes(res, first) : res.end()); });
      stream.on("error", (e) => { try { res.end(); } catch (_) { /* already ended */ } reject(e); });
    }, reject);
  });
  const sendFile = (req, res, file, size, type, tag) => {
    res.set("content-type", type || "application/octet-stream");
    fileHeaders(res);
    res.set("accept-ranges", "bytes");
    if (tag) res.set("etag", tag);
    let range = byteRange(reqHeader(req, "range"), size);
    const ifRange = reqHeader(req, "if-range");
    // If-Range: the range only while the client's copy is current (strong comparison;
    // a date never matches, there is no Last-Modified)
    if (range !== null && ifRange !== undefined && (!tag || ifRange.trim() !== tag)) range = null;
    if (range === "unsatisfiable") {
      res.set("content-range", `bytes */${size}`);
      return res.status(416).end(`Range Not Satisfiable: ${reqHeader(req, "range")} (the file has ${size} bytes)`);
    }
    if (range) {
      res.set("content-range", `bytes ${range[0]}-${range[1]}/${size}`);
      res.status(206);
    }
    if (req.method === "HEAD") {
      // The length a GET would send, without reading the file: the router keeps an app's
      // Content-Length on a HEAD answer whose body is empty
      res.set("content-length", String(range ? range[1] - range[0] + 1 : size));
      return res.end();
    }
    return streamFile(res, file, range ? { start: range[0], end: range[1] } : {});
  };
  // {size, tag} of a file without reading it: its SHA-256 is known to the host (kept in the
  // blob's metadata, or the deployed file's digest).
  const statFile = async (file) => {
    const fs = globalThis._coho_fs;
    if (typeof fs.stat === "function") {
      const st = await fs.stat(file, fsOpts);
      return { size: st.size, tag: st.sha256 ? `"${st.sha256.slice(0, 32)}-${st.size}"` : null };
    }
    const buf = await readAll(await fs.getFileStream(file, fsOpts));
    return { size: buf.length, tag: contentTag(buf) };
  };
  const serve = async (req, res) => {
    const r = resolve(req.apiPath);
    if (r.refused) return res.status(400).end(`Static server: refusing ${req.apiPath}: ${r.refused}`);
    const file = r.file;
    const known = tagCache && tagCache.get(file);
    if (known && noneMatch(reqHeader(req, "if-none-match"), known)) return notModified(res, known);
    let st;
    try {
      st = await statFile(file);
    } catch (e) {
      if (o.notFound) {
        const fallback = webJoin(directory, String(o.notFound));
        try {
          await statFile(fallback);
          res.status(404).set("content-type", mimeType(fallback) || "application/octet-stream");
          fileHeaders(res);
          return await streamFile(res, fallback, {});
        } catch (_) { /* fall through to the plain 404 */ }
      }
      return res.status(404).end(`No file here: ${file} (${e && e.message})`);
    }
    const tag = known || st.tag;
    if (tagCache && tag) tagCache.set(file, tag);
    if (noneMatch(reqHeader(req, "if-none-match"), tag)) return notModified(res, tag);
    return sendFile(req, res, file, st.size, mimeType(file), tag);
  };
  app.get(pattern, ...hookList, serve);
}

// -- views: app.render / res.render (spec §2.12) ------------------------------------------
// The engine is the app's own module, set with app.set('view engine', {hbs: handlebars})
// (or {handlebars}, {ejs}); templates are deployed source files, compiled once per
// instance (a deployment's files never change).
const viewCache = new Map();

async function renderTemplate(settings, view, data, cb) {
  const done = typeof cb === "function" ? cb : () => {};
  try {
    const engines = settings["view engine"];
    if (!engines || typeof engines !== "object" || !Object.keys(engines).length) {
      throw new Error("Missing view engine: app.set('view engine', {hbs: handlebars})");
    }
    const name = Object.keys(engines)[0];
    const engine = engines[name];
    if (!engine || (typeof engine.compile !== "function" && typeof engine.render !== "function")) {
      throw new Error(`No view engine defined for ${name}`);
    }
    const hbs = name === "hbs" || name === "handlebars";
    const ext = hbs ? "hbs" : name;
    const dir = String(settings.views || "/views");
    const file = webJoin(dir, /\.[A-Za-z0-9]+$/.test(view) ? String(view) : `${view}.${ext}`);
    const readSource = (p) => globalThis._coho_fs.readFile(p, { source: true });
    if (hbs && settings.layout && !viewCache.has(`layout:${settings.layout}`)) {
      const layoutFile = String(settings.layout);
      engine.registerPartial("layout", await readSource(layoutFile.startsWith("/") ? layoutFile : webJoin(dir, layoutFile)));
      viewCache.set(`layout:${settings.layout}`, true);
    }
    let fn = viewCache.get(file);
    if (!fn) {
      const src = await readSource(file);
      fn = typeof engine.compile === "function" ? engine.compile(src, hbs ? undefined : { filename: file })
        : (d) => engine.render(src, d);
      viewCache.set(file, fn);
    }
    const html = String(await fn(data || {}));
    done(null, html);
    return html;
  } catch (e) {
    if (typeof cb === "function") { cb(e); return undefined; }
    throw e;
  }
}
