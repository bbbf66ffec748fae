// The Durable Object replay store on workerd (through miniflare): two copies of the example
// worker in two isolates share one ReplayShard namespace; N concurrent replays of one proof,
// split across both isolates, must give exactly one acceptance. Plus the store's own contract
// and its alarm cleanup.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { ROOT, WORKER_DIR, workerPolicy, secrets, instance, pop, dpop, nowSeconds, sleep, FORM, CLIENT_CREDENTIALS } from "./lib.mjs";

const ORIGIN = "http://edge.test";

/** A test-only worker exercising DurableObjectReplayStore / ReplayShard directly. */
const STORE_WORKER = `
import { DurableObjectReplayStore } from "./js/replay-do.js";
export { ReplayShard } from "./js/replay-do.js";
export default {
  async fetch(request, env) {
    const { op, key, expiresAt, prefixLength } = await request.json();
    const store = new DurableObjectReplayStore(env.REPLAY, { prefixLength: prefixLength ?? 2, name: "t" });
    if (op === "check") return Response.json({ fresh: await store.checkAndStore(key, expiresAt) });
    if (op === "size") return Response.json({ size: await store.shard(key).size() });
    if (op === "shard") return Response.json({ shard: store.shardName(key) });
    return new Response("bad op", { status: 400 });
  },
};`;

function workerOptions(name, policy, env, doScript) {
  return {
    name,
    modules: true,
    modulesRoot: ROOT,
    scriptPath: join(WORKER_DIR, "src/worker.js"),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    bindings: { POLICY: policy, ...env },
    durableObjects: { REPLAY: { className: "ReplayShard", useSQLite: true, ...(doScript ? { scriptName: doScript } : {}) } },
  };
}

export async function runDurableObjectTests(h) {
  const policy = { ...workerPolicy(), audience: ORIGIN };
  const env = secrets();
  const mf = new Miniflare({
    host: "127.0.0.1",
    cf: false, // no Request.cf download (offline)
    workers: [
      workerOptions("edge-a", policy, env),
      workerOptions("edge-b", policy, env, "edge-a"),
      {
        name: "store",
        modules: [
          { type: "ESModule", path: join(ROOT, "store-test.js"), contents: STORE_WORKER },
          { type: "ESModule", path: join(ROOT, "js/replay-do.js") },
        ],
        compatibilityDate: "2026-04-01",
        durableObjects: { REPLAY: { className: "ReplayShard", useSQLite: true } },
      },
    ],
  });
  try {
    await mf.ready;
    const a = await mf.getWorker("edge-a");
    const b = await mf.getWorker("edge-b");
    const store = await mf.getWorker("store");
    const call = async (body) => (await store.fetch("http://store.test/", { method: "POST", body: JSON.stringify(body) })).json();

    await h.test("durable object: 2 isolates × 16 concurrent copies of one PoP → exactly one 200", async () => {
      const m = instance("ES256");
      const ch = await (await a.fetch(`${ORIGIN}/challenge`, { method: "POST" })).json();
      const headers = { ...Object.fromEntries(FORM), "OAuth-Client-Attestation": m.attestation, "OAuth-Client-Attestation-PoP": pop(m.key, ORIGIN, ch.attestation_challenge) };
      const send = (w) => w.fetch(`${ORIGIN}/token`, { method: "POST", headers, body: CLIENT_CREDENTIALS }).then(async (r) => ({ status: r.status, body: await r.text() }));
      const results = await Promise.all(Array.from({ length: 32 }, (_, i) => send(i % 2 ? a : b)));
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1, results.map((r) => r.status).join(","));
      for (const r of results.filter((x) => x.status !== 200)) {
        assert.equal(r.status, 400);
        assert.match(JSON.parse(r.body).error_description, /already used|replay/i);
      }
    });

    await h.test("durable object: combined-mode DPoP proof replayed across isolates → exactly one 200", async () => {
      const m = instance("EdDSA");
      const first = await b.fetch(`${ORIGIN}/challenge`, { method: "POST" });
      const nonce = first.headers.get("DPoP-Nonce");
      await first.arrayBuffer();
      const headers = { ...Object.fromEntries(FORM), "OAuth-Client-Attestation": m.attestation, DPoP: dpop(m.key, "POST", `${ORIGIN}/token`, nonce) };
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).fetch(`${ORIGIN}/token`, { method: "POST", headers, body: CLIENT_CREDENTIALS }).then((r) => r.status)),
      );
      assert.equal(results.filter((s) => s === 200).length, 1, results.join(","));
    });

    await h.test("durable object store: check-and-store contract, sharding by thumbprint prefix", async () => {
      const exp = nowSeconds() + 60;
      const key = "AbCdEfthumbprint.jtihash1";
      assert.deepEqual(await call({ op: "check", key, expiresAt: exp }), { fresh: true });
      assert.deepEqual(await call({ op: "check", key, expiresAt: exp }), { fresh: false });
      assert.deepEqual(await call({ op: "check", key: "AbCdEfthumbprint.jtihash2", expiresAt: exp }), { fresh: true });
      assert.deepEqual(await call({ op: "shard", key }), { shard: "t:Ab" });
      assert.deepEqual(await call({ op: "shard", key, prefixLength: 1 }), { shard: "t:A" });
      const racers = await Promise.all(Array.from({ length: 50 }, () => call({ op: "check", key: "ZZrace.k", expiresAt: exp })));
      assert.equal(racers.filter((r) => r.fresh).length, 1);
      // An invalid key throws (through the RPC): the Verifier then fails closed (503).
      await assert.rejects(
        store.fetch("http://store.test/", { method: "POST", body: JSON.stringify({ op: "check", key: "", expiresAt: exp }) }).then(async (r) => {
          if (r.status >= 500) throw new TypeError(await r.text());
          return r;
        }),
        /key must be a non-empty string/,
      );
    });

    await h.test("durable object store: expired entries are forgotten and the alarm deletes them", async () => {
      const key = "QQexpiry.k";
      const exp = nowSeconds() + 1;
      assert.deepEqual(await call({ op: "check", key, expiresAt: exp }), { fresh: true });
      assert.deepEqual(await call({ op: "size", key }), { size: 1 });
      await sleep((exp + 2) * 1000 - Date.now() + 500);
      assert.deepEqual(await call({ op: "size", key }), { size: 0 });
      assert.deepEqual(await call({ op: "check", key, expiresAt: nowSeconds() + 60 }), { fresh: true }, "a key whose entry expired is fresh again");
    });
  } finally {
    await mf.dispose();
  }
}
