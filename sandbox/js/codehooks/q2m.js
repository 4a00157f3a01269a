// == crudlify's URL query language, "q2m" (spec §5.3) ====================================
// q2mQuery(req.query) -> {filter, hints, [aggregate], [limit], [offset], [fields]}, the
// arguments crudlify hands to getMany/updateMany/removeMany. Two modes:
//  - JSON mode, when q, h or a is present: q is the filter, h the hints (or the keyword
//    parameters when h is absent), a an aggregate spec;
//  - parameter mode: every non-keyword parameter is a criterion (field=value with typed
//    values, ranges, lists, negation, existence, field:op=value), sort/fields/omit/
//    offset/limit become hints.
// Errors (bad JSON) throw; crudlify answers them with 400 and the message.

const Q2M_KEYWORDS = new Set(["sort", "fields", "omit", "offset", "limit"]);
// ISO 8601 dates: a month, a day, or a date-time with a zone (Z or an offset); a
// date-time without a zone stays a string.
const Q2M_ISO_DATE = /^\d{4}-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?)?$/;

function q2mParseJSON(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${e.message} (in ${what})`);
  }
}

// A URL value as a typed value: booleans, numbers (as Number() reads them), ISO
// dates, /regex/ or /regex/i, and quoted strings (quotes keep a value a string:
// zip="0123").
function q2mTyped(v) {
  if (typeof v !== "string") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  if (v.length >= 2 && ((v[0] === '"' && v.endsWith('"')) || (v[0] === "'" && v.endsWith("'")))) {
    return v.slice(1, -1);
  }
  const re = /^\/(.*)\/(i?)$/s.exec(v);
  if (re) {
    try { return new RegExp(re[1], re[2]); } catch (_) { return v; }
  }
  if (v !== "" && isFinite(Number(v))) return Number(v);
  if (Q2M_ISO_DATE.test(v)) {
    const d = new Date(v);
    if (!isNaN(d.getTime())) return d;
  }
  return v;
}

const q2mIsQuoted = (v) => v.length >= 2 && ((v[0] === '"' && v.endsWith('"')) || (v[0] === "'" && v.endsWith("'")));
const q2mIsRegex = (v) => /^\/.*\/i?$/s.test(v);
// "a,b" is a list unless the value is quoted or a regex; empty items are dropped.
const q2mIsList = (v) => v.includes(",") && !q2mIsQuoted(v) && !q2mIsRegex(v);
function q2mList(v) {
  return String(v).split(",").filter((x) => x !== "").map(q2mTyped);
}
function q2mListOrOne(v) {
  const l = q2mList(v);
  return l.length === 1 ? l[0] : l;
}

// One criterion from a parameter name and its raw value(s).
function q2mCriterion(key, raw) {
  const values = Array.isArray(raw) ? raw.map(String) : [raw === undefined || raw === null ? "" : String(raw)];
  let field = key, op = null, v = values[values.length - 1];
  // field:op=value -> {$op: value} (a comma list for the list operators)
  const colon = key.indexOf(":");
  if (colon > 0) {
    field = key.slice(0, colon);
    op = key.slice(colon + 1);
    return [field, { ["$" + op]: q2mIsList(v) ? q2mListOrOne(v) : q2mTyped(v) }];
  }
  // age>25 (no '=' in the URL: the whole comparison is the name)
  if (values.length === 1 && v === "") {
    const m = /^(.+?)(>=|<=|!=|>|<)(.*)$/.exec(key);
    if (m) {
      if (m[3] === "") return null;
      const opName = { ">": "$gt", "<": "$lt", ">=": "$gte", "<=": "$lte", "!=": "$ne" }[m[2]];
      if (opName === "$ne") return q2mNot(m[1], m[3]);
      return [m[1], { [opName]: q2mTyped(m[3]) }];
    }
    if (/[<>!]$/.test(key)) return null;
    if (key[0] === "!") return [key.slice(1), { $exists: false }];
    return [key, { $exists: true }];
  }
  // age>=25 arrives as name "age>" and value "25"; status!=A as "status!" and "A"
  const last = key[key.length - 1];
  const joined = values.join(",");
  if (last === ">" || last === "<" || last === "!") {
    if (key.length === 1 || joined === "") return null;
    if (last === "!") return q2mNot(key.slice(0, -1), joined[0] === "!" ? joined.slice(1) : joined);
    return [key.slice(0, -1), { [last === ">" ? "$gte" : "$lte"]: q2mTyped(joined) }];
  }
  if (values.length > 1) return [field, { $in: values.map(q2mTyped) }];
  if (v === "!") return [field, { $exists: false }];
  if (v[0] === "!") return q2mNot(field, v.slice(1));
  if (q2mIsList(v)) {
    const l = q2mListOrOne(v);
    return [field, Array.isArray(l) ? { $in: l } : l];
  }
  return [field, q2mTyped(v)];
}

function q2mNot(field, v) {
  if (q2mIsList(v)) {
    const l = q2mListOrOne(v);
    if (!Array.isArray(l)) return q2mNot(field, String(v).replace(/,/g, ""));
    return [field, { $nin: l }];
  }
  const t = q2mTyped(v);
  return [field, t instanceof RegExp ? { $not: t } : { $ne: t }];
}

// qs-style nested parameters (price[$gt]=10), whether the runtime nested them or not.
function q2mNested(obj) {
  const out = {};
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) ? q2mNested(v) : Array.isArray(v) ? v.map(q2mTyped) : q2mTyped(v);
  }
  return out;
}

function q2mMerge(filter, field, cond) {
  const cur = filter[field];
  const isOps = (x) => x && typeof x === "object" && !Array.isArray(x) && !(x instanceof RegExp) &&
    !(x instanceof Date) && Object.keys(x).every((k) => k[0] === "$");
  if (isOps(cur) && isOps(cond)) filter[field] = Object.assign({}, cur, cond);
  else filter[field] = cond;
}

function q2mKeywordHints(query) {
  const hints = {};
  const names = (v) => String(v).split(",").map((s) => s.trim()).filter(Boolean);
  let fields = null;
  if (query.fields !== undefined && query.fields !== "") {
    fields = {};
    for (const f of names(query.fields)) fields[f] = 1;
  }
  if (query.omit !== undefined && query.omit !== "") {
    fields = {};
    for (const f of names(query.omit)) fields[f] = 0;
  }
  if (fields) hints.fields = fields;
  if (query.sort !== undefined && query.sort !== "") {
    const sort = {};
    for (const f of names(query.sort)) {
      if (f[0] === "-") sort[f.slice(1)] = -1;
      else sort[f] = 1;
    }
    hints.sort = sort;
  }
  // numbers as Number() reads them; 0 and unreadable values mean "not given"
  const offset = Number(query.offset), limit = Number(query.limit);
  if (offset) hints.skip = offset;
  if (limit) hints.limit = limit;
  return hints;
}

function q2mQuery(query) {
  query = query || {};
  const one = (v) => (Array.isArray(v) ? v[v.length - 1] : v);
  if (query.q || query.h || query.a) {
    const filter = q2mParseJSON(one(query.q) || "{}", "q");
    const hints = query.h ? q2mParseJSON(one(query.h), "h") : q2mKeywordHints(query);
    const out = { filter, hints, aggregate: query.a ? q2mParseJSON(one(query.a), "a") : null };
    if (hints && hints.limit !== undefined) out.limit = hints.limit;
    if (hints && hints.offset !== undefined) out.offset = hints.offset;
    if (hints && hints.fields !== undefined) out.fields = hints.fields;
    return out;
  }
  const filter = {};
  for (const key of Object.keys(query)) {
    if (Q2M_KEYWORDS.has(key)) continue;
    const raw = query[key];
    const br = /^([^[\]]+)((?:\[[^[\]]*\])+)$/.exec(key);
    if (br) { // price[$gt]=10 -> {price: {$gt: 10}}
      const path = br[2].slice(1, -1).split("][");
      let cond = Array.isArray(raw) ? raw.map(q2mTyped) : q2mTyped(raw);
      for (let i = path.length - 1; i >= 0; i--) cond = { [path[i]]: cond };
      q2mMerge(filter, br[1], cond);
      continue;
    }
    if (raw && typeof raw === "object" && !Array.isArray(raw)) {
      q2mMerge(filter, key, q2mNested(raw));
      continue;
    }
    const c = q2mCriterion(key, raw);
    if (c && c[0] !== "") q2mMerge(filter, c[0], c[1]);
  }
  const hints = q2mKeywordHints(query);
  if (hints.fields) hints.projection = hints.fields;
  const out = { filter, hints };
  if (hints.limit !== undefined) out.limit = hints.limit;
  if (hints.skip !== undefined) out.offset = hints.skip;
  return out;
}
