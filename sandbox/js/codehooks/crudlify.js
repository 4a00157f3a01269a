// == crudlify(app, schema, options) (spec §5) ===========================================
// Eight REST routes over any collection (or only those of a schema map), with Yup, Zod
// or JSON-schema validation, the q2m URL query language and before/after event hooks.
// Each call keeps its own schema and hooks (codehooks-js 1.4.3 shares them between
// calls); the app's settings record the last call, as the OpenAPI generator reads them.

class EventHooks {
  constructor() { this.listeners = {}; }
  async fireBefore(coll, verb, data) {
    const fn = this.listeners[`${coll} before${verb}`];
    if (typeof fn === "function") await fn(data);
  }
  async fireAfter(coll, verb, data) {
    const fn = this.listeners[`${coll} after${verb}`];
    if (typeof fn === "function") await fn(data);
  }
  _on(coll, event, func) {
    if (typeof func !== "function") throw new TypeError(`${event}(collection, fn): fn must be a function`);
    this.listeners[`${coll} ${event}`] = func;
    return this;
  }
  beforePOST(coll, func) { return this._on(coll, "beforePOST", func); }
  afterPOST(coll, func) { return this._on(coll, "afterPOST", func); }
  beforePUT(coll, func) { return this._on(coll, "beforePUT", func); }
  afterPUT(coll, func) { return this._on(coll, "afterPUT", func); }
  beforePATCH(coll, func) { return this._on(coll, "beforePATCH", func); }
  afterPATCH(coll, func) { return this._on(coll, "afterPATCH", func); }
  beforeDELETE(coll, func) { return this._on(coll, "beforeDELETE", func); }
  afterDELETE(coll, func) { return this._on(coll, "afterDELETE", func); }
}

// Which validator a schema value is (spec §5.1): Zod has parse, JSON Schema has
// properties (or the options say so), Yup has validate; null/other is no validation.
function schemaKind(s, declared) {
  if (s === null || s === undefined || typeof s !== "object" && typeof s !== "function") return "none";
  if (typeof s.safeParse === "function" || typeof s.parse === "function") return "zod";
  if (typeof s.validate === "function") return "yup";
  if (s.properties || declared === "json-schema" || declared === "json") return "json";
  return "none";
}

let crudAjvDefault = null;
function crudAjv(options) {
  if (options.validator) return options.validator;
  if (!crudAjvDefault) {
    let Ajv;
    try {
      const m = globalThis.require("ajv");
      Ajv = m.default || m.Ajv || m;
    } catch (e) {
      throw new Error(`crudlify: JSON-schema validation needs ajv, which cannot be loaded (${e.message})`);
    }
    crudAjvDefault = new Ajv({ allErrors: true, strict: false });
  }
  return crudAjvDefault;
}

// validate(doc) -> {ok: true, value} | {ok: false, error} where error is what the
// 400 response carries: the Yup ValidationError, the Zod issues, the ajv errors.
function makeValidator(s, options) {
  const kind = schemaKind(s, String(options.schema || "").toLowerCase());
  if (kind === "zod") {
    return async (doc) => {
      if (typeof s.safeParseAsync === "function" || typeof s.safeParse === "function") {
        const r = typeof s.safeParseAsync === "function" ? await s.safeParseAsync(doc) : s.safeParse(doc);
        return r.success ? { ok: true, value: r.data } : { ok: false, error: r.error.issues || r.error.errors || r.error };
      }
      try { return { ok: true, value: await s.parse(doc) }; } catch (e) { return { ok: false, error: e.issues || e.errors || e }; }
    };
  }
  if (kind === "yup") {
    return async (doc) => {
      try { await s.validate(doc); } catch (e) { return { ok: false, error: e }; }
      return { ok: true, value: typeof s.cast === "function" ? s.cast(doc) : doc };
    };
  }
  if (kind === "json") {
    let compiled = null;
    return async (doc) => {
      if (!compiled) compiled = crudAjv(options).compile(s);
      return compiled(doc) ? { ok: true, value: doc } : { ok: false, error: compiled.errors };
    };
  }
  return async (doc) => ({ ok: true, value: doc });
}

function crudPrefix(p) {
  if (p === undefined || p === null || p === "" || p === "/") return "";
  if (typeof p !== "string") throw new TypeError("crudlify: options.prefix must be a string such as '/api'");
  return ("/" + p.replace(/^\/+|\/+$/g, "")).replace(/^\/$/, "");
}

// getMany/updateMany/removeMany options from a q2m result (spec §4.5: sort travels in hints).
function crudOptions(q) {
  const o = { filter: q.filter, hints: q.hints };
  for (const k of ["limit", "offset", "fields"]) if (q[k] !== undefined) o[k] = q[k];
  if (q.aggregate) o.aggregate = q.aggregate;
  return o;
}

const crudMessage = (e) => (e && e.message !== undefined ? String(e.message) : String(e));

async function crudlify(app, schema = {}, options = {}) {
  if (!app || typeof app.get !== "function" || typeof app.set !== "function") {
    throw new TypeError("crudlify(app, schema, options): app must be the codehooks-js app");
  }
  if (schema === null || schema === undefined) schema = {};
  if (typeof schema !== "object" || Array.isArray(schema)) {
    throw new TypeError("crudlify(app, schema): schema must be a map {collection: schema|null}");
  }
  const opts = Object.assign({ schema: "yup", query: "q2m", prefix: "" }, options || {});
  const prefix = crudPrefix(opts.prefix);
  const hooks = new EventHooks();
  const restricted = Object.keys(schema).length > 0;
  const known = (c) => !restricted || Object.prototype.hasOwnProperty.call(schema, c);
  const validators = {};
  const validate = (c, doc) => {
    if (!validators[c]) validators[c] = makeValidator(restricted ? schema[c] : null, opts);
    return validators[c](doc);
  };
  app.set("_crudlify_schema", schema);
  app.set("_crudlify_options", opts);
  const notFound = (res, c) => res.status(404).json({ error: `Schema error for collection ${c}` });
  const query = (req, res) => {
    try { return q2mQuery(req.query); } catch (e) { res.status(400).end(crudMessage(e)); return null; }
  };
  // Datastore failures: schema violations are 400 with {schemaError}, the rest 404 text.
  const fail = (res, e) => {
    if (res.finished) return;
    if (e && e.schemaError) res.status(400).json({ schemaError: e.schemaError });
    else res.status(404).end(crudMessage(e));
  };
  const base = `${prefix}/:collection`;

  app.post(base, async (req, res) => {
    const c = req.params.collection;
    if (!known(c)) return res.status(400).json({ error: `Collection schema not found: ${c}` });
    let doc;
    try {
      const v = await validate(c, req.body);
      if (!v.ok) return res.status(400).json(v.error);
      doc = v.value;
      await hooks.fireBefore(c, "POST", doc);
    } catch (e) {
      return res.status(400).json(e && e.schemaError ? { schemaError: e.schemaError } : { error: crudMessage(e) });
    }
    try {
      const conn = await openDatastore();
      const result = await conn.insertOne(c, doc);
      await hooks.fireAfter(c, "POST", result);
      res.status(201).json(result);
    } catch (e) {
      res.status(400).json(e && e.schemaError ? { schemaError: e.schemaError } : { error: crudMessage(e) });
    }
  });

  app.get(base, async (req, res) => {
    const c = req.params.collection;
    if (!known(c)) return notFound(res, c);
    const q = query(req, res);
    if (!q) return;
    const conn = await openDatastore();
    return conn.getMany(c, q.filter, crudOptions(q)).json(res);
  });

  app.get(`${base}/:ID`, async (req, res) => {
    const c = req.params.collection;
    if (!known(c)) return notFound(res, c);
    try {
      const conn = await openDatastore();
      res.json(await conn.getOne(c, req.params.ID));
    } catch (e) { fail(res, e); }
  });

  app.put(`${base}/:ID`, async (req, res) => {
    const c = req.params.collection, id = req.params.ID;
    if (!known(c)) return notFound(res, c);
    let doc;
    try {
      const body = req.body && typeof req.body === "object" && !Array.isArray(req.body) ? Object.assign({}, req.body) : req.body;
      if (body && typeof body === "object") delete body._id;
      // validated, but stored as sent: a replace does not add schema defaults (as 1.4.3)
      const v = await validate(c, body);
      if (!v.ok) return res.status(400).json(v.error);
      doc = body;
      await hooks.fireBefore(c, "PUT", doc);
    } catch (e) {
      return res.status(400).json({ error: crudMessage(e) });
    }
    try {
      const conn = await openDatastore();
      const result = await conn.replaceOne(c, id, doc, {});
      await hooks.fireAfter(c, "PUT", result);
      res.json(result);
    } catch (e) { fail(res, e); }
  });

  app.patch(`${base}/_byquery`, async (req, res) => {
    const c = req.params.collection;
    if (!known(c)) return notFound(res, c);
    const q = query(req, res);
    if (!q) return;
    try {
      await hooks.fireBefore(c, "PATCH", req.body);
      const conn = await openDatastore();
      // no options argument: the connection reads a 4th object without `upsert` as
      // more update fields (the README's 5-argument form)
      const result = await conn.updateMany(c, q.filter, req.body);
      await hooks.fireAfter(c, "PATCH", result);
      res.json(result);
    } catch (e) { fail(res, e); }
  });

  app.patch(`${base}/:ID`, async (req, res) => {
    const c = req.params.collection;
    if (!known(c)) return notFound(res, c);
    try {
      await hooks.fireBefore(c, "PATCH", req.body);
      const conn = await openDatastore();
      const result = await conn.updateOne(c, req.params.ID, req.body, {});
      await hooks.fireAfter(c, "PATCH", req.body);
      res.json(result);
    } catch (e) { fail(res, e); }
  });

  app.delete(`${base}/_byquery`, async (req, res) => {
    const c = req.params.collection;
    if (!known(c)) return notFound(res, c);
    const q = query(req, res);
    if (!q) return;
    try {
      const conn = await openDatastore();
      res.json(await conn.removeMany(c, q.filter));
    } catch (e) { fail(res, e); }
  });

  app.delete(`${base}/:ID`, async (req, res) => {
    const c = req.params.collection, id = req.params.ID;
    if (!known(c)) return notFound(res, c);
    try {
      await hooks.fireBefore(c, "DELETE", id);
      const conn = await openDatastore();
      const result = await conn.removeOne(c, id, {});
      await hooks.fireAfter(c, "DELETE", result);
      res.json(result);
    } catch (e) { fail(res, e); }
  });

  return hooks;
}
