"""Host side of the guest's `crypto` module: digests, HMACs and random bytes with
hashlib/hmac/os.urandom (a hash of a webhook body in QuickJS-in-wasm would cost
far more than one host call). Payloads are JSON with base64 byte strings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

ALGORITHMS = {"md5", "sha1", "sha256", "sha384", "sha512"}
MAX_RANDOM = 65536


def _error(msg: str) -> str:
    return f"\0Error\0{msg}"


def call(op: str, payload: str) -> str:
    try:
        args = json.loads(payload)
        if op == "crypto.random":
            n = int(args.get("n", 0))
            if not 0 <= n <= MAX_RANDOM:
                return _error(f"randomBytes size must be between 0 and {MAX_RANDOM}")
            return json.dumps({"bytes": base64.b64encode(os.urandom(n)).decode()})
        alg = args.get("alg")
        if alg not in ALGORITHMS:
            return _error(f"Digest method not supported: {alg}")
        data = base64.b64decode(args.get("data", ""))
        if op == "crypto.hash":
            digest = hashlib.new(alg, data).digest()
        elif op == "crypto.hmac":
            digest = hmac.new(base64.b64decode(args.get("key", "")), data, alg).digest()
        else:
            return _error(f"unknown crypto operation {op}")
        return json.dumps({"digest": base64.b64encode(digest).decode()})
    except (ValueError, TypeError) as e:
        return _error(f"bad crypto arguments: {e}")
