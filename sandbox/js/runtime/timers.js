  // -- timers (driven by the host loop through __brygge_tick) -----------------------
  let timerSeq = 0;
  const timers = new Map();
  function now() { return Date.now(); }
  G.setTimeout = (fn, ms, ...args) => {
    const id = ++timerSeq;
    timers.set(id, { at: now() + Math.max(0, +ms || 0), fn, args, every: 0 });
    return id;
  };
  G.setInterval = (fn, ms, ...args) => {
    const id = ++timerSeq;
    const every = Math.max(1, +ms || 0);
    timers.set(id, { at: now() + every, fn, args, every });
    return id;
  };
  G.setImmediate = (fn, ...args) => G.setTimeout(fn, 0, ...args);
  G.clearTimeout = G.clearInterval = G.clearImmediate = (id) => { timers.delete(id); };
  G.queueMicrotask = (fn) => { Promise.resolve().then(fn); };
  // Runs due timers; returns ms until the next one, or -1 when none is pending.
  G.__brygge_tick = function () {
    const t = now();
    for (const [id, tm] of [...timers]) {
      if (tm.at <= t && timers.has(id)) {
        if (tm.every) tm.at = t + tm.every; else timers.delete(id);
        try { tm.fn(...tm.args); } catch (e) { console.error(e); }
      }
    }
    let next = -1;
    for (const tm of timers.values()) {
      const d = Math.max(0, tm.at - now());
      if (next < 0 || d < next) next = d;
    }
    return String(next);
  };

