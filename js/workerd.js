// Cloudflare Workers / workerd entry: the .wasm is imported as a compiled WebAssembly.Module
// (wrangler's default for .wasm imports; `wasm = embed` / CompiledWasm in workerd configs).
import module from "../pkg/client_attestation_bg.wasm";
import * as wasm from "../pkg/client_attestation.js";
import { bind } from "./internal.js";

wasm.initSync({ module });
bind(wasm);

export * from "./core.js";
export { AttestingClient } from "./attesting-client.js";
