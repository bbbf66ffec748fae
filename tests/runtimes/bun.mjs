// Bun: pkg/node.js (the bundled Node entry, what the package's "node" condition gives Bun).
// Run: node_modules/.bin/bun tests/runtimes/bun.mjs
import * as ca from "../../pkg/node.js";
import { runSmoke } from "./smoke.mjs";

const { failed } = await runSmoke(ca, "bun", `bun ${Bun.version}`);
process.exitCode = failed === 0 ? 0 : 1;
