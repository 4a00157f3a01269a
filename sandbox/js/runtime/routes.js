  // -- route matching (node-match-path semantics, spec §2.3) -----------------------------
  const reCache = new Map();
  function patternRegExp(p) {
    let re = reCache.get(p);
    if (re) return re;
    if (p.startsWith('{"$regex"')) {
      const src = JSON.parse(p).$regex;
      const last = src.lastIndexOf("/");
      re = { regex: new RegExp(src.slice(1, last), src.slice(last + 1)) };
    } else {
      const s = p.replace(/\./g, "\\.").replace(/\?/g, "\\?").replace(/\/+$/, "")
        .replace(/\*+/g, ".*").replace(/:([A-Za-z0-9_]+)(?=\/|\\\.|$)/g, "(?<$1>[^/]+?)");
      re = { pattern: new RegExp(s + "(\\/|$)", "i") };
    }
    reCache.set(p, re);
    return re;
  }
  function decodeParams(groups) {
    if (!groups) return null;
    const out = {};
    for (const k of Object.keys(groups)) {
      try { out[k] = decodeURIComponent(groups[k]); } catch (_) { out[k] = groups[k]; }
    }
    return out;
  }
  function match(p, path) {
    const re = patternRegExp(p);
    if (re.regex) {
      re.regex.lastIndex = 0;
      const m = re.regex.exec(path);
      return m ? { params: decodeParams(m.groups) } : null;
    }
    const m = re.pattern.exec(path);
    if (!m || m.index !== 0 || m[0].length !== path.length) return null;
    return { params: decodeParams(m.groups) };
  }
  G.__brygge_match = match;

