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
      if (hit) return { fns: manifest.routehooks[key], params: hit.params, channel: method === "GET" ? connectChannel(m, p) : null };
    }
    return null;
  }

  // The realtime connect route `GET <channel>/:clientID` of a channel the manifest
  // registers (`realtime`, from createChannel in either library): its channel, else null.
  function connectChannel(method, pattern) {
    if (method !== "GET" || !pattern.endsWith("/:clientID")) return null;
    const ch = pattern.slice(0, -"/:clientID".length);
    const rt = manifest.realtime;
    return rt && Object.prototype.hasOwnProperty.call(rt, ch) && Array.isArray(rt[ch]) ? ch : null;
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
      if (route.channel !== null) {
        // The channel's hooks guard its streams (codehooks-js 1.4.3 registers them only as
        // middleware on the channel path itself, which never matches a stream URL); one
        // that refuses answers. Then the connect handler may set x-realtime-connect and
        // then throw or send a non-200 (1.4.3 throws): the hand-off stands (response.js).
        if (!(await runChain(manifest.realtime[route.channel], req, res))) return;
        inv.channel = route.channel;
      }
      await runChain(route.fns, req, res);
    } catch (e) {
      if (handedOff(res, inv)) return;
      if (e && e.chainError !== undefined) {
        if (!res.finished) res.status(500).send(String(e.chainError));
        return;
      }
      noteError(e);
      console.error(e);
      if (e && e.name === "QuotaExceeded" && e.status) { // unhandled: the quota's own answer
        return errorJSON(res, e.status, e.message,
          { quota: e.quota, used: e.used, limit: e.limit, requestId: r.id });
      }
      errorJSON(res, 500, "Unhandled Codehook exception, check logs",
        { text: "Unhandled Codehook exception, check logs", fatal: true, requestId: r.id,
          detail: `${e && e.name}: ${e && e.message}`,
          ...(r.dev && e && e.stack ? { stack: String(e.stack) } : {}) });
    }
  }

  // The connect handler set the header for its channel and then failed: answer the
  // hand-off (200) the router turns into the listener's event stream, as Codehooks does.
  function handedOff(res, inv) {
    if (inv.channel === undefined || res.getHeader("x-realtime-connect") !== inv.channel) return false;
    if (!res.finished && !res.headersSent) res.status(200).json({});
    return true;
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

