"""Streams at the request/response boundary: req.pipe / req.on of the raw body,
res.writable, and the npm packages that use them (busboy parses what req.pipe
gives it; form-data builds a body through the legacy Stream.pipe). Real apps in
real wasm instances, driven like the executor drives them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.sandbox_app import HEAD, invoke, make_app

BOUNDARY = "----brygge-boundary-7MA4YWxkTrZu0gW"


def multipart(parts: list[tuple[str, str | None, str]]) -> str:
    """(name, filename or None, content) -> a multipart/form-data body."""
    out = []
    for name, filename, content in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out.append(f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n"
                   + ("Content-Type: text/plain\r\n" if filename else "") + f"\r\n{content}\r\n")
    return "".join(out) + f"--{BOUNDARY}--\r\n"


# -- req.pipe / req.on ---------------------------------------------------------------------------

def test_req_pipe_into_writable_gets_buffers_of_the_raw_body() -> None:
    app = make_app(HEAD + """
const { Writable } = require('stream');
app.post('/echo', (req, res) => {
  const chunks = [];
  const sink = new Writable({ write(c, enc, cb) { chunks.push(c); cb(); } });
  sink.on('finish', () => {
    const all = Buffer.concat(chunks);
    res.json({ buffers: chunks.every((c) => Buffer.isBuffer(c)), bytes: all.length, text: all.toString() });
  });
  req.pipe(sink);
});
export default app.init();""")
    body = '{"note": "blåbær ☃", "n": 1}'
    r = invoke(app, "POST", "/echo", headers={"content-type": "application/json"}, body=body)
    assert r.status == 200, r.text
    assert r.json() == {"buffers": True, "bytes": len(body.encode()), "text": body}


def test_req_on_data_end_and_passthrough() -> None:
    app = make_app(HEAD + """
const { PassThrough } = require('stream');
app.post('/count', (req, res) => {
  let n = 0; const seen = [];
  req.on('data', (c) => { n += c.length; seen.push(typeof c); });
  req.on('end', () => res.json({ n, seen: [...new Set(seen)] }));
});
app.post('/pt', (req, res) => {
  const pt = new PassThrough();
  req.pipe(pt);
  let s = '';
  pt.setEncoding('utf8');
  pt.on('data', (c) => { s += c; });
  pt.on('end', () => res.end(s.toUpperCase()));
});
app.post('/empty', (req, res) => {
  req.on('data', () => res.end('unexpected data'));
  req.on('end', () => res.end('ended'));
});
export default app.init();""")
    r = invoke(app, "POST", "/count", headers={"content-type": "text/plain"}, body="x" * 1000)
    assert r.json() == {"n": 1000, "seen": ["object"]}
    r = invoke(app, "POST", "/pt", headers={"content-type": "text/plain"}, body="stream me ø")
    assert r.text == "STREAM ME Ø"
    r = invoke(app, "POST", "/empty")
    assert r.text == "ended"


# -- res.writable ---------------------------------------------------------------------------------

def test_res_writable_pipeline_keeps_bytes_binary() -> None:
    app = make_app(HEAD + """
const { Readable, pipeline } = require('stream');
app.get('/bin', (req, res) => {
  res.set('content-type', 'application/octet-stream');
  const chunks = [Buffer.from([0, 1, 2, 255]), Buffer.from([128, 200]), 'tekst ø'];
  pipeline(Readable.from(chunks), res.writable, (err) => { if (err) console.error(err); });
});
app.get('/json', async (req, res) => {
  const { pipeline } = require('stream/promises');
  res.set('content-type', 'application/json');
  await pipeline(async function* () { yield '['; for (let i = 0; i < 3; i++) yield (i ? ',' : '') + i;
    yield ']'; },
                 res.writable);
});
export default app.init();""")
    r = invoke(app, "GET", "/bin")
    assert r.status == 200
    assert r.header("content-type") == "application/octet-stream"
    assert r.body == bytes([0, 1, 2, 255, 128, 200]) + "tekst ø".encode()
    assert r.ended and not r.inv.error
    r = invoke(app, "GET", "/json")
    assert r.json() == [0, 1, 2]


def test_req_pipe_to_res_writable_echoes_and_write_after_end_is_an_error() -> None:
    app = make_app(HEAD + """
app.post('/echo', (req, res) => { req.pipe(res.writable); });
app.get('/twice', (req, res) => {
  const w = res.writable;
  w.on('error', (e) => console.log('stream error', e.code));
  w.end('done');
  w.write('late');
});
export default app.init();""")
    body = "α" * 5000
    r = invoke(app, "POST", "/echo", headers={"content-type": "text/plain"}, body=body)
    assert r.body.decode() == body
    r = invoke(app, "GET", "/twice")
    assert r.text == "done"
    assert any("ERR_STREAM_WRITE_AFTER_END" in entry[1] for entry in r.inv.logs)


def test_res_writable_destroyed_with_error_ends_the_response() -> None:
    app = make_app(HEAD + """
const { Readable, pipeline } = require('stream');
app.get('/fail', (req, res) => {
  const src = new Readable({ read() { this.destroy(new Error('source broke')); } });
  pipeline(src, res.writable, (err) => console.log('pipeline:', err && err.message));
});
export default app.init();""")
    r = invoke(app, "GET", "/fail")
    assert r.status == 500
    assert r.ended
    assert any("pipeline: source broke" in entry[1] for entry in r.inv.logs)


# -- npm packages built on streams --------------------------------------------------------------------

@pytest.fixture(scope="module")
def npm_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """busboy (and its dependency) installed from the npm registry into a temp dir,
    as an app would ship them in node_modules."""
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to install busboy")
    d = tmp_path_factory.mktemp("npm")
    p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(d), "busboy@1.6.0"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"npm install failed: {p.stderr[-500:]}"  # never a silent skip
    files = {}
    root = d / "node_modules"
    for f in root.rglob("*"):
        if f.is_file() and f.suffix in (".js", ".json") and "/test/" not in f.as_posix() \
                and "/bench/" not in f.as_posix():
            files[f"node_modules/{f.relative_to(root).as_posix()}"] = f.read_text()
    return files


BUSBOY_APP = HEAD + """
import busboy from 'busboy';
app.post('/upload', (req, res) => {
  const bb = busboy({ headers: req.headers });
  const fields = {}, files = [];
  bb.on('field', (name, val) => { fields[name] = val; });
  bb.on('file', (name, stream, info) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => files.push({ name, filename: info.filename, mimeType: info.mimeType,
                                        content: Buffer.concat(chunks).toString() }));
  });
  bb.on('close', () => res.json({ fields, files }));
  bb.on('error', (e) => res.status(400).json({ error: e.message }));
  req.pipe(bb);
});
export default app.init();"""


def test_busboy_parses_a_multipart_upload_from_req_pipe(npm_files: dict[str, str]) -> None:
    app = make_app(BUSBOY_APP, npm_files)
    big = "linje ☃ " * 4000  # larger than one stream chunk
    body = multipart([("title", None, "Fjord"), ("doc", "notes.txt", "hello\r\nworld"),
                      ("big", "big.txt", big)])
    r = invoke(app, "POST", "/upload", body=body,
               headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert r.status == 200, r.text
    out = r.json()
    assert out["fields"] == {"title": "Fjord"}
    assert out["files"] == [
        {"name": "doc", "filename": "notes.txt", "mimeType": "text/plain", "content": "hello\r\nworld"},
        {"name": "big", "filename": "big.txt", "mimeType": "text/plain", "content": big},
    ]


def test_busboy_reports_a_truncated_body(npm_files: dict[str, str]) -> None:
    app = make_app(BUSBOY_APP, npm_files)
    body = multipart([("doc", "a.txt", "x" * 100)])[:-40]
    r = invoke(app, "POST", "/upload", body=body,
               headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert r.status == 400
    assert "Unexpected end of form" in r.json()["error"]


VENDORED_FORM_DATA = Path(__file__).resolve().parents[2] / "sandbox/vendor/node_modules/form-data"


@pytest.mark.skipif(not VENDORED_FORM_DATA.is_dir(), reason="vendored npm packages are not installed")
def test_form_data_streams_through_legacy_pipe_into_busboy(npm_files: dict[str, str]) -> None:
    app = make_app(HEAD + """
import FormData from 'form-data';
import busboy from 'busboy';
import { Writable, Readable } from 'stream';
app.get('/roundtrip', (req, res) => {
  const form = new FormData();
  form.append('name', 'Ola Nordmann');
  form.append('file', Buffer.from('binary \\u0000 ø'), { filename: 'x.bin',
    contentType: 'application/octet-stream' });
  form.append('stream', Readable.from(['from ', 'a stream']), { filename: 's.txt', knownLength: 13 });
  const chunks = [];
  const sink = new Writable({ write(c, e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  sink.on('finish', () => {
    const bb = busboy({ headers: form.getHeaders() });
    const got = {};
    bb.on('field', (n, v) => { got[n] = v; });
    bb.on('file', (n, s, info) => { const c = []; s.on('data', (d) => c.push(d));
      s.on('end', () => { got[n] = [info.filename, Buffer.concat(c).toString()]; }); });
    bb.on('close', () => res.json(got));
    bb.end(Buffer.concat(chunks));
  });
  form.pipe(sink);
});
export default app.init();""", npm_files)
    r = invoke(app, "GET", "/roundtrip")
    assert r.status == 200, (r.text, r.inv.error, r.inv.logs)
    assert r.json() == {"name": "Ola Nordmann", "file": ["x.bin", "binary \u0000 ø"],
                        "stream": ["s.txt", "from a stream"]}


def test_events_module_in_an_es_module_app() -> None:
    app = make_app(HEAD + """
import EventEmitter, { once } from 'events';
import { StringDecoder } from 'string_decoder';
import assert from 'assert';
class Bus extends EventEmitter {}
app.get('/ev', async (req, res) => {
  const bus = new Bus();
  setTimeout(() => bus.emit('ready', 'ok'), 1);
  const [v] = await once(bus, 'ready');
  const d = new StringDecoder('utf8');
  const s = d.write(Buffer.from([0xc3])) + d.write(Buffer.from([0xb8]));
  assert.strictEqual(s, 'ø');
  try { assert.deepStrictEqual({ a: 1 }, { a: 2 }); } catch (e) { return res.json({ v, s, code: e.code }); }
});
export default app.init();""")
    r = invoke(app, "GET", "/ev")
    assert r.json() == {"v": "ok", "s": "ø", "code": "ERR_ASSERTION"}


def test_unhandled_stream_error_is_logged_not_a_host_crash() -> None:
    app = make_app(HEAD + """
const { Readable } = require('stream');
app.get('/boom', (req, res) => {
  const r = new Readable({ read() {} });
  r.destroy(new Error('nobody listens'));
  setTimeout(() => res.end('still alive'), 2);
});
export default app.init();""")
    r = invoke(app, "GET", "/boom")
    assert r.text == "still alive"
    assert any("nobody listens" in entry[1] for entry in r.inv.logs), r.inv.logs
    assert json.dumps(r.inv.logs)  # log entries stay serialisable
