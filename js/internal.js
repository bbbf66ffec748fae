// The initialised wasm module, shared by the JS layer. Internal: not exported from the package.
let wasm = null;

/** Called once by the runtime entry point with the initialised wasm-bindgen module. */
export function bind(module) {
  wasm = module;
}

/**
 * A Node builtin through process.getBuiltinModule (Node ≥ 20.16 / 22.3, Bun), for the Node
 * entry: an ES import of a builtin would build its ESM facade, which reads every export
 * (node:crypto's `webcrypto` getter loads WebCrypto). Older Node gets a clear error.
 */
export function nodeBuiltin(name) {
  const proc = globalThis.process;
  if (typeof proc?.getBuiltinModule !== "function") {
    throw new Error(`client-attestation needs Node.js ≥ 20.16 or ≥ 22.3 (process.getBuiltinModule); this is ${proc?.version}`);
  }
  return proc.getBuiltinModule(name);
}

let native = null;

/**
 * A runtime-native signature backend (set by the Node entry): `verify(checks) → Promise<boolean[]>`
 * for the algorithms in `algs`; requests needing others go to wasm (measured faster than the
 * runtime's WebCrypto there).
 */
export function setNativeVerify(verify, algs) {
  native = { verify, algs: new Set(algs) };
}

/** The runtime-native backend `{ verify, algs }`, or null. */
export function nativeVerify() {
  return native;
}

/** The wasm module (throws before the entry point initialised it). */
export function core() {
  if (wasm === null) throw new Error("client-attestation: the wasm module is not initialised");
  return wasm;
}

// ---- the core's signature-check buffer ----------------------------------------------------

const ALG_NAMES = ["ES256", "EdDSA", "Ed25519"];
const ARTEFACTS = ["attestation", "pop", "dpop"];

/**
 * Reads the core's compact check buffer (`WasmPrepared.checkData`, layout documented there):
 * `[{ alg, artefact, thumbprint, message, signature, jwk() }]`, with `message` and `signature`
 * views into the buffer and `jwk()` the public JWK (`{ kty, crv, x, y? }`) from the members the
 * core put in the buffer, read only for a key not yet imported.
 */
export function decodeChecks(data) {
  const n = data[0] ?? 0;
  const out = new Array(n);
  let p = 1;
  const text = (at, len) => String.fromCharCode.apply(null, data.subarray(at, at + len));
  for (let i = 0; i < n; i++) {
    const alg = ALG_NAMES[data[p]];
    const artefact = ARTEFACTS[data[p + 1]];
    const tl = data[p + 2];
    p += 3;
    const thumbprint = text(p, tl);
    p += tl;
    // The key's JWK members (kty, crv, x, y; y empty for OKP keys), read only for a key not
    // yet imported.
    const keyAt = p;
    for (let j = 0; j < 4; j++) p += 1 + data[p];
    const ml = (data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24)) >>> 0;
    p += 4;
    const message = data.subarray(p, p + ml);
    p += ml;
    const sl = data[p];
    p += 1;
    const signature = data.subarray(p, p + sl);
    p += sl;
    const jwk = () => {
      const m = [];
      for (let j = 0, at = keyAt; j < 4; j++, at += 1 + data[at]) m.push(text(at + 1, data[at]));
      const [kty, crv, x, y] = m;
      return y === "" ? { kty, crv, x } : { kty, crv, x, y };
    };
    out[i] = { alg, artefact, thumbprint, message, signature, jwk };
  }
  return out;
}
