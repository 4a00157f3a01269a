// Brygge guest runtime: evaluated in every wasm instance before the tenant's app.
// It owns everything request-shaped (req/res objects, auth hooks, middleware and
// route chains) so that one invocation crosses the wasm boundary once on the way
// in and once per host call. The host sees only strings: `__host("op\npayload")`.
(function () {
  "use strict";
  const G = globalThis;
  const hostRaw = G.__host;
  delete G.__host;

  // -- host calls -------------------------------------------------------------
  // A reply starting with "\u0000" is an error: "\u0000<Name>\u0000<message>".
  function host(op, payload) {
    const r = hostRaw(op + "\n" + (payload === undefined ? "" : payload));
    if (r.charCodeAt(0) === 0) {
      const parts = r.split("\u0000");
      if (parts[1] === "SchemaError") { // rejected with {schemaError: [...]} as apps expect
        const e = new Error("document does not match the collection's JSON schema");
        e.name = "SchemaError";
        try { e.schemaError = JSON.parse(parts[2]).schemaError; } catch (_) {}
        throw e;
      }
      const e = new Error(parts[2] || "host call failed");
      e.name = parts[1] || "Error";
      throw e;
    }
    return r;
  }
  function hostJSON(op, obj) {
    const r = host(op, JSON.stringify(obj));
    return r === "" ? undefined : JSON.parse(r);
  }

  // -- console ------------------------------------------------------------------
  function fmt(v) {
    if (typeof v === "string") return v;
    if (v instanceof Error) {
      // The app's frames only: the runtime's own (eval_script, native) are noise to a tenant.
      const stack = String(v.stack || "").split("\n")
        .filter((l) => l.trim() && !/\((eval_script|brygge:[^)]*|native)\b/.test(l)).join("\n");
      return stack ? `${v.name}: ${v.message}\n${stack}` : `${v.name}: ${v.message}`;
    }
    try {
      const s = JSON.stringify(v);
      return s === undefined ? String(v) : s;
    } catch (_) {
      return String(v);
    }
  }
  // Console lines are buffered in the guest and handed to the host with the
  // invocation's result: logging costs no boundary crossing per line.
  const MAX_LOG_LINES = 1000;
  let logBuf = [];
  let logDropped = 0;
  function logAt(level) {
    return (...args) => {
      if (logBuf.length >= MAX_LOG_LINES) { logDropped++; return; }
      // Each line carries its own time: a handler may log over seconds.
      try { logBuf.push([level, args.map(fmt).join(" "), Date.now()]); } catch (_) { /* never breaks the app */ }
    };
  }
  function drainLogs() {
    const out = logBuf;
    if (logDropped) out.push(["warn", `${logDropped} log lines dropped (more than ${MAX_LOG_LINES} in one invocation)`, Date.now()]);
    logBuf = [];
    logDropped = 0;
    return out;
  }
  G.__brygge_drain = () => JSON.stringify({ logs: drainLogs() });
  G.console = {
    log: logAt("info"), info: logAt("info"), debug: logAt("debug"), warn: logAt("warn"),
    error: logAt("error"), trace: logAt("debug"),
  };

  // -- timers (driven by the host loop through __brygge_tick) -----------------------
  let timerSeq = 0;
  const timers = new Map();
  function now() { return Date.now(); }
  G.setTimeout = (fn, ms, ...args) => {
    const id = ++timerSeq;
    timers.set(id, { at: now() + Math.max(0, +ms || 0), fn, args, every: 0 });
    return id;
  };
  G.setInterval = (fn, ms, ...args) => {
    const id = ++timerSeq;
    const every = Math.max(1, +ms || 0);
    timers.set(id, { at: now() + every, fn, args, every });
    return id;
  };
  G.setImmediate = (fn, ...args) => G.setTimeout(fn, 0, ...args);
  G.clearTimeout = G.clearInterval = G.clearImmediate = (id) => { timers.delete(id); };
  G.queueMicrotask = (fn) => { Promise.resolve().then(fn); };
  // Runs due timers; returns ms until the next one, or -1 when none is pending.
  G.__brygge_tick = function () {
    const t = now();
    for (const [id, tm] of [...timers]) {
      if (tm.at <= t && timers.has(id)) {
        if (tm.every) tm.at = t + tm.every; else timers.delete(id);
        try { tm.fn(...tm.args); } catch (e) { console.error(e); }
      }
    }
    let next = -1;
    for (const tm of timers.values()) {
      const d = Math.max(0, tm.at - now());
      if (next < 0 || d < next) next = d;
    }
    return String(next);
  };

  // -- process --------------------------------------------------------------------
  G.process = { env: {}, argv: [], platform: "brygge", version: "v20.0.0",
    versions: { node: "20.0.0" }, nextTick: (fn, ...a) => queueMicrotask(() => fn(...a)),
    cwd: () => "/", exit: () => { throw new Error("process.exit is not allowed"); } };
  // process.stdout/stderr (debug, some loggers write to them) go to the space log.
  const stream = (level) => ({ write: (chunk) => { logAt(level)(String(chunk).replace(/\n$/, "")); return true; },
    isTTY: false, columns: 80, fd: level === "error" ? 2 : 1, on() { return this; }, once() { return this; } });
  G.process.stdout = stream("info");
  G.process.stderr = stream("error");

  // -- events (enough EventEmitter for the library and streams) ----------------------
  class EventEmitter {
    constructor() { this._events = {}; }
    on(ev, fn) { (this._events[ev] = this._events[ev] || []).push(fn); return this; }
    addListener(ev, fn) { return this.on(ev, fn); }
    once(ev, fn) { const w = (...a) => { this.off(ev, w); fn(...a); }; return this.on(ev, w); }
    off(ev, fn) { const l = this._events[ev]; if (l) this._events[ev] = l.filter((f) => f !== fn); return this; }
    removeListener(ev, fn) { return this.off(ev, fn); }
    removeAllListeners(ev) { if (ev) delete this._events[ev]; else this._events = {}; return this; }
    listenerCount(ev) { return (this._events[ev] || []).length; }
    emit(ev, ...a) {
      const l = this._events[ev];
      if (!l || !l.length) {
        if (ev === "error") throw a[0] instanceof Error ? a[0] : new Error(String(a[0]));
        return false;
      }
      for (const f of [...l]) f.apply(this, a);
      return true;
    }
  }
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.default = EventEmitter;

  // -- datastore client over host calls ----------------------------------------------
  // RegExp and Date values in queries cross as {$regex, $options} and ISO strings.
  function wire(v) {
    if (v instanceof RegExp) return { $regex: v.source, $options: v.flags };
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(wire);
    if (v && typeof v === "object") {
      const o = {};
      for (const k of Object.keys(v)) o[k] = wire(v[k]);
      return o;
    }
    return v;
  }

  class DataStream extends EventEmitter {
    constructor(fetchPage) {
      super();
      this._fetch = fetchPage; // (cursor) => {docs|items, cursor}
      this._ops = {};
    }
    sort(s) { this._ops.sort = s; return this; }
    limit(n) { this._ops.limit = n; return this; }
    skip(n) { this._ops.offset = n; return this; }
    // Pages through the storage service: never the whole result in one message.
    *items() {
      let cursor = null;
      for (;;) {
        const r = this._fetch(cursor, this._ops);
        for (const d of r.docs || r.items || []) yield d;
        if (!r.cursor) return;
        cursor = r.cursor;
      }
    }
    async toArray() { return [...this.items()]; }
    async forEach(cb) { for (const d of this.items()) await cb(d); }
    json(res) {
      return new Promise((resolve) => {
        let n = 0;
        try {
          if (!res.getHeader("content-type")) res.set("content-type", "application/json");
          let buf = "[\n";
          for (const d of this.items()) {
            buf += (n++ ? ",\n" : " ") + JSON.stringify(d);
            if (buf.length > 65536) { res.write(buf); buf = ""; }
          }
          res.write(buf + "\n]");
          res.end();
        } catch (e) {
          if (!res.headersSent) res.status(e.name === "NotFound" ? 404 : 400).json({ error: e.message });
          else { res.write(JSON.stringify({ error: e.message })); res.end(); }
        }
        resolve();
      });
    }
    pipe(dest) { return typeof dest.json === "function" && dest.status ? this.json(dest) : this._pipe(dest); }
    _pipe(dest) {
      this.on("data", (d) => dest.write(JSON.stringify(d)));
      this.on("end", () => dest.end && dest.end());
      return dest;
    }
    // Stream interface: 'data' per document then 'end', starting on the next turn.
    on(ev, fn) {
      super.on(ev, fn);
      if (!this._started && (ev === "data" || ev === "end")) {
        this._started = true;
        Promise.resolve().then(() => {
          try {
            for (const d of this.items()) { if (this._cancelled) break; this.emit("data", d); }
            this.emit("end");
          } catch (e) { if (this.listenerCount("error")) this.emit("error", e); else console.error(e); }
        });
      }
      return this;
    }
    cancel() { this._cancelled = true; }
    end() { this._cancelled = true; }
    pause() {}
    resume() {}
  }

  function asyncify(fn) {
    return (...args) => { try { return Promise.resolve(fn(...args)); } catch (e) { return Promise.reject(e); } };
  }
  const idq = (q) => (typeof q === "string" ? { _id: q } : wire(q || {}));

  function makeConnection() {
    const call = (op, args) => hostJSON(op, args);
    const getMany = (collection, query, options) => {
      if (collection && typeof collection === "object") { // legacy getMany({collection, filter, ...})
        const o = collection;
        collection = o.collection; query = o.filter || o.query; options = o;
      } else if (query && typeof query === "object" && !options &&
                 (query.filter !== undefined || query.hints !== undefined)) { // getMany(coll, {filter, hints})
        options = query; query = query.filter;
      }
      const opts = wire(options || {});
      const q = idq(query);
      return new DataStream((cursor, extra) => call("db.getMany",
        { collection, query: q, options: Object.assign({}, opts, extra), cursor }));
    };
    const getOne = asyncify((collection, q) => call("db.getOne", { collection, query: idq(q) }));
    // updateOne(coll, q, update, options) and the README's (coll, q, doc, operators, options)
    // The 4th argument is either operators (the README's 5-argument form: every key a
    // `$` operator, merged into the update) or options — crudlify 1.4.3 passes
    // `{filter, hints}` there, which must never be written into documents.
    const updateArgs = (rest) => {
      let [update, a, b] = rest;
      const ops = a && typeof a === "object" && !Array.isArray(a) && Object.keys(a).length > 0 &&
        Object.keys(a).every((k) => k.startsWith("$"));
      if (ops) update = Object.assign({}, update, a);
      const options = b || (ops ? {} : a) || {};
      return { update: wire(update), options: wire(options) };
    };
    const enqueue = asyncify((topic, payload, options) => {
      if (typeof topic !== "string" || !topic) throw new TypeError("enqueue(topic, payload): topic must be a non-empty string");
      try {
        return call("queue.enqueue", { topic, payload: wire(payload === undefined ? null : payload), options: wire(options || {}) });
      } catch (e) { // a host without a queue backend (tools, tests): say so plainly
        if (/unknown (host|storage) operation/.test(e.message)) {
          throw new Error(`queues are not available on this Brygge node yet (enqueue to '${topic}')`);
        }
        throw e;
      }
    });
    const conn = {
      enqueue,
      enqueueFromQuery: asyncify((collection, query, topic, options) => {
        if (typeof topic !== "string" || !topic) throw new TypeError("enqueueFromQuery(collection, query, topic): topic must be a non-empty string");
        return call("queue.enqueueFromQuery", { collection, query: idq(query || {}), topic, options: wire(options || {}) });
      }),
      runAt: (date, payload, worker) => {
        const when = new Date(date);
        if (isNaN(when.getTime())) return Promise.reject(new TypeError(`runAt: invalid date '${date}'`));
        return enqueue(worker, payload, { runAt: when.toISOString() })
          .then(() => ({ date: when.toISOString(), payload, worker }));
      },
      insertOne: asyncify((collection, doc) => call("db.insertOne", { collection, doc: wire(doc) })),
      insertMany: asyncify((collection, docs) => call("db.insertMany", { collection, docs: wire(docs) })),
      getOne, findOne: getOne,
      findOneOrNull: asyncify((collection, q) => call("db.getOne", { collection, query: idq(q), orNull: true })),
      getMany, find: getMany,
      toArray: (collection, query, options) => getMany(collection, query, options).toArray(),
      count: asyncify((collection, query) => call("db.count", { collection, query: idq(query) })),
      updateOne: asyncify((collection, q, ...rest) => call("db.updateOne", { collection, query: idq(q), ...updateArgs(rest) })),
      updateMany: asyncify((collection, q, ...rest) => call("db.updateMany", { collection, query: idq(q), ...updateArgs(rest) })),
      replaceOne: asyncify((collection, q, doc, options) => call("db.replaceOne", { collection, query: idq(q), doc: wire(doc), options: wire(options || {}) })),
      replaceMany: asyncify((collection, q, doc, options) => call("db.replaceMany", { collection, query: idq(q), doc: wire(doc), options: wire(options || {}) })),
      removeOne: asyncify((collection, q) => call("db.removeOne", { collection, query: idq(q) })),
      removeMany: asyncify((collection, q) => call("db.removeMany", { collection, query: idq(q) })),
      createIndex: asyncify((collection, fields) => call("db.createIndex", { collection, fields })),
      removeIndex: asyncify((collection, fields) => call("db.removeIndex", { collection, fields })),
      setSchema: asyncify((collection, schema) => call("db.setSchema", { collection, schema })),
      getSchema: asyncify((collection) => call("db.getSchema", { collection })),
      removeSchema: asyncify((collection) => call("db.removeSchema", { collection })),
      createCollection: asyncify((collection, options) => call("db.createCollection", { collection, options: options || {} })),
      dropCollection: asyncify((collection) => call("db.dropCollection", { collection })),
      // key-value (spec §6); values are strings, setObj/getObj keep objects
      set: asyncify((key, value, o) => call("kv.set", { key, value, ...(o || {}) })),
      get: asyncify((key, o) => call("kv.get", { key, ...(o || {}) })),
      setObj: asyncify((key, value, o) => call("kv.setObj", { key, value, ...(o || {}) })),
      getObj: asyncify((key, o) => call("kv.getObj", { key, ...(o || {}) })),
      incr: asyncify((key, n, o) => call("kv.incr", { key, n: n === undefined ? 1 : n, ...(o || {}) })),
      decr: asyncify((key, n, o) => call("kv.decr", { key, n: n === undefined ? 1 : n, ...(o || {}) })),
      del: asyncify((key, o) => call("kv.del", { key, ...(o || {}) })),
      delAll: asyncify((prefix, o) => call("kv.delAll", { prefix: prefix || "", ...(o || {}) })),
      getAll: (prefix, o) => new DataStream((cursor) => {
        const r = call("kv.getAll", { prefix: prefix || "", ...(o || {}), page: true, cursor });
        return { docs: (r.items || []).map((i) => ({ key: i.key, val: i.val !== undefined ? i.val : i.value })), cursor: r.cursor };
      }),
    };
    conn.createSchema = conn.setSchema;
    conn.collection = (name) => {
      const c = {};
      for (const m of ["getOne", "findOne", "findOneOrNull", "getMany", "find", "insertOne", "insertMany",
        "updateOne", "updateMany", "replaceOne", "replaceMany", "removeOne", "removeMany", "count",
        "createIndex", "removeIndex", "setSchema", "createSchema", "getSchema", "removeSchema", "toArray"]) {
        c[m] = (...a) => conn[m](name, ...a);
      }
      return c;
    };
    return conn;
  }
  let connection = null;
  const Datastore = { open: async () => (connection = connection || makeConnection()) };
  G.DB = Datastore;
  G.Datastore = Datastore;

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
  // The prelude files after this one (sandbox/js/*.js, see PRELUDE in sandbox/app.py)
  // add Node built-ins and share helpers through this object; the host deletes it
  // before the app's code evaluates.
  G.__brygge_internal = { host, hostJSON, EventEmitter, define: (name, factory) => { builtins[name] = factory; delete cache[name]; } };
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

  // -- route matching (node-match-path semantics, spec §2.3) -----------------------------
  const reCache = new Map();
  function patternRegExp(p) {
    let re = reCache.get(p);
    if (re) return re;
    if (p.startsWith('{"$regex"')) {
      const src = JSON.parse(p).$regex;
      const last = src.lastIndexOf("/");
      re = { regex: new RegExp(src.slice(1, last), src.slice(last + 1)) };
    } else {
      const s = p.replace(/\./g, "\\.").replace(/\?/g, "\\?").replace(/\/+$/, "")
        .replace(/\*+/g, ".*").replace(/:([A-Za-z0-9_]+)(?=\/|\\\.|$)/g, "(?<$1>[^/]+?)");
      re = { pattern: new RegExp(s + "(\\/|$)", "i") };
    }
    reCache.set(p, re);
    return re;
  }
  function decodeParams(groups) {
    if (!groups) return null;
    const out = {};
    for (const k of Object.keys(groups)) {
      try { out[k] = decodeURIComponent(groups[k]); } catch (_) { out[k] = groups[k]; }
    }
    return out;
  }
  function match(p, path) {
    const re = patternRegExp(p);
    if (re.regex) {
      re.regex.lastIndex = 0;
      const m = re.regex.exec(path);
      return m ? { params: decodeParams(m.groups) } : null;
    }
    const m = re.pattern.exec(path);
    if (!m || m.index !== 0 || m[0].length !== path.length) return null;
    return { params: decodeParams(m.groups) };
  }
  G.__brygge_match = match;

  // -- request parsing ----------------------------------------------------------------
  function parseQuery(qs) {
    const out = {};
    if (!qs) return out;
    for (const part of qs.split("&")) {
      if (!part) continue;
      const i = part.indexOf("=");
      let k = i < 0 ? part : part.slice(0, i), v = i < 0 ? "" : part.slice(i + 1);
      try { k = decodeURIComponent(k.replace(/\+/g, " ")); v = decodeURIComponent(v.replace(/\+/g, " ")); } catch (_) {}
      if (k in out) out[k] = [].concat(out[k], v); else out[k] = v;
    }
    return out;
  }

  class BadRequest extends Error {}

  function parseBody(ctype, raw) {
    if (!raw) return {};
    const t = (ctype || "").split(";")[0].trim().toLowerCase();
    if (t === "application/json" || t.endsWith("+json")) {
      try { return JSON.parse(raw); } catch (e) {
        throw new BadRequest(`Malformed JSON body: ${e.message}`);
      }
    }
    if (t === "application/x-www-form-urlencoded") return parseQuery(raw);
    if (t.startsWith("text/")) return raw;
    return {};
  }

  // Request and response objects use prototype methods, not per-request closures: an
  // object of ~20 closures costs ~40 µs to build in QuickJS-in-wasm (a class instance
  // ~4 µs), and closures that capture the object they hang on are reference cycles that
  // only the cycle collector frees (a ~2 ms pause every few dozen requests).
  // The raw body as a Node Readable of Buffer chunks (64 Ki chars of text each), made on
  // first use (req.on / req.pipe): busboy and PassThrough->filestore pipe it. A body
  // that is not UTF-8 (binary uploads) also comes as base64 and is piped byte-exact.
  function rawBodyStream(r) {
    // A large binary/multipart upload streamed in (router/body.py): pulled from the
    // host as the app reads, so the whole of it is never in this heap at once.
    if (r.streamed) {
      return new (builtin("stream").Readable)({
        read() {
          try {
            const b64 = host("http.body_read", "");
            if (b64 === "") { this.push(null); return; }
            const u = Uint8Array.fromBase64(b64);
            this.push(G.Buffer.from(u.buffer, u.byteOffset, u.length));
          } catch (e) { this.destroy(e); }
        },
      });
    }
    let pos = 0;
    let bytes = r.bodyBase64 ? null : undefined;
    return new (builtin("stream").Readable)({
      read() {
        if (bytes !== undefined) {
          if (bytes === null) bytes = Uint8Array.fromBase64(r.bodyBase64);
          if (pos >= bytes.length) { this.push(null); return; }
          const end = Math.min(bytes.length, pos + 65536);
          this.push(G.Buffer.from(bytes.buffer, pos, end - pos));
          pos = end;
          return;
        }
        const text = r.body || "";
        if (pos >= text.length) { this.push(null); return; }
        let end = Math.min(text.length, pos + 65536);
        if (end < text.length && (text.charCodeAt(end - 1) & 0xfc00) === 0xd800) end++; // keep pairs whole
        const chunk = G.Buffer.from(text.slice(pos, end), "utf8");
        pos = end;
        this.push(chunk);
      },
    });
  }
  const RAW = Symbol("raw");
  const STREAM = Symbol("stream");
  class HttpRequest {
    get apipath() { return this.apiPath; }
    get url() { return this.originalUrl; }
    // As Express: the scheme the client used (the router sets X-Forwarded-Proto, believing
    // it only from trusted proxies).
    get protocol() { return (this.headers && this.headers["x-forwarded-proto"]) || "http"; }
    toJSON() {
      return { hostname: this.hostname, headers: this.headers, query: this.query, path: this.path,
        apiPath: this.apiPath, originalUrl: this.originalUrl, params: this.params, body: this.body,
        method: this.method };
    }
    _stream() { return this[STREAM] || (this[STREAM] = rawBodyStream(this[RAW])); }
    on(ev, fn) { this._stream().on(ev, fn); return this; }
    pipe(dest, opts) { return this._stream().pipe(dest, opts); }
  }
  for (const k of ["toJSON", "_stream", "on", "pipe"]) Object.defineProperty(HttpRequest.prototype, k, { enumerable: false });
  function makeRequest(r) {
    const req = new HttpRequest();
    req.method = r.method; req.headers = r.headers; req.query = parseQuery(r.query); req.params = null;
    req.path = r.path; req.apiPath = r.apiPath; req.originalUrl = r.originalUrl; req.hostname = r.hostname;
    req.body = {};
    Object.defineProperty(req, "rawBody", { value: r.body, writable: true, configurable: true });
    Object.defineProperty(req, "ip", { value: r.ip, writable: true, configurable: true });
    req[RAW] = r;
    return req;
  }

  // -- response ---------------------------------------------------------------------------
  const NOCACHE = [["cache-control", "no-store, no-cache, must-revalidate, proxy-revalidate"],
    ["pragma", "no-cache"], ["expires", "0"], ["surrogate-control", "no-store"]];

  // Binary chunks cross as Latin-1 strings (one char per byte) on the *b ops.
  const isBytes = (d) => d instanceof Uint8Array || d instanceof ArrayBuffer;
  const latin1 = (d) => {
    const u = d instanceof ArrayBuffer ? new Uint8Array(d) : d;
    let out = "";
    for (let i = 0; i < u.length; i += 8192) out += String.fromCharCode.apply(null, u.subarray(i, i + 8192));
    return out;
  };
  const toText = (data) => (typeof data === "string" ? data : String(data));
  const TYPES = { json: "application/json", html: "text/html", text: "text/plain", xml: "application/xml" };
  // Apps detach methods (`setTimeout(res.end, 100)`): a call without a Response `this`
  // means the response of the invocation running now (an instance runs one at a time).
  let currentRes = null;
  const me = (t) => (t instanceof HttpResponse ? t : currentRes);
  class HttpResponse {
    constructor(inv) {
      this._inv = inv;
      this._status = 200;
      this._headers = new Map(NOCACHE);
      this._headSent = false;
    }
    get headersSent() { return me(this)._headSent; }
    get finished() { return me(this)._inv.ended; }
    get statusCode() { return me(this)._status; }
    set statusCode(code) { me(this)._status = +code; }
    // A Node Writable over the response, to pipe into: Buffers stay binary, end() ends
    // the response, and a destroy with an error ends it (500 if nothing was sent).
    get writable() {
      const res = me(this);
      const w = new (builtin("stream").Writable)({
        write(chunk, enc, cb) { res.write(chunk); cb(); },
        writev(chunks, cb) { res.write(G.Buffer.concat(chunks.map((c) => c.chunk))); cb(); },
        final(cb) { res.end(); cb(); },
        destroy(err, cb) { if (err && !res._inv.ended) (res._headSent ? res : res.status(500)).end(); cb(err); },
      });
      Object.defineProperty(res, "writable", { value: w, configurable: true });
      return w;
    }
    _headerList() {
      const list = [];
      for (const [k, v] of this._headers) {
        if (Array.isArray(v)) for (const x of v) list.push([k, String(x)]);
        else list.push([k, String(v)]);
      }
      return list;
    }
    _flushHead() {
      if (this._headSent) return;
      this._headSent = true;
      if (!this._inv.job) host("http.head", JSON.stringify({ status: this._status, headers: this._headerList() }));
    }
    status(code) { const r = me(this); r._status = +code; return r; }
    set(k, v) {
      const r = me(this);
      if (typeof k === "object") return r.headers(k);
      r._headers.set(String(k).toLowerCase(), v);
      return r;
    }
    setHeader(k, v) { return me(this).set(k, v); }
    header(k, v) { return me(this).set(k, v); }
    getHeader(k) { return me(this)._headers.get(String(k).toLowerCase()); }
    headers(obj) { const r = me(this); for (const k of Object.keys(obj || {})) r.set(k, obj[k]); return r; }
    removeHeader(k) { const r = me(this); r._headers.delete(String(k).toLowerCase()); return r; }
    type(t) { return me(this).set("content-type", TYPES[t] || (t.includes("/") ? t : `application/${t}`)); }
    write(data) {
      const r = me(this);
      if (r._inv.ended) return false;
      if (!r._headers.has("content-type")) r._headers.set("content-type", "text/plain");
      r._flushHead();
      if (r._inv.job) return true; // a worker's or job's output goes nowhere
      if (isBytes(data)) host("http.writeb", latin1(data));
      else host("http.write", toText(data));
      return true;
    }
    end(data) {
      const r = me(this);
      if (r._inv.ended) return r;
      if (data !== undefined && data !== null && typeof data === "object" && !isBytes(data)) {
        return r.json(data);
      }
      if (data !== undefined && data !== null && !r._headers.has("content-type") && !r._headSent) {
        r._headers.set("content-type", isBytes(data) ? "application/octet-stream" : "text/plain; charset=utf-8");
      }
      if (isBytes(data)) {
        r._flushHead();
        r._inv.ended = true;
        if (!r._inv.job) host("http.endb", latin1(data));
        return r;
      }
      r._inv.ended = true;
      if (r._inv.job) { r._headSent = true; return r; } // only its status counts
      const body = data === undefined || data === null ? "" : toText(data);
      if (!r._headSent) {
        // The whole response in one host call: head, a newline, the body.
        r._headSent = true;
        host("http.res", JSON.stringify({ status: r._status, headers: r._headerList() }) + "\n" + body);
      } else {
        host("http.end", body);
      }
      return r;
    }
    json(obj) {
      const r = me(this);
      if (!r._headSent) r._headers.set("content-type", "application/json; charset=utf-8");
      const s = JSON.stringify(obj);
      return r.end(s === undefined ? "" : s);
    }
    send(data) {
      const r = me(this);
      if (data !== null && typeof data === "object" && !(data instanceof Uint8Array)) return r.json(data);
      if (typeof data === "number") { r._status = data; return r.end(""); }
      if (!r._headers.has("content-type") && typeof data === "string") {
        r._headers.set("content-type", /^\s*</.test(data) ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
      }
      return r.end(data);
    }
    sendStatus(code) { const r = me(this); r._status = +code; return r.end(String(code)); }
    render(view, data, cb) { return renderView(me(this), view, data, cb); } // codehooks section below
    redirect(a, b) {
      const r = me(this);
      r._status = b === undefined ? 302 : +a;
      r._headers.set("location", b === undefined ? a : b);
      return r.end("");
    }
  }
  function makeResponse(inv) {
    const res = new HttpResponse(inv);
    for (const k of ["_inv", "_status", "_headers", "_headSent"]) {
      Object.defineProperty(res, k, { enumerable: false, writable: true, value: res[k] });
    }
    currentRes = res;
    return res;
  }

  // -- chains ---------------------------------------------------------------------------------
  // Run fns as (req, res, next); resolves true when the last one called next(),
  // false when the chain stopped; rejects with the value given to next(err).
  function runChain(fns, req, res) {
    return new Promise((resolve, reject) => {
      let i = 0;
      const step = (err) => {
        if (err) return reject(err instanceof Error ? err : { chainError: err });
        const fn = fns[i++];
        if (fn === undefined) return resolve(true);
        if (typeof fn !== "function") return step();
        let called = false;
        const next = (e) => { if (!called) { called = true; step(e); } };
        res.next = next;
        try {
          const r = fn(req, res, next);
          if (r && typeof r.then === "function") r.then(() => { if (res.finished && !called) resolve(false); }, reject);
          else if (res.finished && !called) resolve(false);
        } catch (e) { reject(e); }
      };
      step();
    });
  }

  function errorJSON(res, status, error, extra) {
    if (res.finished) return;
    if (!res.headersSent) res.status(status).json(Object.assign({ error }, extra || {}));
    else res.end();
  }

  let manifest = null;
  G.__brygge_activate = function () {
    let m = G.__brygge_app;
    delete G.__brygge_app;
    if (G.__brygge_app_error) { const e = G.__brygge_app_error; delete G.__brygge_app_error; throw e; }
    if (m && m.default && (m.default.routehooks || m.default.app)) m = m.default;
    if (!m || typeof m !== "object" || !m.routehooks) {
      throw new Error("The app's default export is not a codehooks app: end index.js with `export default app.init();`");
    }
    manifest = m;
    return JSON.stringify(describeManifest(m));
  };
  function describeManifest(m) {
    return {
      routes: Object.keys(m.routehooks || {}),
      auth: Object.keys(m.authhooks || {}),
      workers: Object.keys(Object.assign({}, m.queuehooks || {}, m.workerhooks || {})),
      // {workers, timeout} per topic (app.worker's options), for the dispatcher
      workerOptions: Object.fromEntries(Object.entries(m.settings || {})
        .filter(([k, v]) => k.startsWith("queue_worker:") && v && typeof v === "object")
        .map(([k, v]) => [k.slice(13), { workers: Number(v.workers) || 1, timeout: Number(v.timeout) || 0 }])),
      jobs: Object.keys(m.jobhooks || {}),
      middleware: (m.globalhooks || []).length,
      startup: typeof m.startup === "function",
    };
  }
  G.__brygge_setEnv = (json) => { G.process.env = JSON.parse(json); };

  function findRoute(method, apiPath) {
    for (const key of Object.keys(manifest.routehooks)) {
      const sp = key.indexOf(" ");
      const m = key.slice(0, sp), p = key.slice(sp + 1);
      // HEAD is answered by the GET route (Express semantics); the HTTP server drops
      // the body, and the head keeps the GET's Content-Length
      if (m !== "*" && m !== method && !(method === "HEAD" && m === "GET")) continue;
      const hit = match(p, apiPath);
      if (hit) return { fns: manifest.routehooks[key], params: hit.params };
    }
    return null;
  }

  async function dispatch(r, inv) {
    const res = makeResponse(inv);
    let req;
    try {
      req = makeRequest(r);
      req.body = parseBody(r.headers["content-type"], r.body);
    } catch (e) {
      if (e instanceof BadRequest) return errorJSON(res, 400, e.message, { requestId: r.id });
      throw e;
    }
    try {
      if (!r.authed) {
        let hook = null;
        for (const key of Object.keys(manifest.authhooks || {})) {
          const hit = match(key, r.apiPath);
          if (hit) { hook = manifest.authhooks[key]; req.params = hit.params; break; }
        }
        if (!hook) {
          return errorJSON(res, 401, r.authError || "Missing or wrong API token: send x-apikey or Authorization: Bearer",
            { requestId: r.id });
        }
        try {
          const passed = await runChain(hook.slice(0, 1), req, res);
          if (!passed) return errorJSON(res, 403, "Not allowed", { requestId: r.id });
        } catch (e) {
          return errorJSON(res, 403, e.chainError !== undefined ? String(e.chainError) : (e.message || "Not allowed"),
            { requestId: r.id });
        }
      }
      const route = findRoute(r.method, r.apiPath);
      if (!route) {
        return errorJSON(res, 404, `No route matches ${r.method} ${r.apiPath}`, { requestId: r.id });
      }
      req.params = route.params;
      const global = [];
      for (const h of manifest.globalhooks || []) {
        if (typeof h === "function") global.push(h);
        else if (h && typeof h.func === "function") {
          if (h.path && match(h.path, r.apiPath)) global.push(h.func);
          else if (h.regex && match(h.regex, r.apiPath)) global.push(h.func);
        }
      }
      if (global.length) {
        try {
          if (!(await runChain(global, req, res))) return;
        } catch (e) {
          if (e && e.chainError !== undefined) {
            if (!res.finished) res.status(500).send(String(e.chainError));
            return;
          }
          throw e;
        }
      }
      await runChain(route.fns, req, res);
    } catch (e) {
      if (e && e.chainError !== undefined) {
        if (!res.finished) res.status(500).send(String(e.chainError));
        return;
      }
      noteError(e);
      console.error(e);
      errorJSON(res, 500, "Unhandled Codehook exception, check logs",
        { text: "Unhandled Codehook exception, check logs", fatal: true, requestId: r.id,
          detail: `${e && e.name}: ${e && e.message}`,
          ...(r.dev && e && e.stack ? { stack: String(e.stack) } : {}) });
    }
  }

  // Entry point for one HTTP invocation. The host then drives promise jobs and
  // timers until its promise settles or the deadline passes.
  // Both return a promise of the invocation's result, a JSON string
  // {logs, error}; the host polls its state instead of being called back.
  // An out-of-memory error may have left any object half-built: the host throws the
  // instance away after this invocation instead of reusing it.
  let recycle = false;
  const noteError = (e) => {
    if (e && e.name === "InternalError" && /out of memory/.test(e.message)) recycle = true;
  };
  const finish = (error) => {
    currentRes = null;
    const r = { logs: drainLogs(), error };
    if (recycle) { r.recycle = true; recycle = false; }
    return JSON.stringify(r);
  };
  G.__brygge_invoke = function (json) {
    const r = JSON.parse(json);
    const inv = { ended: false };
    connection = null;
    return dispatch(r, inv).then(() => finish(""),
      (e) => { noteError(e); console.error(e); return finish(String(e && e.message)); });
  };

  // Entry point for one background job: a queue worker (kind "worker", name = topic) or a
  // cron run (kind "cron", name = the cron expression). Done when the handler calls
  // res.end() or its promise settles; a throw, a rejection or a status >= 500 fails it.
  function runJob(kind, name, j) {
    connection = null;
    const hooks = kind === "cron" ? (manifest.jobhooks || {})[name]
      : ((manifest.workerhooks || {})[name] || (manifest.queuehooks || {})[name]);
    if (!hooks) return Promise.resolve(`this deployment has no ${kind === "cron" ? "job" : "worker"} '${name}'`);
    const res = makeResponse({ ended: false, job: true });
    const req = makeRequest({ id: j.jobId, method: "POST", path: "", apiPath: "/" + name, originalUrl: "",
      query: "", headers: {}, hostname: "", ip: "", body: "" });
    req.body = kind === "cron" ? { jobId: j.jobId, next: (j.payload && j.payload.next) || undefined }
      : { payload: j.payload, jobId: j.jobId, topic: name, _id: j.jobId, _created: j.enqueued };
    const fns = Array.isArray(hooks) ? hooks : [hooks];
    return new Promise((resolve, reject) => {
      const end = res.end;
      res.end = function (...a) { const r = end.apply(this, a); resolve(); return r; };
      let i = 0;
      const next = (err) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const fn = fns[i++];
        if (typeof fn !== "function") return resolve();
        try {
          const r = fn(req, res, next);
          if (r && typeof r.then === "function") r.then(() => { if (i >= fns.length) resolve(); }, reject);
        } catch (e) { reject(e); }
      };
      next();
    }).then(() => (res._status >= 500 ? `the ${kind === "cron" ? "job" : "worker"} answered status ${res._status}` : ""),
      (e) => { noteError(e); console.error(e); return `${e && e.name}: ${e && e.message}`; });
  }
  G.__brygge_invoke_job = function (json) {
    const j = JSON.parse(json);
    return runJob(j.kind, j.name, j).then(finish);
  };
  // Entry point for a batch of jobs of one worker or cron job: {kind, name, jobs: [...]}.
  // They run one after the other; after each, host op `job.done` hands the host its
  // outcome and its own log lines, and the host starts the next one's budgets. A heap
  // that ran out of memory stops the batch: the host runs the rest one by one.
  G.__brygge_invoke_jobs = function (json) {
    const b = JSON.parse(json);
    let i = 0;
    const step = () => {
      if (i >= b.jobs.length || recycle) return finish("");
      return runJob(b.kind, b.name, b.jobs[i]).then((error) => {
        i++;
        host("job.done", JSON.stringify({ error, logs: drainLogs() }));
        return step();
      });
    };
    return step();
  };

  G.__brygge_startup = function () {
    if (!manifest || typeof manifest.startup !== "function") return Promise.resolve(finish(""));
    return Promise.resolve().then(() => manifest.startup()).then(() => finish(""),
      (e) => { console.error(e); return finish(`${e && e.name}: ${e && e.message}`); });
  };

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

  // res.render(view, data[, cb]): the app's codehooks-js renders (app.render, with the
  // 'view engine' and 'views' settings); the HTML is sent as text/html unless a callback
  // takes it, as in Express.
  async function renderView(res, view, data, cb) {
    const app = manifest && manifest.app;
    try {
      if (!app || typeof app.render !== "function") {
        throw new Error("res.render: the app has no view engine; set app.set('view engine', {hbs: handlebars}) and app.set('views', '/views')");
      }
      // The HTML comes to the callback (Node style), or as the promise's value.
      const html = await new Promise((resolve, reject) => {
        const ret = app.render(view, data || {}, (e, h) => {
          if (e) reject(e instanceof Error ? e : new Error(String(e)));
          else resolve(h === undefined || h === null ? "" : String(h));
        });
        Promise.resolve(ret).then((v) => { if (typeof v === "string") resolve(v); }, reject);
      });
      if (typeof cb === "function") return cb(null, html);
      if (!res.getHeader("content-type")) res.set("content-type", "text/html; charset=utf-8");
      res.end(html);
      return html;
    } catch (e) {
      if (typeof cb === "function") return cb(e);
      console.error(e);
      if (!res.finished) errorJSON(res, 500, `render ${view}: ${e && e.message}`);
    }
  }

  // The queue bridge the built-in codehooks-js uses when the connection has no enqueue
  // (schedule.*, workflows). Hidden, not enumerable; its host op is queue.enqueue.
  Object.defineProperty(G, "__brygge_queue", { value: Object.freeze({
    enqueue(topic, payload, options) {
      let r;
      try {
        r = host("queue.enqueue", JSON.stringify({ topic, payload, options: wire(options || {}) }));
      } catch (e) {
        if (/unknown (host|storage) operation/.test(e.message)) {
          throw new Error(`queues are not available on this Brygge node yet (enqueue to '${topic}')`);
        }
        throw e;
      }
      return r === "" ? undefined : JSON.parse(r);
    },
  }) });

  // The realtime bridge realtime.publishEvent uses (host op rt.publish): the event goes
  // to every router's listeners of the channel through JetStream; answers {id}.
  Object.defineProperty(G, "__brygge_realtime", { value: Object.freeze({
    publish(channel, data, query) {
      let r;
      try {
        r = host("rt.publish", JSON.stringify({ channel, data: wire(data === undefined ? null : data), query: wire(query || {}) }));
      } catch (e) { // a host without realtime (tools, tests): the document is the event
        if (/unknown (host|storage) operation/.test(e.message)) return undefined;
        throw e;
      }
      return r === "" ? undefined : JSON.parse(r);
    },
  }) });
})();
