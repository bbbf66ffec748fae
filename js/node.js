// Node.js (≥ 20.16) and Bun entry: loads the wasm synchronously from the package, no bundler,
// no manual init. Builtins come from process.getBuiltinModule (internal.js nodeBuiltin), not
// `import … from "node:fs"`: an ES import of a builtin builds its ESM facade, which reads every
// export (node:crypto's `webcrypto` loads WebCrypto), ~0.5 ms of the cold start nothing uses.
import * as wasm from "../pkg/client_attestation.js";
import { bind, nodeBuiltin, setNativeVerify } from "./internal.js";
import { nodeCryptoVerify } from "./node-crypto.js";

const { readFileSync } = nodeBuiltin("node:fs");
wasm.initSync({ module: readFileSync(new URL("../pkg/client_attestation_bg.wasm", import.meta.url)) });
bind(wasm);
// Bun runs this entry too; its node:crypto callback verify is not worth the risk: WebCrypto there.
// In Node, node:crypto's callback verify runs on libuv's thread pool: for ES256 it is the
// fastest backend, and for Ed25519 (OpenSSL ≈ the pure-wasm verify per call) it moves the
// signature off the main thread, so concurrent requests use a second core (benches/).
if (globalThis.Bun === undefined) setNativeVerify(nodeCryptoVerify, ["ES256", "EdDSA", "Ed25519"]);

export * from "./core.js";
export { AttestingClient } from "./attesting-client.js";
