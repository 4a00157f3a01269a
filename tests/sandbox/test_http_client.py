"""Outbound HTTP clients for tenant code: Node's http/https request()/get() and the
fetch family (fetch, Request, Response, Headers, AbortController, Blob, FormData),
served by the host (sandbox/js/node/http.js, fetch.js, fetch_body.js, headers.js,
sandbox/outbound.py).

Differential: the same async JS runs in Node 20 and in the sandbox against one local
HTTP server (loopback, admitted by the outbound allow-list for the sandbox) and must
print the same JSON, byte for byte; event order is part of the output. Then the
sandbox-only behaviour (node-fetch v2 extras, decoding without zlib) and the attacks:
the per-invocation request cap, SSRF through http.request and fetch, size caps."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox import outbound
from sandbox.app import AppInstance, Invocation
from sandbox.module_resolve import VENDOR_DIR
from tests.support.node_compat import APP
from tests.support.node_streams import PRE as STREAMS_PRE
from tests.support.node_streams import run_sandbox

NODE = shutil.which("node")
ALLOW_LOOPBACK = outbound.parse_allow("127.0.0.0/8,::1/128")
HANG = threading.Event()  # /hang answers when this is set (at teardown)
HITS: Counter[str] = Counter()


def _read_body(h: BaseHTTPRequestHandler) -> bytes:
    if h.headers.get("transfer-encoding", "").lower() == "chunked":
        data = b""
        while True:
            size = int(h.rfile.readline().split(b";")[0].strip(), 16)
            data += h.rfile.read(size)
            h.rfile.readline()
            if size == 0:
                return data
    n = int(h.headers.get("content-length") or 0)
    return h.rfile.read(n) if n else b""


def _multipart(ctype: str, body: bytes) -> list[dict[str, Any]]:
    msg = BytesParser(policy=HTTP).parsebytes(b"content-type: " + ctype.encode() + b"\r\n\r\n" + body)
    out = []
    for part in msg.iter_parts():
        payload = part.get_payload(decode=True) or b""
        out.append({"name": part.get_param("name", header="content-disposition"),
                    "filename": part.get_filename(), "type": part.get_content_type()
                    if part.get("content-type") else None, "value": payload.decode("latin-1")})
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a: Any) -> None:
        pass

    def reply(self, status: int, body: bytes, headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
              reason: str | None = None) -> None:
        self.send_response(status, reason)
        for k, v in headers:
            self.send_header(k, v)
        with_body = status not in (204, 304) and self.command != "HEAD"
        if with_body:
            self.send_header("Content-Length", str(len(body)))
        # head and body in one write, so that clients see them arrive together
        self._headers_buffer.append(b"\r\n" + (body if with_body else b""))
        self.flush_headers()

    def handle_any(self) -> None:
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = _read_body(self)
        HITS[url.path + "?" + q.get("k", "")] += 1
        if url.path == "/echo":
            skip = {"connection", "content-length", "transfer-encoding", "keep-alive"}
            hdrs = sorted([k.lower(), v] for k, v in self.headers.items() if k.lower() not in skip)
            out = {"method": self.command, "path": self.path, "headers": hdrs,
                   "body": body.decode("latin-1")}
            ctype = self.headers.get("content-type", "")
            if ctype.startswith("multipart/form-data"):
                out["parts"] = _multipart(ctype, body)
                out["body"] = ""
                out["boundary_ok"] = "boundary=" in ctype
            self.reply(200, json.dumps(out).encode(), [("Content-Type", "application/json")],
                       "Fine")
        elif url.path.startswith("/status/"):
            code = int(url.path.rsplit("/", 1)[1])
            self.reply(code, f"status {code}".encode(), [("Content-Type", "text/plain")])
        elif url.path == "/headers":
            self.reply(200, b"{}", [("Content-Type", "application/json"),
                                    ("Content-Type", "text/html"), ("Set-Cookie", "a=1; Path=/"),
                                    ("Set-Cookie", "b=2"), ("X-Multi", "one"), ("X-Multi", "two"),
                                    ("X-Custom-Case", "Yes"), ("Age", "1"), ("Age", "2")])
        elif url.path == "/redirect":
            self.reply(int(q.get("code", "302")), b"", [("Location", q["to"])])
        elif url.path == "/bytes":
            n = int(q["n"])
            self.reply(200, bytes(i % 251 for i in range(n)),
                       [("Content-Type", "application/octet-stream")])
        elif url.path == "/gzip":
            self.reply(200, gzip.compress(json.dumps({"zipped": True}).encode()),
                       [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])
        elif url.path == "/hang":
            HANG.wait(30)
            try:
                self.reply(200, b"late")
            except OSError:
                pass  # the client gave up long ago
        else:
            self.reply(200, b"ok", [("Content-Type", "text/plain")])

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    HANG.set()
    srv.shutdown()


@pytest.fixture(scope="module")
def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()  # nothing listens there now: connections are refused
    return port


@pytest.fixture(scope="module")
def tls_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTPS server with a self-signed certificate (which clients must refuse)."""
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", str(d / "k.pem"), "-out",
                    str(d / "c.pem")], check=True, capture_output=True)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "c.pem", d / "k.pem")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"https://localhost:{srv.server_address[1]}"
    srv.shutdown()


# Shared by every case, in both runtimes (after the streams harness's PRE).
PRE = """
const http = require('http'), https = require('https');
const SKIP = ['date', 'server', 'connection', 'keep-alive', 'transfer-encoding'];
const strip = (h) => { const o = {};
  for (const k of Object.keys(h).sort()) if (!SKIP.includes(k)) o[k] = h[k]; return o; };
const stripRaw = (raw) => raw.filter((_, i) =>
  i % 2 === 1 ? !SKIP.includes(raw[i - 1].toLowerCase()) : !SKIP.includes(raw[i].toLowerCase()));
const collect = (res) => new Promise((resolve, reject) => {
  const parts = [];
  res.on('data', (c) => parts.push(Buffer.from(c)));
  res.on('end', () => resolve(Buffer.concat(parts).toString('latin1')));
  res.on('error', reject);
});
const netErr = (e) => e && {name: e.name, code: e.code, message: e.message, errno: e.errno,
  syscall: e.syscall, address: e.address, port: e.port};
// One request: the events the request and its response emit, in order, and what came back.
const send = (input, opts, body, setup) => new Promise((resolve) => {
  const ev = [];
  let req;
  let closed = false;
  const whenClosed = (fn) => (closed ? fn() : req.once('close', fn));
  const done = (extra) => resolve({ev, ...extra});
  const onRes = (res) => {
    ev.push(['response', res.statusCode, res.statusMessage]);
    for (const e of ['end', 'close']) res.on(e, () => ev.push('res ' + e));
    collect(res).then((b) => {
      ev.push('body');
      whenClosed(() => done({status: res.statusCode, headers: strip(res.headers),
        raw: stripRaw(res.rawHeaders),
        body: b, httpVersion: res.httpVersion, complete: res.complete}));
    });
  };
  req = opts === undefined ? http.request(input, onRes) : http.request(input, opts, onRes);
  for (const e of ['socket', 'prefinish', 'finish', 'close', 'abort', 'timeout']) {
    req.on(e, () => ev.push('req ' + e));
  }
  req.on('close', () => { closed = true; });
  req.on('error', (e) => { ev.push(['error', netErr(e)]); whenClosed(() => done({})); });
  if (setup) setup(req, ev);
  else req.end(body);
});
const echoBody = (r) => { const j = JSON.parse(r.body); return {...r, body: j}; };
"""

CASES: dict[str, str] = {}

# -- http.request / http.get ------------------------------------------------------------------------
CASES.update({
    "http_get_events_and_response": """
        const r = await send(BASE + '/echo?x=1&y=%20z');
        return echoBody(r);""",
    "http_get_helper_and_url_object": """
        const u = new URL(BASE + '/echo?from=url');
        const out = [];
        await new Promise((resolve) => http.get(u, {headers: {'X-Extra': 'yes'}}, (res) => {
          out.push(res.statusCode, res.headers['content-type']);
          collect(res).then((b) => { out.push(JSON.parse(b)); resolve(); });
        }));
        await new Promise((resolve) => http.get(BASE + '/echo', (res) => { res.resume(); res.on('end',
          resolve); }));
        const g = http.get({host: '127.0.0.1', port: PORT, path: '/echo?opts=1'});
        out.push(g.method, g.path, g.host, g.protocol, g.headersSent, g.writableEnded,
          g.getHeader('host') === HOSTPORT);
        await new Promise((resolve) => g.on('response', (res) => collect(res).then((b) =>
          { out.push(JSON.parse(b).path); resolve(); })));
        return out;""",
    "http_post_write_chunks_and_end_callback": """
        const r = await send(BASE + '/echo', {method: 'post', headers: {'Content-Type': 'text/plain',
          'X-Num': 42}},
          undefined, (req, ev) => {
            ev.push(['write', req.write('hello '), req.write(Buffer.from('wörld ')),
              req.write('68656c6c6f', 'hex')]);
            req.end('!', () => ev.push('end callback'));
            ev.push(['sync', req.headersSent, req.writableEnded, req.finished, req.writableFinished]);
          });
        return echoBody(r);""",
    "http_put_with_end_data_and_encoding": """
        const r = await send({hostname: '127.0.0.1', port: PORT, path: '/echo?put', method: 'PUT'}, undefined,
          undefined, (req) => req.end('aGk=', 'base64'));
        return echoBody(r);""",
    "http_header_api": """
        const req = http.request(BASE + '/echo', {headers: {'X-A': 'b', Cookie: ['c=1', 'd=2']}});
        const out = [];
        req.setHeader('X-Num', 5);
        req.setHeader('X-List', ['p', 'q']);
        req.appendHeader && req.appendHeader('X-A', 'again');
        out.push(req.getHeader('x-a'), req.getHeader('X-NUM'), req.getHeader('nope'), req.hasHeader('Host'),
          req.getHeaderNames(), req.getRawHeaderNames(), Object.keys(req.getHeaders()),
          Object.getPrototypeOf(req.getHeaders()) === null);
        req.removeHeader('x-list');
        for (const [k, v] of [['bad name', 1], ['X-U', undefined], ['X-NL', 'a\\r\\nb'], ['', 'x']]) {
          try { req.setHeader(k, v); out.push('set'); } catch (e) { out.push([e.name, e.code, e.message]); }
        }
        try { req.getHeader(5); } catch (e) { out.push([e.name, e.code]); }
        const done = new Promise((resolve) => req.on('response', (res) => collect(res).then((b) =>
          resolve(JSON.parse(b)))));
        req.end();
        try { req.setHeader('X-Late', '1'); } catch (e) { out.push([e.name, e.code, e.message]); }
        try { req.removeHeader('X-A'); } catch (e) { out.push([e.name, e.code, e.message]); }
        const echo = await done;
        out.push(echo.headers.filter(([k]) => k.startsWith('x-') || k === 'cookie'));
        return out;""",
    "http_response_headers_dedupe": """
        const r = await send(BASE + '/headers');
        const res = await new Promise((resolve) => http.get(BASE + '/headers', resolve));
        res.resume();
        return [r.headers, r.raw, strip(res.headersDistinct), res.trailers, res.rawTrailers];""",
    "http_status_codes_and_no_redirect_follow": """
        const out = [];
        for (const p of ['/status/404', '/status/500', '/status/204', '/status/418',
                         '/redirect?to=' + encodeURIComponent(BASE + '/echo')]) {
          const r = await send(BASE + p);
          out.push([r.status, r.body, r.headers.location || null, r.ev]);
        }
        return out;""",
    "http_head_request": """
        const r = await send(BASE + '/echo', {method: 'HEAD'});
        return [r.status, r.body, r.headers['content-length'], r.ev];""",
    "http_set_encoding_async_iteration_and_pipe": """
        const out = [];
        const res1 = await new Promise((resolve) => http.get(BASE + '/bytes?n=5', resolve));
        res1.setEncoding('hex');
        let s = '';
        for await (const c of res1) s += c;
        out.push(s, res1.complete, res1.readableEnded);
        const res2 = await new Promise((resolve) => http.get(BASE + '/bytes?n=200000', resolve));
        let n = 0, sum = 0;
        await new Promise((resolve) => res2.pipe(new Writable({
          write(c, enc, cb) { n += c.length; for (const b of c) sum = (sum + b) % 65521; cb(); },
          final(cb) { cb(); resolve(); } })));
        out.push(n, sum);
        return out;""",
    "http_basic_auth_from_url_and_option": """
        const a = echoBody(await send('http://us%40er:p%3Ass@127.0.0.1:' + PORT + '/echo'));
        const b = echoBody(await send({host: '127.0.0.1', port: PORT, path: '/echo', auth: 'x:y'}));
        const c = echoBody(await send({host: '127.0.0.1', port: PORT, path: '/echo', auth: 'x:y',
                                       headers: {authorization: 'Bearer mine'}}));
        const auth = (r) => r.body.headers.find(([k]) => k === 'authorization');
        return [auth(a), auth(b), auth(c)];""",
    "http_connection_refused": """
        return await send('http://127.0.0.1:' + CLOSED + '/x');""",
    "http_destroy_and_abort_before_response": """
        const a = await send(BASE + '/echo', undefined, undefined, (req) => { req.end(); req.destroy(); });
        const b = await send(BASE + '/echo', undefined, undefined, (req) => { req.end();
          req.destroy(new Error('mine')); });
        const ev = [];
        const c = http.request(BASE + '/echo');
        for (const e of ['socket', 'abort', 'close', 'error', 'response']) c.on(e, () => ev.push(e));
        c.end(); c.abort();
        await tick(20);
        return [a, b, ev, c.aborted, c.destroyed];""",
    "http_destroy_in_response_callback": """
        const ev = [];
        await new Promise((resolve) => {
          const req = http.get(BASE + '/echo', (res) => {
            req.destroy();
            for (const e of ['end', 'close', 'error']) res.on(e, () => ev.push('res ' + e));
            res.resume();
          });
          for (const e of ['close', 'error']) req.on(e, () => ev.push('req ' + e));
          req.on('close', () => setTimeout(resolve, 5));
        });
        return ev;""",
    "http_timeout_destroy": """
        const r = await send(BASE + '/hang', {timeout: 50}, undefined, (req, ev) => {
          req.on('timeout', () => { ev.push(['timeout seen', req.timeout]); req.destroy(); });
          req.end();
        });
        const r2 = await send(BASE + '/hang', undefined, undefined, (req, ev) => {
          req.setTimeout(30, () => { ev.push('cb'); req.destroy(new Error('gave up')); });
          req.end();
        });
        return [r, r2];""",
    "http_abort_signal": """
        const ac = new AbortController();
        const r = await send(BASE + '/hang', {signal: ac.signal}, undefined, (req) => { req.end();
          ac.abort(); });
        const r2 = await send(BASE + '/echo', {signal: AbortSignal.abort('why')});
        return [r, r2];""",
    "http_write_after_end": """
        return await send(BASE + '/echo', {method: 'POST'}, undefined, (req, ev) => {
          req.end('x');
          req.write('y', (e) => ev.push(['write cb', e && e.code]));
        });""",
    "http_argument_errors": """
        const out = [];
        const tries = [
          () => http.request('ftp://example.com/'), () => http.request('https://example.com/'),
          () => https.request('http://example.com/'), () => http.request('not a url'),
          () => http.request({host: 'x', method: 'G ET'}), () => http.request({host: 'x', path: '/a b'}),
          () => http.request({host: 'x', method: 5}), () => http.request({host: 'x', port: 99999}),
          () => http.request({host: 'x', port: 'abc'}), () => http.request({host: 'x', port: -1}),
          () => http.request({host: 5}), () => http.request({hostname: {}}),
        ];
        for (const t of tries) {
          try { const r = t(); out.push('no error'); r.on('error', () => {}); r.destroy(); }
          catch (e) { out.push([e.name, e.code, e.message]); }
        }
        for (const use of [(r) => r.write(5), (r) => r.write(null), (r) => r.setTimeout('x')]) {
          const r = http.request(BASE);
          r.on('error', () => {});
          try { use(r); out.push('no error'); } catch (e) { out.push([e.name, e.code, e.message]); }
          r.destroy();
        }
        return out;""",
    "http_module_surface": """
        const a = new http.Agent({keepAlive: true, maxSockets: 3});
        const b = new https.Agent({rejectUnauthorized: false});
        return [http.STATUS_CODES, http.METHODS, http.maxHeaderSize, typeof http.globalAgent,
          http.globalAgent.defaultPort, https.globalAgent.defaultPort, http.globalAgent.protocol,
          https.globalAgent.protocol, a.keepAlive, a.maxSockets, b.defaultPort, b.protocol,
          typeof http.ClientRequest, typeof http.IncomingMessage, https.request.length, http.get.length,
          require('node:http') === http];""",
    "http_agent_option_accepted": """
        const agent = new http.Agent({keepAlive: false});
        const a = echoBody(await send(BASE + '/echo', {agent}));
        const b = echoBody(await send(BASE + '/echo', {agent: false}));
        return [a.status, b.status, a.body.path];""",
    "https_self_signed_refused": """
        const ev = [];
        await new Promise((resolve) => {
          const req = https.get(TLS + '/echo', {rejectUnauthorized: true}, () => ev.push('response'));
          req.on('error', (e) => { ev.push([e.name, e.code, e.message]); });
          req.on('close', resolve);
        });
        return ev;""",
    "form_data_piped_into_request": """
        const FormData = require('form-data');
        const form = new FormData();
        form.append('field', 'value ø');
        form.append('num', 42);
        form.append('file', Buffer.from('binary\\x00data'), {filename: 'a.bin',
          contentType: 'application/x-thing'});
        form.append('text', 'hello', 'h.txt');
        const r = await send(BASE + '/echo', {method: 'POST', headers: form.getHeaders()}, undefined,
          (req) => form.pipe(req));
        const j = JSON.parse(r.body);
        return [r.status, j.parts, j.boundary_ok, j.headers.find(([k]) =>
          k === 'content-type')[1].replace(/-+\\d+$/, 'B')];""",
    "form_data_submit": """
        const FormData = require('form-data');
        const form = new FormData();
        form.append('a', '1');
        const res = await new Promise((resolve, reject) => form.submit({host: '127.0.0.1', port: PORT,
          path: '/echo'}, (err, res) => err ? reject(err) : resolve(res)));
        const j = JSON.parse(await collect(res));
        return [res.statusCode, j.method, j.parts];""",
})

# -- fetch family -------------------------------------------------------------------------------------
CASES.update({
    "fetch_get_response_shape": """
        const r = await fetch(BASE + '/echo?q=1', {headers: {'X-Test': ' padded '}});
        const hs = [...r.headers].filter(([k]) => !SKIP.includes(k));
        const j = await r.json();
        return [r.status, r.statusText, r.ok, r.url, r.redirected, r.type, r.bodyUsed, hs,
          j.method, j.path, j.headers.filter(([k]) => k.startsWith('x-') || k === 'accept'),
          r.headers.get('Content-Type'), r.headers.has('nope'), r.headers.get('nope')];""",
    "fetch_bodies_and_content_types": """
        const out = [];
        const post = async (body, headers) => {
          const j = await (await fetch(BASE + '/echo', {method: 'POST', body, headers})).json();
          return [j.headers.find(([k]) => k === 'content-type') || null, j.body, j.parts || null];
        };
        out.push(await post('text ø'));
        out.push(await post(JSON.stringify({a: 1}), {'content-type': 'application/json'}));
        out.push(await post(new URLSearchParams({a: '1 2', b: 'ø'})));
        out.push(await post(new Uint8Array([104, 105])));
        out.push(await post(new Uint8Array([0, 104, 105, 0]).subarray(1, 3)));
        out.push(await post(new Uint8Array([111, 107]).buffer));
        out.push(await post(Buffer.from('buf')));
        out.push(await post(new Blob(['bl', 'ob'], {type: 'text/x-blob'})));
        const fd = new FormData();
        fd.append('a', 'line1\\nline2');
        fd.append('q"uote', 'v');
        fd.append('f', new Blob(['xyz'], {type: 'text/plain'}), 'f.txt');
        fd.append('g', new File(['file body'], 'g.bin'));
        fd.append('h', new Blob(['no type']));
        const [ct, , parts] = await post(fd);
        out.push(ct[1].replace(/\\d{11}$/, 'N'), parts);
        return out;""",
    "fetch_methods_and_request_objects": """
        const out = [];
        const req = new Request(BASE + '/echo?r=1', {method: 'post', body: 'req body',
          headers: {'X-R': '1'}});
        out.push(req.method, req.url, req.redirect, req.bodyUsed, req.headers.get('content-type'),
          req.signal instanceof AbortSignal, req.cache, req.credentials, req.mode);
        const j = await (await fetch(req)).json();
        out.push(j.method, j.body, j.headers.find(([k]) => k === 'x-r'));
        out.push(new Request(BASE, {method: 'patch'}).method, new Request(BASE, {method: 'delete'}).method,
          new Request(BASE, {method: 'Custom'}).method, new Request(new URL(BASE + '/a/../b')).url);
        const j2 = await (await fetch(BASE + '/echo', {method: 'PATCH', body: 'p'})).json();
        const r3 = await fetch(BASE + '/echo', {method: 'HEAD'});
        out.push(j2.method, r3.status, await r3.text());
        const copy = new Request(req);
        out.push(copy.method, copy.url, copy.headers.get('x-r'));
        return out;""",
    "fetch_redirect_modes": """
        const to = (p, code) => BASE + '/redirect?code=' + (code || 302) + '&to=' + encodeURIComponent(p);
        const out = [];
        const r = await fetch(to(BASE + '/echo?landed=1'));
        out.push(r.status, r.redirected, r.url, (await r.json()).path);
        const rm = await fetch(to('/echo?rel=1', 301), {redirect: 'manual'});
        out.push(rm.status, rm.redirected, rm.headers.get('location'), rm.url);
        try { await fetch(to('/echo'), {redirect: 'error'}); out.push('no error'); }
        catch (e) { out.push([e.name, e.message, e.cause && e.cause.message]); }
        const p303 = await fetch(to('/echo?after=303', 303), {method: 'POST', body: 'gone'});
        const j303 = await p303.json();
        out.push(j303.method, j303.body, j303.headers.some(([k]) => k === 'content-type'));
        const p307 = await (await fetch(to('/echo?after=307', 307), {method: 'POST', body: 'kept'})).json();
        out.push(p307.method, p307.body);
        try { new Request(BASE, {redirect: 'sometimes'}); } catch (e) { out.push([e.name, e.message]); }
        return out;""",
    "fetch_network_errors": """
        const out = [];
        try { await fetch('http://127.0.0.1:' + CLOSED + '/'); } catch (e) {
          out.push([e.name, e.message, netErr(e.cause)]); }
        for (const bad of ['/relative', 'http://u:p@127.0.0.1:' + CLOSED + '/', 'notaurl']) {
          try { await fetch(bad); } catch (e) { out.push([e.name, e.message.replace(/: .*$/, '')]); }
        }
        for (const init of [{method: 'GET', body: 'x'}, {method: 'HEAD', body: 'x'}, {method: 'bad method'},
                            {method: 'CONNECT'}, {headers: {'bad name': 'x'}}, {headers: [['a']]}]) {
          try { await fetch(BASE, init); out.push('no error'); } catch (e) { out.push([e.name, e.message]); }
        }
        const p = fetch('notaurl');
        out.push(p instanceof Promise);
        await p.catch(() => {});
        return out;""",
    "fetch_abort_signals": """
        const out = [];
        const ac = new AbortController();
        const fired = [];
        ac.signal.addEventListener('abort', (e) => fired.push(['listener', e.type]));
        ac.signal.onabort = () => fired.push('onabort');
        ac.abort();
        ac.abort('twice');
        out.push(ac.signal.aborted, ac.signal.reason.name, ac.signal.reason.message, ac.signal.reason.code,
          fired);
        try { await fetch(BASE + '/echo', {signal: ac.signal}); } catch (e) { out.push([e.name, e.message,
          e.code]); }
        const p = fetch(BASE + '/echo', {signal: AbortSignal.abort('my reason')});
        try { await p; } catch (e) { out.push(['reason', e]); }
        try { await fetch(BASE + '/hang', {signal: AbortSignal.timeout(50)});
          } catch (e) { out.push([e.name, e.message, e.code]); }
        const t = AbortSignal.timeout(10);
        await tick(40); // (Node does not wait for the signal's own timer: it is unref'd)
        out.push(t.aborted, t.reason.name);
        try { t.throwIfAborted(); } catch (e) { out.push(['thrown', e.name]); }
        const any = AbortSignal.any([new AbortController().signal, AbortSignal.abort('first')]);
        out.push(any.aborted, any.reason);
        for (const bad of ['x', -1, 1.5]) { try { AbortSignal.timeout(bad); } catch (e) { out.push([e.name,
          e.code]); } }
        try { new AbortSignal(); } catch (e) { out.push([e.name, e.message]); }
        const c2 = new AbortController();
        const r = await fetch(BASE + '/echo', {signal: c2.signal});
        c2.abort();
        try { await r.text(); out.push('read'); } catch (e) { out.push(['after abort', e.name]); }
        return out;""",
    "fetch_response_body_stream": """
        const out = [];
        const r = await fetch(BASE + '/bytes?n=300');
        let n = 0; const kinds = new Set();
        for await (const c of r.body) { n += c.length; kinds.add(c.constructor.name); }
        out.push(n, [...kinds], r.bodyUsed);
        try { await r.text(); } catch (e) { out.push([e.name, e.message]); }
        const r2 = await fetch(BASE + '/bytes?n=4');
        const reader = r2.body.getReader();
        out.push(r2.body.locked);
        const first = await reader.read();
        out.push(first.done, Array.from(first.value));
        let rest = await reader.read();
        while (!rest.done) rest = await reader.read();
        out.push(rest.done, rest.value);
        const r3 = await fetch(BASE + '/status/204');
        out.push(r3.status, r3.body, await r3.text());
        return out;""",
    "response_and_headers_api": """
        const out = [];
        const r = new Response('hé', {status: 201, statusText: 'Made', headers: {'X-A': '1'}});
        out.push(r.status, r.statusText, r.ok, r.type, r.url, r.redirected, r.headers.get('content-type'),
          r.bodyUsed, r.body !== null);
        const c = r.clone();
        out.push(await r.text(), r.bodyUsed, await c.arrayBuffer().then((b) => b.byteLength));
        try { await r.text(); } catch (e) { out.push([e.name, e.message]); }
        try { r.clone(); } catch (e) { out.push([e.name, e.message]); }
        const j = Response.json({a: [1]}, {status: 202});
        out.push(j.status, j.headers.get('content-type'), await j.json());
        const rd = Response.redirect('http://x.dev/p', 301);
        out.push(rd.status, rd.headers.get('location'));
        const e = Response.error();
        out.push(e.status, e.type, e.ok);
        for (const bad of [() => new Response('x', {status: 99}), () => new Response('x', {status: 204}),
                           () => Response.redirect('http://x.dev/', 200)]) {
          try { bad(); out.push('no error'); } catch (err) { out.push([err.name, err.message]); }
        }
        out.push(new Response(null).body, await new Response(null).text(),
          await new Response(new URLSearchParams('a=b')).text(),
          new Response(new URLSearchParams('a=b')).headers.get('content-type'));
        const h = new Headers([['Set-Cookie', 'a=1'], ['set-cookie', 'b=2'], ['X-B', '1'], ['x-b', '2'],
          ['A', ' sp ']]);
        h.append('Z', 'last');
        out.push([...h], h.get('set-cookie'), h.getSetCookie(), h.get('x-b'), [...h.keys()], h.has('A'));
        h.set('x-b', '3'); h.delete('z');
        out.push([...h.entries()], Object.prototype.toString.call(h));
        const seen = []; h.forEach((v, k) => seen.push(k + '=' + v));
        out.push(seen, [...new Headers(h)].length, [...new Headers({b: '1', a: '2'})]);
        for (const bad of [() => new Headers({'a b': '1'}), () => new Headers([['a', 'b', 'c']]), () =>
          h.append('x', 'a\\nb'),
                           () => h.get('bad name'), () => new Headers(5)]) {
          try { bad(); out.push('no error'); } catch (err) { out.push([err.name, err.message]); }
        }
        return out;""",
    "blob_file_formdata_api": """
        const out = [];
        const b = new Blob(['ab', new Uint8Array([99]), new Blob(['d'])], {type: 'Text/Plain'});
        out.push(b.size, b.type, await b.text(), Object.prototype.toString.call(b),
          await b.slice(1, 3).text(), b.slice(1, 3, 'x/y').type,
            Array.from(new Uint8Array(await b.arrayBuffer())));
        const f = new File(['x'], 'n.txt', {type: 'text/plain', lastModified: 5});
        out.push(f.name, f.size, f.type, f.lastModified, f instanceof Blob,
          Object.prototype.toString.call(f));
        try { new File(['x']); } catch (e) { out.push([e.name, e.code]); }
        try { new Blob('str'); } catch (e) { out.push([e.name, e.code]); }
        const fd = new FormData();
        fd.append('a', '1'); fd.append('a', 2); fd.append('b', new Blob(['z']));
        fd.append('c', new Blob(['z'], {type: 'a/b'}), 'c.bin');
        fd.set('a', 'only');
        out.push([...fd.keys()], fd.get('a'), fd.getAll('a'), fd.has('b'), fd.get('nope'), fd.get('b').name,
          fd.get('b') instanceof File, fd.get('c').name, fd.get('c').type);
        fd.delete('b');
        out.push([...fd].map(([k, v]) => [k, typeof v === 'string' ? v : v.name]));
        try { fd.append('x'); } catch (e) { out.push(e.name); }
        return out;""",
})

# -- run both -----------------------------------------------------------------------------------------


def _globals(base: str, closed: int, tls: str) -> str:
    port = base.rsplit(":", 1)[1]
    return (f"const BASE = {json.dumps(base)}, PORT = {port}, HOSTPORT = '127.0.0.1:{port}', "
            f"CLOSED = {closed}, TLS = {json.dumps(tls)};\n")


def run_node(body: str) -> str:
    script = (f"(async function () {{ {STREAMS_PRE}\n{PRE}\n{body} }})().then("
              "(r) => process.stdout.write(JSON.stringify(r)),"
              " (e) => process.stdout.write(JSON.stringify({rejected: String(e)})));")
    env = {**os.environ, "NODE_PATH": str(VENDOR_DIR / "node_modules")}
    p = subprocess.run([NODE or "node", "-e", script], capture_output=True, text=True, timeout=60,
                       env=env)
    assert p.returncode == 0, p.stderr
    return p.stdout


def make_sandbox(allow: list[Any], max_bytes: int = 1 << 20, timeout_s: float = 10,
                 max_outbound: int = 50) -> AppInstance:
    def ops(op: str, payload: str) -> str:
        assert op == "net.fetch", op
        return outbound.fetch(payload, allow, timeout_s, max_bytes)
    return AppInstance(APP, ops, max_outbound_requests=max_outbound)


def run_in(app: AppInstance, name: str, body: str) -> str:
    """The case as one invocation (host calls are only answered inside one)."""
    app.inv = Invocation(emit=lambda kind, data: None)
    try:
        return run_sandbox(app, name, PRE + body)
    finally:
        app.inv = None


@pytest.fixture(scope="module")
def sandbox() -> AppInstance:
    return make_sandbox(ALLOW_LOOPBACK)


@pytest.mark.skipif(NODE is None, reason="node is needed for differential tests")
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_output_as_node(sandbox: AppInstance, base: str, closed_port: int, tls_base: str,
                             name: str) -> None:
    body = _globals(base, closed_port, tls_base) + CASES[name]
    ours = run_in(sandbox, name, body)
    theirs = run_node(body)
    assert json.loads(ours) == json.loads(theirs)
    assert ours == theirs  # byte for byte


# -- sandbox only: node-fetch v2, decoding, limits ---------------------------------------------------------

_seq = iter(range(1 << 30))


def run_case(app: AppInstance, base: str, body: str) -> Any:
    # a fresh name each time: the engine caches global function handles by name
    return json.loads(run_in(app, f"only{next(_seq)}", _globals(base, 1, "") + body))


def test_node_fetch_v2_extras(sandbox: AppInstance, base: str) -> None:
    out = run_case(sandbox, base, """
        const nf = require('node-fetch');
        const FormData = require('form-data');
        const out = [typeof nf, nf.default === nf, typeof nf.Headers, typeof nf.FetchError,
          nf.isRedirect(301)];
        const r = await nf('http://user:pw@127.0.0.1:' + PORT + '/echo');
        const j = await r.json();
        out.push(j.headers.find(([k]) => k === 'authorization'));
        const b = await (await nf(BASE + '/bytes?n=3')).buffer();
        out.push(Buffer.isBuffer(b), b.length);
        const r2 = await nf(BASE + '/echo?piped');
        const chunks = [];
        await new Promise((resolve) => { r2.body.on('data', (c) => chunks.push(Buffer.isBuffer(c)));
          r2.body.on('end', resolve); });
        out.push(chunks);
        const form = new FormData();
        form.append('k', 'v');
        form.append('f', Buffer.from('data'), 'd.txt');
        const r3 = await (await nf(BASE + '/echo', {method: 'POST', body: form})).json();
        out.push(r3.parts.map((p) => [p.name, p.filename, p.value]), r3.boundary_ok);
        for (const [url, opts] of [[BASE + '/hang', {timeout: 50}],
                                   [BASE + '/redirect?to=/echo', {redirect: 'error'}],
                                   [BASE + '/redirect?to=/echo', {follow: 0}],
                                   [BASE + '/bytes?n=100', {size: 10}],
                                   [BASE + '/echo', {signal: AbortSignal.abort()}]]) {
          try { const x = await nf(url, opts); await x.buffer(); out.push('no error'); }
          catch (e) { out.push([e.name, e.type, e.message.replace(BASE, 'BASE')]); }
        }
        return out;""")
    assert out[:5] == ["function", True, "function", "function", True]
    assert out[5] == ["authorization", "Basic dXNlcjpwdw=="]
    assert out[6:8] == [True, 3] and out[8] == [True]
    assert out[9] == [["k", None, "v"], ["f", "d.txt", "data"]] and out[10] is True
    assert out[11] == ["FetchError", "request-timeout", "network timeout at: BASE/hang"]
    assert out[12][:2] == ["FetchError", "no-redirect"]
    assert out[13][:2] == ["FetchError", "no-redirect"]
    assert out[14] == ["FetchError", "max-size", "content size at BASE/bytes?n=100 over limit: 10"]
    assert out[15] == ["AbortError", "aborted", "The user aborted a request."]


def test_http_module_decodes_gzip_without_zlib(sandbox: AppInstance, base: str) -> None:
    """No zlib in the runtime: the host decodes, and the headers say so."""
    out = run_case(sandbox, base, """
        const res = await new Promise((resolve) => http.get(BASE + '/gzip',
          {headers: {'accept-encoding': 'gzip'}}, resolve));
        const body = await collect(res);
        const f = await fetch(BASE + '/gzip');
        return [res.headers['content-encoding'] || null, res.headers['content-length'] || null,
          JSON.parse(body),
                f.headers.get('content-encoding'), await f.json()];""")
    assert out == [None, None, {"zipped": True}, "gzip", {"zipped": True}]


def test_response_size_cap(base: str) -> None:
    app = make_sandbox(ALLOW_LOOPBACK, max_bytes=4096)
    out = run_case(app, base, """
        const r = await send(BASE + '/bytes?n=5000');
        let f;
        try { await fetch(BASE + '/bytes?n=5000'); } catch (e) { f = [e.name, e.message, e.cause.code]; }
        const ok = await (await fetch(BASE + '/bytes?n=4096')).arrayBuffer();
        return [r.ev, f, ok.byteLength];""")
    assert out[0][-2:] == [["error", {"name": "Error", "code": "ERR_BRYGGE_RESPONSE_TOO_LARGE",
                                      "message": "response from 127.0.0.1 is larger than 4096 bytes"}],
                           "req close"]
    assert out[1] == ["TypeError", "fetch failed: response from 127.0.0.1 is larger than 4096 bytes",
                      "ERR_BRYGGE_RESPONSE_TOO_LARGE"]
    assert out[2] == 4096


def test_host_timeout_knob_bounds_a_request(base: str) -> None:
    app = make_sandbox(ALLOW_LOOPBACK, timeout_s=0.2)
    out = run_case(app, base, """
        const r = await send(BASE + '/hang');
        let f;
        try { await fetch(BASE + '/hang'); } catch (e) { f = [e.name, e.message, e.cause.code]; }
        return [r.ev, f];""")
    assert out[0][-2] == ["error", {"name": "Error", "code": "ETIMEDOUT",
                                    "message": "outbound request took longer than 0.2 s"}]
    assert out[1] == ["TypeError", "fetch failed: outbound request took longer than 0.2 s",
                      "ETIMEDOUT"]


# -- attacks ----------------------------------------------------------------------------------------------

def test_requests_per_invocation_are_capped(base: str) -> None:
    app = make_sandbox(ALLOW_LOOPBACK, max_outbound=5)
    key = "cap"
    body = f"""
        const out = [];
        for (let i = 0; i < 4; i++) out.push((await fetch(BASE + '/count?k={key}')).status);
        out.push((await send(BASE + '/count?k={key}')).status);
        for (let i = 0; i < 20; i++) {{
          try {{ await fetch(BASE + '/count?k={key}'); out.push('fetched'); }}
          catch (e) {{ out.push([e.name, e.message, e.cause.code]); }}
        }}
        const r = await send(BASE + '/count?k={key}');
        out.push(r.ev.find((x) => x[0] === 'error'));
        return out;"""
    out = run_case(app, base, body)
    assert out[:5] == [200] * 5
    msg = ("more than 5 outbound requests in one invocation (BRYGGE_MAX_OUTBOUND_REQUESTS)")
    assert out[5:25] == [["TypeError", "fetch failed: " + msg, "ERR_BRYGGE_OUTBOUND_LIMIT"]] * 20
    assert out[25] == ["error", {"name": "Error", "code": "ERR_BRYGGE_OUTBOUND_LIMIT",
                                 "message": msg}]
    assert HITS[f"/count?{key}"] == 5  # refused requests never left the host
    # the cap is per invocation: the next one may send again
    assert run_case(app, base, f"return (await fetch(BASE + '/count?k={key}')).status;") == 200
    assert HITS[f"/count?{key}"] == 6


SSRF = """
    const out = [];
    const viaHttp = (u, o) => send(u, o).then((r) => r.ev.find((x) => x[0] === 'error') || ['status',
      r.status]);
    out.push(await viaHttp(BASE + '/count?k=ssrf'));
    out.push(await viaHttp('http://169.254.169.254/latest/meta-data/'));
    out.push(await viaHttp('http://[::1]:' + PORT + '/count?k=ssrf'));
    out.push(await viaHttp('http://localhost:' + PORT + '/count?k=ssrf'));
    out.push(await viaHttp({host: '127.0.0.1', port: PORT, path: '/count?k=ssrf',
      headers: {host: 'example.com'}}));
    out.push(await viaHttp({socketPath: '/var/run/docker.sock', path: '/containers/json'}));
    try { await fetch(BASE + '/count?k=ssrf'); out.push('fetched'); } catch (e) { out.push([e.message,
      e.cause.code]); }
    return out;"""


def test_ssrf_through_http_request_is_refused(base: str) -> None:
    app = make_sandbox([])  # the default: no operator allow-list
    out = run_case(app, base, SSRF)
    for entry in out[:5]:
        assert entry[0] == "error", entry
        assert entry[1]["code"] == "ERR_BRYGGE_OUTBOUND_REFUSED"
        assert "not allowed" in entry[1]["message"]
    assert "169.254.169.254" in out[1][1]["message"]
    assert out[5][1]["code"] == "ERR_BRYGGE_OUTBOUND_REFUSED" and "Unix" in out[5][1]["message"]
    assert out[6][1] == "ERR_BRYGGE_OUTBOUND_REFUSED" and "not allowed" in out[6][0]
    assert HITS["/count?ssrf"] == 0  # none of them reached the server


def test_ssrf_through_redirects_is_refused(base: str) -> None:
    """An allowed server redirecting to metadata or loopback: fetch re-checks every hop;
    http.request never follows, and following the Location by hand is checked again."""
    allow_only_server = outbound.parse_allow("127.0.0.1/32")
    app = make_sandbox(allow_only_server)
    out = run_case(app, base, """
        const out = [];
        const meta = BASE + '/redirect?to=' + encodeURIComponent('http://169.254.169.254/latest/meta-data/');
        const v6 = BASE + '/redirect?to=' + encodeURIComponent('http://[::1]:' + PORT + '/echo');
        for (const u of [meta, v6]) {
          try { await fetch(u); out.push('fetched'); } catch (e) { out.push([e.message, e.cause.code]); }
          const r = await send(u);
          out.push(r.status, r.headers.location);
          const hop = await send(r.headers.location);
          out.push(hop.ev.find((x) => x[0] === 'error')[1].code);
        }
        return out;""")
    assert "169.254.169.254" in out[0][0] and out[0][1] == "ERR_BRYGGE_OUTBOUND_REFUSED"
    assert out[1:4] == [302, "http://169.254.169.254/latest/meta-data/",
                        "ERR_BRYGGE_OUTBOUND_REFUSED"]
    assert "::1" in out[4][0] and out[4][1] == "ERR_BRYGGE_OUTBOUND_REFUSED"
    assert out[5] == 302 and out[7] == "ERR_BRYGGE_OUTBOUND_REFUSED"


def test_outbound_at_module_load_is_a_clear_error(base: str) -> None:
    src = ("import {app} from 'codehooks-js';\n"
           "let err = null;\n"
           f"try {{ await fetch({json.dumps(base + '/echo')}); }} catch (e) {{ err = e.message; }}\n"
           "app.get('/e', (req, res) => res.end(err));\n"
           "export default app.init();\n")

    def ops(op: str, payload: str) -> str:
        return outbound.fetch(payload, ALLOW_LOOPBACK, 5, 1 << 20)
    app = AppInstance({"kind": "source", "entry": "index.js", "files": {"index.js": src}}, ops)
    out: list[tuple[str, Any]] = []
    inv = Invocation(emit=lambda k, v: out.append((k, v)))
    req = {"id": "x", "method": "GET", "path": "/dev/e", "apiPath": "/e", "originalUrl": "/dev/e",
           "query": "", "headers": {}, "body": "", "authed": True, "hostname": "localhost",
           "ip": "127.0.0.1"}
    app.run("__brygge_invoke", json.dumps(req), inv, 10)
    text = b"".join(v for k, v in out if k in ("chunk", "end")).decode()
    assert "fetch failed" in text and "while the app's module loads" in text


def test_settings_knob_reaches_instances() -> None:
    from brygge.settings import Settings, SettingsError
    s = Settings.from_env({"BRYGGE_MAX_OUTBOUND_REQUESTS": "7"})
    assert s.max_outbound_requests == 7
    with pytest.raises(SettingsError, match="max_outbound_requests"):
        Settings.from_env({"BRYGGE_MAX_OUTBOUND_REQUESTS": "0"})


def test_odd_requests_get_errors_not_host_crashes(sandbox: AppInstance, base: str) -> None:
    out = run_case(sandbox, base, """
        const out = [];
        const viaHttp = (o) => send(o).then((r) =>
          (r.ev.find((x) => x[0] === 'error') || [null, {code: r.status}])[1].code);
        out.push(await viaHttp({host: 'a b.invalid', path: '/'}));
        out.push(await viaHttp({host: 'x\\u0000y', path: '/'}));
        out.push(await viaHttp({host: 'ø'.repeat(300), path: '/'}));
        out.push(await viaHttp({host: '127.0.0.1', port: PORT, path: '/echo/ø?q=ø'}));
        out.push(await viaHttp({host: '127.0.0.1', port: PORT, path: '/echo',
                                headers: {'x-latin': 'bl\\u00e5'}}));
        out.push(await viaHttp({host: '127.0.0.1', port: PORT, method: 'WEIRD-METHOD', path: '/echo'}));
        for (const u of ['http://[::zz]/', 'http://127.0.0.1:' + PORT + '/%zz',
                         'http://' + 'a'.repeat(70) + '.invalid/']) {
          try { out.push((await fetch(u)).status); } catch (e) { out.push(e.cause ? e.cause.code : e.name); }
        }
        try { new Headers({a: '\\u2603'}); } catch (e) { out.push([e.name, e.message]); }
        out.push((await fetch(BASE + '/echo')).status);
        return out;""")
    dns = ("ENOTFOUND", "EAI_AGAIN", "ERR_BRYGGE_OUTBOUND_REFUSED")
    assert out[0] in dns and out[1] in dns and out[2] in dns
    assert out[3:6] == [200, 200, 501]  # ø in a path, latin-1 in a header, any method token
    assert out[6] == "ERR_BRYGGE_OUTBOUND_REFUSED" and out[7] == 200 and out[8] in dns
    assert out[9] == ["TypeError", "Cannot convert argument to a ByteString because the character at "
                      "index 0 has a value of 9731 which is greater than 255."]
    assert out[10] == 200  # the instance is fine afterwards


NODE_APP = """
import {app} from 'codehooks-js';
import https from 'https';
const http = require('http');
app.auth('/*', (req, res, next) => next());
const viaHttp = (url) => new Promise((resolve) => {
  const r = http.get(url, (res) => {
    let d = '';
    res.on('data', (c) => d += c);
    res.on('end', () => resolve(res.statusCode));
  });
  r.on('error', (e) => resolve(e.code));
});
app.get('/burst', async (req, res) => {
  const out = [];
  for (let i = 0; i < 3; i++) out.push(await viaHttp(req.query.target + '/count?k=' + req.query.k));
  try { await fetch(req.query.target + '/count?k=' + req.query.k); out.push('fetched'); }
  catch (e) { out.push(e.cause.code); }
  out.push(await viaHttp(req.query.target + '/count?k=' + req.query.k), typeof https.request);
  res.json(out);
});
export default app.init();
"""


def test_request_cap_through_a_running_node(base: str, tmp_path: Any) -> None:
    """BRYGGE_MAX_OUTBOUND_REQUESTS and BRYGGE_OUTBOUND_ALLOW reach the executors of a
    real node: the app's fourth request in one invocation is refused, the next
    invocation may send again."""
    from tests.support.nodes import new_node
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "index.js").write_text(NODE_APP)
    node = new_node(tmp_path, BRYGGE_MAX_OUTBOUND_REQUESTS="3", BRYGGE_OUTBOUND_ALLOW="127.0.0.1/32")
    node.start(app=str(app_dir))
    try:
        for k in ("n1", "n2"):
            r = node.get("/dev/burst", params={"target": base, "k": k})
            assert r.status_code == 200, r.text
            assert r.json() == [200, 200, 200, "ERR_BRYGGE_OUTBOUND_LIMIT", "ERR_BRYGGE_OUTBOUND_LIMIT",
                                "function"]
            assert HITS[f"/count?{k}"] == 3
    finally:
        node.stop()
