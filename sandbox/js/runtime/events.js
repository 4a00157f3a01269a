  // -- events (enough EventEmitter for the library and streams) ----------------------
  class EventEmitter {
    constructor() { this._events = {}; }
    on(ev, fn) { (this._events[ev] = this._events[ev] || []).push(fn); return this; }
    addListener(ev, fn) { return this.on(ev, fn); }
    once(ev, fn) { const w = (...a) => { this.off(ev, w); fn(...a); }; return this.on(ev, w); }
    off(ev, fn) { const l = this._events[ev]; if (l) this._events[ev] = l.filter((f) => f !== fn); return this; }
    removeListener(ev, fn) { return this.off(ev, fn); }
    removeAllListeners(ev) { if (ev) delete this._events[ev]; else this._events = {}; return this; }
    listenerCount(ev) { return (this._events[ev] || []).length; }
    emit(ev, ...a) {
      const l = this._events[ev];
      if (!l || !l.length) {
        if (ev === "error") throw a[0] instanceof Error ? a[0] : new Error(String(a[0]));
        return false;
      }
      for (const f of [...l]) f.apply(this, a);
      return true;
    }
  }
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.default = EventEmitter;

