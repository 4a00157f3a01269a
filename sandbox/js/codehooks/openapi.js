// == OpenAPI 3.0.3 documents and Swagger UI (spec §11) ===================================
// app.openapi(config, uiPath) serves the document (regenerated per request, from the
// routes, the openapi({...}) route decorators and the crudlify schemas) and a Swagger
// UI page; both are public. Zod (3 and 4) and Yup schemas become JSON Schema.

const SWAGGER_UI = "https://unpkg.com/swagger-ui-dist@5.11.0";

// -- route decorators and helpers (spec §11.3) --------------------------------------------
function openapi(spec = {}) {
  const mw = (req, res, next) => next();
  mw._openApiSpec = spec || {};
  return mw;
}
function response(description, schema, contentType = "application/json") {
  const r = { description };
  if (schema !== undefined) r.content = { [contentType]: { schema } };
  return r;
}
function body(schema, { required = true, description, contentType = "application/json" } = {}) {
  const b = { required, content: { [contentType]: { schema } } };
  if (description) b.description = description;
  return b;
}
function oaParam(where, name, { description, schema = { type: "string" }, example, required } = {}, forceRequired) {
  const p = { name, in: where, required: forceRequired !== undefined ? forceRequired : !!required, schema };
  if (description) p.description = description;
  if (example !== undefined) p.example = example;
  return p;
}
function param(name, opts = {}) { return oaParam("path", name, opts, true); }
function query(name, opts = {}) { return oaParam("query", name, opts); }
function header(name, opts = {}) { return oaParam("header", name, opts); }

// -- schema conversion ----------------------------------------------------------------------
const isZod = (s) => !!s && typeof s === "object" && (!!s._zod || (!!s._def && typeof s._def.typeName === "string"));
const isYup = (s) => !!s && typeof s === "object" && typeof s.describe === "function" && typeof s.validate === "function" && !isZod(s);

// {schema, optional}: optional when the field may be left out (optional/default).
function zodToJSON(s) {
  if (s._zod) return zod4ToJSON(s);
  const d = s._def;
  const out = (schema, optional = false) => {
    if (d.description && schema.description === undefined) schema.description = d.description;
    return { schema, optional };
  };
  const checks = d.checks || [];
  switch (d.typeName) {
    case "ZodString": {
      const j = { type: "string" };
      for (const c of checks) {
        if (c.kind === "min") j.minLength = c.value;
        else if (c.kind === "max") j.maxLength = c.value;
        else if (c.kind === "length") { j.minLength = c.value; j.maxLength = c.value; }
        else if (c.kind === "email") j.format = "email";
        else if (c.kind === "url") j.format = "uri";
        else if (c.kind === "uuid") j.format = "uuid";
        else if (c.kind === "datetime") j.format = "date-time";
        else if (c.kind === "date") j.format = "date";
        else if (c.kind === "regex") j.pattern = c.regex.source;
      }
      return out(j);
    }
    case "ZodNumber": case "ZodBigInt": {
      const j = { type: "number" };
      for (const c of checks) {
        if (c.kind === "int") j.type = "integer";
        else if (c.kind === "min") { if (c.inclusive === false) j.exclusiveMinimum = c.value; else j.minimum = c.value; }
        else if (c.kind === "max") { if (c.inclusive === false) j.exclusiveMaximum = c.value; else j.maximum = c.value; }
        else if (c.kind === "multipleOf") j.multipleOf = c.value;
      }
      return out(j);
    }
    case "ZodBoolean": return out({ type: "boolean" });
    case "ZodDate": return out({ type: "string", format: "date-time" });
    case "ZodNull": return out({ nullable: true });
    case "ZodAny": case "ZodUnknown": return out({});
    case "ZodLiteral": return out({ type: typeof d.value, enum: [d.value] });
    case "ZodEnum": return out({ type: "string", enum: [...d.values] });
    case "ZodNativeEnum": return out({ enum: Object.values(d.values).filter((v) => typeof d.values[v] !== "number") });
    case "ZodArray": {
      const j = { type: "array", items: zodToJSON(d.type).schema };
      if (d.minLength) j.minItems = d.minLength.value;
      if (d.maxLength) j.maxItems = d.maxLength.value;
      return out(j);
    }
    case "ZodObject": {
      const shape = typeof d.shape === "function" ? d.shape() : s.shape;
      return out(objectSchema(Object.entries(shape || {}).map(([k, v]) => [k, zodToJSON(v)])));
    }
    case "ZodRecord": return out({ type: "object", additionalProperties: zodToJSON(d.valueType).schema });
    case "ZodOptional": return out(zodToJSON(d.innerType).schema, true);
    case "ZodNullable": return out(Object.assign(zodToJSON(d.innerType).schema, { nullable: true }));
    case "ZodDefault": {
      const inner = zodToJSON(d.innerType).schema;
      try { inner.default = d.defaultValue(); } catch (_) { /* a default that throws is left out */ }
      return out(inner, true);
    }
    case "ZodUnion": case "ZodDiscriminatedUnion": {
      const opts = Array.isArray(d.options) ? d.options : [...d.options.values()];
      return out({ anyOf: opts.map((o) => zodToJSON(o).schema) });
    }
    case "ZodEffects": return out(zodToJSON(d.schema).schema);
    case "ZodPipeline": return out(zodToJSON(d.in).schema);
    case "ZodBranded": case "ZodReadonly": case "ZodCatch": return out(zodToJSON(d.type || d.innerType).schema);
    case "ZodLazy": return out({});
    default: return out({});
  }
}

function zod4ToJSON(s) {
  const d = s._zod.def;
  const bag = s._zod.bag || {};
  const out = (schema, optional = false) => {
    const desc = s.description;
    if (desc && schema.description === undefined) schema.description = desc;
    return { schema, optional };
  };
  switch (d.type) {
    case "string": {
      const j = { type: "string" };
      if (bag.minimum !== undefined) j.minLength = bag.minimum;
      if (bag.maximum !== undefined) j.maxLength = bag.maximum;
      if (bag.format) j.format = { url: "uri", datetime: "date-time" }[bag.format] || bag.format;
      if (bag.patterns && bag.patterns.size === 1 && !bag.format) j.pattern = [...bag.patterns][0].source;
      return out(j);
    }
    case "number": case "int": case "bigint": {
      const j = { type: d.type === "int" || /int/.test(bag.format || "") ? "integer" : "number" };
      for (const k of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]) {
        if (bag[k] !== undefined && isFinite(bag[k]) && Math.abs(bag[k]) < Number.MAX_SAFE_INTEGER) j[k] = bag[k];
      }
      return out(j);
    }
    case "boolean": return out({ type: "boolean" });
    case "date": return out({ type: "string", format: "date-time" });
    case "null": return out({ nullable: true });
    case "any": case "unknown": return out({});
    case "literal": return out({ enum: [...d.values] });
    case "enum": return out({ type: "string", enum: Object.values(d.entries) });
    case "array": {
      const j = { type: "array", items: zodToJSON(d.element).schema };
      if (bag.minimum !== undefined) j.minItems = bag.minimum;
      if (bag.maximum !== undefined) j.maxItems = bag.maximum;
      return out(j);
    }
    case "object": return out(objectSchema(Object.entries(d.shape || {}).map(([k, v]) => [k, zodToJSON(v)])));
    case "record": return out({ type: "object", additionalProperties: zodToJSON(d.valueType).schema });
    case "optional": return out(zodToJSON(d.innerType).schema, true);
    case "nullable": return out(Object.assign(zodToJSON(d.innerType).schema, { nullable: true }));
    case "default": case "prefault": {
      const inner = zodToJSON(d.innerType).schema;
      try { inner.default = typeof d.defaultValue === "function" ? d.defaultValue() : d.defaultValue; } catch (_) { /* left out */ }
      return out(inner, true);
    }
    case "union": return out({ anyOf: d.options.map((o) => zodToJSON(o).schema) });
    case "pipe": return out(zodToJSON(d.in).schema);
    case "readonly": case "catch": case "nonoptional": return out(zodToJSON(d.innerType).schema);
    default: return out({});
  }
}

function objectSchema(entries) {
  const j = { type: "object", properties: {} };
  const required = [];
  for (const [k, v] of entries) {
    j.properties[k] = v.schema;
    if (!v.optional) required.push(k);
  }
  if (required.length) j.required = required;
  return j;
}

function yupToJSON(desc) {
  const j = {};
  const type = desc.type;
  if (type === "string" || type === "boolean" || type === "object" || type === "array") j.type = type;
  else if (type === "number") j.type = "number";
  else if (type === "date") { j.type = "string"; j.format = "date-time"; }
  for (const t of desc.tests || []) {
    const p = t.params || {};
    const str = type === "string", arr = type === "array";
    if (t.name === "min") {
      if (p.more !== undefined) j.exclusiveMinimum = p.more;
      else j[str ? "minLength" : arr ? "minItems" : "minimum"] = p.min;
    } else if (t.name === "max") {
      if (p.less !== undefined) j.exclusiveMaximum = p.less;
      else j[str ? "maxLength" : arr ? "maxItems" : "maximum"] = p.max;
    } else if (t.name === "length") {
      j[str ? "minLength" : "minItems"] = p.length;
      j[str ? "maxLength" : "maxItems"] = p.length;
    } else if (t.name === "integer") j.type = "integer";
    else if (t.name === "email") j.format = "email";
    else if (t.name === "url") j.format = "uri";
    else if (t.name === "uuid") j.format = "uuid";
    else if (t.name === "matches" && p.regex instanceof RegExp) j.pattern = p.regex.source;
  }
  const values = (desc.oneOf || []).filter((v) => v !== undefined && v !== null);
  if (values.length) j.enum = values;
  if (desc.default !== undefined) j.default = desc.default;
  if (desc.nullable) j.nullable = true;
  if (desc.meta && desc.meta.description) j.description = desc.meta.description;
  if (desc.label && !j.description) j.title = desc.label;
  if (type === "object" && desc.fields) {
    j.properties = {};
    const required = [];
    for (const [k, f] of Object.entries(desc.fields)) {
      j.properties[k] = yupToJSON(f);
      if (f.optional === false) required.push(k);
    }
    if (required.length) j.required = required;
  }
  if (type === "array" && desc.innerType) j.items = yupToJSON(desc.innerType);
  return j;
}

// Any schema (Zod, Yup, JSON Schema, or nothing) as JSON Schema; plain objects may hold
// Zod/Yup schemas deeper down (a requestBody written by hand).
function toJSONSchema(s) {
  if (s === null || s === undefined) return { type: "object", additionalProperties: true };
  if (isZod(s)) return zodToJSON(s).schema;
  if (isYup(s)) return yupToJSON(s.describe());
  if (Array.isArray(s)) return s.map((x) => (x && typeof x === "object" ? toJSONSchema(x) : x));
  if (typeof s === "object") {
    const o = {};
    for (const [k, v] of Object.entries(s)) o[k] = v && typeof v === "object" ? toJSONSchema(v) : v;
    return o;
  }
  return s;
}

// -- the document -----------------------------------------------------------------------------
const pascal = (s) => String(s).split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join("");
const oaPath = (p) => p.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

function crudlifyDocs(schemaMap, options) {
  const prefix = crudPrefix(options && options.prefix);
  const paths = {}, schemas = {};
  const names = Object.keys(schemaMap || {});
  const generic = names.length === 0;
  for (const c of generic ? ["{collection}"] : names) {
    const tag = generic ? "Collections" : pascal(c) || c;
    let ref = { type: "object", additionalProperties: true };
    if (!generic) {
      const name = pascal(c) || c;
      schemas[name] = toJSONSchema(schemaMap[c]);
      ref = { $ref: `#/components/schemas/${name}` };
    }
    const doc = { allOf: [ref, { type: "object", properties: { _id: { type: "string", example: "64f1c2a9d44110bef4e88beb" } } }] };
    const partial = generic ? ref : { type: "object", description: `Fields of ${c} to change` };
    const collParam = generic ? [param("collection", { description: "Collection name" })] : [];
    const idParam = param("ID", { description: "Document _id" });
    const json = (schema) => ({ "application/json": { schema } });
    const errors = { 400: { description: "Validation error" } };
    const notFound = { 404: { description: "Not found" } };
    const op = (id, summary, extra) => Object.assign({ tags: [tag], summary, operationId: `${id}${generic ? "" : pascal(c)}` }, extra);
    const qParams = [
      query("q", { description: "Query as JSON, e.g. {\"status\":\"active\"}" }),
      query("h", { description: "Hints as JSON, e.g. {\"$limit\":10,\"$offset\":0,\"$fields\":{\"name\":1},\"$sort\":{\"created\":-1}}" }),
    ];
    const base = `${prefix}/${c}`;
    paths[base] = {
      get: op("list", `List ${c}`, {
        parameters: [...collParam, ...qParams,
          query("limit", { schema: { type: "integer" } }), query("offset", { schema: { type: "integer" } }),
          query("sort", { description: "Fields to sort by, - for descending: name,-age" })],
        responses: { 200: { description: `List of ${c}`, content: json({ type: "array", items: ref }) }, 400: { description: "Bad query" } },
      }),
      post: op("create", `Create ${c}`, {
        parameters: collParam,
        requestBody: { required: true, content: json(ref) },
        responses: Object.assign({ 201: { description: "Created", content: json(doc) } }, errors),
      }),
    };
    paths[`${base}/_byquery`] = {
      patch: op("updateMany", `Batch update ${c}`, {
        parameters: [...collParam, Object.assign(query("q", { description: "Query as JSON" }), { required: true })],
        requestBody: { required: true, content: json(partial) },
        responses: Object.assign({ 200: { description: "Updated", content: json({ type: "object", properties: { modifiedCount: { type: "integer" } } }) } }, errors),
      }),
      delete: op("deleteMany", `Batch delete ${c}`, {
        parameters: [...collParam, Object.assign(query("q", { description: "Query as JSON" }), { required: true })],
        responses: { 200: { description: "Deleted", content: json({ type: "object", properties: { deletedCount: { type: "integer" } } }) } },
      }),
    };
    paths[`${base}/{ID}`] = {
      get: op("get", `Get ${c} by ID`, { parameters: [...collParam, idParam],
        responses: Object.assign({ 200: { description: "The document", content: json(doc) } }, notFound) }),
      put: op("replace", `Replace ${c}`, { parameters: [...collParam, idParam],
        requestBody: { required: true, content: json(ref) },
        responses: Object.assign({ 200: { description: "Replaced", content: json(doc) } }, errors, notFound) }),
      patch: op("update", `Update ${c}`, { parameters: [...collParam, idParam],
        requestBody: { required: true, content: json(partial) },
        responses: Object.assign({ 200: { description: "Updated", content: json(doc) } }, errors, notFound) }),
      delete: op("delete", `Delete ${c}`, { parameters: [...collParam, idParam],
        responses: Object.assign({ 200: { description: "Deleted", content: json({ type: "object", properties: { _id: { type: "string" } } }) } }, notFound) }),
    };
  }
  return { paths, schemas };
}

// requestBody/response schemas: Zod/Yup converted; request bodies hoisted into
// components.schemas under spec.schemaName, the operationId, or a name from the path.
function documentOperation(method, path, route, meta, schemas) {
  const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => param(m[1]));
  const op = Object.assign({ summary: `${method.toUpperCase()} ${route}`, tags: ["default"] },
    params.length ? { parameters: params } : {}, { responses: { 200: { description: "Success" } } });
  const m = Object.assign({}, meta || {});
  const schemaName = m.schemaName;
  delete m.schemaName;
  Object.assign(op, m);
  if (op.parameters) op.parameters = op.parameters.map((p) => (p && p.schema ? Object.assign({}, p, { schema: toJSONSchema(p.schema) }) : p));
  if (op.requestBody && op.requestBody.content) {
    const content = {};
    for (const [type, media] of Object.entries(op.requestBody.content)) {
      const s = media && media.schema;
      if (s && (isZod(s) || isYup(s))) {
        const name = schemaName || op.operationId || (({ post: "Create", put: "Update", patch: "Patch", delete: "Delete" })[method] || pascal(method)) +
          pascal(path.replace(/\{[^}]+\}/g, "")) + "Request";
        schemas[name] = toJSONSchema(s);
        content[type] = Object.assign({}, media, { schema: { $ref: `#/components/schemas/${name}` } });
      } else content[type] = s ? Object.assign({}, media, { schema: toJSONSchema(s) }) : media;
    }
    op.requestBody = Object.assign({}, op.requestBody, { content });
  }
  if (op.responses) {
    const r = {};
    for (const [code, resp] of Object.entries(op.responses)) {
      r[code] = resp && resp.content ? Object.assign({}, resp, { content: Object.fromEntries(Object.entries(resp.content).map(
        ([t, media]) => [t, media && media.schema ? Object.assign({}, media, { schema: toJSONSchema(media.schema) }) : media])) }) : resp;
    }
    op.responses = r;
  }
  return op;
}

function generateOpenAPI(app, config, servers) {
  const settings = app.settings;
  const crud = settings._crudlify_schema !== undefined ? crudlifyDocs(settings._crudlify_schema, settings._crudlify_options) : null;
  const paths = crud ? crud.paths : {};
  const schemas = crud ? Object.assign({}, crud.schemas) : {};
  const crudPrefixPath = crud ? crudPrefix(settings._crudlify_options && settings._crudlify_options.prefix) : null;
  const generic = crud ? [`${crudPrefixPath}/:collection`, `${crudPrefixPath}/:collection/:ID`, `${crudPrefixPath}/:collection/_byquery`] : [];
  const skip = new Set([config.specPath || "/openapi.json", app._openapiUiPath || "/docs"]);
  for (const key of Object.keys(app.routes)) {
    const sp = key.indexOf(" ");
    const method = key.slice(0, sp), route = key.slice(sp + 1);
    if (route.startsWith("{") || skip.has(route) || route.includes("openapi.json") || route.includes("/docs") ||
        generic.includes(route)) continue;
    const path = oaPath(route);
    const verb = method === "*" ? "get" : method.toLowerCase();
    const meta = app.openApiMeta[key] || (app.routes[key].find((h) => h && h._openApiSpec) || {})._openApiSpec;
    paths[path] = Object.assign({}, paths[path], { [verb]: documentOperation(verb, path, route, meta, schemas) });
  }
  if (typeof config.filter === "function") {
    for (const path of Object.keys(paths)) {
      for (const verb of Object.keys(paths[path])) {
        const o = paths[path][verb];
        if (!config.filter({ method: verb, path, operationId: o.operationId, tags: o.tags || [], summary: o.summary })) {
          delete paths[path][verb];
        }
      }
      if (!Object.keys(paths[path]).length) delete paths[path];
    }
  }
  const sorted = {};
  for (const p of Object.keys(paths).sort()) sorted[p] = paths[p];
  const cfgComponents = config.components || {};
  const doc = {
    openapi: "3.0.3",
    info: Object.assign({ title: "Codehooks API", version: "1.0.0" }, config.info || {}),
  };
  if (config.servers || servers) doc.servers = config.servers || servers;
  if (config.tags) doc.tags = config.tags;
  if (config.externalDocs) doc.externalDocs = config.externalDocs;
  doc.security = config.security || [{ apiKey: [] }];
  doc.paths = sorted;
  doc.components = Object.assign({}, cfgComponents, {
    securitySchemes: Object.assign({
      apiKey: { type: "apiKey", in: "header", name: "x-apikey" },
      bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
    }, cfgComponents.securitySchemes || {}),
    schemas: Object.assign(schemas, toJSONSchema(cfgComponents.schemas || {})),
  });
  return doc;
}

const htmlEscape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function swaggerPage(title, specUrl, ui) {
  const opts = { url: specUrl, dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: true };
  if (ui.oauth2RedirectUrl) opts.oauth2RedirectUrl = ui.oauth2RedirectUrl;
  if (ui.validatorUrl !== undefined) opts.validatorUrl = ui.validatorUrl;
  const favicon = ui.favicon ? `<link rel="icon" href="${htmlEscape(ui.favicon)}">` : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(title)}</title>${favicon}
<link rel="stylesheet" href="${SWAGGER_UI}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${SWAGGER_UI}/swagger-ui-bundle.js" crossorigin></script>
<script src="${SWAGGER_UI}/swagger-ui-standalone-preset.js" crossorigin></script>
<script>
window.onload = function () {
  var opts = ${JSON.stringify(opts).replace(/</g, "\\u003c")};
  opts.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
  opts.layout = "StandaloneLayout";
  window.ui = SwaggerUIBundle(opts);
};
</script>
</body>
</html>
`;
}

function setupOpenAPI(app, config, uiPath) {
  if (config === null || typeof config !== "object") throw new TypeError("app.openapi(config): config must be an object");
  if (typeof uiPath !== "string" || !uiPath.startsWith("/")) throw new TypeError("app.openapi(config, uiPath): uiPath must be a path such as '/docs'");
  const specPath = config.specPath || "/openapi.json";
  Object.defineProperty(app, "_openapiUiPath", { value: uiPath, writable: true, configurable: true });
  app.set("_openapi_config", config);
  // The space prefix of this request's URL (/dev in /dev/docs): relative URLs in the
  // page and the document then work on /<space>/ URLs as on space-less domains.
  const spacePrefix = (req) => {
    const p = String(req.path || ""), a = String(req.apiPath || "");
    return a && p.endsWith(a) ? p.slice(0, p.length - a.length) : "";
  };
  app.get(specPath, (req, res) => {
    const prefix = spacePrefix(req);
    res.json(generateOpenAPI(app, config, prefix ? [{ url: prefix }] : undefined));
  });
  app.get(uiPath, (req, res) => {
    const title = (config.info && config.info.title) || "Codehooks API";
    res.set("content-type", "text/html; charset=utf-8");
    res.end(swaggerPage(title, spacePrefix(req) + specPath, config.swaggerUi || {}));
  });
  app.auth(specPath, (req, res, next) => next());
  app.auth(uiPath, (req, res, next) => next());
}
