  // -- console ------------------------------------------------------------------
  function fmt(v) {
    if (typeof v === "string") return v;
    if (v instanceof Error) {
      // The app's frames only: the runtime's own (eval_script, native) are noise to a tenant.
      const stack = String(v.stack || "").split("\n")
        .filter((l) => l.trim() && !/\((eval_script|brygge:[^)]*|native)\b/.test(l)).join("\n");
      return stack ? `${v.name}: ${v.message}\n${stack}` : `${v.name}: ${v.message}`;
    }
    try {
      const s = JSON.stringify(v);
      return s === undefined ? String(v) : s;
    } catch (_) {
      return String(v);
    }
  }
  // Console lines are buffered in the guest and handed to the host with the
  // invocation's result: logging costs no boundary crossing per line.
  const MAX_LOG_LINES = 1000;
  let logBuf = [];
  let logDropped = 0;
  function logAt(level) {
    return (...args) => {
      if (logBuf.length >= MAX_LOG_LINES) { logDropped++; return; }
      // Each line carries its own time: a handler may log over seconds.
      try { logBuf.push([level, args.map(fmt).join(" "), Date.now()]); } catch (_) { /* never breaks the app */ }
    };
  }
  function drainLogs() {
    const out = logBuf;
    if (logDropped) out.push(["warn", `${logDropped} log lines dropped (more than ${MAX_LOG_LINES} in one invocation)`, Date.now()]);
    logBuf = [];
    logDropped = 0;
    return out;
  }
  G.__brygge_drain = () => JSON.stringify({ logs: drainLogs() });
  G.console = {
    log: logAt("info"), info: logAt("info"), debug: logAt("debug"), warn: logAt("warn"),
    error: logAt("error"), trace: logAt("debug"),
  };

