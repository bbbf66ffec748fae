// The initialised wasm module, shared by the JS layer. Internal: not exported from the package.
let wasm = null;

/** Called once by the runtime entry point with the initialised wasm-bindgen module. */
export function bind(module) {
  wasm = module;
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
