  // -- WebCrypto --------------------------------------------------------------------------------
  const domError = (message, name) => new DOMException(message, name);
  const CK = new WeakMap();
  const ckSlot = (k) => CK.get(k);
  const isCryptoKey = (k) => k !== null && typeof k === "object" && CK.has(k);
  let constructing = false;
  class CryptoKey {
    constructor() {
      if (!constructing) throw nodeError(TypeError, "ERR_ILLEGAL_CONSTRUCTOR", "Illegal constructor");
    }
    get type() { return ckSlot(this).keyObject.type; }
    get extractable() { return ckSlot(this).extractable; }
    get algorithm() { return ckSlot(this).algorithm; }
    get usages() { return ckSlot(this).usages.slice(); }
    get [Symbol.toStringTag]() { return "CryptoKey"; }
  }
  function newCryptoKey(keyObject, algorithm, extractable, usages) {
    constructing = true;
    let k;
    try { k = new CryptoKey(); } finally { constructing = false; }
    CK.set(k, { keyObject, algorithm, extractable, usages });
    return k;
  }

  const ALGS = { "sha-1": "SHA-1", "sha-256": "SHA-256", "sha-384": "SHA-384", "sha-512": "SHA-512", hmac: "HMAC",
    ed25519: "Ed25519", ecdsa: "ECDSA", "rsassa-pkcs1-v1_5": "RSASSA-PKCS1-v1_5", "rsa-pss": "RSA-PSS", "rsa-oaep": "RSA-OAEP" };
  const HASH_HOST = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
  const HASH_BITS = { "SHA-1": 160, "SHA-256": 256, "SHA-384": 384, "SHA-512": 512 };
  const BLOCK_BITS = { "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024 };
  const RSA = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"];
  const SUPPORTED = {
    digest: ["SHA-1", "SHA-256", "SHA-384", "SHA-512"],
    sign: ["HMAC", "Ed25519", "ECDSA", "RSASSA-PKCS1-v1_5", "RSA-PSS"],
    importKey: ["HMAC", "Ed25519", "ECDSA", ...RSA],
    generateKey: ["HMAC", "Ed25519", "ECDSA", ...RSA],
    encrypt: ["RSA-OAEP"],
  };
  // The dictionary each operation's parameters convert to, and its required members.
  const PARAMS = {
    sign: { ECDSA: ["EcdsaParams", ["hash"]], "RSA-PSS": ["RsaPssParams", ["saltLength"]] },
    importKey: { HMAC: ["HmacImportParams", ["hash"]], ECDSA: ["EcKeyImportParams", ["namedCurve"]],
      "RSASSA-PKCS1-v1_5": ["RsaHashedImportParams", ["hash"]], "RSA-PSS": ["RsaHashedImportParams", ["hash"]],
      "RSA-OAEP": ["RsaHashedImportParams", ["hash"]] },
    generateKey: { HMAC: ["HmacKeyGenParams", ["hash"]], ECDSA: ["EcKeyGenParams", ["namedCurve"]],
      "RSASSA-PKCS1-v1_5": ["RsaHashedKeyGenParams", ["modulusLength", "publicExponent", "hash"]],
      "RSA-PSS": ["RsaHashedKeyGenParams", ["modulusLength", "publicExponent", "hash"]],
      "RSA-OAEP": ["RsaHashedKeyGenParams", ["modulusLength", "publicExponent", "hash"]] },
  };
  const missingOption = (dict, member) => nodeError(TypeError, "ERR_MISSING_OPTION", "Failed to normalize algorithm: "
    + `passed algorithm can not be converted to '${dict}' because '${member}' is required in '${dict}'.`);
  function normalize(alg, op) {
    if (typeof alg === "string") alg = { name: alg };
    if (alg === null || typeof alg !== "object") throw domError("Unrecognized algorithm name", "NotSupportedError");
    if (alg.name === undefined) throw missingOption("Algorithm", "name");
    const name = ALGS[String(alg.name).toLowerCase()];
    const ops = op === "verify" ? "sign" : op === "exportKey" ? "importKey" : op === "decrypt" ? "encrypt" : op;
    if (!name || !SUPPORTED[ops].includes(name)) throw domError("Unrecognized algorithm name", "NotSupportedError");
    const out = { ...alg, name };
    const p = (PARAMS[ops] || {})[name];
    if (p) for (const m of p[1]) if (alg[m] === undefined) throw missingOption(p[0], m);
    if (out.hash !== undefined) out.hash = { name: normalize(out.hash, "digest").name };
    return out;
  }
  const ORDINAL = ["1st", "2nd", "3rd", "4th", "5th"];
  function needArgs(method, n, args) {
    if (args.length < n) {
      throw nodeError(TypeError, "ERR_MISSING_ARGS", `Failed to execute '${method}' on 'SubtleCrypto': `
        + `${n} arguments required, but only ${args.length} present.`);
    }
  }
  function bufferSource(method, i, v) {
    if (!isBufferSource(v)) {
      throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `Failed to execute '${method}' on 'SubtleCrypto': `
        + `${ORDINAL[i]} argument is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.`);
    }
    return Uint8Array.from(view(v)); // a copy, as WebCrypto takes
  }
  function cryptoKeyArg(method, i, v) {
    if (!isCryptoKey(v)) {
      throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE",
        `Failed to execute '${method}' on 'SubtleCrypto': ${ORDINAL[i]} argument is not of type CryptoKey.`);
    }
    return ckSlot(v);
  }
  const USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];
  function usagesArg(method, i, v) {
    if (v === null || typeof v !== "object" || typeof v[Symbol.iterator] !== "function") {
      throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE",
        `Failed to execute '${method}' on 'SubtleCrypto': ${ORDINAL[i]} argument can not be converted to sequence.`);
    }
    const out = [...v].map(String);
    out.forEach((u, j) => {
      if (!USAGES.includes(u)) {
        throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", `Failed to execute '${method}' on 'SubtleCrypto': `
          + `${ORDINAL[i]} argument, index ${j} value '${u}' is not a valid enum value of type KeyUsage.`);
      }
    });
    return out;
  }
  const article = (name) => (/^[AEHIORS]/.test(name) && name !== "Ed25519" ? "an" : "a");
  function checkUsages(name, usages, allowed, article_) {
    for (const u of usages) {
      if (!allowed.includes(u)) throw domError(`Unsupported key usage for ${article_ || article(name)} ${name} key`, "SyntaxError");
    }
  }
  const toArrayBuffer = (u) => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength);
  const hostHash = (name, data) => unb64(JSON.parse(host("crypto.hash", JSON.stringify({ alg: HASH_HOST[name], data: b64(data) }))).digest);
  const hostHmac = (name, key, data) => unb64(JSON.parse(host("crypto.hmac", JSON.stringify({ alg: HASH_HOST[name], key: b64(key), data: b64(data) }))).digest);
  const b64url = (u) => Buffer.from(u).toString("base64url");
  function fromB64url(s) {
    if (typeof s !== "string" || !/^[A-Za-z0-9_-]*$/.test(s)) throw domError("Invalid keyData", "DataError");
    return view(Buffer.from(s, "base64url"));
  }
  // Node's algorithm objects for RSA keys carry the exponent as big-endian bytes.
  function exponentBytes(dec) {
    let n = BigInt(dec);
    const out = [];
    while (n > 0n) { out.unshift(Number(n & 255n)); n >>= 8n; }
    return new Uint8Array(out);
  }
  const SIGN_USAGES = { public: ["verify"], private: ["sign"] };
  const OAEP_USAGES = { public: ["encrypt", "wrapKey"], private: ["decrypt", "unwrapKey"] };
  const CURVES = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" };
  const JWK_ALG = {
    "RSASSA-PKCS1-v1_5": (h) => "RS" + HASH_BITS[h].toString().replace("160", "1"),
    "RSA-PSS": (h) => "PS" + HASH_BITS[h].toString().replace("160", "1"),
    "RSA-OAEP": (h) => (h === "SHA-1" ? "RSA-OAEP" : "RSA-OAEP-" + HASH_BITS[h]),
    HMAC: (h) => "HS" + HASH_BITS[h].toString().replace("160", "1"),
  };

  function checkJwkMembers(jwk, kty, extractable, usages, alg) {
    if (jwk.kty !== kty) throw domError("Invalid JWK \"kty\" Parameter", "DataError");
    if (usages.length > 0 && jwk.use !== undefined && jwk.use !== (alg === "RSA-OAEP" ? "enc" : "sig")) {
      throw domError("Invalid JWK \"use\" Parameter", "DataError");
    }
    if (jwk.key_ops !== undefined) {
      if (!Array.isArray(jwk.key_ops) || !usages.every((u) => jwk.key_ops.includes(u))) {
        throw domError("Key operations and usage mismatch", "DataError");
      }
    }
    if (jwk.ext !== undefined && jwk.ext === false && extractable) {
      throw domError("JWK \"ext\" Parameter and extractable mismatch", "DataError");
    }
  }
  // An asymmetric key from host import, mapping failures to WebCrypto's DataError.
  function importAsymmetric(spec, want) {
    try { return newAsymmetricKey(call("import", { key: spec, want })); } catch (_) { throw domError("Invalid keyData", "DataError"); }
  }

  function importKeySync(format, keyData, algorithm, extractable, usages) {
    if (!["raw", "pkcs8", "spki", "jwk"].includes(format)) {
      throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", "Failed to execute 'importKey' on 'SubtleCrypto': "
        + `1st argument value ${inspectValue(format)} is not a valid enum value of type KeyFormat.`);
    }
    let data, jwk;
    if (format === "jwk") {
      if (keyData === null || typeof keyData !== "object" || isBufferSource(keyData)) throw domError("Invalid keyData", "DataError");
      jwk = keyData;
    } else data = bufferSource("importKey", 1, keyData);
    const alg = normalize(algorithm, "importKey");
    const u = usagesArg("importKey", 4, usages);
    extractable = Boolean(extractable);
    const name = alg.name;
    if (name === "HMAC") {
      checkUsages(name, u, ["sign", "verify"]);
      if (format === "jwk") {
        checkJwkMembers(jwk, "oct", extractable, u, name);
        if (typeof jwk.k !== "string") throw domError("Invalid keyData", "DataError");
        if (jwk.alg !== undefined && jwk.alg !== JWK_ALG.HMAC(alg.hash.name)) {
          throw domError("JWK \"alg\" does not match the requested algorithm", "DataError");
        }
        data = fromB64url(jwk.k);
      } else if (format !== "raw") throw new DOMException(`Unable to import HMAC key with format ${format}`); // sic: no name
      if (data.length === 0) throw domError("Zero-length key is not supported", "DataError");
      const bits = data.length * 8;
      if (alg.length !== undefined && alg.length !== bits) throw domError("Invalid key length", "DataError");
      if (u.length === 0) throw domError("Usages cannot be empty when importing a secret key.", "SyntaxError");
      return newCryptoKey(newSecretKey(data), { name, hash: alg.hash, length: bits }, extractable, u);
    }
    const isRsa = RSA.includes(name);
    const allowed = name === "RSA-OAEP" ? OAEP_USAGES : SIGN_USAGES;
    let curve;
    if (name === "ECDSA") {
      curve = alg.namedCurve;
      if (!CURVES[curve]) throw domError("Unrecognized namedCurve", "NotSupportedError");
    }
    const asym = isRsa ? "rsa" : name === "ECDSA" ? "ec" : "ed25519";
    let ko;
    if (format === "raw") {
      if (isRsa) throw domError(`Unable to import RSA key with format raw`, "NotSupportedError");
      checkUsages(name, u, allowed.public);
      if (asym === "ed25519" && data.length !== 32) throw domError("Ed25519 raw keys must be exactly 32-bytes", "DataError");
      ko = importAsymmetric({ data: b64(data), format: "raw", asym, namedCurve: curve }, "public");
    } else if (format === "spki") {
      checkUsages(name, u, allowed.public);
      ko = importAsymmetric({ data: b64(data), format: "der", type: "spki" }, "public");
    } else if (format === "pkcs8") {
      checkUsages(name, u, allowed.private);
      ko = importAsymmetric({ data: b64(data), format: "der", type: "pkcs8" }, "private");
    } else {
      const priv = jwk.d !== undefined;
      checkUsages(name, u, priv ? allowed.private : allowed.public);
      checkJwkMembers(jwk, isRsa ? "RSA" : asym === "ec" ? "EC" : "OKP", extractable, u, name);
      if (asym === "ec" && jwk.crv !== curve) throw domError("JWK \"crv\" does not match the requested algorithm", "DataError");
      if (asym === "ed25519" && jwk.crv !== "Ed25519") throw domError("JWK \"crv\" Parameter and algorithm name mismatch", "DataError");
      if (isRsa && jwk.alg !== undefined && jwk.alg !== JWK_ALG[name](alg.hash.name)) {
        throw domError("JWK \"alg\" does not match the requested algorithm", "DataError");
      }
      try { checkJwk(jwk, priv ? CREATE_PRIVATE : CREATE_PUBLIC); } catch (_) { throw domError("Invalid keyData", "DataError"); }
      ko = importAsymmetric({ jwk: { ...jwk }, format: "jwk" }, priv ? "private" : "public");
    }
    const s = slot(ko);
    if (s.asym !== asym) throw domError("Invalid key type", "DataError");
    if (asym === "ec" && s.details.namedCurve !== CURVES[curve]) throw domError("Named curve mismatch", "DataError");
    if (s.type === "private" && u.length === 0) throw domError("Usages cannot be empty when importing a private key.", "SyntaxError");
    return newCryptoKey(ko, algorithmFor(name, s, alg), extractable, u);
  }
  function algorithmFor(name, s, alg) {
    if (name === "Ed25519") return { name };
    if (name === "ECDSA") return { name, namedCurve: alg.namedCurve };
    return { name, modulusLength: s.details.modulusLength, publicExponent: exponentBytes(s.details.publicExponent), hash: alg.hash };
  }

  function exportKeySync(format, key) {
    if (!["raw", "pkcs8", "spki", "jwk"].includes(format)) {
      throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", "Failed to execute 'exportKey' on 'SubtleCrypto': "
        + `1st argument value ${inspectValue(format)} is not a valid enum value of type KeyFormat.`);
    }
    const k = cryptoKeyArg("exportKey", 1, key);
    if (!k.extractable) throw domError("key is not extractable", "InvalidAccessException"); // sic, as Node 20
    const name = k.algorithm.name, ko = k.keyObject, type = ko.type;
    const cannot = () => domError(`Unable to export a raw ${name} ${type} key`, "InvalidAccessError");
    if (type === "secret") {
      const raw = slot(ko).secret;
      if (format === "raw") return toArrayBuffer(Uint8Array.from(raw));
      if (format !== "jwk") throw cannot();
      return { key_ops: k.usages.slice(), ext: k.extractable, kty: "oct", k: b64url(raw), alg: JWK_ALG.HMAC(k.algorithm.hash.name) };
    }
    if (format === "spki" || format === "pkcs8") {
      if ((format === "spki") !== (type === "public")) {
        throw format === "pkcs8" ? domError(`Unable to export a pkcs8 ${name} ${type} key`, "InvalidAccessError") : cannot();
      }
      return toArrayBuffer(unb64(slot(ko).der));
    }
    if (format === "raw") {
      if (type !== "public" || RSA.includes(name)) throw cannot();
      return toArrayBuffer(unb64(call("export", { key: slot(ko).spec, format: "raw" }).der));
    }
    const j = call("export", { key: slot(ko).spec, format: "jwk" }).jwk;
    const out = { key_ops: k.usages.slice(), ext: k.extractable };
    Object.assign(out, j);
    if (name === "Ed25519") out.alg = "Ed25519";
    if (RSA.includes(name)) out.alg = JWK_ALG[name](k.algorithm.hash.name);
    return out;
  }

  function signingArgs(alg, k) {
    const name = alg.name;
    if (name === "Ed25519") return { alg: null };
    if (name === "ECDSA") return { alg: HASH_HOST[alg.hash.name], dsaEncoding: "ieee-p1363" };
    const hash = HASH_HOST[k.algorithm.hash.name];
    if (name === "RSA-PSS") {
      const salt = alg.saltLength;
      if (typeof salt !== "number" || !Number.isInteger(salt) || salt < 0) {
        throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "algorithm.saltLength" property must be of type number.${received(salt)}`);
      }
      return { alg: hash, padding: 6, saltLength: salt };
    }
    return { alg: hash, padding: 1 };
  }
  function signSync(method, algorithm, key, signature, data) {
    const alg = normalize(algorithm, method);
    const k = cryptoKeyArg(method, 1, key);
    if (k.algorithm.name !== alg.name || !k.usages.includes(method)) {
      throw domError(`Unable to use this key to ${method}`, "InvalidAccessError");
    }
    if (alg.name === "HMAC") {
      const mac = hostHmac(k.algorithm.hash.name, slot(k.keyObject).secret, data);
      if (method === "sign") return toArrayBuffer(mac);
      if (signature.length !== mac.length) return false;
      let d = 0;
      for (let i = 0; i < mac.length; i++) d |= mac[i] ^ signature[i];
      return d === 0;
    }
    const args = { ...signingArgs(alg, k), key: slot(k.keyObject).spec, data: b64(data) };
    try {
      if (method === "sign") return toArrayBuffer(unb64(call("sign", args).sig));
      return call("verify", { ...args, sig: b64(signature) }).ok;
    } catch (e) {
      throw domError(e.message || "The operation failed for an operation-specific reason", "OperationError");
    }
  }

  function generateKeySync_(algorithm, extractable, usages) {
    const alg = normalize(algorithm, "generateKey");
    const u = usagesArg("generateKey", 2, usages);
    extractable = Boolean(extractable);
    const name = alg.name;
    if (name === "HMAC") {
      checkUsages(name, u, ["sign", "verify"]);
      let length = alg.length;
      if (length === undefined) length = BLOCK_BITS[alg.hash.name];
      else if (typeof length !== "number" || length % 8 !== 0) {
        throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The property 'algorithm.length' must be a multiple of 8. Received ${inspectValue(length)}`);
      }
      if (length === 0) throw domError("Zero-length key is not supported", "OperationError");
      if (u.length === 0) throw domError("Usages cannot be empty when creating a key.", "SyntaxError");
      return newCryptoKey(newSecretKey(cryptoModule.randomBytes(length / 8)), { name, length, hash: alg.hash }, extractable, u);
    }
    const allowed = name === "RSA-OAEP" ? OAEP_USAGES : SIGN_USAGES;
    checkUsages(name, u, [...allowed.public, ...allowed.private], name === "Ed25519" ? "an" : undefined);
    const args = {};
    if (name === "Ed25519") args.type = "ed25519";
    else if (name === "ECDSA") {
      if (!CURVES[alg.namedCurve]) throw domError("Unrecognized namedCurve", "NotSupportedError");
      Object.assign(args, { type: "ec", namedCurve: alg.namedCurve });
    } else {
      const e = alg.publicExponent;
      if (!(e instanceof Uint8Array)) throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "algorithm.publicExponent" property must be an instance of Uint8Array.${received(e)}`);
      let exp = 0;
      for (const b of e) exp = exp * 256 + b;
      if (exp !== 3 && exp !== 65537) throw domError("The operation failed for an operation-specific reason", "OperationError");
      Object.assign(args, { type: "rsa", modulusLength: alg.modulusLength, publicExponent: exp });
    }
    const privU = u.filter((x) => allowed.private.includes(x));
    const pubU = u.filter((x) => allowed.public.includes(x));
    if (privU.length === 0) throw domError("Usages cannot be empty when creating a key.", "SyntaxError");
    let r;
    try { r = call("generate", args); } catch (e) { throw domError(e.message, "OperationError"); }
    const pub = newAsymmetricKey(r.public), priv = newAsymmetricKey(r.private);
    const algo = algorithmFor(name, slot(pub), alg);
    return { privateKey: newCryptoKey(priv, algo, extractable, privU), publicKey: newCryptoKey(pub, algo, true, pubU) };
  }

  function cryptSync(method, algorithm, key, data) {
    const alg = normalize(algorithm, method);
    const k = cryptoKeyArg(method, 1, key);
    if (k.algorithm.name !== alg.name || !k.usages.includes(method)) {
      throw domError("The requested operation is not valid for the provided key", "InvalidAccessError");
    }
    const args = { key: slot(k.keyObject).spec, decrypt: method === "decrypt", padding: 4,
      oaepHash: HASH_HOST[k.algorithm.hash.name], data: b64(data) };
    if (alg.label !== undefined) args.oaepLabel = b64(bufferSource(method, 0, alg.label));
    try { return toArrayBuffer(unb64(call("crypt", args).data)); } catch (_) {
      throw domError("The operation failed for an operation-specific reason", "OperationError");
    }
  }

  // Every method returns a promise; bad arguments reject, as in Node.
  const later = (fn) => new Promise((resolve) => resolve(fn()));
  const unsupported = () => Promise.reject(domError("Unrecognized algorithm name", "NotSupportedError"));
  let constructingSubtle = false;
  class SubtleCrypto {
    constructor() { if (!constructingSubtle) throw nodeError(TypeError, "ERR_ILLEGAL_CONSTRUCTOR", "Illegal constructor"); }
    encrypt(...a) {
      return later(() => { needArgs("encrypt", 3, a); return cryptSync("encrypt", a[0], a[1], bufferSource("encrypt", 2, a[2])); });
    }
    decrypt(...a) {
      return later(() => { needArgs("decrypt", 3, a); return cryptSync("decrypt", a[0], a[1], bufferSource("decrypt", 2, a[2])); });
    }
    sign(...a) {
      return later(() => { needArgs("sign", 3, a); return signSync("sign", a[0], a[1], null, bufferSource("sign", 2, a[2])); });
    }
    verify(...a) {
      return later(() => {
        needArgs("verify", 4, a);
        const sig = bufferSource("verify", 2, a[2]);
        return signSync("verify", a[0], a[1], sig, bufferSource("verify", 3, a[3]));
      });
    }
    digest(...a) {
      return later(() => {
        needArgs("digest", 2, a);
        const alg = normalize(a[0], "digest");
        return toArrayBuffer(hostHash(alg.name, bufferSource("digest", 1, a[1])));
      });
    }
    generateKey(...a) { return later(() => { needArgs("generateKey", 3, a); return generateKeySync_(a[0], a[1], a[2]); }); }
    deriveKey() { return unsupported(); }
    deriveBits() { return unsupported(); }
    importKey(...a) { return later(() => { needArgs("importKey", 5, a); return importKeySync(a[0], a[1], a[2], a[3], a[4]); }); }
    exportKey(...a) { return later(() => { needArgs("exportKey", 2, a); return exportKeySync(a[0], a[1]); }); }
    wrapKey() { return unsupported(); }
    unwrapKey() { return unsupported(); }
    get [Symbol.toStringTag]() { return "SubtleCrypto"; }
  }
  constructingSubtle = true;
  const subtle = new SubtleCrypto();
  constructingSubtle = false;

  const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    BigInt64Array, BigUint64Array];
  function getRandomValues(arr) {
    if (!INTEGER_ARRAYS.some((C) => arr instanceof C)) {
      throw domError("The data argument must be an integer-type TypedArray", "TypeMismatchError");
    }
    if (arr.byteLength > 65536) throw domError("The requested length exceeds 65,536 bytes", "QuotaExceededError");
    view(arr).set(cryptoModule.randomBytes(arr.byteLength));
    return arr;
  }
  let constructingCrypto = false;
  class Crypto {
    constructor() { if (!constructingCrypto) throw nodeError(TypeError, "ERR_ILLEGAL_CONSTRUCTOR", "Illegal constructor"); }
    get subtle() { return subtle; }
    getRandomValues(arr) { return getRandomValues(arr); }
    randomUUID() { return cryptoModule.randomUUID(); }
    get [Symbol.toStringTag]() { return "Crypto"; }
  }
  constructingCrypto = true;
  const webcrypto = new Crypto();
  constructingCrypto = false;

  Object.assign(cryptoModule, {
    KeyObject, createPublicKey, createPrivateKey, createSecretKey, sign, verify,
    createSign: (algorithm, options) => new Sign(algorithm, options),
    createVerify: (algorithm, options) => new Verify(algorithm, options),
    Sign, Verify, generateKeyPairSync, generateKeyPair, generateKeySync, generateKey,
    publicEncrypt: (key, buffer) => rsaCrypt(key, buffer, false),
    privateDecrypt: (key, buffer) => rsaCrypt(key, buffer, true),
    privateEncrypt: () => { throw unavailable("privateEncrypt"); },
    publicDecrypt: () => { throw unavailable("publicDecrypt"); },
    createHmac: createHmacWithKeys,
    constants, webcrypto, subtle, getRandomValues,
    getCurves: () => ["prime256v1", "secp256k1", "secp384r1", "secp521r1"],
  });
  G.crypto = webcrypto;
  Object.assign(G, { Crypto, CryptoKey, SubtleCrypto });
  for (const name of ["crypto", "Crypto", "CryptoKey", "SubtleCrypto"]) {
    Object.defineProperty(G, name, { enumerable: false });
  }
