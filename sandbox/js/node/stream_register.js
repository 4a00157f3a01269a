  // -- registration --------------------------------------------------------------------------------------
  define("stream", () => Stream);
  define("stream/promises", () => promises);
  define("string_decoder", () => ({ StringDecoder }));
  define("assert", () => assert);
  define("assert/strict", () => assert.strict);
  Object.assign(I, { events: EventEmitter, stream: Stream, nextTick, StringDecoder });
