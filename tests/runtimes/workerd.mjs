// workerd through the miniflare npm API (run from Node): the worker (worker.mjs) with
// js/workerd.js, js/core.js, pkg/client_attestation.js and the .wasm as CompiledWasm.
// Run: node tests/runtimes/workerd.mjs
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { Miniflare, Log, LogLevel } from "miniflare";

const root = fileURLToPath(new URL("../../", import.meta.url));
const mod = (type, path) => ({ type, path: root + path, contents: readFileSync(root + path) });
// miniflare's own workerd binary; compatibilityDate must not be newer than it.
const require = createRequire(import.meta.url);
const workerdVersion = require(require.resolve("workerd/package.json", { paths: [require.resolve("miniflare")] })).version;
const miniflareVersion = require("miniflare/package.json").version;
const compatibilityDate = "2026-04-01";

const mf = new Miniflare({
  modulesRoot: root,
  modules: [
    mod("ESModule", "tests/runtimes/worker.mjs"),
    mod("ESModule", "tests/runtimes/smoke.mjs"),
    mod("ESModule", "js/workerd.js"),
    mod("ESModule", "js/core.js"),
    mod("ESModule", "js/internal.js"),
    mod("ESModule", "js/attesting-client.js"),
    mod("ESModule", "pkg/client_attestation.js"),
    mod("CompiledWasm", "pkg/client_attestation_bg.wasm"),
  ],
  compatibilityDate,
  cf: false, // no Request.cf download (offline)
  log: new Log(LogLevel.WARN),
});

let failed = 1;
try {
  const version = `workerd ${workerdVersion} via miniflare ${miniflareVersion}, compatibilityDate ${compatibilityDate}`;
  const res = await mf.dispatchFetch(`http://localhost/?version=${encodeURIComponent(version)}`);
  const text = await res.text();
  let result;
  try {
    result = JSON.parse(text);
  } catch {
    throw new Error(`worker answered ${res.status}: ${text.slice(0, 2000)}`);
  }
  for (const line of result.lines) console.log(line);
  failed = result.failed;
} catch (e) {
  console.log(`runtime workerd: 0 passed, 1 failed (${e?.stack ?? e})`);
} finally {
  await mf.dispose();
}
process.exitCode = failed === 0 ? 0 : 1;
