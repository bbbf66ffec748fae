// Cold start: from `import()` to the first verified result, in FRESH node processes.
//
//   node benches/cold-start.mjs [--runs 10]       standalone table (ES256 and EdDSA)
//   import { coldStart } from "./cold-start.mjs"  used by benches/js-bench.mjs
//
// Each child (benches/cold-child.mjs, a file that imports nothing) gets its tokens (an
// attestation and a fresh PoP, made by the parent) in the environment, then starts the clock
// and does, for
//   ours:         await import(".../pkg/node.js") (the package's Node entry) → new Verifier(policy) → await verify(request)
//                 (default backend: node:crypto); "ours-sync" is the pure-wasm path (backend "wasm", verifySync);
//   ours-pop:     the client side, await import(".../pkg/node.js") → the first createPop (bare
//                 state only; no jose counterpart, so no ratio);
//   jose:         await import("jose") (node_modules, unbundled ESM) → the jose strict verifier
//                 of benches/jose-strict.mjs (loaded before the clock; it imports nothing) →
//                 importJWK of both keys + both jwtVerify calls on the same request;
//   jose bundled: the same with jose bundled by esbuild into one minified ESM file
//                 (`--bundle --minify --format=esm --platform=browser`, as in perf-anchors §5).
// In two process states: "bare" (a script that has loaded nothing: the strictest case) and
// "server" (node:http loaded before the clock, as in any HTTP server; it brings node:stream,
// which node:crypto and WebCrypto both need).
// Scenarios are interleaved round-robin over the runs; the table shows medians, plus the
// process's own spawn→exit wall time (node startup included) for context.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Process states a child starts its clock in: what it has loaded before `import`. */
export const STATES = [
  { state: "bare", preload: "" },
  { state: "server", preload: "node:http" },
];

const HERE = fileURLToPath(new URL(".", import.meta.url));
const CHILD = join(HERE, "cold-child.mjs");
const ROOT = join(HERE, "..");
// What `import "client-attestation"` resolves to in Node (the "node" export condition).
const NODE_ENTRY = pathToFileURL(join(ROOT, "pkg/node.js")).href;

// ---- parent -------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function bundleJose(dir) {
  const esbuild = join(ROOT, "node_modules/.bin/esbuild");
  if (!existsSync(esbuild)) return null;
  const out = join(dir, "jose.bundle.mjs");
  execFileSync(esbuild, ["--bundle", "--minify", "--format=esm", "--platform=browser", `--outfile=${out}`, "--log-level=error"], {
    cwd: ROOT,
    input: 'export { jwtVerify, importJWK } from "jose";\n',
  });
  return out;
}

/**
 * @param {Array<{ alg, url, audience, clientId, now, attestation, attesterJwk, policy, pop }>} cases
 * @returns rows `{ alg, state, scenario, label, import, setup, first, total, totalMin, totalMax, wall, runs }` (medians, ms)
 */
export async function coldStart(cases, { runs = 10 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ca-cold-"));
  try {
    const bundle = bundleJose(dir);
    const scenarios = [
      ["ours", "ours: import (pkg/node.js) → new Verifier → await verify (default backend)"],
      ["ours-sync", "ours: import (pkg/node.js) → new Verifier (backend wasm) → verifySync"],
      ["ours-pop", "ours, client side: import (pkg/node.js) → first createPop"],
      ["jose", "jose (node_modules ESM): import → importJWK ×2 + jwtVerify ×2"],
      ...(bundle ? [["jose-bundled", "jose bundled (esbuild, 1 file): same"]] : []),
    ];
    const samples = new Map();
    for (let run = 0; run < runs; run++) {
      for (const c of cases) {
        for (const { state, preload } of STATES) {
          for (const [scenario] of scenarios) {
            // In the server state only the default path and bundled jose (the budget's pair).
            if (state !== "bare" && scenario !== "ours" && scenario !== "jose-bundled") continue;
            const env = {
              ...process.env,
              CA_BENCH_COLD: JSON.stringify({
                url: c.url,
                audience: c.audience,
                clientId: c.clientId,
                now: c.now,
                attestation: c.attestation,
                attesterJwk: c.attesterJwk,
                policy: c.policy,
                pop: c.pop,
                instanceKey: c.instanceKey,
              }),
              CA_BENCH_PRELOAD: preload,
              CA_BENCH_ENTRY: NODE_ENTRY,
              ...(bundle ? { CA_BENCH_JOSE_BUNDLE: pathToFileURL(bundle).href } : {}),
            };
            const w0 = performance.now();
            const stdout = execFileSync(process.execPath, [CHILD, scenario], { env, cwd: ROOT });
            const wall = performance.now() - w0;
            const r = JSON.parse(stdout.toString());
            const key = `${c.alg}\0${state}\0${scenario}`;
            if (!samples.has(key)) samples.set(key, []);
            samples.get(key).push({ ...r, wall });
          }
        }
      }
    }
    const rows = [];
    for (const c of cases) {
      for (const { state } of STATES) {
        for (const [scenario, label] of scenarios) {
          const s = samples.get(`${c.alg}\0${state}\0${scenario}`);
          if (!s) continue;
          const pick = (f) => median(s.map((x) => x[f]));
          rows.push({
            alg: c.alg,
            state,
            scenario,
            label,
            import: pick("import"),
            setup: pick("setup"),
            first: pick("first"),
            total: pick("total"),
            totalMin: Math.min(...s.map((x) => x.total)),
            totalMax: Math.max(...s.map((x) => x.total)),
            wall: pick("wall"),
            runs: s.length,
          });
        }
      }
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The wasm code V8 compiles on first use (lazily, function by function, with Liftoff) for
 * `new Verifier` and for the first `verify`: function count and body bytes, from
 * `--trace-wasm-compilation-times` in fresh processes stopped after each step. Deterministic
 * (the same functions run every time), unlike the timings, so it shows what a change to the
 * code on that path does to the cold start (~23 KB of wasm per ms on this machine).
 * @returns rows `{ alg, step, functions, bytes }`
 */
export function compiledOnFirstUse(cases) {
  const rows = [];
  for (const c of cases) {
    const env = (stop) => ({
      ...process.env,
      CA_BENCH_COLD: JSON.stringify({ url: c.url, now: c.now, attestation: c.attestation, policy: c.policy, pop: c.pop }),
      CA_BENCH_ENTRY: NODE_ENTRY,
      CA_BENCH_STOP: stop,
    });
    const compiled = (stop) => {
      const out = execFileSync(process.execPath, ["--trace-wasm-compilation-times", CHILD, "ours"], { env: env(stop), cwd: ROOT });
      const sizes = [...out.toString().matchAll(/using Liftoff, took [^;]*; bodysize (\d+)/g)].map((m) => Number(m[1]));
      return { functions: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) };
    };
    const [atImport, atNew, atVerify] = ["import", "new", "verify"].map(compiled);
    // A verification compiles wasm whatever the build: nothing counted means the trace's format
    // changed (or the flag is gone), not that nothing was compiled.
    if (atVerify.functions === 0) {
      throw new Error("compiledOnFirstUse: no Liftoff lines in node's --trace-wasm-compilation-times output (has V8's trace format changed?)");
    }
    rows.push({ alg: c.alg, step: "new Verifier(policy)", functions: atNew.functions - atImport.functions, bytes: atNew.bytes - atImport.bytes });
    rows.push({ alg: c.alg, step: "first verify()", functions: atVerify.functions - atNew.functions, bytes: atVerify.bytes - atNew.bytes });
  }
  return rows;
}

export function printCompiled(rows) {
  console.log("\nwasm compiled on first use (V8 Liftoff, lazily per function; function bodies, same every run):");
  console.log("| alg | step | functions | bytes |");
  console.log("|---|---|---:|---:|");
  for (const r of rows) console.log(`| ${r.alg} | ${r.step} | ${r.functions} | ${r.bytes} |`);
}

export function printColdStart(rows, { runs, target }) {
  console.log(`\nCold start: import → first verified result, median of ${runs} fresh node processes per row (ms)`);
  console.log("process states: bare = a script that has loaded nothing before the import; server = node:http loaded first");
  console.log("| alg | process | scenario | import | setup | 1st verify | **import → 1st result** | min–max | × bundled jose | process wall (incl. node startup) |");
  console.log("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
  const f = (x) => x.toFixed(1);
  for (const r of rows) {
    // The target applies to the default path; verifySync (pure wasm) is shown for comparison.
    const mark = r.scenario === "ours" ? (r.total <= target ? " ✓" : " ✗") : "";
    const jb = rows.find((x) => x.alg === r.alg && x.state === r.state && x.scenario === "jose-bundled");
    // Against bundled jose's verification: for the two verifying paths only.
    const ratio = jb && (r.scenario === "ours" || r.scenario === "ours-sync") ? `${(r.total / jb.total).toFixed(2)}×` : "";
    console.log(
      `| ${r.alg} | ${r.state} | ${r.label} | ${f(r.import)} | ${f(r.setup)} | ${f(r.first)} | **${f(r.total)}**${mark} | ${f(r.totalMin)}–${f(r.totalMax)} | ${ratio} | ${f(r.wall)} |`,
    );
  }
}

// ---- standalone ---------------------------------------------------------------------------

const args = process.argv.slice(2);
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 10;
  const fxm = await import("./fixtures.mjs");
  const cases = [];
  for (const alg of fxm.ALGS) cases.push(await coldCase(fxm, fxm.makeFixture(alg)));
  printColdStart(await coldStart(cases, { runs }), { runs, target: 15 });
  printCompiled(compiledOnFirstUse(cases));
}

/**
 * A cold-start case from a benches/fixtures.mjs fixture. Every child is a fresh process with an
 * empty replay store, so all children can verify the same PoP.
 */
export async function coldCase(fxm, fx) {
  await fx.pool.ensure(1);
  return {
    alg: fx.alg,
    url: fxm.URL_TOKEN,
    audience: fxm.AUDIENCE,
    clientId: fxm.CLIENT_ID,
    now: fxm.NOW,
    attestation: fx.attestation,
    attesterJwk: fx.attesterJwk,
    policy: fx.policy,
    pop: fx.pool.pops[0],
    instanceKey: fx.instance.privateJwk,
  };
}
