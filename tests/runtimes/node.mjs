// Node (≥ 20): the package by name, so the "node" export condition (pkg/node.js, js/node.js bundled by make pkg) is used.
// Run: node tests/runtimes/node.mjs
import * as ca from "client-attestation";
import { runSmoke } from "./smoke.mjs";

const { failed } = await runSmoke(ca, "node", `node ${process.version}, ${process.platform}-${process.arch}`);
process.exitCode = failed === 0 ? 0 : 1;
