// One cold-start sample (benches/cold-start.mjs spawns this file in a fresh node process).
//
//   node benches/cold-child.mjs <scenario>      scenario: ours | ours-sync | ours-pop | jose | jose-bundled
//
// This file imports nothing, so the clock starts in a process that has loaded only what node
// itself loads for a script ("bare"), plus the builtins named in CA_BENCH_PRELOAD (e.g.
// "node:http", what a server has loaded before it imports a verifier). Measured: the parent
// script's own imports (node:child_process pulls in node:stream) took ~1 ms off our import,
// because node:crypto and WebCrypto load node:stream too — hence a separate, empty child.
//
// Prints one JSON line: { scenario, import, setup, first, total } in ms.

const [scenario] = process.argv.slice(2);
const fx = JSON.parse(process.env.CA_BENCH_COLD);
for (const name of (process.env.CA_BENCH_PRELOAD ?? "").split(",").filter(Boolean)) {
  process.getBuiltinModule(name);
}
const req = {
  method: "POST",
  url: fx.url,
  headers: { "OAuth-Client-Attestation": fx.attestation, "OAuth-Client-Attestation-PoP": fx.pop },
  now: fx.now,
};
// The first performance.now() loads node's perf_hooks: before the clock, for every scenario.
performance.now();
const out = { scenario };
if (scenario === "ours" || scenario === "ours-sync") {
  // CA_BENCH_STOP=import|new|verify: stop after that step, print nothing (used with V8's
  // --trace-wasm-compilation-times, which then is the only output: see compiledOnFirstUse).
  const stop = process.env.CA_BENCH_STOP;
  const t0 = performance.now();
  const m = await import(process.env.CA_BENCH_ENTRY);
  const t1 = performance.now();
  if (stop === "import") process.exit(0);
  // The pure-wasm path as its users configure it: backend "wasm".
  const v = new m.Verifier(scenario === "ours-sync" ? { ...fx.policy, backend: "wasm" } : fx.policy);
  const t2 = performance.now();
  if (stop === "new") process.exit(0);
  const r = scenario === "ours-sync" ? v.verifySync(req) : await v.verify(req);
  const t3 = performance.now();
  if (!r.ok) throw new Error(`not accepted: ${r.reason} ${r.description}`);
  if (stop === "verify") process.exit(0);
  Object.assign(out, { import: t1 - t0, setup: t2 - t1, first: t3 - t2, total: t3 - t0 });
} else if (scenario === "ours-pop") {
  // The client side (an agent runtime, a tool gateway): import → the first PoP it sends.
  const t0 = performance.now();
  const m = await import(process.env.CA_BENCH_ENTRY);
  const t1 = performance.now();
  const pop = m.createPop({ key: fx.instanceKey, audience: fx.audience, now: fx.now });
  const t2 = performance.now();
  if (typeof pop !== "string" || pop.split(".").length !== 3) throw new Error("ours-pop: no PoP");
  Object.assign(out, { import: t1 - t0, setup: 0, first: t2 - t1, total: t2 - t0 });
} else if (scenario === "jose" || scenario === "jose-bundled") {
  // jose-strict.mjs imports nothing; loaded before the clock, like the harness in ours.
  const { makeJoseStrict } = await import("./jose-strict.mjs");
  const spec = scenario === "jose-bundled" ? process.env.CA_BENCH_JOSE_BUNDLE : "jose";
  const t0 = performance.now();
  const jose = await import(spec);
  const t1 = performance.now();
  const verify = makeJoseStrict(jose, { attesterKeys: [fx.attesterJwk], audience: fx.audience });
  const t2 = performance.now();
  const sub = await verify(fx.attestation, fx.pop, fx.now);
  const t3 = performance.now();
  if (sub !== fx.clientId) throw new Error("jose: wrong sub");
  Object.assign(out, { import: t1 - t0, setup: t2 - t1, first: t3 - t2, total: t3 - t0 });
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
process.stdout.write(JSON.stringify(out));
