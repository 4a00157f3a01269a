"""Differential tests: the same JavaScript runs in real Node 20 and in the sandbox
(QuickJS-NG in wasm with sandbox/js/node/*.js), and must print the same JSON."""

from __future__ import annotations

import json
import shutil

import pytest

from sandbox.app import AppInstance
from tests.support.node_compat import APP, run_node

CASES = {
    "url_legacy": """
        const url = require('url');
        const ps = ['http://user:pw@Example.com:8080/p/a/t/h?query=string&a=1#hash', 'https://x.dev',
          '/just/a/path?x=1', 'relative/path', '//host.com/x', 'http://[::1]:3000/a'];
        const out = ps.map((p) => { const u = url.parse(p); return [u.protocol, u.slashes, u.auth,
          u.host, u.port, u.hostname, u.hash, u.search, u.query, u.pathname, u.path, u.href]; });
        out.push(url.parse('http://a.b/c?x=1&x=2&y=%20', true).query);
        out.push(url.format({protocol: 'https', hostname: 'ex.com', pathname: '/a',
                             query: {q: 'x y', n: 1}}));
        out.push(url.format(url.parse('http://a.com:80/x?y#z')));
        out.push([url.resolve('/one/two/three', 'four'), url.resolve('http://example.com/', '/one'),
          url.resolve('http://example.com/one', '/two'), url.resolve('http://example.com/a/b', '../c')]);
        try { new URL('nope'); } catch (e) { out.push([e.code, e.message]); }
        out.push([URL.canParse('http://x'), URL.canParse('x')]);
        return out;""",
    "textencoder": """
        const e = new TextEncoder().encode('hé ☃ 𝄞 x');
        const bad = new Uint8Array([0xff, 0x41]);
        return [Array.from(e), new TextDecoder().decode(e), new TextDecoder().decode(bad)];""",
    "utf8_invalid_sequences": """
        // maximal-subpart replacement (WHATWG): one U+FFFD per broken sequence prefix
        const cases = [[0xfb, 0xe5, 0x8c], [0xe0, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x90, 0x80],
          [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xe2, 0x82, 0xac, 0x41],
          [0xf0, 0x9f, 0x98, 0x80, 0xff], [0x80, 0x80], [0xf5, 0x80], [0xef, 0xbf, 0xbf], [0xc2]];
        let seed = 7; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        for (let k = 0; k < 200; k++) {
          const n = 1 + Math.floor(rnd() * 8), b = [];
          for (let i = 0; i < n; i++)
            b.push(rnd() < 0.5 ? 0x80 + Math.floor(rnd() * 0x80) : Math.floor(rnd() * 256));
          cases.push(b);
        }
        return cases.map((c) => [Buffer.from(c).toString(), new TextDecoder().decode(new Uint8Array(c))]
          .map((t) => Array.from(t, (ch) => ch.codePointAt(0))));""",
    "buffer_encodings": """
        const b = Buffer.from('Blåbærsyltetøy 🍓');
        return [b.length, b.toString('hex'), b.toString('base64'), b.toString('base64url'),
                Buffer.from(b.toString('base64'), 'base64').toString(),
                Buffer.from('48656c6c6f', 'hex').toString(), Buffer.from('aGk=', 'base64').toString('utf8'),
                Buffer.byteLength('ø'), Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(1))];""",
    "buffer_ops": """
        const a = Buffer.from([1, 2, 3]), b = Buffer.from([1, 2, 4]);
        const c = Buffer.concat([a, b]);
        return [Array.from(c), a.equals(Buffer.from([1,2,3])), a.compare(b), b.compare(a),
                c.slice(1, 3).toString('hex'), JSON.stringify(a), Buffer.alloc(3, 7).toString('hex'),
                c.readUInt32BE(0), Buffer.from('abc').toString('latin1')];""",
    "hash": """
        const crypto = require('crypto');
        return ['md5', 'sha1', 'sha256', 'sha512'].map((a) => [
          crypto.createHash(a).update('hello ').update(Buffer.from('wörld')).digest('hex'),
          crypto.createHash(a).update('x').digest('base64')]);""",
    "hmac_webhook_signature": """
        const crypto = require('crypto');
        const body = '{"id":"evt_1","amount":4200,"note":"blåbær"}';
        const sig = crypto.createHmac('sha256', 'whsec_test').update('1700000000.' + body).digest('hex');
        const raw = crypto.createHmac('sha1', Buffer.from('key')).update(body, 'utf8').digest();
        return [sig, Buffer.isBuffer(raw), raw.length, raw.toString('base64'),
                crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(sig))];""",
    "timing_safe_equal_throws_on_length": """
        const crypto = require('crypto');
        try { crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('abc')); return 'no error'; }
        catch (e) { return [e.name, e.code]; }""",
    "urlsearchparams": """
        const p = new URLSearchParams('a=1&b=x+y&a=2&c=%C3%A6%20%21&empty=&flag');
        p.append('q', "it's (fine)~ & more");
        p.set('b', 'z');
        const o = new URLSearchParams({x: '1', y: 'ø'});
        return [p.get('a'), p.getAll('a'), p.get('c'), p.has('flag'), p.get('nope'), p.toString(),
                [...o], o.toString(), [...new URLSearchParams([['k', 'v']]).keys()]];""",
    "url": """
        const u = new URL('HTTPS://User:Pw@Example.COM:443/a/./b/../c?x=1&y=%20#frag');
        const r = new URL('../d?z=2', 'http://h.io:8080/p/q/r');
        u.searchParams.append('n', 'v w');
        return [u.href, u.protocol, u.username, u.password, u.host, u.hostname, u.port,
                u.pathname, u.search, u.hash, u.origin, u.searchParams.get('y'),
                r.href, r.origin, new URL('/abs', 'https://x.dev/a/b').href,
                new URL('http://localhost:3000').href, String(new URL('https://a.b/p?q#h'))];""",
    "url_invalid": """
        try { new URL('not a url'); return 'parsed'; } catch (e) { return e.name; }""",
    "structured_clone": """
        const src = {d: new Date(0), m: new Map([[1, {a: 1}]]), s: new Set([1, 2]),
                     arr: [1, [2]], u: new Uint8Array([1, 2])};
        src.self = src;
        const c = structuredClone(src);
        return [c !== src, c.self === c, c.d.toISOString(), [...c.m.entries()], [...c.s], c.arr,
                Array.from(c.u), c.arr !== src.arr];""",
    "querystring": """
        const qs = require('querystring');
        return [qs.parse('a=1&a=2&b=%C3%B8'), qs.stringify({a: [1, 2], b: 'ø x'})];""",
    "path": """
        const path = require('path');
        const ps = ['/a/b/../c/./d.txt', 'a//b/', '../x/y', '', '.', '/', 'file.tar.gz', '.bashrc'];
        return [ps.map((p) => [path.normalize(p), path.dirname(p), path.basename(p), path.extname(p)]),
                path.join('/a', 'b', '../c', 'd'), path.join('a', '', 'b'), path.resolve('/x', 'y', '../z'),
                path.relative('/a/b/c', '/a/d'), path.parse('/home/u/f.txt'), path.basename('/x/y.js', '.js'),
                path.isAbsolute('/q'), path.sep];""",
    "util": """
        const util = require('util');
        return [util.format('%s is %d years and %j', 'Ola', 42, {a: 1}), util.format('a', 1, 'b'),
                util.format('%s', {x: [1, 'y']}), util.format('100%% %s'), util.inspect({a: 'b', n: [1, 2]}),
                util.inspect('str'), util.types.isDate(new Date()), typeof util.promisify];""",
    "random": """
        const crypto = require('crypto');
        const u = crypto.randomUUID();
        return [/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u),
                crypto.randomBytes(16).length, Buffer.isBuffer(crypto.randomBytes(4))];""",
}





@pytest.fixture(scope="module")
def sandbox() -> AppInstance:
    return AppInstance(APP, lambda op, payload: "")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed for differential tests")
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_output_as_node(sandbox: AppInstance, name: str) -> None:
    body = CASES[name]
    fn = f"__case_{name}"  # the engine caches global function handles by name
    sandbox.inst.eval_script(
        f"globalThis.{fn} = () => JSON.stringify((function () {{ {body} }})());")
    ours = sandbox.inst.call(fn, "")
    theirs = run_node(body)
    assert json.loads(ours) == json.loads(theirs)
    assert ours == theirs  # byte for byte
