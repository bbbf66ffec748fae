// Properties of the built package that no API test would notice: the shape of the wasm exports,
// which the cold start depends on (issue 5: import → first verified result ≤ 15 ms, measured by
// benches/cold-start.mjs; with multi-value results the API keeps working, only slower), and that
// the Node entry stays loadable by CommonJS `require` (no top-level await), and which builtins
// importing it loads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const WASM = fileURLToPath(new URL("../../pkg/client_attestation_bg.wasm", import.meta.url));
const NODE_ENTRY = fileURLToPath(new URL("../../pkg/node.js", import.meta.url));

/** Function signatures of a module's exports: `{ name, params, results }` (value type bytes). */
function exportSignatures(bytes) {
  let p = 8;
  const u = () => {
    let v = 0;
    let s = 0;
    for (;;) {
      const b = bytes[p++];
      v |= (b & 0x7f) << s;
      s += 7;
      if (!(b & 0x80)) return v >>> 0;
    }
  };
  const types = [];
  const funcTypes = []; // type index per function index, imports first
  const exports = [];
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = u();
    const end = p + size;
    if (id === 1) {
      for (let n = u(); n > 0; n--) {
        assert.equal(bytes[p++], 0x60, "func type");
        const params = Array.from({ length: u() }, () => bytes[p++]);
        const results = Array.from({ length: u() }, () => bytes[p++]);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u(); n > 0; n--) {
        for (let k = 0; k < 2; k++) {
          const len = u(); // module, then name
          p += len;
        }
        const kind = bytes[p++];
        if (kind === 0) funcTypes.push(u());
        else if (kind === 1) (p++, bytes[p++] & 1 ? (u(), u()) : u()); // table: reftype, limits
        else if (kind === 2) bytes[p++] & 1 ? (u(), u()) : u(); // memory limits
        else if (kind === 3) p += 2; // global: valtype, mutability
        else throw new Error(`import kind ${kind}`);
      }
    } else if (id === 3) {
      for (let n = u(); n > 0; n--) funcTypes.push(u());
    } else if (id === 7) {
      for (let n = u(); n > 0; n--) {
        const len = u();
        const name = Buffer.from(bytes.subarray(p, p + len)).toString("utf8");
        p += len;
        const kind = bytes[p++];
        const index = u();
        if (kind === 0) exports.push({ name, ...types[funcTypes[index]] });
      }
    }
    p = end;
  }
  return exports;
}

test("wasm exports return at most one value (V8's generic JS-to-wasm wrapper, no per-signature compile at load)", () => {
  const sigs = exportSignatures(readFileSync(WASM));
  assert.ok(sigs.length > 20, `found ${sigs.length} exported functions`);
  assert.ok(sigs.some((s) => s.name === "wasmverifier_prepare"), "the verifier's exports are there");
  const multi = sigs.filter((s) => s.results.length > 1).map((s) => `${s.name} → ${s.results.length} results`);
  assert.deepEqual(multi, [], "multi-value results: node 20 compiles a TurboFan wrapper per signature while loading");
  const features = WebAssembly.Module.customSections(new WebAssembly.Module(readFileSync(WASM)), "target_features");
  assert.equal(features.length, 1, "target_features section kept");
  assert.ok(!Buffer.from(features[0]).toString("latin1").includes("multivalue"), "target_features lists no multivalue");
});

test("CommonJS require() of the Node entry works where Node can require ES modules (no top-level await in it)", (t) => {
  if (process.features.require_module !== true) return t.skip(`require(esm) is not enabled in node ${process.version}`);
  const out = execFileSync(
    process.execPath,
    [
      "-e",
      `const m = require(${JSON.stringify(NODE_ENTRY)});
       const k = m.generateKey("EdDSA");
       process.stdout.write(JSON.stringify({ verifier: typeof m.Verifier, alg: k.alg, inspect: m.inspect(m.createPop({ key: k, audience: "https://as.example", now: 1772487600 })).kind }));`,
    ],
    { encoding: "utf8" },
  );
  assert.deepEqual(JSON.parse(out), { verifier: "function", alg: "EdDSA", inspect: "pop" });
});

test("importing the Node entry loads node:crypto but not WebCrypto (cold start)", () => {
  // An ES `import … from "node:crypto"` builds the builtin's ESM facade, which reads every
  // export, and the `webcrypto` getter loads WebCrypto: ~0.5 ms of the cold start the Node
  // entry never uses (it takes builtins from process.getBuiltinModule).
  const out = execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const before = new Set(process.moduleLoadList);
       const m = await import(${JSON.stringify(NODE_ENTRY)});
       const loaded = process.moduleLoadList.filter((x) => !before.has(x)).map((x) => x.replace("NativeModule ", ""));
       process.stdout.write(JSON.stringify({ verifier: typeof m.Verifier, loaded }));`,
    ],
    { encoding: "utf8" },
  );
  const { verifier, loaded } = JSON.parse(out);
  assert.equal(verifier, "function");
  assert.ok(loaded.includes("crypto"), `node:crypto is loaded at import (the default backend): ${loaded.join(" ")}`);
  assert.ok(!loaded.includes("internal/crypto/webcrypto"), "WebCrypto loaded by importing the package");
});

test("on a Node without process.getBuiltinModule (< 20.16), importing the Node entry fails with a clear message", () => {
  const r = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", `delete process.getBuiltinModule; await import(${JSON.stringify(NODE_ENTRY)});`],
    { encoding: "utf8" },
  );
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /client-attestation needs Node\.js ≥ 20\.16 or ≥ 22\.3 \(process\.getBuiltinModule\); this is v\d+/);
});
