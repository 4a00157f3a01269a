  // -- process --------------------------------------------------------------------
  G.process = { env: {}, argv: [], platform: "brygge", version: "v20.0.0",
    versions: { node: "20.0.0" }, nextTick: (fn, ...a) => queueMicrotask(() => fn(...a)),
    cwd: () => "/", exit: () => { throw new Error("process.exit is not allowed"); } };
  // process.stdout/stderr (debug, some loggers write to them) go to the space log.
  const stream = (level) => ({ write: (chunk) => { logAt(level)(String(chunk).replace(/\n$/, "")); return true; },
    isTTY: false, columns: 80, fd: level === "error" ? 2 : 1, on() { return this; }, once() { return this; } });
  G.process.stdout = stream("info");
  G.process.stderr = stream("error");

