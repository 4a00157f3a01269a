"""What the `brygge` data commands share: calling the node and reading its streamed JSON
answers. The commands (query.py, import_export.py, schemas.py, kv.py) are named and
optioned like the official CLI 1.0.13 (`coho`): `query`/`q`, `count`/`co`,
`collection`/`coll`/`col`/`ls`, `createindex`/`idx`, `removeindex`, `import`/`imp`,
`export`, `get`, `set`, `del`, plus `add-schema` and `remove-schema` (from the newer CLI).

They call the same `_A_D_M_*` endpoints coho calls (control_plane/api/adm.py), directly on
the control plane at `/_adm/{project}/{space}/<op>` with the admin token, and build the
same requests (the `--query` language is parsed client side by the port of npm
query-to-mongo in control_plane/query_to_mongo.py), so the results are the same. The
default output prints what coho prints (Node's `console.log` formatting is ported in
control_plane/cli/node_format.py); `--json` prints plain JSON instead. Every failure is one
line on stderr and exit status 1.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import typer

from brygge import jsonout
from control_plane import query_to_mongo as q2m
from control_plane.cli.common import Target, fail, resolve_target

_J = typer.Option(False, "--json", help="Print plain JSON")


# -- talking to the node ----------------------------------------------------------------------
def _url(t: Target, op: str) -> str:
    return f"{t.admin_url}/_adm/{t.project}/{t.space}/{op}"


def _error(r: httpx.Response) -> str:
    try:
        body = json.loads(r.read())
        msg = body.get("error") if isinstance(body, dict) else None
    except ValueError:
        msg = None
    return str(msg or f"HTTP {r.status_code} {r.reason_phrase}")


def _call(method: str, t: Target, op: str, **kw: Any) -> httpx.Response:
    """A buffered call; fails with the server's one-line error on any status > 201."""
    try:
        r = httpx.request(method, _url(t, op), headers={**t.headers(),
                                                       **kw.pop("headers", {})},
                          timeout=httpx.Timeout(60, read=kw.pop("read_timeout", 300)), **kw)
    except httpx.HTTPError as e:
        fail(f"cannot reach the admin API at {t.admin_url}: {e}")
        raise
    if r.status_code > 201:
        fail(_error(r))
    return r


class _Stream:
    """A streamed GET (query, export); fails before any output on a status > 201."""

    def __init__(self, t: Target, op: str, headers: dict[str, str] | None = None) -> None:
        self.client = httpx.Client(timeout=httpx.Timeout(60, read=600))
        try:
            self.resp = self.client.send(self.client.build_request(
                "GET", _url(t, op), headers={**t.headers(), **(headers or {})}),
                stream=True)
        except httpx.HTTPError as e:
            self.client.close()
            fail(f"cannot reach the admin API at {t.admin_url}: {e}")
            raise
        if self.resp.status_code > 201:
            msg = _error(self.resp)
            self.close()
            fail(msg)

    def raw(self) -> Iterator[bytes]:
        yield from self.resp.iter_bytes()

    def docs(self) -> Iterator[Any]:
        """The elements of the streamed JSON array (or the values of an object), one by
        one as they arrive."""
        yield from iter_json_items(self.resp.iter_text())

    def close(self) -> None:
        self.resp.close()
        self.client.close()


def pretty_json_stream(chunks: Iterator[str]) -> Iterator[str]:
    """`JSON.stringify(answer, null, 2) + "\n"` (brygge/jsonout.py) in pieces: an array
    is written item by item as it arrives (a query of millions of documents is never
    whole in memory), any other answer (`--count`'s object) whole."""
    it = iter(chunks)
    head = ""
    for c in it:
        head += c
        if head.strip():
            break
    if not head.lstrip().startswith("["):
        yield jsonout.dumps(json.loads(head + "".join(it)), indent=2) + "\n"
        return
    first = True
    for item in iter_json_items(itertools.chain([head], it)):
        text = jsonout.dumps(item, indent=2).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + text
        first = False
    yield "[]\n" if first else "\n]\n"


_WS = " \t\r\n"


def iter_json_items(chunks: Iterator[str], what: str = "the server's answer") -> Iterator[Any]:
    """Yield the items of a JSON array arriving in text chunks, one at a time, so a large
    export or import file is never held whole (json has no incremental parser; raw_decode
    at an offset gives one). A document that is not an array is parsed whole at the end,
    and an object yields its values (as coho's import does)."""
    dec = json.JSONDecoder()
    buf, pos, started, after_item, after_comma = "", 0, False, False, False
    for chunk in chunks:
        buf = buf[pos:] + chunk  # keep only the unparsed tail: one copy per chunk
        pos = 0
        if not started:
            head = buf.lstrip(_WS)
            if not head:
                continue
            if head[0] != "[":
                buf += "".join(chunks)  # not an array: parse it whole below
                break
            pos, started = len(buf) - len(head) + 1, True
        while True:
            while pos < len(buf) and buf[pos] in _WS:
                pos += 1
            if pos >= len(buf):
                break
            if buf[pos] == "]":
                if after_comma:
                    fail(f"{what} is not valid JSON: a ',' before ']'")
                break
            if after_item:  # items are separated by exactly one comma
                if buf[pos] != ",":
                    fail(f"{what} is not valid JSON: expected ',' or ']' at {buf[pos:pos + 20]!r}")
                pos += 1
                after_item, after_comma = False, True
                continue
            try:
                item, end = dec.raw_decode(buf, pos)
            except ValueError:
                break  # incomplete (or malformed: told at the end)
            if not isinstance(item, dict | list | str) and (end == len(buf)
                                                            or buf[end] not in _WS + ",]"):
                break  # a number cut by the chunk boundary ("1" of "1.5"): wait for more
            yield item
            pos, after_item, after_comma = end, True, False
    rest = buf[pos:]
    if not started:
        try:
            whole = json.loads(rest) if rest.strip(_WS) else []
        except ValueError as e:
            fail(f"{what} is not valid JSON: {e}")
            raise
        yield from (whole.values() if isinstance(whole, dict) else
                    whole if isinstance(whole, list) else [whole])
    elif rest.strip(_WS) != "]":
        if rest.strip(_WS):
            try:
                dec.raw_decode(rest.lstrip(_WS))
            except ValueError as e:
                fail(f"{what} is not valid JSON: {e}")
        fail(f"{what}: the JSON array ended early")


def _out(text: str) -> None:
    sys.stdout.write(text)


def _echo_json(v: Any) -> None:
    typer.echo(jsonout.dumps(v, indent=2))


def _target(data_dir: str | None, project: str | None, space: str | None, url: str | None,
            admintoken: str | None) -> Target:
    return resolve_target(data_dir, project, space, url, admintoken)


def _need(value: str | None, what: str) -> str:
    if not value:
        fail(f"missing {what}")
    return str(value)


def _js_num_option(value: str | None, name: str, integer: bool = True) -> Any:
    if value is None:
        return None
    n = q2m.js_number(value)
    if n is None or (integer and (not float(n).is_integer() or n < 0)):
        fail(f"{name} must be a {'non-negative whole ' if integer else ''}number, "
             f"not {value!r}")
    return n


def _table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    fields: list[str] = []
    for r in rows:
        fields += [k for k in r if k not in fields and (k[:1] != "_" or k == "_id")]
    tab = Table(*fields, title=title)
    for r in rows:
        tab.add_row(*["" if r.get(f) is None else
                      jsonout.dumps(r[f]) if isinstance(r.get(f), (dict, list)) else str(r[f])
                      for f in fields])
    Console(soft_wrap=False).print(tab)
