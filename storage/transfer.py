"""Import and export of collections: JSON arrays, JSON Lines and CSV, streamed.

Parsing runs where the file is (CLI, admin API); documents then go to the
datastore in batches (`db.insertMany`), and exports are produced from
`db.getMany` pages, so neither side ever holds a whole collection.

CSV rules follow the official CLI's import (spec §12.3): the first row names the
columns, empty cells stay empty strings, numeric cells become numbers, columns
whose name starts with `_` are dropped. Input may be UTF-8 (with or without a
BOM) or Latin-1; with `encoding="auto"` invalid UTF-8 falls back to Latin-1.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from brygge import strictjson

_NUM = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$")


class ImportError_(ValueError):
    """Malformed input, with the line or record number."""


def detect_format(name: str, head: bytes) -> str:
    lower = name.lower()
    for ext, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json"),
                     (".csv", "csv"), (".tsv", "csv")):
        if lower.endswith(ext):
            return fmt
    h = head.lstrip(codecs.BOM_UTF8).lstrip()
    if h.startswith(b"["):
        return "json"
    if h.startswith(b"{"):
        return "jsonl"
    return "csv"


def _text(stream: BinaryIO, encoding: str) -> Iterator[str]:
    """Decode a byte stream in chunks; 'auto' = UTF-8, or Latin-1 if that fails."""
    data = stream.read(1 << 16)
    if encoding == "auto":
        probe = data
        try:
            probe.decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as e:
            # a multi-byte character cut by the chunk boundary is still UTF-8
            encoding = "utf-8-sig" if e.start >= len(probe) - 3 else "latin-1"
    elif encoding in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    while data:
        try:
            yield dec.decode(data)
        except UnicodeDecodeError as e:
            raise ImportError_(f"input is not valid {encoding}: {e.reason} at byte {e.start}; "
                               "try --encoding latin-1") from None
        data = stream.read(1 << 16)
    yield dec.decode(b"", final=True)


def _csv_value(v: str) -> Any:
    if _NUM.match(v):
        f = float(v)
        if f - f != 0:  # 1e999: out of range, kept as the text it is (JSON has no Infinity)
            return v
        return int(v) if re.fullmatch(r"-?\d+", v) and abs(f) < 2**53 else f
    return v


def parse(stream: BinaryIO, fmt: str, *, separator: str = ",", encoding: str = "auto"
          ) -> Iterator[dict[str, Any]]:
    """Documents from a JSON array, JSON Lines or CSV byte stream."""
    chunks = _text(stream, encoding)
    if fmt == "csv":
        if separator in ("\\t", "tab"):
            separator = "\t"
        if len(separator) != 1:
            raise ImportError_("the CSV separator must be one character")
        reader = csv.reader(_lines(chunks), delimiter=separator)
        header = next(reader, None)
        if header is None:
            return
        keep = [(i, h.strip()) for i, h in enumerate(header) if h.strip() and
                not h.strip().startswith("_")]
        for n, row in enumerate(reader, start=2):
            if not row or all(not c for c in row):
                continue
            if len(row) > len(header):
                raise ImportError_(f"CSV line {n} has {len(row)} columns, the header "
                                   f"{len(header)}")
            yield {h: _csv_value(row[i]) if i < len(row) else "" for i, h in keep}
    elif fmt == "jsonl":
        for n, line in enumerate(_lines(chunks), start=1):
            if not line.strip():
                continue
            try:
                doc = strictjson.loads(line)
            except ValueError as e:
                raise ImportError_(f"JSON Lines line {n}: {e}") from None
            if not isinstance(doc, dict):
                raise ImportError_(f"JSON Lines line {n} is not an object")
            yield doc
    elif fmt == "json":
        yield from _json_array(chunks)
    else:
        raise ImportError_(f"unknown format {fmt!r}: use json, jsonl or csv")


def _lines(chunks: Iterable[str]) -> Iterator[str]:
    buf = ""
    for c in chunks:
        buf += c
        *lines, buf = buf.split("\n")
        for ln in lines:
            yield ln.rstrip("\r") + "\n"
    if buf:
        yield buf


def _json_array(chunks: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Stream the objects of a top-level JSON array without loading all of it."""
    dec = strictjson.decoder()
    buf = ""
    it = iter(chunks)
    started = False
    n = 0
    for c in it:
        buf += c
        while True:
            s = buf.lstrip()
            if not started:
                if not s:
                    break
                if s[0] != "[":
                    raise ImportError_("a JSON import must be an array of objects")
                buf, started = s[1:], True
                continue
            s = s.lstrip(",").lstrip()
            if s.startswith("]"):
                return
            try:
                obj, end = dec.raw_decode(s)
                strictjson.check(obj)
            except strictjson.JSONError as e:  # NaN, Infinity, too deep: no more input helps
                raise ImportError_(f"element {n + 1} of the JSON array: {e}") from None
            except ValueError:
                buf = s
                break  # need more input
            n += 1
            if not isinstance(obj, dict):
                raise ImportError_(f"element {n} of the JSON array is not an object")
            yield obj
            buf = s[end:]
    # a well-formed array returned at its closing bracket
    raise ImportError_("the JSON array is incomplete or malformed" if started
                       else "a JSON import must be an array of objects")


def batches(docs: Iterable[dict[str, Any]], size: int = 1000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for d in docs:
        batch.append(d)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def export(docs: Iterable[dict[str, Any]], fmt: str, *, separator: str = ","
           ) -> Iterator[bytes]:
    """Chunks of an export. CSV columns are the keys of the first 500 documents
    (in first-seen order); nested values are written as JSON."""
    if fmt == "json":
        yield b"[\n"
        first = True
        for d in docs:
            yield (b"" if first else b",\n") + json.dumps(d, ensure_ascii=False).encode()
            first = False
        yield b"\n]\n"
    elif fmt == "jsonl":
        for d in docs:
            yield json.dumps(d, ensure_ascii=False).encode() + b"\n"
    elif fmt == "csv":
        it = iter(docs)
        head: list[dict[str, Any]] = []
        for d in it:
            head.append(d)
            if len(head) >= 500:
                break
        cols: dict[str, None] = {}
        for d in head:
            cols.update(dict.fromkeys(d))
        out = io.StringIO()
        w = csv.writer(out, delimiter=separator, lineterminator="\n")
        w.writerow(cols)

        def row(d: dict[str, Any]) -> bytes:
            w.writerow(["" if d.get(c) is None else
                        json.dumps(d[c], ensure_ascii=False) if isinstance(d[c], (dict, list))
                        else str(d[c]).lower() if isinstance(d[c], bool) else d[c] for c in cols])
            s = out.getvalue()
            out.seek(0)
            out.truncate()
            return s.encode()

        yield out.getvalue().encode()
        out.seek(0)
        out.truncate()
        for d in head:
            yield row(d)
        for d in it:
            yield row(d)
    else:
        raise ValueError(f"unknown export format {fmt!r}: use json, jsonl or csv")
