// == Workflows (spec §8): instance state in a collection, one queue worker per step =====
// app.createWorkflow(name, description, steps, config) registers a worker on topic
// `${queuePrefix}_${name}_${step}` for every step; each step runs as a queue job with
// payload {stepsName, goto, state, instanceId, options} and calls goto(next, state)
// (a step name, a list of parallel steps, or null to finish) or wait(update).
// Differences from 1.4.3: a step of a cancelled instance is skipped; an 'error' without
// listeners is logged instead of thrown from the worker; stepWaiting is emitted.

const WF_PROTECTED = ["_id", "nextStep", "createdAt", "updatedAt", "instanceId", "workflowName",
  "stepCount", "parallelSteps", "previousStep"];
const wfNow = () => new Date().toISOString();
const wfErr = (e) => (e instanceof Error ? { name: e.name, message: e.message, stack: String(e.stack || "") } : e);
function wfUserState(s) {
  const o = {};
  for (const k of Object.keys(s || {})) if (!WF_PROTECTED.includes(k)) o[k] = s[k];
  return o;
}

class Workflow extends EventEmitter {
  constructor(name, description, steps, options = {}) {
    super();
    if (typeof name !== "string" || !name) throw new TypeError("createWorkflow(name, description, steps): name must be a non-empty string");
    if (!steps || typeof steps !== "object" || !Object.keys(steps).length) {
      throw new TypeError(`createWorkflow('${name}'): steps must be an object of step functions, the first key being the start step`);
    }
    for (const [k, fn] of Object.entries(steps)) {
      if (typeof fn !== "function") throw new TypeError(`createWorkflow('${name}'): step '${k}' is not a function`);
    }
    this.name = name;
    this.description = description;
    this.definitions = steps;
    this.collectionName = "workflowdata";
    this.queuePrefix = "workflowqueue";
    this.timeout = 30000;
    this.defaultTimeout = 30000;
    this.maxStepCount = 3;
    this.defaultWorkers = 1;
    this.stepsConfig = {};
    this.configure(options || {});
  }

  configure(cfg = {}) {
    if (cfg.collectionName) this.collectionName = cfg.collectionName;
    if (cfg.queuePrefix) this.queuePrefix = cfg.queuePrefix;
    if (cfg.timeout !== undefined) { this.timeout = cfg.timeout; this.defaultTimeout = cfg.timeout; }
    if (cfg.maxStepCount !== undefined) this.maxStepCount = cfg.maxStepCount;
    if (cfg.workers !== undefined) this.defaultWorkers = cfg.workers;
    if (cfg.steps) this.stepsConfig = Object.assign({}, cfg.steps);
    return this;
  }
  setCollectionName(n) { this.collectionName = n; }
  getCollectionName() { return this.collectionName; }
  setQueuePrefix(p) { this.queuePrefix = p; }
  getQueuePrefix() { return this.queuePrefix; }
  setTimeout(ms) { this.timeout = ms; this.defaultTimeout = ms; }
  getTimeout() { return this.timeout; }
  setMaxStepCount(n) { this.maxStepCount = n; }
  getMaxStepCount() { return this.maxStepCount; }
  setStepsConfig(c) { this.stepsConfig = Object.assign({}, c); }
  getStepsConfig() { return this.stepsConfig; }
  setDefaultWorkers(n) { this.defaultWorkers = n; }
  getDefaultWorkers() { return this.defaultWorkers; }
  setDefaultTimeout(ms) { this.defaultTimeout = ms; }
  getDefaultTimeout() { return this.defaultTimeout; }
  getWorkersForStep(step) {
    const c = this.stepsConfig[step];
    return c && c.workers !== undefined ? c.workers : this.defaultWorkers;
  }
  getTimeoutForStep(step) {
    const c = this.stepsConfig[step];
    return c && c.timeout !== undefined ? c.timeout : this.defaultTimeout;
  }
  getDefinition(workflowName, step) { return workflowName === this.name ? this.definitions[step] : undefined; }
  validateStepDefinition(fn) {
    if (typeof fn !== "function") throw new TypeError("a workflow step must be a function (state, goto)");
    return true;
  }
  _topic(step) { return `${this.queuePrefix}_${this.name}_${step}`; }

  register(app) {
    this.emit("workflowCreated", { name: this.name, description: this.description });
    for (const step of Object.keys(this.definitions)) {
      app.worker(this._topic(step), (req, res) => this._runStep(req, res),
        { workers: this.getWorkersForStep(step), timeout: this.getTimeoutForStep(step) });
    }
    return this.name;
  }
  registerWithApp(app) { return this.register(app); }

  _emitError(err) {
    if (this.listenerCount("error")) this.emit("error", err);
    else console.error(err);
  }

  async _enqueue(step, state, instanceId, options = {}) {
    await enqueueJob(this._topic(step), { stepsName: this.name, goto: step, state, instanceId, options },
      { workers: this.getWorkersForStep(step), timeout: this.getTimeoutForStep(step) });
    this.emit("stepEnqueued", { workflowName: this.name, step, instanceId, state });
  }

  async start(initialState = {}) {
    this.emit("workflowStarted", { name: this.name, initialState });
    const conn = await openDatastore();
    const first = Object.keys(this.definitions)[0];
    const doc = await conn.insertOne(this.collectionName, Object.assign({}, initialState,
      { nextStep: first, createdAt: wfNow(), workflowName: this.name, stepCount: {} }));
    await this._enqueue(first, doc, doc._id, {});
    return doc;
  }

  async _runStep(req, res) {
    const payload = (req && req.body && req.body.payload) || {};
    try {
      await this.handleNextStep(payload.goto, payload.instanceId, payload.options || {});
    } catch (err) {
      console.error(`Error in function: ${payload.goto}`);
      try {
        const conn = await openDatastore();
        await conn.updateOne(this.collectionName, { _id: payload.instanceId },
          { $set: { lastError: wfErr(err), updatedAt: wfNow() } });
      } catch (e) { console.error(e); }
      this._emitError(err);
    } finally {
      res.end();
    }
  }

  async handleNextStep(step, instanceId, options = {}) {
    const fn = this.definitions[step];
    if (typeof fn !== "function") throw new Error(`Step ${step} not found in workflow ${this.name}`);
    const conn = await openDatastore();
    const coll = this.collectionName;
    let instance = await conn.findOne(coll, { _id: instanceId });
    if (instance.status === "cancelled") return;
    const stepCount = Object.assign({}, instance.stepCount || {});
    const visits = ((stepCount[step] && stepCount[step].visits) || 0) + 1;
    if (visits > this.maxStepCount) {
      throw new Error(`Step ${step} has been executed ${visits} times, which is greater than the maximum step count of ${this.maxStepCount}`);
    }
    const startTime = wfNow();
    stepCount[step] = { visits, startTime };
    // Only this step's entry is written: parallel branches start concurrently, and a
    // whole stepCount read before another branch's start would drop that branch's entry.
    const counted = String(step).includes(".") ? { stepCount } : { [`stepCount.${step}`]: stepCount[step] };
    instance = await conn.updateOne(coll, { _id: instanceId },
      { $set: Object.assign({ nextStep: step, updatedAt: startTime }, counted) });
    this.emit("stepStarted", { workflowName: this.name, step, state: instance, instanceId });
    let moved = false;
    const finishStep = (sc) => {
      const finishTime = wfNow();
      sc[step] = Object.assign({}, sc[step] || { visits, startTime }, {
        totalTime: Date.parse(finishTime) - Date.parse((sc[step] && sc[step].startTime) || startTime), finishTime,
      });
      return finishTime;
    };
    const goto = async (next, newState, gotoOptions = {}) => {
      if (moved) throw new Error(`Step ${step} of workflow ${this.name} already called goto/wait`);
      moved = true;
      const cur = await conn.findOne(coll, { _id: instanceId });
      const sc = Object.assign({}, cur.stepCount || {});
      const updatedAt = finishStep(sc);
      const user = wfUserState(newState);
      if (next === null || next === undefined) {
        const totalTime = Date.parse(updatedAt) - Date.parse(cur.createdAt);
        const done = await conn.updateOne(coll, { _id: instanceId }, { $set: Object.assign(user,
          { nextStep: null, previousStep: step, updatedAt, stepCount: sc, totalTime }) });
        this.emit("stateUpdated", { workflowName: this.name, state: done, instanceId });
        console.log(`Workflow ${this.name} ${instanceId} is completed in time: ${totalTime / 1000}s 🎉`);
        this.emit("completed", Object.assign({}, done));
        return done;
      }
      if (Array.isArray(next)) {
        const parallelSteps = {};
        for (const p of next) parallelSteps[p] = { done: false, startTime: updatedAt, previousStep: step };
        const saved = await conn.updateOne(coll, { _id: instanceId }, { $set: Object.assign(user,
          { nextStep: next, previousStep: step, updatedAt, stepCount: sc, parallelSteps }) });
        this.emit("stateUpdated", { workflowName: this.name, state: saved, instanceId });
        for (const p of next) await this._enqueue(p, saved, instanceId, Object.assign({}, gotoOptions, { parallel: true }));
        return saved;
      }
      if (cur.parallelSteps && cur.parallelSteps[step]) {
        // A branch finished: one atomic update marks it; the update that sees every
        // branch done enqueues the join step (exactly one does).
        const saved = await conn.updateOne(coll, { _id: instanceId }, { $set: Object.assign(user, {
          [`parallelSteps.${step}.done`]: true, [`parallelSteps.${step}.nextStep`]: next,
          [`stepCount.${step}`]: sc[step], previousStep: step, updatedAt }) });
        this.emit("stateUpdated", { workflowName: this.name, state: saved, instanceId });
        const branches = Object.values(saved.parallelSteps || {});
        if (!branches.every((b) => b.done)) return saved;
        if (!branches.every((b) => b.nextStep === next)) throw new Error("Parallel steps must join to the same next step");
        const joined = await conn.updateOne(coll, { _id: instanceId }, { $set: { nextStep: next, parallelSteps: {} } });
        await this._enqueue(next, joined, instanceId, gotoOptions);
        return joined;
      }
      const saved = await conn.updateOne(coll, { _id: instanceId }, { $set: Object.assign(user,
        { nextStep: next, previousStep: step, updatedAt, stepCount: sc }) });
      this.emit("stateUpdated", { workflowName: this.name, state: saved, instanceId });
      await this._enqueue(next, saved, instanceId, gotoOptions);
      return saved;
    };
    const wait = async (update) => {
      if (moved) throw new Error(`Step ${step} of workflow ${this.name} already called goto/wait`);
      moved = true;
      const saved = await conn.updateOne(coll, { _id: instanceId },
        { $set: Object.assign(wfUserState(update), { updatedAt: wfNow() }) });
      this.emit("stepWaiting", { workflowName: this.name, step, instanceId });
      return saved;
    };
    const state = Object.assign({}, instance, { instanceId: instance._id });
    await fn.call(this, state, goto, wait);
  }

  async updateState(instanceId, state, options = { continue: true }) {
    this.emit("stepsStateUpdating", { name: this.name, instanceId, state });
    const conn = await openDatastore();
    const doc = await conn.updateOne(this.collectionName, { _id: instanceId },
      { $set: Object.assign(wfUserState(state), { updatedAt: wfNow() }) });
    if (options && options.continue) await this.continue(instanceId, false);
    return doc;
  }

  async setState(instanceId, { _id, state } = {}) {
    const conn = await openDatastore();
    await conn.replaceOne(this.collectionName, { _id: _id || instanceId }, Object.assign({}, state));
  }

  async continue(instanceId, reset = false) {
    const conn = await openDatastore();
    const doc = await conn.findOneOrNull(this.collectionName, { _id: instanceId });
    if (!doc) throw new Error(`No steps found with instanceId ${instanceId}`);
    if (doc.nextStep === null) throw new Error(`Workflow ${instanceId} has already completed and cannot be continued`);
    const steps = Array.isArray(doc.nextStep) ? doc.nextStep : [doc.nextStep];
    const stepCount = Object.assign({}, doc.stepCount || {});
    for (const s of reset ? Object.keys(stepCount).concat(steps) : steps) stepCount[s] = { visits: 0, startTime: wfNow() };
    const saved = await conn.updateOne(this.collectionName, { _id: instanceId }, { $set: { stepCount, updatedAt: wfNow() } });
    for (const s of steps) {
      this.emit("workflowContinued", { name: this.name, step: s, instanceId });
      await this._enqueue(s, saved, instanceId, {});
    }
    return { instanceId };
  }

  async getWorkflowStatus(instanceId) {
    const conn = await openDatastore();
    return conn.findOne(this.collectionName, { _id: instanceId });
  }
  getStepsStatus(instanceId) { return this.getWorkflowStatus(instanceId); }
  getState(instanceId) { return this.getWorkflowStatus(instanceId); }

  async getInstances(filter = {}) {
    const conn = await openDatastore();
    return conn.find(this.collectionName, filter).toArray();
  }

  async cancelWorkflow(instanceId) {
    this.emit("cancelled", { id: instanceId });
    const conn = await openDatastore();
    return conn.updateOne(this.collectionName, { _id: instanceId }, { $set: { status: "cancelled", updatedAt: wfNow() } });
  }
  cancelSteps(instanceId) { return this.cancelWorkflow(instanceId); }

  async continueAllTimedOut() {
    const conn = await openDatastore();
    const running = await conn.find(this.collectionName, { workflowName: this.name, nextStep: { $ne: null } }).toArray();
    const out = [];
    for (const doc of running) {
      if (Date.now() - Date.parse(doc.createdAt) > this.timeout && doc.status !== "cancelled") {
        out.push(await this.continue(doc._id, true));
      }
    }
    return out;
  }

  isStepTimedOut(instance) {
    const step = instance && instance.nextStep;
    if (!this.definitions[step]) return { isTimedOut: false, reason: "Step not found in workflow", step };
    const sc = (instance.stepCount || {})[step] || {};
    const c = this.stepsConfig[step];
    const timeout = this.getTimeoutForStep(step);
    const timeoutSource = c && c.timeout !== undefined ? "stepConfig"
      : this.defaultTimeout !== this.timeout ? "defaultOptions" : "globalTimeout";
    const start = Date.parse(sc.startTime || instance.createdAt);
    if (sc.finishTime) {
      const executionTime = Date.parse(sc.finishTime) - start;
      return { isTimedOut: executionTime > timeout, executionTime, timeout, step, startTime: sc.startTime,
        finishTime: sc.finishTime, timeoutSource };
    }
    const runningTime = Date.now() - start;
    return { isTimedOut: runningTime > timeout, runningTime, timeout, step, startTime: sc.startTime || instance.createdAt,
      currentTime: wfNow(), timeoutSource };
  }

  async findTimedOutSteps(filter = {}) {
    const conn = await openDatastore();
    const running = await conn.getMany(this.collectionName,
      Object.assign({ workflowName: this.name }, filter, { nextStep: { $ne: null } })).toArray();
    const out = [];
    for (const doc of running) {
      const t = this.isStepTimedOut(doc);
      if (t.isTimedOut) out.push(Object.assign({ workflowId: doc._id, workflowName: doc.workflowName }, t));
    }
    return out;
  }
}
