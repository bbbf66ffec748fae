// Node.js (≥ 20) and Bun entry: loads the wasm synchronously from the package, no bundler,
// no manual init.
import { readFileSync } from "node:fs";
import * as wasm from "../pkg/client_attestation.js";
import { bind } from "./internal.js";

wasm.initSync({ module: readFileSync(new URL("../pkg/client_attestation_bg.wasm", import.meta.url)) });
bind(wasm);

export * from "./core.js";
export { AttestingClient } from "./attesting-client.js";
