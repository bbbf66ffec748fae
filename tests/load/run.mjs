// Load test (`make load`): autocannon against the Cloudflare Worker on workerd (standalone
// `workerd serve`, as in production: no wrangler dev proxy or inspector)
// and the Fastly app on Viceroy, on 127.0.0.1 only, bounded in count and time, stopping by
// itself. Per target: requests/s and p50/p99 latency for valid token requests (ES256 and EdDSA
// instance keys, each request with its own pre-generated PoP and a server challenge) and for a
// garbage flood; the server's resident memory sampled throughout (>= 100,000 requests).
//
//   node tests/load/run.mjs [--targets worker,fastly] [--valid N] [--garbage N]
//                           [--connections C] [--phase-seconds S] [--quick]
// Writes test-output/load.json. Exit 1 if a valid request was refused, a garbage request was
// not a 400, or a phase hit its time limit.
import { createPrivateKey, sign as nodeSign, randomBytes } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ROOT, freePort, startWorkerd, startFastly, stopAll, rawRequest, instance, nowSeconds, sleep, scratch,
} from "../edge/lib.mjs";

const { values } = parseArgs({
  options: {
    targets: { type: "string", default: "worker,fastly" },
    valid: { type: "string", default: "40000" },
    garbage: { type: "string", default: "20000" },
    warmup: { type: "string", default: "1000" },
    connections: { type: "string", default: "16" },
    "phase-seconds": { type: "string", default: "150" },
    instances: { type: "string", default: "64" },
    quick: { type: "boolean", default: false },
    "fastly-replay-scope": { type: "string", default: "pop" },
  },
});
const quick = values.quick;
const VALID = quick ? 2000 : Number(values.valid); // per algorithm
const GARBAGE = quick ? 2000 : Number(values.garbage);
const WARMUP = quick ? 200 : Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const PHASE_SECONDS = Number(values["phase-seconds"]);
const INSTANCES = Number(values.instances);
const targets = values.targets.split(",").map((s) => s.trim()).filter(Boolean);

// autocannon (npm, pinned in package.json); AUTOCANNON_MODULE points elsewhere if needed.
const autocannon = (await import(process.env.AUTOCANNON_MODULE ?? "autocannon")).default;

// ---- pre-generated proofs (node's native crypto: the load generator must not be the bottleneck) --

const b64u = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

function popSigner(alg, privateJwk) {
  const key = createPrivateKey({ key: privateJwk, format: "jwk" });
  return (input) =>
    alg === "ES256"
      ? nodeSign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" })
      : nodeSign(null, Buffer.from(input), key);
}

/** `count` token requests' headers: `instances` instance keys round-robin, a fresh PoP each. */
function validRequests(alg, count, audience, challenge) {
  const header = b64u({ alg, typ: "oauth-client-attestation-pop+jwt" });
  const pool = Array.from({ length: Math.min(INSTANCES, count) }, () => {
    const m = instance(alg);
    return { attestation: m.attestation, sign: popSigner(alg, m.key.privateJwk) };
  });
  const iat = nowSeconds();
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const inst = pool[i % pool.length];
    const input = `${header}.${b64u({ aud: audience, challenge, iat, jti: randomBytes(16).toString("base64url") })}`;
    out[i] = {
      "content-type": "application/x-www-form-urlencoded",
      "oauth-client-attestation": inst.attestation,
      "oauth-client-attestation-pop": `${input}.${inst.sign(input).toString("base64url")}`,
    };
  }
  return out;
}

// ---- memory sampling ------------------------------------------------------------------------

function rssOfGroup(pgid) {
  // Every process in the server's process group (wrangler + workerd, or viceroy).
  let total = 0;
  const byName = {};
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue; // field 5: pgrp
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const name = /Name:\s+(\S+)/.exec(status)?.[1] ?? "?";
      total += kb;
      byName[name] = (byName[name] ?? 0) + kb;
    } catch {
      // exited meanwhile
    }
  }
  return { totalMiB: total / 1024, byName: Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, v / 1024])) };
}

function sampler(pgid, serverName) {
  const samples = [];
  let requests = 0;
  let phase = "start";
  const take = () => {
    const r = rssOfGroup(pgid);
    samples.push({ t: Date.now(), phase, requests, total: r.totalMiB, server: r.byName[serverName] ?? 0 });
  };
  take();
  const timer = setInterval(take, 500);
  return {
    samples,
    add(n) {
      requests += n;
      take();
    },
    phase(label) {
      phase = label;
    },
    stop() {
      clearInterval(timer);
      take();
    },
  };
}

// ---- phases ------------------------------------------------------------------------------------

function runPhase({ origin, amount, headersFor }) {
  return new Promise((resolve, reject) => {
    let i = 0;
    const statuses = {};
    const instance = autocannon(
      {
        url: origin,
        connections: CONNECTIONS,
        amount,
        timeout: 20,
        maxOverallRequests: amount,
        requests: [
          {
            method: "POST",
            path: "/token",
            setupRequest: (req) => ({ ...req, headers: headersFor(i++), body: "grant_type=client_credentials" }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ result, statuses })),
    );
    instance.on("response", (_client, statusCode) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
    const limit = setTimeout(() => {
      instance.stop();
      statuses.timeLimitHit = true;
    }, PHASE_SECONDS * 1000);
    instance.on("done", () => clearTimeout(limit));
  });
}

const garbageHeaders = {
  "content-type": "application/x-www-form-urlencoded",
  "oauth-client-attestation": "garbage.not-a.jwt",
  "oauth-client-attestation-pop": "%%%",
};

async function challenge(origin) {
  const r = await rawRequest(`${origin}/challenge`, { method: "POST" });
  if (r.status !== 200) throw new Error(`challenge: HTTP ${r.status}`);
  return r.json.attestation_challenge;
}

async function loadTarget(name) {
  const port = await freePort();
  const dir = scratch(`load-${name}`);
  const logFile = join(dir, `${name}.log`);
  const { proc, origin } =
    name === "worker"
      ? await startWorkerd({ port, dir, logFile })
      : await startFastly({ port, dir, logFile, config: { replay_scope: values["fastly-replay-scope"] } });
  const serverName = name === "worker" ? "workerd" : "viceroy";
  const mem = sampler(proc.pid, serverName);
  const rows = [];
  let ok = true;
  try {
    const phases = [
      { label: "warm-up (EdDSA)", alg: "EdDSA", amount: WARMUP, record: false },
      { label: "valid ES256", alg: "ES256", amount: VALID },
      { label: "valid EdDSA", alg: "EdDSA", amount: VALID },
      { label: "garbage flood", amount: GARBAGE, garbage: true },
    ];
    for (const p of phases) {
      let headersFor;
      if (p.garbage) {
        headersFor = () => garbageHeaders;
      } else {
        const t0 = Date.now();
        const list = validRequests(p.alg, p.amount, origin, await challenge(origin));
        headersFor = (i) => list[i % list.length];
        if (p.record !== false) console.log(`  ${name}: ${p.amount} ${p.alg} PoPs pre-generated in ${Date.now() - t0} ms`);
      }
      mem.phase(p.label);
      const { result, statuses } = await runPhase({ origin, amount: p.amount, headersFor });
      mem.add(result.requests.total);
      const expected = p.garbage ? "400" : "200";
      const good = statuses[expected] ?? 0;
      const row = {
        target: name,
        phase: p.label,
        requests: result.requests.total,
        rps: Math.round(result.requests.total / (Math.max(1, new Date(result.finish) - new Date(result.start)) / 1000)),
        p50: result.latency.p50,
        p99: result.latency.p99,
        statuses,
        expected,
        unexpected: result.requests.total - good,
        errors: result.errors + result.timeouts,
        rssMiB: mem.samples.at(-1).server,
      };
      rows.push(row);
      if (p.record === false) continue;
      const bad = row.unexpected > 0 || row.errors > 0 || statuses.timeLimitHit;
      if (bad) ok = false;
      console.log(
        `  ${name}: ${p.label.padEnd(14)} ${String(row.requests).padStart(6)} req  ${String(row.rps).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  ` +
          `statuses ${JSON.stringify(statuses)}${bad ? "  <-- UNEXPECTED" : ""}`,
      );
    }
  } finally {
    mem.stop();
    await proc.stop();
  }
  const s = mem.samples;
  const afterWarmup = s.find((x) => x.requests >= WARMUP) ?? s[0];
  const last = s.at(-1);
  const peak = s.reduce((m, x) => Math.max(m, x.server), 0);
  const total = s.at(-1).requests;
  const memory = {
    serverProcess: serverName,
    requests: total,
    rssAfterWarmupMiB: +afterWarmup.server.toFixed(1),
    rssEndMiB: +last.server.toFixed(1),
    rssPeakMiB: +peak.toFixed(1),
    groupPeakMiB: +s.reduce((m, x) => Math.max(m, x.total), 0).toFixed(1),
    // RSS at each quarter of the requests, to show the trend.
    byQuarter: [0.25, 0.5, 0.75, 1].map((q) => +(s.find((x) => x.requests >= q * total) ?? last).server.toFixed(1)),
  };
  // Flat: from the first quarter of the requests (past allocator / JIT / cache warm-up) to the
  // end, RSS grows by at most 15 %; and the stateless garbage flood adds at most 5 %.
  memory.growthAfterFirstQuarterPct = +((100 * (memory.byQuarter[3] - memory.byQuarter[0])) / memory.byQuarter[0]).toFixed(1);
  const byPhase = Object.fromEntries(rows.map((r) => [r.phase, r.rssMiB]));
  // Within the flood: from a quarter of its duration to its end.
  const flood = s.filter((x) => x.phase === "garbage flood");
  const floodFrom = flood.length ? flood[Math.floor(flood.length / 4)].server : last.server;
  memory.garbageGrowthPct = +((100 * (last.server - floodFrom)) / floodFrom).toFixed(1);
  memory.bytesPerValidRequest = Math.round(((byPhase["valid EdDSA"] - byPhase["warm-up (EdDSA)"]) * 1048576) / (2 * VALID));
  // Viceroy emulates the Core Cache in its own process (an unbounded in-memory map that never
  // evicts expired objects), so with replay_scope "pop" its RSS holds every accepted request's
  // replay key; on Fastly the cache lives outside the sandbox. Judge that case by the flood.
  const cacheInProcess = name === "fastly" && values["fastly-replay-scope"] === "pop";
  memory.flat = memory.garbageGrowthPct <= 5 && (cacheInProcess || memory.growthAfterFirstQuarterPct <= 15);
  // Too few requests (--quick) to be past warm-up: report, do not judge.
  memory.judged = total >= 100_000;
  if (memory.judged && !memory.flat) ok = false;
  console.log(
    `  ${name}: memory (${serverName} RSS) over ${total} requests: after warm-up ${memory.rssAfterWarmupMiB} MiB, ` +
      `at 25/50/75/100 %: ${memory.byQuarter.join(" / ")} MiB, peak ${memory.rssPeakMiB} MiB; ` +
      `${memory.growthAfterFirstQuarterPct >= 0 ? "+" : ""}${memory.growthAfterFirstQuarterPct} % after the first quarter, ` +
      `${memory.garbageGrowthPct >= 0 ? "+" : ""}${memory.garbageGrowthPct} % over the garbage flood: ${memory.judged ? (memory.flat ? "flat" : "NOT FLAT") : "not judged (< 100,000 requests)"}`,
  );
  if (cacheInProcess) {
    console.log(
      `  ${name}: (Viceroy keeps the POP-cache replay keys in its own process, never evicting them: ` +
        `~${memory.bytesPerValidRequest} bytes per accepted request; run with --fastly-replay-scope instance for the app alone)`,
    );
  }
  return { rows, memory, ok };
}

const report = { date: new Date().toISOString(), connections: CONNECTIONS, validPerAlg: VALID, garbage: GARBAGE, warmup: WARMUP, targets: {} };
let ok = true;
try {
  for (const t of targets) {
    console.log(`# ${t === "worker" ? "Cloudflare Worker on workerd (workerd serve)" : "Fastly app on Viceroy"}: ${CONNECTIONS} connections`);
    const r = await loadTarget(t);
    report.targets[t] = r;
    ok &&= r.ok;
    await sleep(500);
  }
} finally {
  await stopAll();
}
mkdirSync(join(ROOT, "test-output"), { recursive: true });
writeFileSync(join(ROOT, "test-output/load.json"), JSON.stringify(report, null, 2));
console.log(`load: ${ok ? "OK" : "FAILED"} (test-output/load.json)`);
process.exitCode = ok ? 0 : 1;
