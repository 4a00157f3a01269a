"""Real npm packages from an app's own node_modules, deployed the way `brygge deploy`
deploys (control_plane/deploy.py `pack`, then a real AppInstance).

Each case is a `lib.mjs` exporting `run(input)`. The same file runs in Node 20 with
the same node_modules, and both results must be equal (differential), and each
result is also checked against what the test computes itself (signatures in
Python, known outputs). Packages are installed with npm into tests/.cache/npm/<name>
once and reused. Last, the real codehooks-js 1.4.3 (crudlify and routes) runs on
a real node from a source folder with node_modules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from control_plane.deploy import pack
from sandbox import outbound
from tests.support.nodes import RunningNode, new_node
from tests.support.npm import installed, run_both


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


# -- webhook signatures: stripe, svix -----------------------------------------------------------

STRIPE = """import Stripe from 'stripe';
export async function run({payload, header, secret}) {
  const stripe = new Stripe('sk_test_brygge');
  const ev = stripe.webhooks.constructEvent(payload, header, secret);
  let bad;
  try { stripe.webhooks.constructEvent(payload, header.replace(/v1=[0-9a-f]/, 'v1=x'), secret); }
  catch (e) { bad = [e.type, e.message.split('\\n')[0]]; }
  return {type: ev.type, id: ev.id, amount: ev.data.object.amount, bad};
}
"""


def test_stripe_construct_event_synchronously(tmp_path: Path) -> None:
    secret = "whsec_brygge_test"
    payload = json.dumps({"id": "evt_123", "object": "event", "type": "payment_intent.succeeded",
                          "data": {"object": {"id": "pi_1", "amount": 4200}}}, indent=2)
    t = int(time.time())
    sig = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    ours, node = run_both(tmp_path, "stripe", STRIPE,
                          {"payload": payload, "header": f"t={t},v1={sig}", "secret": secret})
    assert ours == node
    assert ours["type"] == "payment_intent.succeeded" and ours["id"] == "evt_123"
    assert ours["amount"] == 4200 and ours["bad"][0] == "StripeSignatureVerificationError"


SVIX = """import {Webhook} from 'svix';
export async function run({secret, payload, headers}) {
  const wh = new Webhook(secret);
  const msg = wh.verify(payload, headers);
  let bad;
  try { wh.verify(payload, {...headers, 'svix-signature': 'v1,AAAA'}); }
  catch (e) { bad = [e.name, e.message]; }
  return {msg, bad};
}
"""


def test_svix_verify(tmp_path: Path) -> None:
    key = b"brygge-svix-key-0123456789abcdef"
    secret = "whsec_" + base64.b64encode(key).decode()
    payload = '{"event":"user.created","n":1}'
    msg_id, ts = "msg_2abc", str(int(time.time()))
    sig = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.{payload}".encode(),
                                    hashlib.sha256).digest()).decode()
    headers = {"svix-id": msg_id, "svix-timestamp": ts, "svix-signature": f"v1,{sig}"}
    ours, node = run_both(tmp_path, "svix", SVIX,
                          {"secret": secret, "payload": payload, "headers": headers})
    assert ours == node
    assert ours["msg"] == {"event": "user.created", "n": 1} and ours["bad"][0] == "WebhookVerificationError"


# -- tokens and signatures: jsonwebtoken, tweetnacl -------------------------------------------------

JWT_HS = """import jwt from 'jsonwebtoken';
export async function run({secret, token}) {
  const mine = jwt.sign({sub: 'u1', role: 'admin', iat: 1700000000}, secret,
                        {algorithm: 'HS256', expiresIn: '100y'});
  const theirs = jwt.verify(token, secret, {algorithms: ['HS256']});
  let bad;
  try { jwt.verify(token, 'wrong-secret'); } catch (e) { bad = [e.name, e.message]; }
  return {mine, theirs, decoded: jwt.decode(mine, {complete: true}), bad};
}
"""


def test_jsonwebtoken_hs256(tmp_path: Path) -> None:
    secret = "s3cr3t"
    head = b64url(b'{"alg":"HS256","typ":"JWT"}')
    body = b64url(json.dumps({"sub": "py", "iat": int(time.time())}).encode())
    sig = b64url(hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    ours, node = run_both(tmp_path, "jsonwebtoken", JWT_HS,
                          {"secret": secret, "token": f"{head}.{body}.{sig}"})
    assert ours == node
    h, b, s = ours["mine"].split(".")
    assert b64url(hmac.new(secret.encode(), f"{h}.{b}".encode(), hashlib.sha256).digest()) == s
    assert ours["theirs"]["sub"] == "py" and ours["decoded"]["payload"]["role"] == "admin"
    assert ours["bad"] == ["JsonWebTokenError", "invalid signature"]


JWT_RS = """import jwt from 'jsonwebtoken';
export async function run({privateKey, publicKey}) {
  const token = jwt.sign({sub: 'rs', iat: 1700000000}, privateKey, {algorithm: 'RS256'});
  return {token, verified: jwt.verify(token, publicKey, {algorithms: ['RS256']})};
}
"""


def test_jsonwebtoken_rs256(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.fail("node is needed to generate the RSA key pair")
    gen = subprocess.run(["node", "-e", "const {generateKeyPairSync} = require('crypto');"
                          "const k = generateKeyPairSync('rsa', {modulusLength: 2048,"
                          " publicKeyEncoding: {type: 'spki', format: 'pem'},"
                          " privateKeyEncoding: {type: 'pkcs8', format: 'pem'}});"
                          "process.stdout.write(JSON.stringify(k));"],
                         capture_output=True, text=True, timeout=60)
    keys = json.loads(gen.stdout)
    ours, node = run_both(tmp_path, "jsonwebtoken", JWT_RS, keys)
    assert ours == node  # PKCS#1 v1.5 signatures are deterministic
    assert ours["verified"]["sub"] == "rs"


NACL = """import nacl from 'tweetnacl';
export async function run({seedHex, msg}) {
  const seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
  const kp = nacl.sign.keyPair.fromSeed(seed);
  const m = new TextEncoder().encode(msg);
  const sig = nacl.sign.detached(m, kp.secretKey);
  const hex = (u) => Buffer.from(u).toString('hex');
  const box = nacl.secretbox(m, new Uint8Array(24), seed);
  return {pk: hex(kp.publicKey), sig: hex(sig), ok: nacl.sign.detached.verify(m, sig, kp.publicKey),
          forged: nacl.sign.detached.verify(new TextEncoder().encode(msg + '!'), sig, kp.publicKey),
          hash: hex(nacl.hash(m)), box: hex(box),
          opened: new TextDecoder().decode(nacl.secretbox.open(box, new Uint8Array(24), seed)),
          random: nacl.randomBytes(16).length};
}
"""


def test_tweetnacl_ed25519_and_secretbox(tmp_path: Path) -> None:
    payload = {"seedHex": "11" * 32, "msg": "timestamp+rawBody from Discord"}
    ours, node = run_both(tmp_path, "tweetnacl", NACL, payload)
    assert ours == node
    assert ours["ok"] is True and ours["forged"] is False and ours["random"] == 16
    assert ours["hash"] == hashlib.sha512(payload["msg"].encode()).hexdigest()
    assert ours["opened"] == payload["msg"]


# -- templates and validation: handlebars, ajv, zod, yup, lodash ------------------------------------

HBS = """import Handlebars from 'handlebars';
export async function run({tpl, data}) {
  const hb = Handlebars.create();
  hb.registerHelper('upper', (s) => String(s).toUpperCase());
  hb.registerPartial('item', '<li>{{upper name}}{{#if price}} ({{price}}){{/if}}</li>');
  return [hb.compile(tpl)(data), hb.compile('{{{raw}}} {{esc}}')({raw: '<b>', esc: '<i>&'}),
          hb.precompile('{{x}}').length > 10];
}
"""


def test_handlebars_compile_helpers_partials(tmp_path: Path) -> None:
    tpl = "<h1>{{title}}</h1><ul>{{#each items}}{{> item}}{{else}}none{{/each}}</ul>"
    data = {"title": "Menu & more", "items": [{"name": "tea", "price": 3}, {"name": "cake"}]}
    ours, node = run_both(tmp_path, "handlebars", HBS, {"tpl": tpl, "data": data})
    assert ours == node
    assert ours[0] == "<h1>Menu &amp; more</h1><ul><li>TEA (3)</li><li>CAKE</li></ul>"
    assert ours[1] == "<b> &lt;i&gt;&amp;" and ours[2] is True


AJV = """import Ajv from 'ajv';
export async function run({schema, docs}) {
  const ajv = new Ajv({allErrors: true});
  const validate = ajv.compile(schema);
  return docs.map((d) => [validate(d),
    (validate.errors || []).map((e) => [e.instancePath, e.keyword, e.message])]);
}
"""


def test_ajv_compiles_with_new_function(tmp_path: Path) -> None:
    schema = {"type": "object", "required": ["name", "qty"], "additionalProperties": False,
              "properties": {"name": {"type": "string", "minLength": 2},
                             "qty": {"type": "integer", "minimum": 1},
                             "tags": {"type": "array", "items": {"enum": ["a", "b"]}}}}
    docs = [{"name": "ok", "qty": 2, "tags": ["a"]}, {"name": "x", "qty": 0, "extra": 1, "tags": ["c"]}]
    ours, node = run_both(tmp_path, "ajv", AJV, {"schema": schema, "docs": docs})
    assert ours == node
    assert ours[0] == [True, []] and ours[1][0] is False
    assert {e[1] for e in ours[1][1]} == {"minLength", "minimum", "additionalProperties", "enum"}


ZOD = """import {z} from 'zod';
const User = z.object({name: z.string().min(2), age: z.number().int().positive(),
                       email: z.string().email(), tags: z.array(z.string()).default([])});
export async function run({good, bad}) {
  const r = User.safeParse(bad);
  return [User.parse(good), r.success, r.error.issues.map((i) => [i.path.join('.'), i.code, i.message])];
}
"""


def test_zod_parse_and_issues(tmp_path: Path) -> None:
    payload = {"good": {"name": "Ann", "age": 30, "email": "ann@example.com"},
               "bad": {"name": "A", "age": -1.5, "email": "nope"}}
    ours, node = run_both(tmp_path, "zod", ZOD, payload)
    assert ours == node
    assert ours[0] == {**payload["good"], "tags": []} and ours[1] is False
    assert [i[0] for i in ours[2]] == ["name", "age", "age", "email"]


YUP = """import * as yup from 'yup';
const schema = yup.object({name: yup.string().required(), age: yup.number().min(18).required(),
                           email: yup.string().email()});
export async function run({good, bad}) {
  const ok = await schema.validate(good);
  try { await schema.validate(bad, {abortEarly: false}); return 'no error'; }
  catch (e) { return [ok, e.name, e.errors]; }
}
"""


def test_yup_validate(tmp_path: Path) -> None:
    payload = {"good": {"name": "Bo", "age": 20}, "bad": {"age": 3, "email": "x"}}
    ours, node = run_both(tmp_path, "yup", YUP, payload)
    assert ours == node
    assert ours[1] == "ValidationError" and len(ours[2]) == 3


LODASH = """import _ from 'lodash';
export async function run({rows}) {
  return [_.VERSION, _.groupBy(rows, 'k'), _.sortBy(rows, ['n']).map((r) => r.n),
          _.template('hi <%= name %>, <%- html %>')({name: 'Ann', html: '<b>'}),
          _.merge({a: {b: 1}}, {a: {c: 2}}), _.chunk(_.range(5), 2)];
}
"""


def test_lodash_from_own_node_modules(tmp_path: Path) -> None:
    rows = [{"k": "x", "n": 3}, {"k": "y", "n": 1}, {"k": "x", "n": 2}]
    ours, node = run_both(tmp_path, "lodash", LODASH, {"rows": rows})
    assert ours == node
    assert ours[0] == "4.17.21" and ours[3] == "hi Ann, &lt;b&gt;"


# -- bodies: busboy (streams), form-data ------------------------------------------------------------

BUSBOY = """import busboy from 'busboy';
export async function run({body, contentType}) {
  return await new Promise((resolve, reject) => {
    const out = [];
    const bb = busboy({headers: {'content-type': contentType}});
    bb.on('field', (name, val) => out.push(['field', name, val]));
    bb.on('file', (name, stream, info) => {
      const chunks = [];
      stream.on('data', (d) => chunks.push(d));
      stream.on('end', () => out.push(['file', name, info.filename, info.mimeType,
                                       Buffer.concat(chunks).toString()]));
    });
    bb.on('close', () => resolve(out));
    bb.on('error', reject);
    bb.end(Buffer.from(body));
  });
}
"""


def test_busboy_parses_multipart(tmp_path: Path) -> None:
    b = "----brygge7"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello æ\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\nfile body\nline 2\r\n--{b}--\r\n")
    ours, node = run_both(tmp_path, "busboy", BUSBOY,
                          {"body": body, "contentType": f"multipart/form-data; boundary={b}"})
    assert ours == node
    assert ours == [["field", "title", "hello æ"],
                    ["file", "doc", "a.txt", "text/plain", "file body\nline 2"]]


FORMDATA = """import FormData from 'form-data';
export async function run() {
  const fd = new FormData();
  fd.setBoundary('brygge-boundary');
  fd.append('field', 'value');
  fd.append('file', Buffer.from('file content'), {filename: 'a.txt', contentType: 'text/plain'});
  return [fd.getHeaders(), fd.getBuffer().toString(), fd.getLengthSync()];
}
"""


def test_form_data_builds_multipart(tmp_path: Path) -> None:
    ours, node = run_both(tmp_path, "form-data", FORMDATA, {})
    assert ours == node
    assert ours[0] == {"content-type": "multipart/form-data; boundary=brygge-boundary"}
    assert 'filename="a.txt"' in ours[1] and len(ours[1]) == ours[2]


# -- openai against a local server the outbound allow-list admits ----------------------------------

class FakeOpenAI(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *a: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        FakeOpenAI.seen.append({"path": self.path, "auth": self.headers.get("authorization"),
                                "body": body})
        out = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000,
                          "model": body["model"], "choices": [{
                              "index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": "hello from the test"}}],
                          "usage": {"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5}})
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(out.encode())


@pytest.fixture(scope="module")
def openai_server() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()


OPENAI = """import OpenAI from 'openai';
export async function run({baseURL}) {
  const client = new OpenAI({apiKey: 'sk-brygge-test', baseURL, maxRetries: 0});
  const r = await client.chat.completions.create({model: 'gpt-test',
                                                  messages: [{role: 'user', content: 'hi'}]});
  return {content: r.choices[0].message.content, model: r.model, usage: r.usage.total_tokens};
}
"""


def test_openai_client_request(tmp_path: Path, openai_server: str) -> None:
    allow = outbound.parse_allow("127.0.0.0/8")

    def ops(op: str, payload: str) -> str:
        if op != "net.fetch":
            return ""
        try:
            return outbound.fetch(payload, allow, 10, 1 << 20)
        except outbound.OutboundRefused as e:
            return f"\0TypeError\0fetch failed: {e}"

    FakeOpenAI.seen.clear()
    ours, node = run_both(tmp_path, "openai", OPENAI, {"baseURL": openai_server}, ops)
    assert ours == node == {"content": "hello from the test", "model": "gpt-test", "usage": 5}
    assert FakeOpenAI.seen[0] == {"path": "/v1/chat/completions", "auth": "Bearer sk-brygge-test",
                                  "body": {"model": "gpt-test",
                                           "messages": [{"role": "user", "content": "hi"}]}}


# -- the real codehooks-js 1.4.3 on a real node ------------------------------------------------------

CODEHOOKS_APP = """import {app, crudlify} from 'codehooks-js';
import {object, string, number} from 'yup';

const product = object({name: string().required(), price: number().min(0).required()});
app.get('/info', (req, res) => res.json({lib: 'npm', path: req.apiPath}));
app.auth('/open*', (req, res, next) => next());
app.get('/open', (req, res) => res.end('public'));
crudlify(app, {product});
export default app.init();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNode]:
    n = new_node(tmp_path_factory.mktemp("npm-node"))
    n.start()
    yield n
    n.stop()


def test_real_codehooks_js_crudlify_and_routes(tmp_path: Path, node: RunningNode) -> None:
    cache = installed("codehooks-js")
    yup_modules = installed("yup") / "node_modules"
    (tmp_path / "node_modules").mkdir()
    for src in (cache / "node_modules", yup_modules):
        for p in src.iterdir():
            if not (tmp_path / "node_modules" / p.name).exists():
                os.symlink(p, tmp_path / "node_modules" / p.name)
    (tmp_path / "index.js").write_text(CODEHOOKS_APP)
    art = pack(tmp_path)
    assert "node_modules/codehooks-js/index.js" in art["files"]  # the library itself is uploaded
    d = node.deploy(tmp_path)
    assert d.returncode == 0, d.stdout + d.stderr
    assert node.get("/dev/info", headers=node.auth()).json() == {"lib": "npm", "path": "/info"}
    assert node.get("/dev/open").text == "public"
    created = node.post("/dev/product", json={"name": "tea", "price": 3}, headers=node.auth())
    assert created.status_code == 201, created.text
    doc = created.json()
    assert doc["name"] == "tea" and doc["_id"]
    bad = node.post("/dev/product", json={"name": "x", "price": -1}, headers=node.auth())
    assert bad.status_code == 400, bad.text
    listed = node.get("/dev/product", headers=node.auth()).json()
    assert [p["name"] for p in listed] == ["tea"]
    one = node.get(f"/dev/product/{doc['_id']}", headers=node.auth())
    assert one.json()["price"] == 3
    assert node.get("/dev/product", headers=node.auth(), params={"price": 3}).json()[0]["_id"] == doc["_id"]


def test_official_cli_bundle_with_unprovided_external_is_refused_and_old_app_stays(
        node: RunningNode) -> None:
    """A webpack bundle as `coho deploy` posts it, requiring a whitelisted external
    the runtime cannot run (mongodb): 400 naming it; the live deployment serves on."""
    before = node.get("/dev/open")
    bundle = ('var EntryPoint;(()=>{var e={};const m=require("mongodb");'
              'e.default={routehooks:{},authhooks:{},globalhooks:[]};EntryPoint=e})();')
    r = httpx.post(f"{node.base}/dev/_A_D_M_deploy", json={"bundle": bundle}, timeout=60,
                   headers={"host": "brygge.api.codehooks.local.io",
                            "x-admintoken": node.admin_token, "x-file-name": "bundle.js"})
    assert r.status_code == 400
    assert "this bundle requires 'mongodb', which the Brygge runtime does not provide" \
        in r.json()["error"]
    after = node.get("/dev/open")
    assert (after.status_code, after.text) == (before.status_code, before.text)


BUSBOY_UPLOAD_APP = """import {app, filestore} from 'codehooks-js';
import busboy from 'busboy';
app.storage({route: '/files', directory: '/uploads'});
app.post('/upload', (req, res) => {
  const bb = busboy({headers: req.headers});
  const saved = [], fields = {}, writes = [];
  bb.on('field', (name, val) => { fields[name] = val; });
  bb.on('file', (name, stream, info) => {
    writes.push(filestore.saveFile('/uploads/' + info.filename, stream)
      .then(() => saved.push(info.filename)));
  });
  bb.on('close', async () => {
    await Promise.all(writes);
    res.json({saved, fields, list: await filestore.list('/uploads')});
  });
  req.pipe(bb);
});
export default app.init();
"""


def test_busboy_multipart_upload_into_blob_storage(tmp_path: Path, node: RunningNode) -> None:
    """The documented codehooks upload: busboy from the app's node_modules parses a
    multipart request streamed into the app (`req.pipe`), each file part is streamed into
    `filestore.saveFile`, and `app.storage` serves the bytes back unchanged."""
    (tmp_path / "index.js").write_text(BUSBOY_UPLOAD_APP)
    (tmp_path / "node_modules").symlink_to(installed("busboy") / "node_modules")
    d = node.deploy(tmp_path)
    assert d.returncode == 0, d.stdout + d.stderr
    blob = os.urandom(3 * 1024 * 1024 + 17)  # binary, several chunks
    r = httpx.post(node.base + "/dev/upload", headers=node.auth(), timeout=60,
                   data={"title": "scan"},
                   files={"doc": ("scan.bin", blob, "application/octet-stream"),
                          "note": ("note.txt", b"hello\n", "text/plain")})
    assert r.status_code == 200, r.text
    out = r.json()
    assert sorted(out["saved"]) == ["note.txt", "scan.bin"] and out["fields"] == {"title": "scan"}
    sizes = {f["path"]: f["size"] for f in out["list"]}
    assert sizes == {"/uploads/note.txt": 6, "/uploads/scan.bin": len(blob)}
    got = httpx.get(node.base + "/dev/files/scan.bin", headers=node.auth(), timeout=60)
    assert got.status_code == 200 and got.content == blob
    assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(blob).hexdigest()
