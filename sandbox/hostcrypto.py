"""Host side of the guest's `crypto` module: digests, HMACs and random bytes with
hashlib/hmac/os.urandom (a hash of a webhook body in QuickJS-in-wasm would cost
far more than one host call), and asymmetric keys (import, export, generate,
sign, verify, RSA encryption) with the `cryptography` package.

Payloads are JSON with base64 byte strings. Key operations take a key *spec*:
{"data": b64, "format": "pem"|"der"|"raw", "type": ..., "passphrase": b64} or
{"jwk": {...}, "format": "jwk"}; a KeyObject in the guest carries its key as
canonical DER (SPKI or PKCS#8). Parsed keys are cached in a small LRU keyed by a
digest of the spec, so repeated verifies with one key cost one host call and no
re-parse. Key operations answer in-band: {"error": [name, code, message]} with
Node's codes and (OpenSSL 3) messages, so the guest throws what Node throws."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import threading
import warnings
from collections import OrderedDict
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.utils import CryptographyDeprecationWarning

from sandbox.hosterror import host_error

ALGORITHMS = {"md5", "sha1", "sha256", "sha384", "sha512"}
MAX_RANDOM = 65536
KEY_CACHE_SIZE = 256
MAX_RSA_GENERATE_BITS = 4096  # one generation blocks the instance; larger sizes take seconds
MAX_RSA_BITS = 16384  # OpenSSL's own limit for RSA keys

# Node still signs and verifies with DSA keys, so tenants may; cryptography >= 51
# warns on every touch of the DSA classes, which would reach a CLI user's stderr.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    DSAPrivateKey, DSAPublicKey = dsa.DSAPrivateKey, dsa.DSAPublicKey
PrivateKey = (rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
              | ed448.Ed448PrivateKey | x25519.X25519PrivateKey | x448.X448PrivateKey | DSAPrivateKey)
PublicKey = (rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
             | ed448.Ed448PublicKey | x25519.X25519PublicKey | x448.X448PublicKey | DSAPublicKey)
AnyKey = PrivateKey | PublicKey

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5, "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha512-224": hashes.SHA512_224,
    "sha512-256": hashes.SHA512_256, "sha3-224": hashes.SHA3_224, "sha3-256": hashes.SHA3_256,
    "sha3-384": hashes.SHA3_384, "sha3-512": hashes.SHA3_512,
}
# Node's names (OpenSSL short names) for the curves; JWK/WebCrypto names beside them.
CURVES: dict[str, tuple[type[ec.EllipticCurve], str]] = {
    "prime256v1": (ec.SECP256R1, "P-256"), "secp384r1": (ec.SECP384R1, "P-384"),
    "secp521r1": (ec.SECP521R1, "P-521"), "secp256k1": (ec.SECP256K1, "secp256k1"),
}
CURVE_ALIASES = {"p-256": "prime256v1", "secp256r1": "prime256v1", "prime256v1": "prime256v1",
                 "p-384": "secp384r1", "secp384r1": "secp384r1", "p-521": "secp521r1",
                 "secp521r1": "secp521r1", "secp256k1": "secp256k1"}
OKP = {"ed25519": (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey, "Ed25519"),
       "ed448": (ed448.Ed448PublicKey, ed448.Ed448PrivateKey, "Ed448"),
       "x25519": (x25519.X25519PublicKey, x25519.X25519PrivateKey, "X25519"),
       "x448": (x448.X448PublicKey, x448.X448PrivateKey, "X448")}
PRIVATE_LABELS = {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY",
                  "ENCRYPTED PRIVATE KEY"}
PUBLIC_LABELS = {"PUBLIC KEY", "RSA PUBLIC KEY"}
CERT_LABELS = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"}
PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----", re.S)
# node: crypto.constants
RSA_PKCS1_PADDING, RSA_NO_PADDING, RSA_PKCS1_OAEP_PADDING, RSA_PKCS1_PSS_PADDING = 1, 3, 4, 6
RSA_PSS_SALTLEN_DIGEST, RSA_PSS_SALTLEN_MAX_SIGN = -1, -2

OSSL = {  # what Node 20 (OpenSSL 3) reports for these failures
    "unsupported": ("ERR_OSSL_UNSUPPORTED", "error:1E08010C:DECODER routines::unsupported"),
    "bad_decrypt": ("ERR_OSSL_BAD_DECRYPT", "error:1C800064:Provider routines::bad decrypt"),
    "no_passphrase": ("ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED",
                      "error:07880109:common libcrypto routines::interrupted or cancelled"),
    "invalid_digest": ("ERR_OSSL_INVALID_DIGEST", "error:1C80007A:Provider routines::invalid digest"),
    "keytype": ("ERR_OSSL_EVP_OPERATION_NOT_SUPPORTED_FOR_THIS_KEYTYPE",
                "error:03000096:digital envelope routines::operation not supported for this keytype"),
    "padding": ("ERR_OSSL_ILLEGAL_OR_UNSUPPORTED_PADDING_MODE",
                "error:1C8000A5:Provider routines::illegal or unsupported padding mode"),
    "no_padding": ("ERR_OSSL_INVALID_PADDING_MODE", "error:1C8000A8:Provider routines::invalid padding mode"),
    "oaep": ("ERR_OSSL_RSA_OAEP_DECODING_ERROR", "error:02000079:rsa routines::oaep decoding error"),
    "pkcs1": ("ERR_OSSL_RSA_PADDING_CHECK_FAILED", "error:02000072:rsa routines::padding check failed"),
    "too_large": ("ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_KEY_SIZE",
                  "error:0200006E:rsa routines::data too large for key size"),
    "bad_exponent": ("ERR_OSSL_RSA_BAD_E_VALUE", "error:1C8000A0:rsa routines::bad e value"),
}


class KeyError_(Exception):
    """A failure the guest turns into a Node error: (name, code, message)."""

    def __init__(self, code: str, message: str, name: str = "Error") -> None:
        super().__init__(message)
        self.code, self.message, self.name = code, message, name


def _ossl(what: str) -> KeyError_:
    return KeyError_(*OSSL[what])


def _error(msg: str) -> str:
    return host_error("Error", msg)


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s: Any) -> bytes:
    if not isinstance(s, str):
        raise KeyError_("ERR_INVALID_ARG_TYPE", "bytes must be base64 text", "TypeError")
    return base64.b64decode(s, validate=True)


def _b64url_int(s: Any, name: str) -> int:
    return int.from_bytes(_b64url(s, name), "big")


def _b64url(s: Any, name: str) -> bytes:
    if not isinstance(s, str):
        raise KeyError_("ERR_INVALID_ARG_TYPE",
                        f'The "key.{name}" property must be of type string. Received {s!r}', "TypeError")
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except ValueError:
        raise KeyError_("ERR_CRYPTO_INVALID_JWK", "Invalid JWK data", "TypeError") from None


def _int_b64url(n: int, size: int | None = None) -> str:
    raw = n.to_bytes(size or max(1, (n.bit_length() + 7) // 8), "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# -- digests, HMAC, random (the original ops) -------------------------------------------------------

def call(op: str, payload: str) -> str:
    if op.startswith("crypto.key."):
        return key_call(op, payload)
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
    except (ValueError, TypeError, AttributeError) as e:
        return _error(f"bad crypto arguments: {e}")


# -- key loading and the parsed-key cache -----------------------------------------------------------

_cache: OrderedDict[bytes, AnyKey] = OrderedDict()
_cache_lock = threading.Lock()


def _cache_key(spec: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).digest()


def load_key(spec: Any, want: str) -> AnyKey:
    """The key a spec names. want: 'private' (a public key is an error), 'public'
    (a private key gives its public half) or 'any'."""
    if not isinstance(spec, dict):
        raise KeyError_("ERR_INVALID_ARG_TYPE", "key spec must be an object", "TypeError")
    ck = _cache_key(spec)
    with _cache_lock:
        key = _cache.get(ck)
        if key is not None:
            _cache.move_to_end(ck)
    if key is None:
        key = _parse(spec)
        with _cache_lock:
            _cache[ck] = key
            while len(_cache) > KEY_CACHE_SIZE:
                _cache.popitem(last=False)
    private = _is_private(key)
    if want == "private" and not private:
        raise _ossl("unsupported")
    if want == "public" and private:
        return key.public_key()  # type: ignore[union-attr]
    return key


def _is_private(key: AnyKey) -> bool:
    return isinstance(key, PrivateKey.__args__)  # type: ignore[attr-defined]


def _parse(spec: dict[str, Any]) -> AnyKey:
    fmt = spec.get("format")
    try:
        if fmt == "jwk":
            return _from_jwk(spec.get("jwk"))
        data = _unb64(spec.get("data", ""))
        pw = _unb64(spec["passphrase"]) if spec.get("passphrase") is not None else None
        if fmt == "pem":
            key = _from_pem(data, pw)
        elif fmt == "der":
            key = _from_der(data, spec.get("type"), pw)
        elif fmt == "raw":
            key = _from_raw(data, spec.get("asym"), spec.get("namedCurve"))
        else:
            raise KeyError_("ERR_INVALID_ARG_VALUE",
                            f"The property 'options.format' is invalid. Received {fmt!r}", "TypeError")
    except KeyError_:
        raise
    except TypeError as e:  # cryptography: password missing for an encrypted key
        if "not given" in str(e) or "encrypted" in str(e):
            raise _ossl("no_passphrase") from None
        raise _ossl("unsupported") from None
    except ValueError as e:
        if "decrypt" in str(e).lower() or "password" in str(e).lower():
            raise _ossl("bad_decrypt") from None
        raise _ossl("unsupported") from None
    except UnsupportedAlgorithm:
        raise _ossl("unsupported") from None
    _check_supported(key)
    return key


def _check_supported(key: Any) -> None:
    if not isinstance(key, PrivateKey.__args__ + PublicKey.__args__):  # type: ignore[attr-defined]
        raise _ossl("unsupported")
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey) and key.key_size > MAX_RSA_BITS:
        raise KeyError_("ERR_OSSL_RSA_MODULUS_TOO_LARGE", "error:0200006A:rsa routines::modulus too large")


ASN1 = {  # OpenSSL's ASN.1 decoder errors, for key bytes that are not DER at all
    "header": ("ERR_OSSL_ASN1_HEADER_TOO_LONG", "error:0680007B:asn1 encoding routines::header too long"),
    "too_long": ("ERR_OSSL_ASN1_TOO_LONG", "error:0680009B:asn1 encoding routines::too long"),
    "wrong_tag": ("ERR_OSSL_ASN1_WRONG_TAG", "error:068000A8:asn1 encoding routines::wrong tag"),
    "eoc": ("ERR_OSSL_ASN1_MISSING_EOC", "error:06800089:asn1 encoding routines::missing eoc"),
    "field": ("ERR_OSSL_ASN1_FIELD_MISSING", "error:06800079:asn1 encoding routines::field missing"),
}


def _der_error(der: bytes) -> KeyError_:
    """What OpenSSL reports for bytes that failed to parse as a key: its ASN.1 errors
    for a broken outer SEQUENCE header (what random or truncated input hits), the
    decoder's 'unsupported' otherwise (an approximation of OpenSSL's finer reasons)."""
    if len(der) < 2:
        return KeyError_(*ASN1["header"]) if der else _ossl("unsupported")
    first = der[1]
    if first == 0x80:
        return KeyError_(*ASN1["eoc"])
    if first & 0x80:
        n = first & 0x7F
        if len(der) < 2 + n:
            return KeyError_(*ASN1["header"])
        length, head = int.from_bytes(der[2:2 + n], "big"), 2 + n
    else:
        length, head = first, 2
    if head + length > len(der):
        return KeyError_(*ASN1["too_long"])
    if der[0] != 0x30:
        return KeyError_(*ASN1["wrong_tag"])
    if length == 0:
        return KeyError_(*ASN1["field"])
    return _ossl("unsupported")


def _private_der(data: bytes, pw: bytes | None) -> AnyKey:
    try:
        return ser.load_der_private_key(data, pw)
    except TypeError as e:
        if pw is not None and "not encrypted" in str(e):  # Node ignores a passphrase then
            return ser.load_der_private_key(data, None)
        raise


def _from_pem(data: bytes, pw: bytes | None) -> AnyKey:
    # The first block that holds a key: `openssl ecparam -genkey` writes EC PARAMETERS first.
    for m in PEM_BLOCK.finditer(data):
        label = m.group(1).decode()
        block = m.group(0)
        try:
            if label in PUBLIC_LABELS:
                return ser.load_pem_public_key(block)
            if label in CERT_LABELS:
                cert = block.replace(label.encode(), b"CERTIFICATE")
                return x509.load_pem_x509_certificate(cert).public_key()
            if label in PRIVATE_LABELS:
                try:
                    return ser.load_pem_private_key(block, pw)
                except TypeError as e:
                    if pw is not None and "not encrypted" in str(e):
                        return ser.load_pem_private_key(block, None)
                    raise
        except ValueError as e:
            if pw is not None and b"ENCRYPTED" in block:
                # A wrong passphrase now and then decrypts to valid padding and garbage.
                raise _ossl("bad_decrypt") from None
            if "decrypt" in str(e).lower() or "password" in str(e).lower():
                raise
            body = b"".join(ln for ln in block.splitlines()[1:-1] if b":" not in ln)
            try:
                der = base64.b64decode(body, validate=True)
            except ValueError:
                raise _ossl("unsupported") from None
            raise _der_error(der) from None
    raise _ossl("unsupported")


def _from_der(data: bytes, typ: Any, pw: bytes | None) -> AnyKey:
    try:
        return _from_der_typed(data, typ, pw)
    except ValueError as e:
        if pw is not None and ("decrypt" in str(e).lower() or "password" in str(e).lower()):
            raise
        raise _der_error(data) from None


def _from_der_typed(data: bytes, typ: Any, pw: bytes | None) -> AnyKey:
    if typ == "spki":
        return ser.load_der_public_key(data)
    if typ == "pkcs1":  # RSAPublicKey or RSAPrivateKey
        try:
            return ser.load_der_public_key(data)
        except ValueError:
            return _private_der(data, pw)
    if typ in ("pkcs8", "sec1"):
        return _private_der(data, pw)
    if typ == "x509":
        return x509.load_der_x509_certificate(data).public_key()
    raise KeyError_("ERR_INVALID_ARG_VALUE", f"The property 'options.type' is invalid. Received {typ!r}",
                    "TypeError")


def _curve(name: Any) -> ec.EllipticCurve:
    node = CURVE_ALIASES.get(str(name).lower())
    if node is None:
        raise KeyError_("ERR_CRYPTO_INVALID_CURVE", "Invalid EC curve name", "TypeError")
    return CURVES[node][0]()


def _from_raw(data: bytes, asym: Any, curve: Any) -> AnyKey:
    if asym in OKP:
        return OKP[asym][0].from_public_bytes(data)
    if asym == "ec":
        return ec.EllipticCurvePublicKey.from_encoded_point(_curve(curve), data)
    raise _ossl("unsupported")


def _from_jwk(jwk: Any) -> AnyKey:
    if not isinstance(jwk, dict):
        raise KeyError_("ERR_INVALID_ARG_TYPE", 'The "key.key" property must be of type object.', "TypeError")
    kty = jwk.get("kty")
    if kty == "RSA":
        n, e = _b64url_int(jwk.get("n"), "n"), _b64url_int(jwk.get("e"), "e")
        try:
            pub = rsa.RSAPublicNumbers(e, n)
            if jwk.get("d") is None:
                return pub.public_key()
            d = _b64url_int(jwk.get("d"), "d")
            parts = [_b64url_int(jwk.get(k), k) for k in ("p", "q", "dp", "dq", "qi")]
            p, q, dp, dq, qi = parts
            return rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, pub).private_key()
        except ValueError:
            raise KeyError_("ERR_CRYPTO_INVALID_JWK", "Invalid JWK RSA key", "TypeError") from None
    if kty == "EC":
        crv = jwk.get("crv")
        node = CURVE_ALIASES.get(str(crv).lower()) if crv in ("P-256", "P-384", "P-521", "secp256k1") \
            else None
        if node is None:
            raise KeyError_("ERR_INVALID_ARG_VALUE", "The property 'key.crv' must be one of: 'P-256', "
                            f"'secp256k1', 'P-384', 'P-521'. Received {crv!r}", "TypeError")
        curve = CURVES[node][0]()
        x, y = _b64url_int(jwk.get("x"), "x"), _b64url_int(jwk.get("y"), "y")
        try:
            pubn = ec.EllipticCurvePublicNumbers(x, y, curve)
            if jwk.get("d") is None:
                return pubn.public_key()
            return ec.EllipticCurvePrivateNumbers(_b64url_int(jwk.get("d"), "d"), pubn).private_key()
        except ValueError:
            raise KeyError_("ERR_CRYPTO_INVALID_JWK", "Invalid JWK EC key", "TypeError") from None
    if kty == "OKP":
        crv = str(jwk.get("crv")).lower()
        if crv not in OKP:
            raise KeyError_("ERR_INVALID_ARG_VALUE", "The property 'key.crv' must be one of: 'Ed25519', "
                            f"'Ed448', 'X25519', 'X448'. Received {jwk.get('crv')!r}", "TypeError")
        pub_cls, priv_cls, _ = OKP[crv]
        x = _b64url(jwk.get("x"), "x")
        try:
            if jwk.get("d") is None:
                return pub_cls.from_public_bytes(x)
            key = priv_cls.from_private_bytes(_b64url(jwk.get("d"), "d"))
        except ValueError:
            raise KeyError_("ERR_CRYPTO_INVALID_JWK", "Invalid JWK data", "TypeError") from None
        if key.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw) != x:
            raise KeyError_("ERR_CRYPTO_INVALID_JWK", "Invalid JWK data", "TypeError")
        return key
    raise KeyError_("ERR_INVALID_ARG_VALUE", "The property 'key.kty' must be one of: 'RSA', 'EC', 'OKP'. "
                    f"Received {kty!r}", "TypeError")


# -- describing and exporting keys ------------------------------------------------------------------

def asym_type(key: AnyKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "rsa"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return "ec"
    if isinstance(key, DSAPrivateKey | DSAPublicKey):
        return "dsa"
    for name, (pub_cls, priv_cls, _) in OKP.items():
        if isinstance(key, pub_cls | priv_cls):
            return name
    raise _ossl("unsupported")


def _curve_name(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    name = key.curve.name
    return "prime256v1" if name == "secp256r1" else name


def info(key: AnyKey) -> dict[str, Any]:
    """What a KeyObject in the guest holds: its kind, type, details and canonical DER."""
    private = _is_private(key)
    asym = asym_type(key)
    details: dict[str, Any] = {}
    if asym == "rsa":
        pn = (key.public_key() if private else key).public_numbers()  # type: ignore[union-attr]
        details = {"modulusLength": key.key_size, "publicExponent": str(pn.e)}  # type: ignore[union-attr]
    elif asym == "ec":
        details = {"namedCurve": _curve_name(key)}  # type: ignore[arg-type]
    elif asym == "dsa":
        params = key.parameters().parameter_numbers()  # type: ignore[union-attr]
        details = {"modulusLength": params.p.bit_length(), "divisorLength": params.q.bit_length()}
    if private:
        der = key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.PKCS8,  # type: ignore[union-attr]
                                ser.NoEncryption())
    else:
        der = key.public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)  # type: ignore[union-attr]
    return {"type": "private" if private else "public", "asym": asym, "details": details, "der": _b64(der)}


def to_jwk(key: AnyKey) -> dict[str, Any]:
    """Node's member order: RSA kty n e d p q dp dq qi; EC kty x y crv d; OKP crv d x kty."""
    private = _is_private(key)
    asym = asym_type(key)
    if asym == "rsa":
        if private:
            priv = key.private_numbers()  # type: ignore[union-attr]
            pn = priv.public_numbers
            return {"kty": "RSA", "n": _int_b64url(pn.n), "e": _int_b64url(pn.e), "d": _int_b64url(priv.d),
                    "p": _int_b64url(priv.p), "q": _int_b64url(priv.q), "dp": _int_b64url(priv.dmp1),
                    "dq": _int_b64url(priv.dmq1), "qi": _int_b64url(priv.iqmp)}
        pn = key.public_numbers()  # type: ignore[union-attr]
        return {"kty": "RSA", "n": _int_b64url(pn.n), "e": _int_b64url(pn.e)}
    if asym == "ec":
        size = (key.curve.key_size + 7) // 8  # type: ignore[union-attr]
        crv = CURVES[_curve_name(key)][1] if _curve_name(key) in CURVES else None  # type: ignore[arg-type]
        if crv is None:
            raise KeyError_("ERR_CRYPTO_JWK_UNSUPPORTED_CURVE", "Unsupported JWK EC curve: "
                            f"{_curve_name(key)}.")  # type: ignore[arg-type]
        pub = (key.public_key() if private else key).public_numbers()  # type: ignore[union-attr]
        out = {"kty": "EC", "x": _int_b64url(pub.x, size), "y": _int_b64url(pub.y, size), "crv": crv}
        if private:
            out["d"] = _int_b64url(key.private_numbers().private_value, size)  # type: ignore[union-attr]
        return out
    if asym in OKP:
        pub_key = key.public_key() if private else key  # type: ignore[union-attr]
        x = base64.urlsafe_b64encode(pub_key.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw))
        out = {"crv": OKP[asym][2]}
        if private:
            d = key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw,  # type: ignore[union-attr]
                                  ser.NoEncryption())
            out["d"] = base64.urlsafe_b64encode(d).rstrip(b"=").decode()
        out["x"] = x.rstrip(b"=").decode()
        out["kty"] = "OKP"
        return out
    raise KeyError_("ERR_CRYPTO_JWK_UNSUPPORTED_KEY_TYPE", "Unsupported JWK Key Type.")


def export(key: AnyKey, fmt: str, typ: Any, passphrase: bytes | None) -> dict[str, Any]:
    if fmt == "jwk":
        return {"jwk": to_jwk(key)}
    if fmt == "raw":
        pub = key.public_key() if _is_private(key) else key  # type: ignore[union-attr]
        if isinstance(pub, ec.EllipticCurvePublicKey):
            raw = pub.public_bytes(ser.Encoding.X962, ser.PublicFormat.UncompressedPoint)
        else:
            raw = pub.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)  # type: ignore[union-attr]
        return {"der": _b64(raw)}
    enc = ser.Encoding.PEM if fmt == "pem" else ser.Encoding.DER
    if _is_private(key):
        pformat = ser.PrivateFormat.PKCS8 if typ == "pkcs8" else ser.PrivateFormat.TraditionalOpenSSL
        algo = ser.BestAvailableEncryption(passphrase) if passphrase is not None else ser.NoEncryption()
        out = key.private_bytes(enc, pformat, algo)  # type: ignore[union-attr]
    else:
        pubformat = ser.PublicFormat.PKCS1 if typ == "pkcs1" else ser.PublicFormat.SubjectPublicKeyInfo
        out = key.public_bytes(enc, pubformat)  # type: ignore[union-attr]
    return {"pem": out.decode()} if fmt == "pem" else {"der": _b64(out)}


# -- signatures and encryption -----------------------------------------------------------------------

def _hash(name: Any) -> hashes.HashAlgorithm:
    cls = HASHES.get(str(name).lower()) if name is not None else None
    if cls is None:
        raise KeyError_("ERR_CRYPTO_INVALID_DIGEST", f"Invalid digest: {name}", "TypeError")
    return cls()


def _rsa_padding(args: dict[str, Any], h: hashes.HashAlgorithm, verify: bool) -> padding.AsymmetricPadding:
    pad = args.get("padding")
    if pad is None or pad == RSA_PKCS1_PADDING:
        return padding.PKCS1v15()
    if pad == RSA_PKCS1_PSS_PADDING:
        salt = args.get("saltLength")
        if salt is None or salt == RSA_PSS_SALTLEN_MAX_SIGN:
            length: Any = padding.PSS.AUTO if verify else padding.PSS.MAX_LENGTH
        elif salt == RSA_PSS_SALTLEN_DIGEST:
            length = padding.PSS.DIGEST_LENGTH
        elif isinstance(salt, int) and salt >= 0:
            length = salt
        else:
            raise KeyError_("ERR_OSSL_PSS_SALTLEN", "error:1C8000A7:Provider routines::invalid salt length")
        return padding.PSS(mgf=padding.MGF1(h), salt_length=length)
    if pad == RSA_NO_PADDING:
        raise _ossl("no_padding")
    raise _ossl("padding")


def _p1363_size(key: AnyKey) -> int:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return (key.curve.key_size + 7) // 8
    return (key.parameters().parameter_numbers().q.bit_length() + 7) // 8  # type: ignore[union-attr]


def sign(args: dict[str, Any]) -> dict[str, Any]:
    key = load_key(args.get("key"), "private")
    data = _unb64(args.get("data", ""))
    alg = args.get("alg")
    asym = asym_type(key)
    if asym in ("ed25519", "ed448"):
        if args.get("stream"):  # createSign().sign(edKey): no digest-then-sign for EdDSA
            raise KeyError_("ERR_CRYPTO_UNSUPPORTED_OPERATION", "Unsupported crypto operation")
        if alg is not None:
            raise _ossl("invalid_digest")
        return {"sig": _b64(key.sign(data))}  # type: ignore[union-attr,call-arg]
    if asym in ("x25519", "x448"):
        raise _ossl("keytype")
    h = _hash(alg or "sha256")
    if asym == "rsa":
        pad = _rsa_padding(args, h, verify=False)
        try:
            sig = key.sign(data, pad, h)  # type: ignore[union-attr,call-arg,arg-type]
        except ValueError:  # salt or digest too long for the modulus
            raise KeyError_("ERR_OSSL_RSA_DIGEST_TOO_BIG_FOR_RSA_KEY",
                            "error:02000070:rsa routines::digest too big for rsa key") from None
        return {"sig": _b64(sig)}
    der = (key.sign(data, ec.ECDSA(h)) if asym == "ec"  # type: ignore[union-attr,call-arg,arg-type]
           else key.sign(data, h))  # type: ignore[union-attr,call-arg,arg-type]
    if args.get("dsaEncoding") == "ieee-p1363":
        r, s = decode_dss_signature(der)
        n = _p1363_size(key)
        der = r.to_bytes(n, "big") + s.to_bytes(n, "big")
    return {"sig": _b64(der)}


def verify(args: dict[str, Any]) -> dict[str, Any]:
    key = load_key(args.get("key"), "public")
    data = _unb64(args.get("data", ""))
    sig = _unb64(args.get("sig", ""))
    alg = args.get("alg")
    asym = asym_type(key)
    try:
        if asym in ("ed25519", "ed448"):
            if args.get("stream"):
                raise KeyError_("ERR_CRYPTO_UNSUPPORTED_OPERATION", "Unsupported crypto operation")
            if alg is not None:
                raise _ossl("invalid_digest")
            key.verify(sig, data)  # type: ignore[union-attr,call-arg]
            return {"ok": True}
        if asym in ("x25519", "x448"):
            raise _ossl("keytype")
        h = _hash(alg or "sha256")
        if asym == "rsa":
            key.verify(sig, data, _rsa_padding(args, h, verify=True), h)  # type: ignore[union-attr,call-arg,arg-type]
            return {"ok": True}
        if args.get("dsaEncoding") == "ieee-p1363":
            n = _p1363_size(key)
            if len(sig) != 2 * n:
                return {"ok": False}
            sig = encode_dss_signature(int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big"))
        if asym == "ec":
            key.verify(sig, data, ec.ECDSA(h))  # type: ignore[union-attr,call-arg,arg-type]
        else:
            key.verify(sig, data, h)  # type: ignore[union-attr,call-arg,arg-type]
        return {"ok": True}
    except (InvalidSignature, ValueError):
        return {"ok": False}


def _oaep(args: dict[str, Any]) -> padding.AsymmetricPadding:
    pad = args.get("padding", RSA_PKCS1_OAEP_PADDING)
    if pad == RSA_PKCS1_OAEP_PADDING or pad is None:
        h = _hash(args.get("oaepHash") or "sha1")
        label = _unb64(args["oaepLabel"]) if args.get("oaepLabel") else None
        return padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=label)
    if pad == RSA_PKCS1_PADDING:
        return padding.PKCS1v15()
    if pad == RSA_NO_PADDING:
        raise _ossl("no_padding")
    raise _ossl("padding")


def crypt(args: dict[str, Any]) -> dict[str, Any]:
    decrypt = args.get("decrypt") is True
    key = load_key(args.get("key"), "private" if decrypt else "public")
    if asym_type(key) != "rsa":
        raise _ossl("keytype")
    data = _unb64(args.get("data", ""))
    pad = _oaep(args)
    try:
        if decrypt:
            return {"data": _b64(key.decrypt(data, pad))}  # type: ignore[union-attr,call-arg]
        return {"data": _b64(key.encrypt(data, pad))}  # type: ignore[union-attr,call-arg]
    except ValueError:
        if decrypt:
            raise _ossl("oaep" if isinstance(pad, padding.OAEP) else "pkcs1") from None
        raise _ossl("too_large") from None


def generate(args: dict[str, Any]) -> dict[str, Any]:
    typ = args.get("type")
    key: PrivateKey
    if typ == "rsa":
        bits, exp = args.get("modulusLength"), args.get("publicExponent", 65537)
        if not isinstance(bits, int) or not 512 <= bits <= MAX_RSA_GENERATE_BITS:
            raise KeyError_("ERR_OUT_OF_RANGE", "The value of \"options.modulusLength\" is out of range. "
                            f"It must be >= 512 && <= {MAX_RSA_GENERATE_BITS} in Brygge. Received {bits}",
                            "RangeError")
        if exp not in (3, 65537):  # what OpenSSL (through cryptography) generates
            raise _ossl("bad_exponent")
        key = rsa.generate_private_key(exp, bits)
    elif typ == "ec":
        key = ec.generate_private_key(_curve(args.get("namedCurve")))
    elif typ in OKP:
        key = OKP[typ][1].generate()
    else:
        raise KeyError_("ERR_INVALID_ARG_VALUE",
                        f"The argument 'type' must be a supported key type. Received {typ!r}", "TypeError")
    return {"private": info(key), "public": info(key.public_key())}


def key_call(op: str, payload: str) -> str:
    """crypto.key.{import,export,sign,verify,crypt,generate}: JSON in, JSON out,
    failures in-band so the guest can raise them with Node's code."""
    try:
        args = json.loads(payload)
        if not isinstance(args, dict):
            raise KeyError_("ERR_INVALID_ARG_TYPE", "arguments must be an object", "TypeError")
        if op == "crypto.key.import":
            out = info(load_key(args.get("key"), args.get("want", "any")))
        elif op == "crypto.key.export":
            key = load_key(args.get("key"), args.get("want", "any"))
            pw = _unb64(args["passphrase"]) if args.get("passphrase") is not None else None
            out = export(key, str(args.get("format")), args.get("type"), pw)
        elif op == "crypto.key.sign":
            out = sign(args)
        elif op == "crypto.key.verify":
            out = verify(args)
        elif op == "crypto.key.crypt":
            out = crypt(args)
        elif op == "crypto.key.generate":
            out = generate(args)
        else:
            raise KeyError_("ERR_INVALID_ARG_VALUE", f"unknown crypto operation {op}")
        return json.dumps(out)
    except KeyError_ as e:
        return json.dumps({"error": [e.name, e.code, e.message]})
    except Exception as e:  # malformed guest input: an error, never a host crash
        return json.dumps({"error": ["Error", "ERR_CRYPTO_OPERATION_FAILED",
                                     f"crypto operation failed: {e}"]})
