// == app.static / app.storage and views (spec §10.3, §2.12) ==============================

// Extension -> content type, as mime@3's getType answers for these (checked by
// tests/test_codehooks_builtin.py against the real package).
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

function firstRouteFor(app, method, apiPath) {
  const match = globalThis.__brygge_match;
  if (!match) return undefined; // no matcher to ask (not in the Brygge runtime)
  for (const key of Object.keys(app.routes)) {
    const sp = key.indexOf(" ");
    const m = key.slice(0, sp);
    if ((m === method || m === "*") && match(key.slice(sp + 1), apiPath)) return key;
  }
  return null;
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
  const base = route === "/" ? "" : route;
  // /route, /route/, /route/dir/, /route/dir/file.ext: names of [A-Za-z0-9_-], files may
  // have dots; no '..' can reach outside the directory.
  const pattern = new RegExp(`^${webEscape(base)}(?:\\/(?:[\\w-]+\\/)*(?:[\\w.-]+)?)?$`);
  const resolve = (apiPath) => {
    let p;
    try { p = decodeURIComponent(apiPath); } catch (_) { p = apiPath; }
    if (p === route) p = "/" + index;
    else if (base && p.startsWith(base)) p = p.slice(base.length) || "/";
    if (p.endsWith("/")) p += index;
    if (p.split("/").some((s) => s === "." || s === "..")) return null;
    return webJoin(directory, p);
  };
  const authKey = routeKey(pattern);
  const getKey = `GET ${authKey}`;
  app.auth(pattern, (req, res, next) => {
    const first = req.method === "GET" ? firstRouteFor(app, "GET", req.apiPath) : null;
    if (first !== undefined && first !== getKey) {
      return delegateAuth(app, authKey, req, res, next);
    }
    const file = resolve(req.apiPath);
    if (file && mimeType(file)) return next();
    if (o.notFound) return next();
    return next(`Static server: ${file || req.apiPath} is not a valid file name`);
  });
  const send = (res, stream, type) => new Promise((resolveSend, reject) => {
    res.set("content-type", type || "application/octet-stream");
    if (o.headers && typeof o.headers === "object") res.headers(o.headers);
    stream.on("data", (buf) => res.write(buf, "buffer"));
    stream.on("end", () => { res.end(); resolveSend(); });
    stream.on("error", reject);
  });
  const serve = async (req, res) => {
    const file = resolve(req.apiPath);
    let stream;
    try {
      if (!file) throw new Error("not a valid file name");
      stream = await globalThis._coho_fs.getFileStream(file, fsOpts);
    } catch (e) {
      if (o.notFound) {
        const fallback = webJoin(directory, String(o.notFound));
        try {
          const s = await globalThis._coho_fs.getFileStream(fallback, fsOpts);
          res.status(404);
          return send(res, s, mimeType(fallback));
        } catch (_) { /* fall through to the plain 404 */ }
      }
      return res.status(404).end(`No file here: ${file || req.apiPath} (${e && e.message})`);
    }
    return send(res, stream, mimeType(file));
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
