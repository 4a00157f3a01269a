// Brygge's built-in `codehooks-js` module: what `import {app} from 'codehooks-js'`
// resolves to when the deployed folder carries no copy of the library. Written
// from the API description (spec §2), not from the library's source. It records
// registrations and returns the manifest the runtime dispatches (spec §2.14).

function routeKey(path) {
  return path instanceof RegExp ? JSON.stringify({ $regex: path.toString() }) : String(path);
}

function notYet(what) {
  return () => {
    throw new Error(`${what} is not supported by this Brygge runtime yet`);
  };
}

class Codehooks {
  constructor() {
    this.routes = {};
    this.auths = {};
    this.appmiddleware = [];
    this.workers = {};
    this.queues = {};
    this.jobs = {};
    this.settings = {};
    this.realtime = {};
    this.datastore = null;
    for (const m of ["get", "post", "put", "patch", "delete"]) {
      this[m] = (path, ...hooks) => this._route(m.toUpperCase(), path, hooks);
    }
  }
  _route(method, path, hooks) {
    this.routes[`${method} ${routeKey(path)}`] = hooks.flat();
    return this;
  }
  all(path, ...hooks) { return this._route("*", path, hooks); }
  auth(path, ...hooks) { this.auths[routeKey(path)] = hooks.flat(); return this; }
  use(...args) {
    if (typeof args[0] === "string") this.appmiddleware.push({ path: args[0], func: args[1] });
    else if (args[0] instanceof RegExp) this.appmiddleware.push({ regex: routeKey(args[0]), func: args[1] });
    else this.appmiddleware.push(...args.flat());
    return this;
  }
  useRoute(route, fn) { return this.use(route, fn); }
  async worker(name, handler, options = {}) {
    this.workers[name] = [handler];
    this.queues[name] = [handler];
    if (options && Object.keys(options).length) this.settings[`queue_worker:${name}`] = options;
  }
  queue(topic, ...hooks) { this.queues[topic] = hooks.flat(); return this; }
  job(cron, ...hooks) { this.jobs[cron] = hooks.flat(); return this; }
  set(key, val) { this.settings[key] = val; return this; }
  setDatastore(ds) { this.datastore = ds; }
  getDatastore() { return this.datastore; }
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
Codehooks.prototype.static = notYet("app.static");
Codehooks.prototype.storage = notYet("app.storage");
Codehooks.prototype.crudlify = notYet("app.crudlify");
Codehooks.prototype.openapi = notYet("app.openapi");
Codehooks.prototype.createWorkflow = notYet("app.createWorkflow");
Codehooks.prototype.render = notYet("app.render");
Codehooks.prototype.internalFetch = notYet("app.internalFetch");

export const app = new Codehooks();
export const coho = app;
export const Datastore = globalThis.Datastore;
export const datastore = globalThis.Datastore;
export const crudlify = notYet("crudlify");
export const aggregation = notYet("aggregation");
export class Workflow { constructor() { notYet("Workflow")(); } }
export const realtime = { createChannel: notYet("realtime.createChannel"), publishEvent: notYet("realtime.publishEvent"),
  createListener: notYet("realtime.createListener"), getListeners: notYet("realtime.getListeners"),
  getListener: notYet("realtime.getListener"), removeListener: notYet("realtime.removeListener") };
export const schedule = { runAt: notYet("schedule.runAt"), run: notYet("schedule.run"), cron: (expr, ...hooks) => app.job(expr, ...hooks) };
export const filestore = { getReadStream: notYet("filestore"), readFile: notYet("filestore"), saveFile: notYet("filestore"),
  deleteFile: notYet("filestore"), list: notYet("filestore"), readFileAsBuffer: notYet("filestore") };
export const openapi = () => (req, res, next) => next();
export default app;
