// The workerd smoke worker: js/workerd.js imports pkg/client_attestation_bg.wasm as a compiled
// WebAssembly.Module (CompiledWasm). GET / runs the smoke suite and answers JSON.
import * as ca from "../../js/workerd.js";
import { runSmoke } from "./smoke.mjs";

export default {
  async fetch(request) {
    const version = new URL(request.url).searchParams.get("version") ?? "workerd";
    const result = await runSmoke(ca, "workerd", version, () => {});
    return Response.json(result, { status: result.failed === 0 ? 200 : 500 });
  },
};
