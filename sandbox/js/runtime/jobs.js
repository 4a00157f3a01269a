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
    // A job made from a query (enqueueFromQuery, query --enqueue) has the official local
    // server's body: _id is the source document's, which apps update by it.
    req.body = kind === "cron" ? { jobId: j.jobId, next: (j.payload && j.payload.next) || undefined }
      : j.sourceId !== undefined
        ? { _id: j.sourceId, topic: name, payload: j.payload, jobId: j.jobId, _created: j.enqueued }
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

