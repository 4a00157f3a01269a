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
    addListener(ev, fn) { return this.on(ev, fn); } // starts the stream as on() does
    cancel() { this._cancelled = true; }
    end() { this._cancelled = true; }
    pause() {}
    resume() {}
  }

  function asyncify(fn) {
    return (...args) => { try { return Promise.resolve(fn(...args)); } catch (e) { return Promise.reject(e); } };
  }
  const idq = (q) => (typeof q === "string" ? { _id: q } : wire(q || {}));

  // A document inserted into `_event_publish_<channel>` is a realtime event: what
  // codehooks-js's publishEvent writes, the npm library's included (it does nothing
  // else), so the insert is what hands {data, query} to the platform's fan-out.
  const EVENTS = "_event_publish_";
  function published(collection, saved) {
    if (typeof collection === "string" && collection.startsWith(EVENTS) && G.__brygge_realtime
        && saved && typeof saved === "object") {
      const channel = typeof saved.channel === "string" ? saved.channel : "/" + collection.slice(EVENTS.length);
      G.__brygge_realtime.publish(channel, saved.data, saved.query);
    }
    return saved;
  }

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
      insertOne: asyncify((collection, doc) => published(collection, call("db.insertOne", { collection, doc: wire(doc) }))),
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

