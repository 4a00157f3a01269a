  // -- path (POSIX) and util ---------------------------------------------------------------
  function normalizeArray(parts, absolute) {
    const out = [];
    for (const p of parts) {
      if (!p || p === ".") continue;
      if (p === "..") { if (out.length && out[out.length - 1] !== "..") out.pop(); else if (!absolute) out.push(".."); }
      else out.push(p);
    }
    return out;
  }
  const path = {
    sep: "/", delimiter: ":",
    normalize(p) {
      if (p === "") return ".";
      const abs = p.startsWith("/"), trail = p.endsWith("/");
      let r = normalizeArray(p.split("/"), abs).join("/");
      if (!r && !abs) r = ".";
      if (r && trail) r += "/";
      return (abs ? "/" : "") + r;
    },
    join(...parts) { const j = parts.filter((x) => x !== "").join("/"); return j ? path.normalize(j) : "."; },
    resolve(...parts) {
      let r = "";
      for (let i = parts.length - 1; i >= 0 && !r.startsWith("/"); i--) if (parts[i]) r = parts[i] + (r ? "/" + r : "");
      if (!r.startsWith("/")) r = "/" + r;
      const n = "/" + normalizeArray(r.split("/"), true).join("/");
      return n;
    },
    isAbsolute: (p) => p.startsWith("/"),
    dirname(p) {
      if (!p) return ".";
      const t = p.replace(/\/+$/, "") || "/";
      const i = t.lastIndexOf("/");
      if (i < 0) return ".";
      return i === 0 ? "/" : t.slice(0, i);
    },
    basename(p, ext) {
      let b = p.replace(/\/+$/, "");
      b = b.slice(b.lastIndexOf("/") + 1);
      if (ext && b.endsWith(ext) && b !== ext) b = b.slice(0, -ext.length);
      return b;
    },
    extname(p) {
      const b = path.basename(p);
      const i = b.lastIndexOf(".");
      return i <= 0 ? "" : b.slice(i);
    },
    relative(from, to) {
      const f = path.resolve(from).split("/").filter(Boolean), t = path.resolve(to).split("/").filter(Boolean);
      let i = 0;
      while (i < f.length && i < t.length && f[i] === t[i]) i++;
      return [...f.slice(i).map(() => ".."), ...t.slice(i)].join("/");
    },
    parse(p) {
      const root = p.startsWith("/") ? "/" : "", base = path.basename(p), ext = path.extname(p);
      let dir = path.dirname(p);
      if (dir === "." && !p.includes("/")) dir = "";
      return { root, dir, base, ext, name: ext ? base.slice(0, -ext.length) : base };
    },
    format(o) { const dir = o.dir || o.root || ""; const base = o.base || (o.name || "") + (o.ext || ""); return dir ? (dir === o.root ? dir + base : dir + "/" + base) : base; },
  };
  path.posix = path;
  path.default = path;
  define("path", () => path);

