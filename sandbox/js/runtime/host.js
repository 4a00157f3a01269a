// Brygge guest runtime: evaluated in every wasm instance before the tenant's app.
// It owns everything request-shaped (req/res objects, auth hooks, middleware and
// route chains) so that one invocation crosses the wasm boundary once on the way
// in and once per host call. The host sees only strings: `__host("op\npayload")`.
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
      if (parts[1] === "QuotaExceeded") { // the project's quota: {error, quota, used, limit}
        let q = {};
        try { q = JSON.parse(parts[2]); } catch (_) {}
        const e = new Error(q.error || parts[2]);
        e.name = "QuotaExceeded";
        e.quota = q.quota; e.used = q.used; e.limit = q.limit;
        e.status = /_bytes$|^deployments_kept$/.test(String(q.quota)) ? 507 : 429;
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

