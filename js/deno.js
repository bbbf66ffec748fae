// Deno entry: reads the wasm from the package with Deno.readFile (needs --allow-read for it).
import * as wasm from "../pkg/client_attestation.js";
import { bind } from "./internal.js";

wasm.initSync({ module: await Deno.readFile(new URL("../pkg/client_attestation_bg.wasm", import.meta.url)) });
bind(wasm);

export * from "./core.js";
export { AttestingClient } from "./attesting-client.js";
