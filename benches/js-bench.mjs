// `make bench` (JS part): our Verifier against the strict jose baseline, side by side in ONE
// node process, as issue 5 asks; then the wasm size and the cold start in fresh processes.
//
//   scripts/bench-js [--rounds 7] [--round-ms 300] [--warm-ms 400] [--cold-runs 10]
//                    [--alg ES256|EdDSA] [--quick] [--profile] [--no-cold]
//
// Workload (shared/notes/perf-anchors.md §4): per alg, one attestation (package's
// createAttestation) reused by every request and a FRESH PoP (fresh jti) per request,
// pre-generated and untimed; a fixed `now`. Every result is checked (ok / returned sub) and the
// run aborts on any rejection, so nothing is measured that did not verify.
//
// Rows per alg:
//   jose strict          importJWK of the attester key and of cnf.jwk per request, 2× jwtVerify,
//                        plus cnf/jti/aud checks and a Map replay set (benches/jose-strict.mjs)
//   jose strict, att key cached   the same with the attester key imported once (this is the
//                        perf-anchors §4 baseline: "with the attester key cached")
//   ours default         new Verifier(policy); await verifier.verify({ method, url, headers, now }) —
//                        in Node: node:crypto (synchronous alone, thread pool with others in flight)
//   ours wasm            new Verifier({ ...policy, backend: "wasm" }); await verify(…)
//   ours verifySync      verifier.verifySync(…) (pure wasm, synchronous; sequential only)
// Modes: sequential (await each) and 16 in flight (16 lanes, each awaiting its next request, so
// 16 promises are always outstanding).
//
// Method (perf-anchors "Method"): cells (row × mode) are warmed up, calibrated to ~round-ms per
// round, then run interleaved round-robin for `rounds` rounds; a cell's figure is its median
// round. Every timed run builds a fresh verifier (empty replay store; the first request also
// verifies the attestation) and replays the pool's first n PoPs, after a full GC and a 40 ms
// pause (see cell() and settle()). "spread" is ±½·(max − min)/median of the rounds.

import { readFileSync, existsSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants as zc } from "node:zlib";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import os from "node:os";
import * as jose from "jose";
import { Verifier } from "../js/node.js";
import { ALGS, NOW, makeFixture, request, checkFixtures } from "./fixtures.mjs";
import { makeJoseStrict } from "./jose-strict.mjs";
import { coldStart, coldCase, compiledOnFirstUse, printColdStart, printCompiled } from "./cold-start.mjs";
import * as fixturesModule from "./fixtures.mjs";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const TARGET = { ratio: 2, gzip: 160_000, coldMs: 15 };

// ---- options --------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const quick = flag("--quick");
const ROUNDS = Number(opt("--rounds", quick ? 3 : 7));
const ROUND_MS = Number(opt("--round-ms", quick ? 150 : 300));
const WARM_MS = Number(opt("--warm-ms", quick ? 200 : 400));
const COLD_RUNS = Number(opt("--cold-runs", quick ? 5 : 10));
const ONLY_ALG = opt("--alg", null);
const IN_FLIGHT = 16;
const algs = ONLY_ALG ? [ONLY_ALG] : ALGS;

// ---- sizes ------------------------------------------------------------------------------------

function sizes() {
  const wasmPath = join(ROOT, "pkg/client_attestation_bg.wasm");
  const gluePath = join(ROOT, "pkg/client_attestation.js");
  const row = (p) => {
    const b = readFileSync(p);
    const gz = gzipSync(b, { level: 9 }).length;
    const br = brotliCompressSync(b, {
      params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: b.length },
    }).length;
    // GNU gzip's own deflate differs from zlib's by a few hundred bytes; show both.
    const cli = spawnSync("gzip", ["-9", "-c", p], { maxBuffer: 1 << 26 });
    return { raw: b.length, gz, gzCli: cli.status === 0 ? cli.stdout.length : null, br };
  };
  return { wasm: row(wasmPath), glue: row(gluePath) };
}

// ---- harness ----------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const gc = globalThis.gc ?? (() => {});
// Before every timed run (after its PoPs and verifier are made): a full GC, then a short idle
// pause so V8's concurrent sweeping of earlier garbage (the previous cell's) finishes on the
// background threads instead of taking CPU from the timed run on a 2-core machine.
const SETTLE_MS = 40;
async function settle() {
  gc();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

/**
 * A cell: one implementation in one mode. `make()` builds a fresh verifier (with an empty
 * replay store) and returns `once(pop)`, which verifies one request and returns true when it
 * was accepted. Every timed run gets a fresh verifier and replays the same PoPs from the
 * start of the pool: each run is one verifier's first n requests after a warm-up elsewhere,
 * for every implementation alike, so the pool and the stores do not grow from run to run.
 * (A default replay store that grows during a run makes V8 grow the wasm memory, and with
 * async crypto jobs in flight that costs extra major GCs: measured ~14–15 k → ~10 k req/s
 * for EdDSA 16 in flight while a single verifier's store grew past ~50 k entries; a store in
 * steady state — entries expiring as fast as they come — reuses its memory instead.)
 */
function cell(fx, impl, mode, make, sync = false) {
  return { fx, impl, mode, make, sync, n: 0, rates: [] };
}

async function runCell(c, n) {
  await c.fx.pool.ensure(n); // untimed
  const once = c.make();
  await settle();
  const pops = c.fx.pool.pops;
  let bad = 0;
  let t0;
  if (c.mode === "seq" && c.sync) {
    t0 = performance.now();
    for (let i = 0; i < n; i++) if (!once(pops[i])) bad++;
  } else if (c.mode === "seq") {
    t0 = performance.now();
    for (let i = 0; i < n; i++) if (!(await once(pops[i]))) bad++;
  } else {
    let next = 0;
    const lane = async () => {
      while (next < n) {
        const i = next++;
        if (!(await once(pops[i]))) bad++;
      }
    };
    t0 = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  }
  const ms = performance.now() - t0;
  if (bad) throw new Error(`${c.fx.alg} ${c.impl} ${c.mode}: ${bad} of ${n} requests were not accepted`);
  return (n * 1000) / ms;
}

async function warmAndCalibrate(c) {
  // Warm up in growing chunks for ~WARM_MS; the rate of the last chunk sets the round size.
  let n = 16;
  let rate = 0;
  const t = performance.now();
  while (performance.now() - t < WARM_MS) {
    rate = await runCell(c, n);
    n = Math.max(16, Math.min(n * 2, Math.round((rate * WARM_MS) / 4000)));
  }
  c.n = Math.max(32, Math.round((rate * ROUND_MS) / 1000));
}

function cellsFor(fx) {
  const cells = [];
  const joseVariants = [
    ["jose strict (importJWK ×2 per request)", false],
    ["jose strict, attester key cached (perf-anchors §4)", true],
  ];
  const att = fx.attestation;
  for (const mode of ["seq", "par"]) {
    for (const [impl, cacheAttesterKey] of joseVariants) {
      const make = () => {
        const v = makeJoseStrict(jose, { attesterKeys: [fx.attesterJwk], audience: fx.policy.audience, cacheAttesterKey });
        return async (pop) => (await v(att, pop, NOW)) === fixturesModule.CLIENT_ID;
      };
      cells.push(cell(fx, impl, mode, make));
    }
    for (const [impl, backend] of [
      ["ours: verify(), default backend (node:crypto)", undefined],
      ['ours: verify(), backend "wasm"', "wasm"],
    ]) {
      const make = () => {
        const v = new Verifier(backend ? { ...fx.policy, backend } : fx.policy);
        return async (pop) => (await v.verify(request(att, pop))).ok === true;
      };
      cells.push(cell(fx, impl, mode, make));
    }
  }
  const makeSync = () => {
    const v = new Verifier(fx.policy);
    return (pop) => v.verifySync(request(att, pop)).ok === true;
  };
  cells.push(cell(fx, "ours: verifySync() (pure wasm)", "seq", makeSync, true));
  return cells;
}

// ---- profile (--profile): where our time goes, phase by phase ----------------------------------

async function profile(fx) {
  // Re-runs Verifier.verify's steps (js/core.js) on one wasm instance, timing each one: the
  // same calls in the same order, with node:crypto's synchronous verify (what a lone request
  // uses in Node). The wasm classes are internal; only this profile touches them.
  const wasm = await import("../pkg/client_attestation.js");
  const { headerPairs } = await import("../js/core.js");
  const { decodeChecks } = await import("../js/internal.js");
  const nodeCrypto = await import("node:crypto");
  const core = new wasm.WasmVerifier(JSON.stringify(fx.policy), undefined);
  const coreSync = new wasm.WasmVerifier(JSON.stringify(fx.policy), undefined);
  const keys = new Map();
  // js/core.js coreRequest for this input shape: method, url, flat headers, now, six unset
  // options, no flags.
  const coreArgs = (input) => [input.method, String(input.url), headerPairs(input.headers).flat(), input.now, undefined, undefined, undefined, undefined, undefined, undefined, 0];
  const N = 3000;
  const pool = fx.pool; // these WasmVerifiers have their own replay stores
  await pool.ensure(2 * N + 401);
  const acc = {};
  const add = (k, dt) => (acc[k] = (acc[k] ?? 0) + dt);
  let checksPerReq = 0;
  const one = (pop, timed) => {
    const T = timed ? add : () => {};
    let t = performance.now();
    const input = request(fx.attestation, pop);
    const args = coreArgs(input);
    let u = performance.now(); T("1 normalise input (JS)", u - t); t = u;
    const prepared = core.prepare(...args);
    u = performance.now(); T("2 prepare (request in + parse/checks)", u - t); t = u;
    const data = prepared.checkData();
    u = performance.now(); T("3 checkData() (one buffer)", u - t); t = u;
    const checks = decodeChecks(data); // one check per request once the attestation is cached
    checksPerReq = checks.length;
    const bits = new Uint8Array(checks.length);
    for (const [i, c] of checks.entries()) {
      let k = keys.get(c.thumbprint);
      if (!k) keys.set(c.thumbprint, (k = nodeCrypto.createPublicKey({ key: c.jwk(), format: "jwk" })));
      const ok = c.alg === "ES256"
        ? nodeCrypto.verify("sha256", c.message, { key: k, dsaEncoding: "ieee-p1363" }, c.signature)
        : nodeCrypto.verify(null, c.message, k, c.signature);
      bits[i] = ok ? 1 : 0;
    }
    u = performance.now(); T("4 decode + node:crypto verify (synchronous)", u - t); t = u;
    const r = prepared.finish(bits, core);
    u = performance.now(); T("5 finish: settle + replay store + result object", u - t); t = u;
    prepared.free();
    if (!r.ok) throw new Error(`profile: not accepted: ${r.reason}`);
  };
  for (let i = 0; i < 400; i++) one(pool.pops[i], false);
  const t0 = performance.now();
  for (let i = 400; i < 400 + N; i++) one(pool.pops[i], true);
  const total = performance.now() - t0;

  // The sync path (Verifier.verifySync: prepare, then finishWithWasm), timed whole.
  const ts = performance.now();
  for (let i = 400 + N; i < 400 + 2 * N; i++) {
    const input = request(fx.attestation, pool.pops[i]);
    const p = coreSync.prepare(...coreArgs(input));
    const r = p.finishWithWasm(coreSync);
    p.free();
    if (!r.ok) throw new Error("profile sync: not accepted");
  }
  const syncUs = ((performance.now() - ts) * 1000) / N;
  const sample = await new Verifier(fx.policy).verify(request(fx.attestation, pool.pops[pool.pops.length - 1]));

  console.log(`\nProfile ${fx.alg}: our verify() split into its steps (sequential, ${N} requests, µs/request)`);
  console.log(`| step | µs | share |`);
  console.log(`|---|---:|---:|`);
  for (const [k, v] of Object.entries(acc)) console.log(`| ${k} | ${((v * 1000) / N).toFixed(1)} | ${((100 * v) / total).toFixed(0)} % |`);
  console.log(`| **total (${checksPerReq} signature check${checksPerReq === 1 ? "" : "s"} per request)** | **${((total * 1000) / N).toFixed(1)}** | |`);
  console.log(`| for reference: verifySync (pure wasm) | ${syncUs.toFixed(1)} | |`);
  console.log(`result object: ${JSON.stringify(sample).length} chars of JSON`);
}

// ---- main -------------------------------------------------------------------------------------

const fmt = (x) => Math.round(x).toLocaleString("en-US").replace(/,/g, " ");
const ratio = (a, b) => (b ? `${(a / b).toFixed(2)}×` : "–");
const spread = (rates) => (rates.length > 1 ? `±${((50 * (Math.max(...rates) - Math.min(...rates))) / median(rates)).toFixed(0)} %` : "–");

async function main() {
  const load = os.loadavg();
  console.log(
    `client-attestation JS benchmark — node ${process.version}, jose ${JSON.parse(readFileSync(join(ROOT, "node_modules/jose/package.json"))).version}, ` +
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model?.trim()}), load average ${load.map((l) => l.toFixed(2)).join(" ")}`,
  );
  console.log(`method: ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms per cell after ${WARM_MS} ms warm-up; median round; ${IN_FLIGHT} in flight = ${IN_FLIGHT} lanes${globalThis.gc ? "; gc() + 40 ms pause before every round" : ""}`);

  const fixtures = algs.map(makeFixture);
  for (const fx of fixtures) await checkFixtures(fx, Verifier);

  if (flag("--profile")) {
    for (const fx of fixtures) await profile(fx);
    if (!flag("--all")) return;
  }

  const cells = fixtures.flatMap(cellsFor);
  for (const c of cells) {
    await warmAndCalibrate(c);
  }
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so no cell always follows the same neighbour.
    for (let k = 0; k < cells.length; k++) {
      const c = cells[(k + r) % cells.length];
      c.rates.push(await runCell(c, c.n));
    }
  }

  // ---- the table --------------------------------------------------------------------------
  const get = (alg, impl, mode) => cells.find((c) => c.fx.alg === alg && c.impl === impl && c.mode === mode);
  const J = "jose strict (importJWK ×2 per request)";
  const JC = "jose strict, attester key cached (perf-anchors §4)";
  const impls = [J, JC, "ours: verify(), default backend (node:crypto)", 'ours: verify(), backend "wasm"', "ours: verifySync() (pure wasm)"];
  console.log(`\nThroughput: attestation + PoP requests/s (same attestation, fresh PoP each), one node process`);
  console.log(
    `| alg | implementation | sequential req/s | µs/req | vs jose | vs jose (att key cached) | ${IN_FLIGHT} in flight req/s | vs jose | vs jose (att key cached) | spread seq / ${IN_FLIGHT} |`,
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  const results = {};
  for (const alg of algs) {
    const m = (impl, mode) => {
      const c = get(alg, impl, mode);
      return c ? median(c.rates) : null;
    };
    for (const impl of impls) {
      const s = m(impl, "seq");
      const p = m(impl, "par");
      const cs = get(alg, impl, "seq");
      const cp = get(alg, impl, "par");
      results[`${alg}|${impl}`] = { s, p };
      console.log(
        `| ${alg} | ${impl} | ${fmt(s)} | ${(1e6 / s).toFixed(1)} | ${ratio(s, m(J, "seq"))} | ${ratio(s, m(JC, "seq"))} | ` +
          `${p ? fmt(p) : "–"} | ${p ? ratio(p, m(J, "par")) : "–"} | ${p ? ratio(p, m(JC, "par")) : "–"} | ${spread(cs.rates)} / ${cp ? spread(cp.rates) : "–"} |`,
      );
    }
  }
  console.log("ratio = ours / jose in the same mode (verifySync against sequential jose). Round medians per cell:");
  for (const c of cells) console.log(`  ${c.fx.alg} ${c.mode} ${c.impl}: ${c.rates.map(fmt).join(", ")} (n=${c.n}/round)`);

  // ---- size -------------------------------------------------------------------------------
  const sz = sizes();
  const kb = (b) => `${b} B (${(b / 1000).toFixed(1)} KB)`;
  console.log(`\nwasm size (pkg/client_attestation_bg.wasm): raw ${kb(sz.wasm.raw)}, gzip -9 (zlib) ${kb(sz.wasm.gz)}` +
    (sz.wasm.gzCli ? `, gzip -9 (GNU gzip) ${kb(sz.wasm.gzCli)}` : "") + `, brotli q11 ${kb(sz.wasm.br)}; JS glue ${sz.glue.raw} B raw / ${sz.glue.gz} B gzip`);

  // ---- cold start -------------------------------------------------------------------------
  let cold = null;
  if (!flag("--no-cold")) {
    const cases = [];
    for (const fx of fixtures) cases.push(await coldCase(fixturesModule, fx));
    cold = await coldStart(cases, { runs: COLD_RUNS });
    printColdStart(cold, { runs: COLD_RUNS, target: TARGET.coldMs });
    printCompiled(compiledOnFirstUse(cases));
  }

  // ---- targets ----------------------------------------------------------------------------
  console.log(`\nTargets (issue 5), against the jose strict baseline [and against jose with the attester key cached]:`);
  const ok = (b) => (b ? "MET" : "MISSED");
  // Besides the ratio of medians, the median of per-round ratios (cells of one round ran within
  // seconds of each other, so this pairs them under the same background load) and its range.
  const paired = (a, b) => {
    const rs = a.rates.map((x, i) => x / b.rates[i]);
    return `paired per-round ${median(rs).toFixed(2)}× (${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)})`;
  };
  for (const alg of algs) {
    const ours = results[`${alg}|ours: verify(), default backend (node:crypto)`];
    const j = results[`${alg}|${J}`];
    const jc = results[`${alg}|${JC}`];
    for (const [mode, k, m] of [["sequential", "s", "seq"], [`${IN_FLIGHT} in flight`, "p", "par"]]) {
      const r = ours[k] / j[k];
      const rc = ours[k] / jc[k];
      const o = get(alg, "ours: verify(), default backend (node:crypto)", m);
      console.log(
        `  ${alg} ${mode}: ${r.toFixed(2)}× jose (≥ ${TARGET.ratio}×) ${ok(r >= TARGET.ratio)}, ${paired(o, get(alg, J, m))}` +
          ` [vs att key cached: ${rc.toFixed(2)}× ${ok(rc >= TARGET.ratio)}, ${paired(o, get(alg, JC, m))}]`,
      );
    }
  }
  const gzWorst = Math.max(sz.wasm.gz, sz.wasm.gzCli ?? 0);
  console.log(`  wasm gzip -9 ≤ 160 KB: zlib ${sz.wasm.gz} B${sz.wasm.gzCli ? `, GNU gzip ${sz.wasm.gzCli} B` : ""} → ${ok(gzWorst <= TARGET.gzip)} with 160 KB = 160 000 B` +
    `${gzWorst > TARGET.gzip ? `, ${ok(gzWorst <= 160 * 1024)} with 160 KiB = 163 840 B` : ""}`);
  if (cold) {
    // The target is the default path (`await verify()`); verifySync is the opt-in pure-wasm path
    // (P-256 in wasm, compiled and run in V8's baseline tier on a cold start), shown beside it.
    // The host's speed varies (±50 % within an hour on the shared CI machine); bundled jose in
    // the same run shows how fast the host was, so its ratio is printed beside the verdict.
    // Both process states are judged; "bare" (nothing loaded before the import) is the stricter.
    for (const r of cold.filter((x) => x.scenario === "ours")) {
      const sync = cold.find((x) => x.scenario === "ours-sync" && x.alg === r.alg && x.state === r.state);
      const jb = cold.find((x) => x.scenario === "jose-bundled" && x.alg === r.alg && x.state === r.state);
      console.log(
        `  ${r.alg} (${r.state} process) import → first result (verify, default backend) ≤ ${TARGET.coldMs} ms: ${r.total.toFixed(1)} ms ${ok(r.total <= TARGET.coldMs)}` +
          (jb ? ` (${(r.total / jb.total).toFixed(2)}× bundled jose's ${jb.total.toFixed(1)} ms in this run)` : "") +
          (sync ? ` [verifySync, pure wasm: ${sync.total.toFixed(1)} ms]` : ""),
      );
    }
  }
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
}

await main();
