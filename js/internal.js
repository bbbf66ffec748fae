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
 * views into the buffer and `jwk()` building the public JWK (`{ kty, crv, x, y? }`) from the
 * key members in the buffer, only for a key not yet imported.
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
    const xAt = p + 1;
    const xl = data[p];
    p += 1 + xl;
    const yAt = p + 1;
    const yl = data[p];
    p += 1 + yl;
    const ml = (data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24)) >>> 0;
    p += 4;
    const message = data.subarray(p, p + ml);
    p += ml;
    const sl = data[p];
    p += 1;
    const signature = data.subarray(p, p + sl);
    p += sl;
    // The JWK's required members only (RFC 7638 set): EC keys have `y`, OKP keys do not.
    const jwk = () =>
      yl === 0
        ? { kty: "OKP", crv: "Ed25519", x: text(xAt, xl) }
        : { kty: "EC", crv: "P-256", x: text(xAt, xl), y: text(yAt, yl) };
    out[i] = { alg, artefact, thumbprint, message, signature, jwk };
  }
  return out;
}
