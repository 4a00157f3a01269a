"""How the official `coho` CLI prints JSON values, ported so `brygge` data commands
print the same lines: Node's `util.inspect` (what `console.log(obj)` shows; Node 20
defaults: breakLength 80, compact 3, depth 2 for console.log, 100 array items) and
`@fast-csv/format` 4.3.5 with `headers: true` (the CSV of `coho query --csv`/`export
--csv`). Only JSON values (dict, list, str, int, float, bool, None) are handled."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

BREAK = 80
KEY_RE = re.compile(r"^[a-zA-Z_][a-zA-Z_0-9]*$")
ESCAPES = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 39: "\\'", 92: "\\\\"}


def js_number(x: float | int, inspect: bool = False) -> str:
    """JavaScript's Number to string (`util.inspect` also shows -0)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0" if inspect and math.copysign(1, x) < 0 else "0"
    sign = "-" if x < 0 else ""
    d = Decimal(repr(abs(x))).normalize()
    _, digits_t, exp = d.as_tuple()
    digits = "".join(map(str, digits_t))
    k, n = len(digits), int(exp) + len(digits)
    if k <= n <= 21:
        s = digits + "0" * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * -n + digits
    else:
        e = n - 1
        mant = digits if k == 1 else digits[0] + "." + digits[1:]
        s = f"{mant}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + s


def _str_escape(s: str) -> str:
    quote = 39
    if "'" in s:
        if '"' not in s:
            quote = -1
        elif "`" not in s and "${" not in s:
            quote = -2
    out = []
    for ch in s:
        p = ord(ch)
        if p == quote or p == 92 or p < 32 or 126 < p < 160:
            out.append(ESCAPES.get(p) or f"\\x{p:02X}" if p < 256 else ch)
        elif 0xD800 <= p <= 0xDFFF:
            out.append(f"\\u{p:04x}")
        else:
            out.append(ch)
    body = "".join(out)
    q = {39: "'", -1: '"', -2: "`"}[quote]
    return q + body + q


def js_key_order(d: dict[str, Any]) -> dict[str, Any]:
    """JavaScript objects list integer-like keys first, ascending."""
    ints = sorted((k for k in d if re.fullmatch(r"0|[1-9]\d{0,9}", k) and int(k) < 2**32 - 1),
                  key=int)
    if not ints:
        return d
    return {**{k: d[k] for k in ints}, **{k: v for k, v in d.items() if k not in ints}}


class _Ctx:
    def __init__(self, depth: int | None) -> None:
        self.depth = depth
        self.indent = 0
        self.current_depth = 0


def inspect(value: Any, depth: int | None = 2) -> str:
    """`util.inspect(value, {depth})` without colours (`console.log(value)`: depth 2;
    coho's `util.inspect(v, false, null, true)`: depth None)."""
    return _fmt(_Ctx(depth), value, 0)


def _fmt_str(ctx: _Ctx, s: str) -> str:
    trailer = ""
    if len(s) > 10000:
        rest = len(s) - 10000
        s, trailer = s[:10000], f"... {rest} more character{'s' if rest > 1 else ''}"
    if len(s) > 16 and len(s) > BREAK - ctx.indent - 4:
        lines = re.split(r"(?<=\n)", s)
        lines = [ln for ln in lines if ln != ""] or [""]
        return f" +\n{' ' * (ctx.indent + 2)}".join(_str_escape(ln) for ln in lines) + trailer
    return _str_escape(s) + trailer


def _fmt(ctx: _Ctx, v: Any, level: int) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return js_number(v, inspect=True)
    if isinstance(v, str):
        return _fmt_str(ctx, v)
    is_list = isinstance(v, list)
    if not v:
        return "[]" if is_list else "{}"
    if ctx.depth is not None and level > ctx.depth:
        return "[Array]" if is_list else "[Object]"
    level += 1
    ctx.current_depth = level
    out: list[str] = []
    if is_list:
        for item in v[:100]:
            ctx.indent += 2
            out.append(_fmt(ctx, item, level))
            ctx.indent -= 2
        if len(v) > 100:
            rest = len(v) - 100
            out.append(f"... {rest} more item{'s' if rest > 1 else ''}")
    else:
        for k, item in js_key_order(v).items():
            ctx.indent += 2
            s = _fmt(ctx, item, level)
            ctx.indent -= 2
            name = "['__proto__']" if k == "__proto__" else \
                k if KEY_RE.match(k) else _str_escape(k)
            out.append(f"{name}: {s}")
    braces = ("[", "]") if is_list else ("{", "}")
    return _reduce(ctx, out, braces, is_list, level, v)


def _below_break(ctx: _Ctx, out: list[str], start: int) -> bool:
    total = len(out) + start
    if total + len(out) > BREAK:
        return False
    for s in out:
        total += len(s)
        if total > BREAK:
            return False
    return True


def _reduce(ctx: _Ctx, out: list[str], braces: tuple[str, str], is_list: bool, level: int,
            value: Any) -> str:
    entries = len(out)
    if is_list and entries > 6:
        out = _group(ctx, out, value)
    if ctx.current_depth - level < 3 and entries == len(out):
        start = len(out) + ctx.indent + len(braces[0]) + 10
        if _below_break(ctx, out, start):
            joined = ", ".join(out)
            if "\n" not in joined:
                return f"{braces[0]} {joined} {braces[1]}"
    ind = "\n" + " " * ctx.indent
    return f"{braces[0]}{ind}  " + f",{ind}  ".join(out) + f"{ind}{braces[1]}"


def _group(ctx: _Ctx, out: list[str], value: list[Any]) -> list[str]:
    total = 0
    max_len = 0
    out_len = len(out) - 1 if len(value) > 100 else len(out)
    data_len = []
    for i in range(out_len):
        n = len(out[i])
        data_len.append(n)
        total += n + 2
        max_len = max(max_len, n)
    actual_max = max_len + 2
    if actual_max * 3 + ctx.indent < BREAK and (total / actual_max > 5 or max_len <= 6):
        bias = math.sqrt(actual_max - total / len(out))
        biased_max = max(actual_max - 3 - bias, 1)
        columns = min(_js_round(math.sqrt(2.5 * biased_max * out_len) / biased_max),
                      (BREAK - ctx.indent) // actual_max, 3 * 4, 15)
        if columns <= 1:
            return out
        max_line = []
        for i in range(columns):
            w = 0
            for j in range(i, len(out), columns):
                if j < len(data_len) and data_len[j] > w:
                    w = data_len[j]
            max_line.append(w + 2)
        numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool)
                      for x in value[:len(out)])
        tmp = []
        for i in range(0, out_len, columns):
            mx = min(i + columns, out_len)
            s = ""
            j = i
            while j < mx - 1:
                cell = f"{out[j]}, "
                s += cell.rjust(max_line[j - i]) if numbers else cell.ljust(max_line[j - i])
                j += 1
            s += out[j].rjust(max_line[j - i] - 2) if numbers else out[j]
            tmp.append(s)
        if len(value) > 100:
            tmp.append(out[out_len])
        return tmp
    return out


def _js_round(x: float) -> int:
    return math.floor(x + 0.5)


# -- CSV (@fast-csv/format 4.3.5, headers: true) --------------------------------------------
def js_string(v: Any) -> str:
    """JavaScript's `${v}`."""
    if v is None:
        return "null"
    if isinstance(v, (bool, int, float)):
        return js_number(v)
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return ",".join("" if x is None else js_string(x) for x in v)
    return "[object Object]"


def _csv_field(v: Any) -> str:
    s = ("" if v is None else js_string(v)).replace("\0", "")
    if '"' in s:
        return '"' + s.replace('"', '""') + '"'
    if re.search(r"[,\n|\r]", s):
        return f'"{s}"'
    return s


class CsvWriter:
    """Rows of objects; the first row's keys are the header. Like fast-csv, no newline
    after the last row."""

    def __init__(self, write: Any) -> None:
        self.write = write
        self.headers: list[str] | None = None
        self.rows = 0

    def row(self, doc: dict[str, Any]) -> None:
        if self.headers is None:
            self.headers = list(doc)
            self.write(",".join(_csv_field(h) for h in self.headers))
            self.rows += 1
        line = ",".join(_csv_field(doc.get(h)) for h in self.headers)
        self.write(("\n" if self.rows else "") + line)
        self.rows += 1
