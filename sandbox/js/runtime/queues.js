  // The queue bridge the built-in codehooks-js uses when the connection has no enqueue
  // (schedule.*, workflows). Hidden, not enumerable; its host op is queue.enqueue.
  Object.defineProperty(G, "__brygge_queue", { value: Object.freeze({
    enqueue(topic, payload, options) {
      let r;
      try {
        r = host("queue.enqueue", JSON.stringify({ topic, payload, options: wire(options || {}) }));
      } catch (e) {
        if (/unknown (host|storage) operation/.test(e.message)) {
          throw new Error(`queues are not available on this Brygge node yet (enqueue to '${topic}')`);
        }
        throw e;
      }
      return r === "" ? undefined : JSON.parse(r);
    },
  }) });

