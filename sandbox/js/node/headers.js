  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const trimValue = (v) => String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  class Headers {
    constructor(init) {
      this._m = new Map(); // lower-case name -> combined value (set-cookie kept apart)
      this._cookies = [];
      if (init === undefined || init === null) return;
      if (typeof init !== "object" && typeof init !== "function") {
        throw new TypeError("Headers constructor: Argument 1 could not be converted to one of: sequence<sequence<ByteString>>, record<ByteString, ByteString>.");
      }
      if (init instanceof Headers) { for (const [k, v] of init) this.append(k, v); return; }
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = typeof pair === "string" ? [pair] : Array.from(pair);
          if (p.length !== 2) throw new TypeError(`Headers constructor: expected name/value pair to be length 2, found ${p.length}.`);
          this.append(p[0], p[1]);
        }
        return;
      }
      for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    _check(op, k, v, nameOnly) {
      k = String(k);
      if (!TOKEN.test(k)) throw new TypeError(`Headers.${op}: "${k}" is an invalid header name.`);
      if (nameOnly) return [k.toLowerCase()];
      v = trimValue(v);
      const wide = /[^\x00-\xff]/.exec(v);
      if (wide) throw new TypeError(`Cannot convert argument to a ByteString because the character at index ${wide.index} has a value of ${v.charCodeAt(wide.index)} which is greater than 255.`);
      if (/[\0\r\n]/.test(v)) throw new TypeError(`Headers.${op}: "${v}" is an invalid header value.`);
      return [k.toLowerCase(), v];
    }
    append(k, v) {
      [k, v] = this._check("append", k, v);
      if (k === "set-cookie") { this._cookies.push(v); return; }
      const o = this._m.get(k);
      this._m.set(k, o === undefined ? v : o + ", " + v);
    }
    set(k, v) {
      [k, v] = this._check("set", k, v);
      if (k === "set-cookie") this._cookies = [v]; else this._m.set(k, v);
    }
    get(k) {
      [k] = this._check("get", k, undefined, true);
      if (k === "set-cookie") return this._cookies.length ? this._cookies.join(", ") : null;
      const v = this._m.get(k);
      return v === undefined ? null : v;
    }
    getSetCookie() { return this._cookies.slice(); }
    has(k) { [k] = this._check("has", k, undefined, true); return k === "set-cookie" ? this._cookies.length > 0 : this._m.has(k); }
    delete(k) { [k] = this._check("delete", k, undefined, true); if (k === "set-cookie") this._cookies = []; else this._m.delete(k); }
    _pairs() {
      const out = [];
      const names = [...this._m.keys()];
      if (this._cookies.length) names.push("set-cookie");
      for (const k of names.sort()) {
        if (k === "set-cookie") for (const c of this._cookies) out.push([k, c]);
        else out.push([k, this._m.get(k)]);
      }
      return out;
    }
    forEach(fn, self) { for (const [k, v] of this._pairs()) fn.call(self, v, k, this); }
    *entries() { yield* this._pairs(); }
    *keys() { for (const [k] of this._pairs()) yield k; }
    *values() { for (const [, v] of this._pairs()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
    raw() { // node-fetch v2
      const o = {};
      for (const [k, v] of this._pairs()) (o[k] = o[k] || []).push(v);
      return o;
    }
  }

