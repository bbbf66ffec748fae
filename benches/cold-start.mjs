// Cold start: from `import()` to the first verified result, in FRESH node processes.
//
//   node benches/cold-start.mjs [--runs 10]       standalone table (ES256 and EdDSA)
//   import { coldStart } from "./cold-start.mjs"  used by benches/js-bench.mjs
//
// Each child gets its tokens (an attestation and a fresh PoP, made by the parent) in the
// environment, then starts the clock and does, for
//   ours:         await import(".../pkg/node.js") (the package's Node entry) → new Verifier(policy) → await verify(request)
//                 (default backend: node:crypto); "ours, verifySync" uses the pure-wasm path;
//   jose:         await import("jose") (node_modules, unbundled ESM) → the jose strict verifier
//                 of benches/jose-strict.mjs (loaded before the clock; it imports nothing) →
//                 importJWK of both keys + both jwtVerify calls on the same request;
//   jose bundled: the same with jose bundled by esbuild into one minified ESM file
//                 (`--bundle --minify --format=esm --platform=browser`, as in perf-anchors §5).
// Scenarios are interleaved round-robin over the runs; the table shows medians, plus the
// process's own spawn→exit wall time (node startup included) for context.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(HERE, "..");
// What `import "client-attestation"` resolves to in Node (the "node" export condition).
const NODE_ENTRY = pathToFileURL(join(ROOT, "pkg/node.js")).href;

// ---- child --------------------------------------------------------------------------------

async function child(scenario) {
  const fx = JSON.parse(process.env.CA_BENCH_COLD);
  const req = {
    method: "POST",
    url: fx.url,
    headers: { "OAuth-Client-Attestation": fx.attestation, "OAuth-Client-Attestation-PoP": fx.pop },
    now: fx.now,
  };
  const out = { scenario };
  if (scenario.startsWith("ours")) {
    const t0 = performance.now();
    const m = await import(NODE_ENTRY);
    const t1 = performance.now();
    const v = new m.Verifier(fx.policy);
    const t2 = performance.now();
    const r = scenario === "ours-sync" ? v.verifySync(req) : await v.verify(req);
    const t3 = performance.now();
    if (!r.ok) throw new Error(`not accepted: ${r.reason} ${r.description}`);
    Object.assign(out, { import: t1 - t0, setup: t2 - t1, first: t3 - t2, total: t3 - t0 });
  } else {
    const { makeJoseStrict } = await import("./jose-strict.mjs");
    const spec = scenario === "jose-bundled" ? pathToFileURL(process.env.CA_BENCH_JOSE_BUNDLE).href : "jose";
    const t0 = performance.now();
    const jose = await import(spec);
    const t1 = performance.now();
    const verify = makeJoseStrict(jose, { attesterKeys: [fx.attesterJwk], audience: fx.audience });
    const t2 = performance.now();
    const sub = await verify(fx.attestation, fx.pop, fx.now);
    const t3 = performance.now();
    if (sub !== fx.clientId) throw new Error("jose: wrong sub");
    Object.assign(out, { import: t1 - t0, setup: t2 - t1, first: t3 - t2, total: t3 - t0 });
  }
  process.stdout.write(JSON.stringify(out));
}

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
 * @returns rows `{ alg, label, import, setup, first, total, wall, runs }` (medians, ms)
 */
export async function coldStart(cases, { runs = 10 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ca-cold-"));
  try {
    const bundle = bundleJose(dir);
    const scenarios = [
      ["ours", "ours: import (pkg/node.js) → new Verifier → await verify (default backend)"],
      ["ours-sync", "ours: import (pkg/node.js) → new Verifier → verifySync (wasm)"],
      ["jose", "jose (node_modules ESM): import → importJWK ×2 + jwtVerify ×2"],
      ...(bundle ? [["jose-bundled", "jose bundled (esbuild, 1 file): same"]] : []),
    ];
    const samples = new Map();
    for (let run = 0; run < runs; run++) {
      for (const c of cases) {
        for (const [scenario] of scenarios) {
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
            }),
            ...(bundle ? { CA_BENCH_JOSE_BUNDLE: bundle } : {}),
          };
          const w0 = performance.now();
          const stdout = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", scenario], { env, cwd: ROOT });
          const wall = performance.now() - w0;
          const r = JSON.parse(stdout.toString());
          const key = `${c.alg}\0${scenario}`;
          if (!samples.has(key)) samples.set(key, []);
          samples.get(key).push({ ...r, wall });
        }
      }
    }
    const rows = [];
    for (const c of cases) {
      for (const [scenario, label] of scenarios) {
        const s = samples.get(`${c.alg}\0${scenario}`);
        const pick = (f) => median(s.map((x) => x[f]));
        rows.push({
          alg: c.alg,
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
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printColdStart(rows, { runs, target }) {
  console.log(`\nCold start: import → first verified result, median of ${runs} fresh node processes per row (ms)`);
  console.log("| alg | scenario | import | setup | 1st verify | **import → 1st result** | min–max | process wall (incl. node startup) |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  const f = (x) => x.toFixed(1);
  for (const r of rows) {
    // The target applies to the default path; verifySync (pure wasm) is shown for comparison.
    const mark = r.scenario === "ours" ? (r.total <= target ? " ✓" : " ✗") : "";
    console.log(
      `| ${r.alg} | ${r.label} | ${f(r.import)} | ${f(r.setup)} | ${f(r.first)} | **${f(r.total)}**${mark} | ${f(r.totalMin)}–${f(r.totalMax)} | ${f(r.wall)} |`,
    );
  }
}

// ---- standalone ---------------------------------------------------------------------------

const args = process.argv.slice(2);
if (args[0] === "--child") {
  await child(args[1]);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 10;
  const fxm = await import("./fixtures.mjs");
  const cases = [];
  for (const alg of fxm.ALGS) cases.push(await coldCase(fxm, fxm.makeFixture(alg)));
  printColdStart(await coldStart(cases, { runs }), { runs, target: 15 });
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
  };
}
