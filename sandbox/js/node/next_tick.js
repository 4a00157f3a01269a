// Node's `events`, `stream` (+ `stream/promises`), `string_decoder` and `assert` for
// tenant code, written from Node's documented behaviour. Constructors are plain
// functions (not classes) because packages still do `Readable.call(this, opts)` with
// util.inherits; `class X extends Readable` works as well.
// Event timing follows Node: process.nextTick callbacks run as one batch before the
// promise jobs queued after them (a batched queue drained from a microtask).
  const G = globalThis;
  const I = G.__brygge_internal;
  const define = I.define;
  const Buffer = I.Buffer;
  const utf8Decode = I.utf8Decode;
  const toBase64 = I.toBase64;
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

