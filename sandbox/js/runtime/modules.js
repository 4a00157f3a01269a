  // -- modules: require() and the built-in table (spec §2.15/§2.16) -------------------
  // Built-ins are factories in `builtins` (the later prelude files add theirs with
  // I.define). Everything else -- the upload's files, its node_modules, the npm
  // packages the runtime vendors -- is resolved by the host (sandbox/modules.py),
  // which answers with an id and a format; CommonJS sources are evaluated here, in a
  // function wrapper, with Node's cache and cycle semantics.
  // Node core modules the runtime lacks load as stand-ins that fail loudly when called:
  // a library that merely requires `fs` or `tty`, or builds an `http.Agent` at load
  // time on a path the app never takes, still loads.
  function unavailable(name) {
    const fail = () => {
      const e = new Error(`module '${name}' is not provided by the Brygge runtime`);
      e.code = "ERR_BRYGGE_UNAVAILABLE";
      throw e;
    };
    return new Proxy(function () {}, {
      get: (t, k) => (k === "__esModule" ? false : typeof k === "symbol" || k === "then" ? undefined
        : unavailable(name)),
      apply: fail,
      construct: () => unavailable(name),
    });
  }
  const builtins = Object.assign(Object.create(null), {
    events: () => EventEmitter,
    url: () => ({ URL: G.URL, URLSearchParams: G.URLSearchParams }),
    module: () => ({ createRequire, builtinModules: Object.keys(builtins).sort(),
      isBuiltin: (n) => String(n).replace(/^node:/, "") in builtins }),
    // No terminal in a sandbox; libraries (debug, ...) ask before colouring output.
    tty: () => ({ isatty: () => false }),
    timers: () => ({ setTimeout: G.setTimeout, clearTimeout: G.clearTimeout, setInterval: G.setInterval,
      clearInterval: G.clearInterval, setImmediate: G.setImmediate, clearImmediate: G.clearImmediate }),
    "timers/promises": () => ({
      setTimeout: (ms, value) => new Promise((res) => G.setTimeout(() => res(value), ms)),
      setImmediate: (value) => new Promise((res) => G.setImmediate(() => res(value))),
    }),
  });
  const cache = Object.create(null);
  // The prelude's later scopes (see SCOPES in sandbox/prelude.py) add Node built-ins and
  // share helpers through this object; the host deletes it before the app's code evaluates.
  G.__brygge_internal = { host, hostJSON, EventEmitter, define: (name, factory) => { builtins[name] = factory; delete cache[name]; },
    // Node's core (node/next_tick.js .. node/events.js): one of each for every built-in.
    nextTick, nodeError, quoteString, invalidArgType, invalidReturn, E, abortError, inspectValue,
    captureRejectionSymbol, eventsOf, abortListen };
  function builtin(n) {
    if (n in cache) return cache[n];
    return (cache[n] = builtins[n] ? builtins[n]() : unavailable(n));
  }

  const APP = "/app/";
  const moduleCache = Object.create(null); // require.cache: filename -> Module
  const resolutions = new Map(); // parent id + "\0" + specifier -> host's answer
  class Module {
    constructor(id, filename, parent) {
      this.id = id;
      this.filename = filename;
      this.path = filename.slice(0, filename.lastIndexOf("/")) || "/";
      this.exports = {};
      this.parent = parent;
      this.loaded = false;
      this.children = [];
      this.paths = [];
      if (parent) parent.children.push(this);
    }
    require(spec) { return requireFrom(this.id, spec, this); }
  }
  const idOf = (filename) => (filename.startsWith(APP) ? filename.slice(APP.length) : filename);
  const filenameOf = (id) => (id.startsWith("/") ? id : APP + id);
  function notFound(spec, parent, message, code) {
    const stack = [];
    for (let m = parent; m && stack.length < 16; m = m.parent) stack.push("- " + m.filename);
    const e = new Error(message && code !== "MODULE_NOT_FOUND" ? message
      : `Cannot find module '${spec}'` + (stack.length ? "\nRequire stack:\n" + stack.join("\n") : ""));
    e.code = code || "MODULE_NOT_FOUND";
    if (stack.length) e.requireStack = stack.map((s) => s.slice(2));
    return e;
  }
  function checkSpec(spec) {
    if (typeof spec !== "string") {
      const e = new TypeError(`The "id" argument must be of type string. Received ${spec === null ? "null" : typeof spec}`);
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    if (spec === "") {
      const e = new TypeError("The argument 'id' must be a non-empty string. Received ''");
      e.code = "ERR_INVALID_ARG_VALUE";
      throw e;
    }
  }
  function resolve(parentId, spec, parent) {
    checkSpec(spec);
    if (spec.startsWith("node:")) {
      const n = spec.slice(5);
      if (!(n in builtins) && !CORE.has(n.split("/")[0])) throw notFound(spec, parent, `No such built-in module: ${spec}`, "ERR_UNKNOWN_BUILTIN_MODULE");
      return { builtin: n };
    }
    // built-ins win over node_modules, as Node's core modules do (codehooks-js is the
    // exception: an app's own copy of the library is the one it gets)
    if (spec in builtins && spec !== "codehooks-js") return { builtin: spec };
    const key = parentId + "\0" + spec;
    let r = resolutions.get(key);
    if (!r) {
      r = JSON.parse(host("module.resolve", JSON.stringify({ from: parentId, spec })));
      if (r.error) throw notFound(spec, parent, r.error, r.code);
      resolutions.set(key, r);
    }
    return r;
  }
  function requireFrom(parentId, spec, parent) {
    const r = resolve(parentId, spec, parent);
    if (r.builtin !== undefined) return builtin(r.builtin);
    return load(r.id, r.filename, r.format, parent);
  }
  // A CommonJS source becomes a function of Node's five wrapper arguments; the
  // file's first line shares the wrapper's, so line numbers match the file.
  const indirectEval = eval;
  const WRAP = "(function __brygge_cjs__(exports, require, module, __filename, __dirname) {";
  function load(id, filename, format, parent) {
    if (format === "esm") return requireESM(id);
    let m = moduleCache[filename];
    if (m) return m.exports; // a cycle sees the partial exports, as in Node
    m = new Module(id, filename, parent || null);
    moduleCache[filename] = m;
    try {
      const src = host("module.source", id);
      if (format === "json") {
        try { m.exports = JSON.parse(src); } catch (e) { throw new SyntaxError(`${filename}: ${e.message}`); }
      } else if (format === "text") {
        m.exports = src;
      } else {
        let fn;
        try {
          fn = indirectEval(WRAP + src + "\n})");
        } catch (e) {
          placeFrame(e, id, /^(\s*at )<input>:(\d+):(\d+)$/);
          throw e;
        }
        fn.call(m.exports, m.exports, makeRequire(m), m, filename, m.path);
      }
      m.loaded = true;
    } catch (e) {
      delete moduleCache[filename];
      placeFrame(e, id, /^(\s*at )__brygge_cjs__ \(<input>:(\d+):(\d+)\)$/);
      throw e;
    }
    return m.exports;
  }
  // Evaluated code has no file name in stack traces: name the module in the
  // first frame of its top level that is still anonymous. Errors unwind from the
  // innermost module outwards, so each module claims its own frame.
  function placeFrame(e, id, re) {
    try {
      if (!e || typeof e !== "object" || typeof e.stack !== "string") return;
      const lines = e.stack.split("\n");
      for (let i = 0; i < lines.length; i++) {
        const m = re.exec(lines[i]);
        if (!m) continue;
        const line = +m[2], col = line === 1 ? Math.max(1, +m[3] - WRAP.length) : +m[3];
        lines[i] = `${m[1]}<module> (${id}:${line}:${col})`;
        e.stack = lines.join("\n");
        return;
      }
    } catch (_) { /* frozen or odd errors stay as they are */ }
  }
  // require() of an ES module: the host links and evaluates it synchronously (as
  // Node 22 does for graphs without top-level await) and hands back its namespace.
  const esmCache = new Map();
  function requireESM(id) {
    if (esmCache.has(id)) return esmCache.get(id);
    delete G.__brygge_esm_ns;
    host("module.esm", id);
    const ns = G.__brygge_esm_ns;
    delete G.__brygge_esm_ns;
    if (ns === undefined) {
      // The module threw while evaluating; QuickJS keeps that error for import(),
      // so the log gets the real one.
      import("brygge-id:" + id).catch((e) => console.error(e));
      const e = new Error(`require() of ES module '${id}' failed: it threw while evaluating (the error is logged)`);
      e.code = "ERR_REQUIRE_ESM";
      throw e;
    }
    esmCache.set(id, ns);
    return ns;
  }
  function makeRequire(m) {
    const req = (spec) => requireFrom(m ? m.id : "", spec, m);
    req.resolve = (spec) => {
      const r = resolve(m ? m.id : "", spec, m);
      return r.builtin !== undefined ? r.builtin : r.filename;
    };
    req.resolve.paths = () => [];
    req.cache = moduleCache;
    req.main = undefined;
    return req;
  }
  function createRequire(from) {
    let f = String(from && from.href !== undefined ? from.href : from).replace(/^file:\/\//, "");
    if (!f.startsWith("/")) f = APP + f;
    const m = new Module(idOf(f), f, null);
    return makeRequire(m);
  }
  const CORE = new Set(["assert", "async_hooks", "buffer", "child_process", "cluster", "console",
    "constants", "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http",
    "http2", "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode",
    "querystring", "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls",
    "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib"]);
  // The global require (webpack bundles call it for their externals) resolves from
  // the app's root.
  G.require = makeRequire(null);
  // Used by the ES module facades the host generates (sandbox/modules.py) and by
  // the host itself; they stay after __brygge_internal is gone.
  Object.defineProperty(G, "__brygge_modules", { value: Object.freeze({
    builtin,
    load: (id, filename, format) => load(id, filename, format, null),
    require: (id) => makeRequire(new Module(id, filenameOf(id), null)),
    __filename: (id) => filenameOf(id),
    __dirname: (id) => { const f = filenameOf(id); return f.slice(0, f.lastIndexOf("/")) || "/"; },
  }) });
  G.__brygge_module_keys = (name) => JSON.stringify(Object.keys(Object(builtin(name))));
  G.__brygge_module_names = () => JSON.stringify(Object.keys(builtins));

