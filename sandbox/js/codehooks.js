// == Brygge's built-in `codehooks-js` (the core; assembled after sandbox/js/codehooks/*) ==
// What `import {app, crudlify, ...} from 'codehooks-js'` gives an app whose upload has no
// copy of the library. Written from the API description (spec §2-§11), not from the
// library's source; API-compatible with codehooks-js 1.4.3. The app registers handlers
// into the singleton `app`, and `app.init()` returns the manifest the runtime dispatches
// (spec §2.14).

import EventEmitter from "events";

const G = globalThis;

function routeKey(path) {
  if (path instanceof RegExp) return JSON.stringify({ $regex: path.toString() });
  if (typeof path !== "string") {
    throw new TypeError(`a route must be a string such as '/items/:id' or a RegExp, got ${path === null ? "null" : typeof path}`);
  }
  return path;
}

function handlerList(what, path, hooks) {
  const list = hooks.flat(Infinity);
  list.forEach((h, i) => {
    if (typeof h !== "function") {
      throw new TypeError(`${what}(${typeof path === "string" ? `'${path}'` : String(path)}): handler ${i + 1} is ${h === null ? "null" : typeof h}, not a function`);
    }
  });
  return list;
}

// The datastore connection the library's own helpers use (crudlify, realtime, workflows).
const openDatastore = () => (G.DB || G.Datastore).open();

// enqueue(topic, payload, options): the connection's own, or the runtime's bridge (the
// queue platform wires it; until then it answers a clear error).
async function enqueueJob(topic, payload, options) {
  const conn = await openDatastore();
  if (typeof conn.enqueue === "function") return conn.enqueue(topic, payload, options);
  if (!G.__brygge_queue) throw new Error(`queues are not available in this runtime (enqueue to '${topic}')`);
  return G.__brygge_queue.enqueue(topic, payload, options);
}

class Codehooks {
  static getInstance() { return app; }

  constructor() {
    this.settings = {};
    this.routes = {};
    this.queues = {};
    this.jobs = {};
    this.auths = {};
    this.appmiddleware = [];
    this.datastore = null;
    this.listeners = [];
    this.workers = {};
    this.openApiMeta = {};
    for (const m of ["get", "post", "put", "patch", "delete"]) {
      this[m] = (path, ...hooks) => this._route(m.toUpperCase(), path, hooks);
    }
    // A function whose own properties are the channels: the manifest's `realtime`
    // (spec §2.14 quirk), listed with Object.keys(manifest.realtime).
    this.realtime = (path, ...hooks) => this._realtime(path, hooks);
  }

  _route(method, path, hooks) {
    const key = `${method} ${routeKey(path)}`;
    const list = handlerList(`app.${method === "*" ? "all" : method.toLowerCase()}`, path, hooks);
    this.routes[key] = list;
    const doc = list.find((h) => h._openApiSpec);
    if (doc) this.openApiMeta[key] = doc._openApiSpec;
    else delete this.openApiMeta[key];
    return this;
  }

  all(path, ...hooks) { return this._route("*", path, hooks); }

  auth(path, ...hooks) {
    this.auths[routeKey(path)] = handlerList("app.auth", path, hooks);
    return this;
  }

  // use(fn...), use('/path', fn), use(/re/, fn): with a path or regex only the first
  // function is kept (spec §2.2).
  use(...args) {
    if (typeof args[0] === "string") this.appmiddleware.push({ path: args[0], func: args[1] });
    else if (args[0] instanceof RegExp) this.appmiddleware.push({ regex: routeKey(args[0]), func: args[1] });
    else this.appmiddleware.push(...handlerList("app.use", "*", args));
    return this;
  }

  useRoute(route, ...hooks) {
    if (route instanceof RegExp) this.appmiddleware.push({ regex: routeKey(route), func: hooks[0] });
    else this.appmiddleware.push({ path: routeKey(route), func: hooks[0] });
    return this;
  }

  async worker(name, handler, options = {}) {
    if (typeof name !== "string" || !name) throw new TypeError("app.worker(name, handler): name must be a non-empty string");
    const [fn] = handlerList("app.worker", name, [handler]);
    this.workers[name] = [fn];
    this.queues[name] = [fn];
    if (options && typeof options === "object" && Object.keys(options).length) {
      this.settings[`queue_worker:${name}`] = options;
    }
  }

  queue(topic, ...hooks) { this.queues[topic] = handlerList("app.queue", topic, hooks); return this; }

  job(cronExpression, ...hooks) {
    if (typeof cronExpression !== "string" || !cronExpression.trim()) {
      throw new TypeError("app.job(cronExpression, handler): the cron expression must be a string such as '*/5 * * * *'");
    }
    this.jobs[cronExpression] = handlerList("app.job", cronExpression, hooks);
    return this;
  }

  _realtime(path, hooks) {
    if (typeof path !== "string" || !path.startsWith("/")) {
      throw new TypeError("realtime.createChannel(path): the channel must be a path such as '/chat'");
    }
    this.realtime[path] = hooks;
    this.useRoute(path, ...hooks); // {path, func: hooks[0]}; func is undefined without hooks
    // The SSE hand-off: the platform turns a response carrying x-realtime-connect into
    // the event stream of that listener (spec §9.2). The runtime runs the channel's hooks
    // before this route for any library (sandbox/js/runtime/dispatch.js).
    this.get(`${path}/:clientID`, (req, res) => {
      res.set("x-realtime-connect", path);
      res.status(200).json({});
    });
  }

  set(key, val) { this.settings[key] = val; return this; }

  static(options, ...hooks) { serveFiles(this, "static", options, hooks); return this; }

  storage(options, ...hooks) { serveFiles(this, "storage", options, hooks); return this; }

  render(view, data, cb) { return renderTemplate(this.settings, view, data, cb); }

  crudlify(schema = {}, options = {}) { return crudlify(this, schema, options); }

  openapi(config = {}, uiPath = "/docs") { setupOpenAPI(this, config, uiPath); return this; }

  createWorkflow(name, description, steps, options = {}) {
    const wf = new Workflow(name, description, steps, options);
    wf.register(this);
    return wf;
  }

  async registerWorkflow(name, description, steps) {
    this.createWorkflow(name, description, steps);
    return name;
  }

  // Another Codehooks API through the platform's internal gateway (spec §2.13): the
  // executor sends it to this node's router, signed for this space.
  internalFetch(url, options = {}) {
    let u;
    try { u = new URL(String(url)); } catch (e) {
      return Promise.reject(new TypeError(`app.internalFetch: invalid URL '${url}'`));
    }
    const headers = Object.assign({}, options.headers || {}, { host: u.host });
    return G.fetch(`http://apigateway-service:8888${u.pathname}${u.search}`, Object.assign({}, options, { headers }));
  }

  useExpress() {
    throw new Error("app.useExpress is not supported: Brygge runs the app itself");
  }

  setDatastore(ds) {
    this.datastore = ds;
    for (const l of this.listeners) {
      if (typeof l === "function") l(ds);
      else if (l && typeof l.setDatastore === "function") l.setDatastore(ds);
    }
  }

  getDatastore() { return this.datastore ? { open: async () => this.datastore } : Datastore; }

  addListener(observer) { this.listeners.push(observer); }

  init(startup) {
    const manifest = {
      workerhooks: this.workers,
      routehooks: this.routes,
      queuehooks: this.queues,
      jobhooks: this.jobs,
      authhooks: this.auths,
      globalhooks: this.appmiddleware,
      settings: this.settings,
      realtime: this.realtime,
      app: this,
    };
    if (startup) manifest.startup = startup;
    return manifest;
  }

  start(startup) { return this.init(startup); }
}

export const app = new Codehooks();
export const coho = app;
export const Datastore = G.DB || G.Datastore;
export const datastore = Datastore;
export { aggregation, crudlify, Workflow, openapi, response, body, param, query, header };

// -- realtime (spec §9.1): documents the platform's SSE fan-out reads -------------------
const channelName = (channel) => String(channel).replace("/", "");
export const realtime = {
  createChannel: (path, ...hooks) => app.realtime(path, ...hooks),
  // The document codehooks-js writes (and returns); inserting it hands the event to every
  // listener of the channel on every node (runtime/datastore.js, spec §9.2), as the
  // same insert by the npm library does.
  async publishEvent(channel, data, query = {}) {
    const conn = await openDatastore();
    return conn.insertOne(`_event_publish_${channelName(channel)}`,
      { channel, data, query, timestamp: new Date().toISOString() });
  },
  async createListener(channel, data) {
    const conn = await openDatastore();
    return conn.insertOne(`_event_listeners_${channelName(channel)}`,
      { subscribe: data, timestamp: new Date().toISOString() });
  },
  async getListener(channel, listenerID) {
    const conn = await openDatastore();
    return conn.findOne(`_event_listeners_${channelName(channel)}`, { _id: listenerID });
  },
  async getListeners(channel) {
    const conn = await openDatastore();
    return conn.find(`_event_listeners_${channelName(channel)}`, {}).toArray();
  },
  async removeListener(channel, listenerID) {
    const conn = await openDatastore();
    return conn.removeOne(`_event_listeners_${channelName(channel)}`, { _id: listenerID });
  },
};

// -- schedule (spec §7.4, §7.5) ---------------------------------------------------------------
export const schedule = {
  async runAt(date, payload, worker) {
    const when = date instanceof Date ? date : new Date(date);
    if (isNaN(when.getTime())) throw new TypeError(`schedule.runAt: invalid date '${date}'`);
    if (typeof worker !== "string" || !worker) throw new TypeError("schedule.runAt(date, payload, worker): worker must be a worker name");
    const conn = await openDatastore();
    if (typeof conn.runAt === "function") return conn.runAt(when, payload, worker);
    await enqueueJob(worker, payload, { runAt: when.toISOString() });
    return { date: when.toISOString(), payload, worker };
  },
  run(payload, worker) { return schedule.runAt(new Date(), payload, worker); },
  cron(cronExpression, ...hooks) { app.job(cronExpression, ...hooks); },
};

// -- filestore (spec §10.2): blob storage, or deployed sources with {source: true} --------
const fs = () => G._coho_fs;
export const filestore = {
  getReadStream: (path, options = {}) => fs().getFileStream(path, options),
  readFile: (path, options = {}) => fs().readFile(path, options),
  saveFile: (path, data, options = {}) => fs().saveFile(path, data, options),
  deleteFile: (path, options = {}) => fs().deleteFile(path, options),
  list: (path, options = {}) => fs().list(path, options),
  async readFileAsBuffer(path, options = {}) {
    const stream = await fs().getFileStream(path, options);
    return new Promise((resolve, reject) => {
      const parts = [];
      stream.on("data", (c) => parts.push(c));
      stream.on("end", () => resolve(G.Buffer.concat(parts)));
      stream.on("error", reject);
    });
  },
};

export default app;
