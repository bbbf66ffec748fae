// Deno: js/deno.js (reads the wasm with Deno.readFile, so it needs --allow-read).
// Run: node_modules/.bin/deno run --allow-read tests/runtimes/deno.mjs
import * as ca from "../../js/deno.js";
import { runSmoke } from "./smoke.mjs";

const { failed } = await runSmoke(ca, "deno", `deno ${Deno.version.deno} (v8 ${Deno.version.v8})`);
if (failed !== 0) Deno.exit(1);
