  // -- util.inspect: the guest's one printer ----------------------------------------------------
  // By default as Node's messages print values (assert's diffs, ERR_* "Received ..."):
  // compact=false, sorted keys, every level. util.inspect/format ask for one line,
  // insertion order and a depth ({sorted: false, depth: 2}).
  const IDENT = /^[A-Za-z_$][\w$]*$/;
  function inspectValue(v, oneLine, opts) {
    const seen = [];
    const sorted = !opts || opts.sorted !== false;
    const maxDepth = !opts || opts.depth === undefined || opts.depth === null ? Infinity : opts.depth;
    const order = (xs) => (sorted ? xs.slice().sort() : xs);
    const ind = (n) => "  ".repeat(n);
    const key = (k) => (typeof k === "symbol" ? `[${k.toString()}]` : IDENT.test(k) ? k : quoteString(k));
    function block(open, close, items, depth) {
      if (!items.length) return open.endsWith("[") || open.endsWith("{") ? open + close : open + " " + close;
      if (oneLine) return `${open} ${items.join(", ")} ${close}`;
      return `${open}\n${items.map((x) => ind(depth + 1) + x).join(",\n")}\n${ind(depth)}${close}`;
    }
    function fmt(x, depth) {
      switch (typeof x) {
        case "string": return quoteString(x);
        case "number": return Object.is(x, -0) ? "-0" : String(x);
        case "bigint": return `${x}n`;
        case "symbol": return x.toString();
        case "undefined": return "undefined";
        case "boolean": return String(x);
        case "function": {
          const src = Function.prototype.toString.call(x);
          if (src.startsWith("class")) return `[class ${x.name || "(anonymous)"}]`;
          return `[Function: ${x.name || "(anonymous)"}]`;
        }
      }
      if (x === null) return "null";
      if (seen.includes(x)) return "[Circular *1]";
      if (x instanceof Date) return isNaN(x) ? "Invalid Date" : x.toISOString();
      if (x instanceof RegExp) return String(x);
      if (x instanceof Error) return x.stack && String(x.stack).startsWith(x.name) ? String(x.stack) : `${x.name}: ${x.message}`;
      if (depth > maxDepth) {
        if (Array.isArray(x)) return "[Array]";
        const p = Object.getPrototypeOf(x);
        return `[${(p && p.constructor && p.constructor.name) || "Object"}]`;
      }
      seen.push(x);
      try {
        const proto = Object.getPrototypeOf(x);
        const ctor = proto && proto.constructor && proto.constructor.name;
        const props = (skipIndex) => order(Object.keys(x).filter((k) => !skipIndex || !/^\d+$/.test(k)))
          .map((k) => `${key(k)}: ${fmt(x[k], depth + 1)}`);
        if (Array.isArray(x)) {
          const items = [];
          for (let i = 0; i < x.length; i++) items.push(i in x ? fmt(x[i], depth + 1) : "<1 empty item>");
          const pre = ctor && ctor !== "Array" ? `${ctor}(${x.length}) [` : "[";
          return block(pre, "]", items.concat(props(true)), depth);
        }
        // util.inspect and the errors' "Received" print a Buffer its own way (<Buffer 61 62>);
        // assert's diffs (multi-line) do not, as Node's use customInspect: false.
        if (oneLine && typeof G.Buffer === "function" && x instanceof G.Buffer && typeof x.inspect === "function") return x.inspect();
        if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
          const items = Array.from(x, (n) => fmt(n, depth + 1));
          const base = x instanceof Uint8Array ? "Uint8Array" : ctor;
          const pre = ctor === base ? `${ctor}(${x.length}) [` : `${ctor}(${x.length}) [${base}] [`;
          return block(pre, "]", items, depth);
        }
        if (x instanceof Map) {
          const items = order([...x].map(([k, val]) => `${fmt(k, depth + 1)} => ${fmt(val, depth + 1)}`));
          return block(`${ctor || "Map"}(${x.size}) {`, "}", items.concat(props()), depth);
        }
        if (x instanceof Set) {
          const items = order([...x].map((val) => fmt(val, depth + 1)));
          return block(`${ctor || "Set"}(${x.size}) {`, "}", items.concat(props()), depth);
        }
        const syms = Object.getOwnPropertySymbols(x).filter((s) => Object.prototype.propertyIsEnumerable.call(x, s))
          .map((s) => `${key(s)}: ${fmt(x[s], depth + 1)}`);
        const pre = proto === null ? "[Object: null prototype] {" : ctor && ctor !== "Object" ? `${ctor} {` : "{";
        return block(pre, "}", props().concat(syms), depth);
      } finally {
        seen.pop();
      }
    }
    return fmt(v, 0);
  }

