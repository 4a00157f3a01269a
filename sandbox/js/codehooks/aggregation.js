// == aggregation(streamOrArray, spec) (spec §4.11) ======================================
// Consumes documents (a DataStream's 'data'/'end', any emitter of them, or an array) and
// folds them by the spec: $sum/$avg/$min/$max of a field, a list of fields, or
// {$field, $label}; $group {$field, $label?, ...nested spec} (or a list of groups).
// Result: {count, <label>: {...}} where each group value holds {count, ...} per key;
// keys that are not strings print as "(value)", missing ones as "**MISSING KEY [field]".
// Values that are null or absent do not take part in a statistic; later values are
// added as numbers. A dotted statistic label nests ({$sum: 'd.x'} gives {d: {x: {sum}}}).
// Unlike codehooks-js 1.4.3, a 0 counts like any other value ($avg/$min/$max of
// [0, 5] are 2.5/0/5, not 5/5/5).

const AGG_OPS = ["$sum", "$avg", "$min", "$max"];

function aggFields(v) {
  const list = Array.isArray(v) ? v : [v];
  return list.map((f) => (f && typeof f === "object" ? { field: f.$field, label: f.$label || f.$field }
    : { field: f, label: f })).filter((f) => typeof f.field === "string" && f.field !== "");
}

function aggGet(doc, path) {
  let v = doc;
  for (const p of String(path).split(".")) {
    if (v === null || v === undefined || typeof v !== "object") return undefined;
    v = v[p];
  }
  return v;
}

// Compile a spec once into steps: [{kind: "$sum"|..., fields}] and groups.
function aggCompile(spec) {
  if (!spec || typeof spec !== "object" || Array.isArray(spec)) {
    throw new TypeError("aggregation(data, spec): spec must be an object such as {$group: {$field: 'month', $sum: 'sales'}}");
  }
  const steps = [];
  for (const k of Object.keys(spec)) {
    if (AGG_OPS.includes(k)) steps.push({ op: k, fields: aggFields(spec[k]) });
    else if (k === "$group") {
      for (const g of Array.isArray(spec[k]) ? spec[k] : [spec[k]]) {
        if (!g || typeof g !== "object" || typeof g.$field !== "string") {
          throw new TypeError("aggregation: every $group needs a $field name");
        }
        steps.push({ group: g.$field, label: g.$label || g.$field, inner: aggCompile(g) });
      }
    }
  }
  return steps;
}

function aggSlot(target, label) {
  const parts = String(label).split(".");
  let t = target;
  for (const p of parts.slice(0, -1)) t = t[p] && typeof t[p] === "object" ? t[p] : (t[p] = {});
  const last = parts[parts.length - 1];
  return t[last] && typeof t[last] === "object" ? t[last] : (t[last] = {});
}

function aggApply(steps, target, doc) {
  for (const s of steps) {
    if (s.group !== undefined) {
      const v = aggGet(doc, s.group);
      const key = v === undefined ? `**MISSING KEY [${s.group}]` : typeof v === "string" && v !== "" ? v : `(${v})`;
      const groups = target[s.label] || (target[s.label] = {});
      const g = groups[key] || (groups[key] = { count: 0 });
      g.count++;
      aggApply(s.inner, g, doc);
      continue;
    }
    for (const f of s.fields) {
      const v = aggGet(doc, f.field);
      if (v === undefined || v === null) continue;
      const r = aggSlot(target, f.label);
      switch (s.op) {
        case "$sum": r.sum = r.sum === undefined ? v : r.sum + Number(v); break;
        case "$min": if (r.min === undefined || v < r.min) r.min = v; break;
        case "$max": if (r.max === undefined || v > r.max) r.max = v; break;
        case "$avg": {
          const n = (aggCounts.get(r) || 0) + 1;
          aggCounts.set(r, n);
          const total = r.sum_total === undefined ? v : r.sum_total + Number(v);
          r.avg = total / n;
          r.sum_total = total;
          break;
        }
      }
    }
  }
}
const aggCounts = new WeakMap(); // statistic object -> number of values averaged

function aggregation(data, spec) {
  let steps;
  try { steps = aggCompile(spec); } catch (e) { return Promise.reject(e); }
  const result = { count: 0 };
  const add = (doc) => { result.count++; aggApply(steps, result, doc); };
  if (Array.isArray(data)) {
    return new Promise((resolve) => { data.forEach(add); resolve(result); });
  }
  if (!data || typeof data.on !== "function") {
    return Promise.reject(new TypeError("aggregation(data, spec): data must be a stream of documents (conn.getMany(...)) or an array"));
  }
  return new Promise((resolve, reject) => {
    data.on("data", (doc) => { try { add(doc); } catch (e) { reject(e); } });
    data.on("end", () => resolve(result));
    data.on("error", reject);
  });
}
