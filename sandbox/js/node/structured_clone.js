  G.structuredClone = (v) => {
    const seen = new Map();
    const clone = (x) => {
      if (x === null || typeof x !== "object") {
        if (typeof x === "function" || typeof x === "symbol") throw new DOMException(`${String(x)} could not be cloned.`, "DataCloneError");
        return x;
      }
      if (seen.has(x)) return seen.get(x);
      let out;
      if (x instanceof Date) out = new Date(x.getTime());
      else if (x instanceof RegExp) out = new RegExp(x.source, x.flags);
      else if (x instanceof Map) { out = new Map(); seen.set(x, out); for (const [k, val] of x) out.set(clone(k), clone(val)); return out; }
      else if (x instanceof Set) { out = new Set(); seen.set(x, out); for (const val of x) out.add(clone(val)); return out; }
      else if (ArrayBuffer.isView(x)) out = new x.constructor(x);
      else if (x instanceof ArrayBuffer) out = x.slice(0);
      else if (Array.isArray(x)) { out = []; seen.set(x, out); x.forEach((val, i) => { out[i] = clone(val); }); return out; }
      else { out = {}; seen.set(x, out); for (const k of Object.keys(x)) out[k] = clone(x[k]); return out; }
      seen.set(x, out);
      return out;
    };
    return clone(v);
  };
  if (typeof G.DOMException === "undefined") {
    G.DOMException = class DOMException extends Error {
      constructor(message = "", name = "Error") { super(message); this.name = name; }
    };
  }

