// Node.js (≥ 20) and Bun entry: loads the wasm synchronously from the package, no bundler,
// no manual init.
import { readFileSync } from "node:fs";
import * as wasm from "../pkg/client_attestation.js";
import { bind, setNativeVerify } from "./internal.js";
import { nodeCryptoVerify } from "./node-crypto.js";

wasm.initSync({ module: readFileSync(new URL("../pkg/client_attestation_bg.wasm", import.meta.url)) });
bind(wasm);
// Bun runs this entry too; its node:crypto callback verify is not worth the risk: WebCrypto there.
// In Node, node:crypto on the thread pool is fastest for ES256; for Ed25519 the pure-wasm verify
// (no thread-pool round trip) measured faster than node:crypto and WebCrypto (benches/).
if (globalThis.Bun === undefined) setNativeVerify(nodeCryptoVerify, ["ES256"]);

export * from "./core.js";
export { AttestingClient } from "./attesting-client.js";
