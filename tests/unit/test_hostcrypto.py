"""sandbox/hostcrypto.py: the host side of asymmetric crypto. Known answers come from
RFCs and from the `cryptography` package used directly; every malformed request is
answered in-band, never with an exception out of the host call."""

from __future__ import annotations

import base64
import json
import os
import random
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from sandbox import hostcrypto


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def op(name: str, args: Any) -> dict[str, Any]:
    return json.loads(hostcrypto.call("crypto.key." + name, json.dumps(args)))


def der_spec(key: Any) -> dict[str, Any]:
    if hasattr(key, "private_bytes"):
        der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return {"data": b64(der), "format": "der", "type": "pkcs8"}
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"data": b64(der), "format": "der", "type": "spki"}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


# RFC 8032 section 7.1, test 2 (one-byte message).
RFC8032_SECRET = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
RFC8032_PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
RFC8032_SIG = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
)


def test_ed25519_known_answer() -> None:
    priv = ed25519.Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    r = op("sign", {"key": der_spec(priv), "alg": None, "data": b64(b"\x72")})
    assert base64.b64decode(r["sig"]) == RFC8032_SIG
    raw_pub = {"data": b64(RFC8032_PUBLIC), "format": "raw", "asym": "ed25519"}
    assert op("verify", {"key": raw_pub, "alg": None, "data": b64(b"\x72"), "sig": b64(RFC8032_SIG)}) == {
        "ok": True
    }
    assert op("verify", {"key": raw_pub, "alg": None, "data": b64(b"\x73"), "sig": b64(RFC8032_SIG)}) == {
        "ok": False
    }
    # Node's rules: EdDSA takes no digest; createSign() cannot use it at all.
    assert (
        op("sign", {"key": der_spec(priv), "alg": "sha256", "data": ""})["error"][1]
        == "ERR_OSSL_INVALID_DIGEST"
    )
    assert (
        op("sign", {"key": der_spec(priv), "alg": None, "data": "", "stream": True})["error"][1]
        == "ERR_CRYPTO_UNSUPPORTED_OPERATION"
    )


def test_import_describes_keys(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    priv = op("import", {"key": {"data": b64(pem), "format": "pem"}, "want": "private"})
    assert priv["type"] == "private" and priv["asym"] == "rsa"
    assert priv["details"] == {"modulusLength": 2048, "publicExponent": "65537"}
    assert base64.b64decode(priv["der"]) == base64.b64decode(der_spec(rsa_key)["data"])  # canonical PKCS#8
    pub = op("import", {"key": {"data": b64(pem), "format": "pem"}, "want": "public"})  # derived
    assert pub["type"] == "public" and pub["der"] == der_spec(rsa_key.public_key())["data"]
    p384 = ec.generate_private_key(ec.SECP384R1())
    assert op("import", {"key": der_spec(p384)})["details"] == {"namedCurve": "secp384r1"}
    p256 = ec.generate_private_key(ec.SECP256R1())
    assert op("import", {"key": der_spec(p256.public_key())})["details"] == {"namedCurve": "prime256v1"}
    # A public key never stands in for a private one.
    assert (
        op("import", {"key": der_spec(p256.public_key()), "want": "private"})["error"][1]
        == "ERR_OSSL_UNSUPPORTED"
    )


def test_rsa_signatures_match_cryptography(rsa_key: rsa.RSAPrivateKey) -> None:
    data = b"webhook body"
    r = op("sign", {"key": der_spec(rsa_key), "alg": "sha256", "data": b64(data)})
    assert base64.b64decode(r["sig"]) == rsa_key.sign(
        data, padding.PKCS1v15(), hashes.SHA256()
    )  # deterministic
    pss = base64.b64decode(
        op(
            "sign",
            {"key": der_spec(rsa_key), "alg": "sha384", "data": b64(data), "padding": 6, "saltLength": -1},
        )["sig"]
    )
    rsa_key.public_key().verify(pss, data, padding.PSS(padding.MGF1(hashes.SHA384()), 48), hashes.SHA384())
    pub = der_spec(rsa_key.public_key())
    assert op("verify", {"key": pub, "alg": "sha384", "data": b64(data), "sig": b64(pss), "padding": 6}) == {
        "ok": True
    }
    assert op("verify", {"key": pub, "alg": "sha384", "data": b64(data), "sig": b64(pss)}) == {"ok": False}
    assert (
        op("sign", {"key": der_spec(rsa_key), "alg": "sha256", "data": "", "padding": 3})["error"][1]
        == "ERR_OSSL_INVALID_PADDING_MODE"
    )
    assert (
        op("sign", {"key": der_spec(rsa_key), "alg": "whirlpool", "data": ""})["error"][1]
        == "ERR_CRYPTO_INVALID_DIGEST"
    )


def test_ecdsa_signature_encodings() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    data = b"payload"
    p1363 = base64.b64decode(
        op("sign", {"key": der_spec(key), "alg": "sha256", "data": b64(data), "dsaEncoding": "ieee-p1363"})[
            "sig"
        ]
    )
    assert len(p1363) == 64
    der = base64.b64decode(op("sign", {"key": der_spec(key), "alg": "sha256", "data": b64(data)})["sig"])
    r, s = decode_dss_signature(der)
    key.public_key().verify(der, data, ec.ECDSA(hashes.SHA256()))
    assert r.bit_length() <= 256 and s.bit_length() <= 256
    pub = der_spec(key.public_key())
    for sig, enc, ok in [
        (p1363, "ieee-p1363", True),
        (der, "der", True),
        (p1363, "der", False),
        (der, "ieee-p1363", False),
        (p1363[:-1], "ieee-p1363", False),
        (b"\x30\x00", "der", False),
    ]:
        assert op(
            "verify", {"key": pub, "alg": "sha256", "data": b64(data), "sig": b64(sig), "dsaEncoding": enc}
        ) == {"ok": ok}


def test_jwk_round_trips(rsa_key: rsa.RSAPrivateKey) -> None:
    keys = [
        rsa_key,
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256K1()),
        ed25519.Ed25519PrivateKey.generate(),
    ]
    for key in keys:
        for k in (key, key.public_key()):
            jwk = op("export", {"key": der_spec(k), "format": "jwk"})["jwk"]
            back = op("import", {"key": {"jwk": jwk, "format": "jwk"}})
            assert back["der"] == der_spec(k)["data"]
    ec_jwk = op("export", {"key": der_spec(keys[1]), "format": "jwk"})["jwk"]
    assert list(ec_jwk) == ["kty", "x", "y", "crv", "d"] and ec_jwk["crv"] == "P-256"
    bad = dict(ec_jwk, y=ec_jwk["x"])  # not on the curve
    assert op("import", {"key": {"jwk": bad, "format": "jwk"}})["error"][1:] == [
        "ERR_CRYPTO_INVALID_JWK",
        "Invalid JWK EC key",
    ]
    ed_jwk = op("export", {"key": der_spec(keys[3]), "format": "jwk"})["jwk"]
    wrong_x = dict(
        ed_jwk,
        x=op("export", {"key": der_spec(ed25519.Ed25519PrivateKey.generate()), "format": "jwk"})["jwk"]["x"],
    )
    assert op("import", {"key": {"jwk": wrong_x, "format": "jwk"}})["error"][1] == "ERR_CRYPTO_INVALID_JWK"


def test_encrypted_keys() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    spec = {"data": b64(pem), "format": "pem"}
    assert op("import", {"key": dict(spec, passphrase=b64(b"pw"))})["type"] == "private"
    assert op("import", {"key": spec})["error"][1] == "ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED"
    assert op("import", {"key": dict(spec, passphrase=b64(b"no"))})["error"][1] == "ERR_OSSL_BAD_DECRYPT"
    out = op("export", {"key": der_spec(key), "format": "pem", "type": "pkcs8", "passphrase": b64(b"x")})[
        "pem"
    ]
    assert out.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert serialization.load_pem_private_key(out.encode(), b"x").private_numbers() == key.private_numbers()


def test_rsa_encryption(rsa_key: rsa.RSAPrivateKey) -> None:
    ct = base64.b64decode(
        op("crypt", {"key": der_spec(rsa_key), "data": b64(b"hi"), "oaepHash": "sha256"})["data"]
    )
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    assert rsa_key.decrypt(ct, oaep) == b"hi"
    back = op("crypt", {"key": der_spec(rsa_key), "data": b64(ct), "oaepHash": "sha256", "decrypt": True})
    assert base64.b64decode(back["data"]) == b"hi"
    assert (
        op("crypt", {"key": der_spec(rsa_key), "data": b64(ct), "decrypt": True})["error"][1]
        == "ERR_OSSL_RSA_OAEP_DECODING_ERROR"
    )
    assert (
        op("crypt", {"key": der_spec(rsa_key), "data": b64(bytes(300))})["error"][1]
        == "ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_KEY_SIZE"
    )
    assert (
        op("crypt", {"key": der_spec(ed25519.Ed25519PrivateKey.generate()), "data": ""})["error"][1]
        == "ERR_OSSL_EVP_OPERATION_NOT_SUPPORTED_FOR_THIS_KEYTYPE"
    )


def test_generation_is_bounded() -> None:
    g = op("generate", {"type": "ec", "namedCurve": "P-256"})
    assert g["private"]["type"] == "private" and g["public"]["details"] == {"namedCurve": "prime256v1"}
    assert op("generate", {"type": "ed25519"})["public"]["asym"] == "ed25519"
    # One generation blocks the instance: sizes that take seconds are refused.
    big = op("generate", {"type": "rsa", "modulusLength": 16384})
    assert big["error"][:2] == ["RangeError", "ERR_OUT_OF_RANGE"]
    assert (
        op("generate", {"type": "rsa", "modulusLength": 1024, "publicExponent": 17})["error"][1]
        == "ERR_OSSL_RSA_BAD_E_VALUE"
    )
    assert op("generate", {"type": "ec", "namedCurve": "P-999"})["error"][1] == "ERR_CRYPTO_INVALID_CURVE"
    assert op("generate", {"type": "dsa"})["error"][1] == "ERR_INVALID_ARG_VALUE"


def test_parsed_keys_are_cached_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[dict[str, Any]] = []
    real_parse = hostcrypto._parse

    def counting_parse(spec: dict[str, Any]) -> Any:
        parsed.append(spec)
        return real_parse(spec)

    monkeypatch.setattr(hostcrypto, "_parse", counting_parse)
    monkeypatch.setattr(hostcrypto, "KEY_CACHE_SIZE", 4)
    monkeypatch.setattr(hostcrypto, "_cache", type(hostcrypto._cache)())
    key = ed25519.Ed25519PrivateKey.generate()
    spec = der_spec(key.public_key())
    sig = key.sign(b"m")
    for _ in range(20):
        assert op("verify", {"key": spec, "alg": None, "data": b64(b"m"), "sig": b64(sig)}) == {"ok": True}
    assert len(parsed) == 1  # one parse, nineteen cache hits
    others = [der_spec(ed25519.Ed25519PrivateKey.generate().public_key()) for _ in range(4)]
    for s in others:
        op("import", {"key": s})
    assert len(hostcrypto._cache) == 4  # bounded: the first key was evicted
    op("verify", {"key": spec, "alg": None, "data": b64(b"m"), "sig": b64(sig)})
    assert len(parsed) == 6


def test_undecodable_keys_get_openssl_errors() -> None:
    cases = {
        b"": "ERR_OSSL_UNSUPPORTED",
        b"\x00": "ERR_OSSL_ASN1_HEADER_TOO_LONG",
        b"\x00\x00\x00": "ERR_OSSL_ASN1_WRONG_TAG",
        b"abc": "ERR_OSSL_ASN1_TOO_LONG",
        b"\x30\x80": "ERR_OSSL_ASN1_MISSING_EOC",
        b"\x30\x00": "ERR_OSSL_ASN1_FIELD_MISSING",
        b"\x30\x82\xff\xff": "ERR_OSSL_ASN1_TOO_LONG",
    }
    for der, code in cases.items():
        assert (
            op("import", {"key": {"data": b64(der), "format": "der", "type": "spki"}})["error"][1] == code
        ), der
    pem = (
        b"-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(b"\x00\x00\x00") + b"\n-----END PUBLIC KEY-----\n"
    )
    assert op("import", {"key": {"data": b64(pem), "format": "pem"}})["error"][1] == "ERR_OSSL_ASN1_WRONG_TAG"
    assert (
        op("import", {"key": {"data": b64(b"no pem here"), "format": "pem"}})["error"][1]
        == "ERR_OSSL_UNSUPPORTED"
    )


def test_malformed_requests_are_answered_in_band(rsa_key: rsa.RSAPrivateKey) -> None:
    """Whatever a guest sends, the host answers with JSON (an error), never raises."""
    rng = random.Random(1234)
    valid = der_spec(rsa_key)
    payloads: list[str] = [
        "",
        "[",
        "null",
        "5",
        "[]",
        '{"key": 5}',
        '{"key": {"format": "jwk", "jwk": 5}}',
        '{"key": {"format": "der", "data": "!!"}}',
        '{"key": {"format": "pem", "data": 7}}',
    ]
    for _ in range(150):
        junk = os.urandom(rng.randrange(0, 300))
        kind = rng.choice(["der", "pem", "raw", "jwk", None])
        spec: dict[str, Any] = {
            "format": kind,
            "data": b64(junk),
            "type": rng.choice(["spki", "pkcs8", "pkcs1", "sec1", "x509", None]),
        }
        if kind == "raw":
            spec.update(
                asym=rng.choice(["ed25519", "ec", "x448", "rsa"]), namedCurve=rng.choice(["P-256", 3])
            )
        if kind == "jwk":
            spec["jwk"] = rng.choice(
                [
                    {"kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "AA"},
                    {"kty": "EC", "crv": "P-256", "x": "AA", "y": 5},
                    {"kty": "OKP", "crv": "Ed25519", "x": junk.hex(), "d": "AA"},
                    [],
                ]
            )
        payloads.append(
            json.dumps(
                {
                    "key": spec,
                    "alg": rng.choice([None, "sha256", "md4", 5]),
                    "data": b64(junk),
                    "sig": b64(junk[:64]),
                    "padding": rng.choice([None, 1, 6, 99, "x"]),
                    "saltLength": rng.choice([None, -1, -9, 10**6]),
                    "dsaEncoding": "ieee-p1363",
                }
            )
        )
    payloads += [
        json.dumps({"key": valid, "alg": "sha256", "data": b64(b"x"), "padding": 6, "saltLength": 10**6}),
        json.dumps({"key": valid, "format": "jwk", "want": "nonsense"}),
        json.dumps({"type": "rsa", "modulusLength": "2048"}),
        json.dumps({"type": "ec", "namedCurve": None}),
    ]
    for name in ("import", "export", "sign", "verify", "crypt", "generate", "nope"):
        for p in payloads:
            out = json.loads(hostcrypto.call("crypto.key." + name, p))
            assert isinstance(out, dict)
            if name in ("nope",) or p in ("", "[", "null", "5", "[]"):
                assert "error" in out
