"""A real local JWKS HTTP server (`JwksServer`) and signing keys with their public JWKs
(`Keys`), for the router's JWT verification."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm


class JwksServer:
    """Serves {"keys": [...]} on a random port; `mode` 'slow' holds requests until
    stop(), '500' fails them. Counts requests."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.mode = "ok"
        self.hits = 0
        self.release = threading.Event()
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                if outer.mode == "slow":
                    outer.release.wait(30)
                if outer.mode == "500":
                    self.send_response(500)
                    self.end_headers()
                    return
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the "slow" client gave up waiting, as the test intends

            def log_message(self, *a: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class Keys:
    """One RSA, one EC P-256 and one Ed25519 private key, with their public JWKs."""

    def __init__(self, prefix: str = "") -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.ed = ed25519.Ed25519PrivateKey.generate()
        self.kids = {"RS256": prefix + "rsa1", "ES256": prefix + "ec1", "EdDSA": prefix + "ed1"}

    def jwks(self) -> list[dict[str, Any]]:
        out = []
        for alg, conv, key in (("RS256", RSAAlgorithm, self.rsa), ("ES256", ECAlgorithm, self.ec),
                               ("EdDSA", OKPAlgorithm, self.ed)):
            jwk = conv.to_jwk(key.public_key(), as_dict=True)
            out.append({**jwk, "kid": self.kids[alg], "use": "sig"})
        return out

    def sign(self, claims: dict[str, Any], alg: str = "RS256", kid: str | None = None) -> str:
        key = {"RS256": self.rsa, "ES256": self.ec, "EdDSA": self.ed}[alg]
        return jwt.encode(claims, key, algorithm=alg,
                          headers={"kid": kid if kid is not None else self.kids[alg]})
