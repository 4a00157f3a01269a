  // Node's core for the built-ins (this file through events.js, evaluated in the runtime
  // scope; the later scopes get them through __brygge_internal): process.nextTick, Node-style
  // errors, the one util.inspect printer and the one EventEmitter.
  // Event timing follows Node: process.nextTick callbacks run as one batch before the
  // promise jobs queued after them (a batched queue drained from a microtask).
  const queueMicrotask = G.queueMicrotask;
  const consoleError = (...a) => G.console.error(...a);

  // -- process.nextTick ------------------------------------------------------------------
  let ticks = [];
  let tickScheduled = false;
  function runTicks() {
    // Ticks queued while draining run in the same batch, as in Node.
    for (let i = 0; i < ticks.length; i++) {
      const t = ticks[i];
      ticks[i] = undefined;
      try {
        t.fn.apply(undefined, t.args);
      } catch (e) {
        consoleError("Uncaught exception in a process.nextTick callback:", e);
      }
    }
    ticks = [];
    tickScheduled = false;
  }
  function nextTick(fn, ...args) {
    if (typeof fn !== "function") throw invalidArgType("callback", "of type function", fn);
    ticks.push({ fn, args });
    if (!tickScheduled) { tickScheduled = true; queueMicrotask(runTicks); }
  }
  G.process.nextTick = nextTick;

