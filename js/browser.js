// Browser entry (and the default): fetches the wasm next to the package with top-level await.
// Works from a plain <script type="module"> without a bundler.
import * as wasm from "../pkg/client_attestation.js";
import { bind } from "./internal.js";

await wasm.default({ module_or_path: new URL("../pkg/client_attestation_bg.wasm", import.meta.url) });
bind(wasm);

export * from "./core.js";
export { AttestingClient } from "./attesting-client.js";
