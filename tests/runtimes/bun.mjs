// Bun: js/node.js (the Node entry; Bun runs it unchanged).
// Run: node_modules/.bin/bun tests/runtimes/bun.mjs
import * as ca from "../../js/node.js";
import { runSmoke } from "./smoke.mjs";

const { failed } = await runSmoke(ca, "bun", `bun ${Bun.version}`);
process.exitCode = failed === 0 ? 0 : 1;
