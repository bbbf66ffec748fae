// Edge integration tests on the real runtimes, 127.0.0.1 only:
//   * the Cloudflare Worker (examples/cloudflare-worker) under `wrangler dev` (local workerd),
//     with its Durable Object replay store, plus a broken-configuration instance;
//   * the Durable Object store across two isolates (miniflare, workerd);
//   * the Fastly Compute app (examples/fastly-compute) on Viceroy, plus a broken configuration.
// Closing line: `edge: N passed, M failed[, K skipped]`; exit 1 on any failure. Every process
// started here is stopped by its PID (process group) before exit.
//
// Options: --only worker|do|fastly (repeatable); EDGE_SKIP_FASTLY=1 skips the Viceroy part
// (reported as skipped); EDGE_LOG_DIR=dir keeps the server logs.
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runSuite } from "./suite.mjs";
import { runDurableObjectTests } from "./do.mjs";
import { AttestingClient } from "client-attestation";
import {
  instance, startUpstream, CLIENT_ID, sleep, Harness, ROOT, FASTLY_WASM, freePort, startWorker, startFastly, stopAll, rawRequest, viceroyPath, workerPolicy, scratch,
} from "./lib.mjs";

const { values } = parseArgs({ options: { only: { type: "string", multiple: true } } });
const only = new Set(values.only ?? ["worker", "do", "fastly"]);
const logDir = process.env.EDGE_LOG_DIR ?? scratch("edge-logs");
mkdirSync(logDir, { recursive: true });
const h = new Harness();
const t0 = Date.now();

async function brokenConfig(name, start, describeLog) {
  await h.test(`${name}: a bad policy → one clear log line, 500s with a clear body, no crash loop`, async () => {
    const { proc, origin } = await start();
    try {
      for (const [method, path] of [["GET", "/healthz"], ["POST", "/token"], ["GET", "/.well-known/oauth-authorization-server"], ["GET", "/healthz"]]) {
        const r = await rawRequest(`${origin}${path}`, { method });
        assert.equal(r.status, 500, `${path}: ${r.body}`);
        assert.equal(r.json?.error, "server_error");
        assert.match(r.json.error_description, /configuration is invalid/);
      }
      assert.ok(proc.alive, "the server process is still running");
      // The runtime forwards the worker's console output asynchronously: give it a moment.
      for (let i = 0; i < 50 && !describeLog.test(proc.log()); i++) await sleep(100);
      const log = proc.log();
      assert.match(log, describeLog, "the reason is logged");
      assert.equal(log.split("configuration refused").length - 1, 1, "logged once, not per request");
    } finally {
      await proc.stop();
    }
  });
}

async function upstreamForwarding(name, start) {
  await h.test(`${name}: UPSTREAM configured → authenticated token requests are forwarded, others are not; upstream down → 502`, async () => {
    const upstream = await startUpstream();
    const { proc, origin } = await start(upstream);
    try {
      const m = instance("ES256");
      const client = new AttestingClient({ attestation: m.attestation, key: m.key, issuer: origin });
      const res = await client.requestToken();
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.access_token, "from-upstream");
      assert.ok(res.headers.get("OAuth-Client-Attestation-Challenge"), "a fresh challenge is added");
      // (Viceroy probes each backend once with GET / at startup: count the POSTs.)
      const posts = () => upstream.seen.filter((r) => r.method === "POST");
      assert.equal(posts().length, 1);
      const got = posts()[0];
      assert.equal(got.headers.host, new URL(upstream.url).host, "Host is the upstream's");
      assert.equal(got.url, "/oauth/token");
      assert.equal(got.body, "grant_type=client_credentials");
      assert.equal(got.headers["x-client-attestation-client-id"], CLIENT_ID);
      assert.equal(got.headers["x-client-attestation-jkt"], m.key.thumbprint);
      assert.equal(got.headers["x-client-attestation-mechanism"], "attestation_pop_jwt");
      assert.equal(got.headers["oauth-client-attestation"], undefined, "the attestation is not passed on");
      assert.equal(got.headers["oauth-client-attestation-pop"], undefined);
      // A spoofed identity header from the client is replaced, and a rejected request stays here.
      const bad = await rawRequest(`${origin}/token`, {
        method: "POST",
        headers: [["X-Client-Attestation-Client-Id", "admin"], ["OAuth-Client-Attestation", "a.b.c"], ["OAuth-Client-Attestation-PoP", "a.b.c"]],
      });
      assert.equal(bad.status, 400);
      assert.equal(posts().length, 1, "not forwarded");
      await upstream.close();
      const down = await client.requestToken();
      assert.equal(down.status, 502);
      assert.equal((await down.json()).error, "temporarily_unavailable");
    } finally {
      await upstream.close().catch(() => {});
      await proc.stop();
    }
  });
}

try {
  const pkg = join(ROOT, "pkg/client_attestation_bg.wasm");
  if (!existsSync(pkg)) throw new Error("pkg/ is missing: run `make pkg` first");

  // Start the servers of the main suites side by side (startup dominates on 2 cores).
  const starts = {};
  if (only.has("worker")) {
    const port = await freePort();
    starts.worker = startWorker({ port, logFile: join(logDir, "wrangler.log") });
  }
  const skipFastly = process.env.EDGE_SKIP_FASTLY === "1";
  if (only.has("fastly") && !skipFastly) {
    if (!existsSync(FASTLY_WASM)) {
      starts.fastly = Promise.reject(new Error(`${FASTLY_WASM} is missing: run scripts/edge-test (it builds it) or cargo build in examples/fastly-compute`));
    } else {
      const port = await freePort();
      starts.fastly = startFastly({ port, logFile: join(logDir, "viceroy.log") });
    }
  }
  for (const p of Object.values(starts)) p.catch(() => {}); // awaited below

  if (only.has("worker")) {
    console.log("# Cloudflare Worker on workerd (wrangler dev 127.0.0.1)");
    let worker = null;
    await h.test("worker: wrangler dev starts and answers /healthz", async () => {
      worker = await starts.worker;
    });
    if (worker) {
      await runSuite(h, { name: "worker", origin: worker.origin, kind: "worker" });
      await h.test("worker: still healthy after the suite", async () => {
        assert.equal((await rawRequest(`${worker.origin}/healthz`)).status, 200);
        assert.ok(worker.proc.alive);
      });
      await worker.proc.stop();
    }
    const port = await freePort();
    const bad = { ...workerPolicy(), audience: `http://127.0.0.1:${port}`, attesters: [] };
    await brokenConfig("worker", () => startWorker({ port, policy: bad, logFile: join(logDir, "wrangler-bad.log") }), /configuration refused.*attesters/);
    await upstreamForwarding("worker", async (upstream) =>
      startWorker({ port: await freePort(), vars: { UPSTREAM_TOKEN_ENDPOINT: upstream.url }, logFile: join(logDir, "wrangler-upstream.log") }),
    );
  }

  if (only.has("do")) {
    console.log("# Durable Object replay store across isolates (miniflare / workerd)");
    await runDurableObjectTests(h);
  }

  if (only.has("fastly")) {
    console.log("# Fastly Compute app on Viceroy");
    if (skipFastly) {
      h.skip("fastly", "EDGE_SKIP_FASTLY=1");
    } else {
      let fastly = null;
      await h.test(`fastly: viceroy (${viceroyPath()}) starts the app and answers /healthz`, async () => {
        fastly = await starts.fastly;
      });
      if (fastly) {
        await runSuite(h, { name: "fastly", origin: fastly.origin, kind: "fastly" });
        await h.test("fastly: still healthy after the suite", async () => {
          assert.equal((await rawRequest(`${fastly.origin}/healthz`)).status, 200);
          assert.ok(fastly.proc.alive);
        });
        await fastly.proc.stop();
        const port = await freePort();
        await brokenConfig(
          "fastly",
          () => startFastly({ port, policyText: '{ "audience": "x", "attesters": [] }', logFile: join(logDir, "viceroy-bad.log") }),
          /configuration refused.*attesters/,
        );
        await upstreamForwarding("fastly", async (upstream) =>
          startFastly({
            port: await freePort(),
            config: { upstream_token_endpoint: upstream.url },
            backends: { upstream: upstream.origin },
            logFile: join(logDir, "viceroy-upstream.log"),
          }),
        );
      }
    }
  }
} catch (e) {
  h.failed += 1;
  console.log(`  FAIL  setup: ${e?.stack ?? e}`);
} finally {
  await stopAll();
}

console.log(`# ${((Date.now() - t0) / 1000).toFixed(1)} s${process.env.EDGE_LOG_DIR ? `, logs in ${logDir}` : ""}`);
if (h.failures.length) console.log(`# failed: ${h.failures.join("; ")}`);
console.log(`edge: ${h.passed} passed, ${h.failed} failed${h.skipped ? `, ${h.skipped} skipped` : ""}`);
process.exitCode = h.failed > 0 ? 1 : 0;
