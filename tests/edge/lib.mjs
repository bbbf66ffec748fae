// Shared helpers for the edge integration tests and the load test: processes (started in their
// own process group, stopped by PID), free loopback ports, secrets, the example configurations,
// token minting, raw HTTP, and a tiny test harness. Loopback (127.0.0.1) only.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { randomBytes } from "node:crypto";
import { generateKey, createAttestation, createPop, createDpopProof, cryptoKeySigner } from "client-attestation";

export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
export const WORKER_DIR = join(ROOT, "examples/cloudflare-worker");
export const FASTLY_DIR = join(ROOT, "examples/fastly-compute");
export const FASTLY_WASM = join(FASTLY_DIR, "target/wasm32-wasip1/release/client-attestation-fastly.wasm");
export const CLIENT_ID = "https://client.example.com";

const readJson = (p) => JSON.parse(readFileSync(join(ROOT, p), "utf8"));
/** The draft's published example attester key (kid "11"): public test data. */
export const ATTESTER = readJson("tests/fixtures/keys/attester-key.private.jwk.json");

export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const secret = () => randomBytes(32).toString("base64url");

/** A temporary directory removed at exit. */
export function scratch(name) {
  const dir = mkdtempSync(join(tmpdir(), `ca-${name}-`));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const handedOut = new Set();
/**
 * A free TCP port on 127.0.0.1, never one this process handed out before: servers start side by
 * side, and the kernel may offer a port again between our probe closing it and its user binding it.
 */
export async function freePort() {
  for (let i = 0; i < 100; i++) {
    const port = await new Promise((resolve, reject) => {
      const s = createServer();
      s.unref();
      s.on("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("freePort: no new free port in 100 tries");
}

// ---- processes --------------------------------------------------------------------------------

const started = new Set();

/**
 * Starts a command in its own process group; output goes to `logFile`; `extraLogFile` (a log the
 * program writes itself) is shown with its output when it fails to start. `stop()` signals the
 * group by the leader's PID (SIGTERM, then SIGKILL after 5 s) and waits for the exit.
 */
export function startProcess(name, command, args, { cwd = ROOT, env = {}, logFile, extraLogFile } = {}) {
  const out = [];
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  // The end of the output (often the reason for an exit) arrives after "exit", with "close".
  const closed = new Promise((resolve) => child.on("close", resolve));
  const collect = (d) => {
    out.push(d.toString());
    if (out.length > 4000) out.splice(0, 1000);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const proc = {
    name,
    pid: child.pid,
    exited,
    closed,
    alive: true,
    log: () => out.join("").replace(/\x1b\[[0-9;]*m/g, ""),
    /** The tail of the output, and of `extraLogFile` if there is one: for error messages. */
    tail() {
      const extra = extraLogFile && existsSync(extraLogFile) ? `\n--- ${extraLogFile} (tail) ---\n${readFileSync(extraLogFile, "utf8").slice(-3000)}` : "";
      return proc.log().slice(-3000) + extra;
    },
    async stop() {
      if (!proc.alive) return;
      proc.alive = false;
      started.delete(proc);
      const signalGroup = (sig) => {
        try {
          process.kill(-child.pid, sig);
          return true;
        } catch {
          return false; // the group is gone
        }
      };
      signalGroup("SIGTERM");
      const timeout = sleep(5000).then(() => "timeout");
      if ((await Promise.race([exited, timeout])) === "timeout") signalGroup("SIGKILL");
      await exited;
      // Children (workerd under wrangler) share the group: make sure none is left.
      for (let i = 0; i < 50 && signalGroup(0); i++) await sleep(100);
      if (signalGroup(0)) signalGroup("SIGKILL");
      if (logFile) writeFileSync(logFile, out.join(""));
    },
  };
  child.on("exit", () => {
    if (logFile) writeFileSync(logFile, out.join(""));
  });
  started.add(proc);
  return proc;
}

/** Stops every process still running (also on SIGINT/SIGTERM and at exit). */
export async function stopAll() {
  await Promise.all([...started].map((p) => p.stop()));
}
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    await stopAll();
    process.exit(130);
  });
}
process.on("exit", () => {
  for (const p of started) {
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

/** Waits until GET url answers (any status) or the process exits or `ms` pass. */
export async function waitForHttp(proc, url, ms = 60_000) {
  const deadline = Date.now() + ms;
  let exited = null;
  proc.exited.then((e) => (exited = e));
  while (Date.now() < deadline) {
    if (exited) {
      await Promise.race([proc.closed, sleep(1000)]); // a child may hold the pipes open
      const how = exited.signal ? `signal ${exited.signal}` : `code ${exited.code}`;
      throw new Error(`${proc.name} exited (${how}) before answering:\n${proc.tail()}`);
    }
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`${proc.name} did not answer ${url} within ${ms} ms:\n${proc.tail()}`);
}

// ---- the example configurations --------------------------------------------------------------

/** The POLICY var of examples/cloudflare-worker/wrangler.jsonc (comment lines removed). */
export function workerPolicy() {
  const text = readFileSync(join(WORKER_DIR, "wrangler.jsonc"), "utf8")
    .split("\n")
    .filter((l) => !l.trim().startsWith("//"))
    .join("\n");
  return JSON.parse(text).vars.POLICY;
}

/** Secrets for one run: { CHALLENGE_SECRET, DPOP_NONCE_SECRET, TOKEN_SECRET }. */
export function secrets() {
  return { CHALLENGE_SECRET: secret(), DPOP_NONCE_SECRET: secret(), TOKEN_SECRET: secret() };
}

/**
 * The environment of every `wrangler dev` we start: non-interactive, no metrics, and offline —
 * without CLOUDFLARE_CF_FETCH_ENABLED=false, miniflare fetches https://workers.cloudflare.com/cf.json
 * (for `request.cf`) on each start without a cached copy; the worker does not read `request.cf`.
 */
const WRANGLER_ENV = { CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" };

/**
 * Starts the example worker with `wrangler dev` on 127.0.0.1:port (local workerd, offline),
 * its audience moved to that origin, or `policy` instead of the shipped one.
 */
export async function startWorker({ port, policy, dir = scratch("wrangler"), logFile, envSecrets = secrets(), vars = {} }) {
  const origin = `http://127.0.0.1:${port}`;
  const p = policy ?? { ...workerPolicy(), audience: origin };
  const envFile = join(dir, "secrets.env");
  writeFileSync(envFile, Object.entries(envSecrets).map(([k, v]) => `${k}=${v}`).join("\n") + "\n", { mode: 0o600 });
  const inspector = await freePort();
  const debugLog = join(dir, "wrangler-debug.log");
  const proc = startProcess(
    `wrangler dev :${port}`,
    join(ROOT, "node_modules/.bin/wrangler"),
    [
      "dev", "--config", join(WORKER_DIR, "wrangler.jsonc"), "--ip", "127.0.0.1", "--port", String(port),
      "--inspector-port", String(inspector), "--env-file", envFile, "--persist-to", join(dir, "state"),
      "--var", `POLICY:${JSON.stringify(p)}`, ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
      "--show-interactive-dev-session=false", "--log-level", "info",
    ],
    { cwd: WORKER_DIR, env: { ...WRANGLER_ENV, WRANGLER_LOG_PATH: debugLog }, logFile, extraLogFile: debugLog },
  );
  await waitForHttp(proc, `${origin}/healthz`, 90_000);
  return { proc, origin };
}

/** The worker's modules: [name relative to ROOT, "esModule" | "wasm"], following relative imports. */
function moduleGraph(entry) {
  const seen = new Map();
  const visit = (name) => {
    if (seen.has(name)) return;
    if (name.endsWith(".wasm")) {
      seen.set(name, "wasm");
      return;
    }
    seen.set(name, "esModule");
    const text = readFileSync(join(ROOT, name), "utf8");
    for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s*(?:[^"';]*?\sfrom\s*)?["'](\.{1,2}\/[^"']+)["']/g)) {
      visit(relative(ROOT, join(ROOT, name, "..", m[1])));
    }
  };
  visit(entry);
  return [...seen];
}

/**
 * Starts the example worker on standalone `workerd serve` (npm workerd; no wrangler, no dev
 * proxy, no inspector: what production runs), with the Durable Object replay store on local
 * disk. Used by the load test.
 */
export async function startWorkerd({ port, dir = scratch("workerd"), logFile, envSecrets = secrets(), policy }) {
  const origin = `http://127.0.0.1:${port}`;
  const p = policy ?? { ...workerPolicy(), audience: origin };
  const modules = moduleGraph("examples/cloudflare-worker/src/worker.js");
  const q = (v) => JSON.stringify(v); // a Cap'n Proto text literal (same escapes as JSON)
  mkdirSync(join(dir, "do"), { recursive: true });
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "do-disk", disk = (path = ${q(join(dir, "do"))}, writable = true)),
  ],
  sockets = [(name = "http", address = ${q(`127.0.0.1:${port}`)}, http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
${modules.map(([name, kind]) => `    (name = ${q(name)}, ${kind} = embed ${q(relative(dir, join(ROOT, name)))}),`).join("\n")}
  ],
  compatibilityDate = "2026-04-01",
  bindings = [
    (name = "POLICY", json = ${q(JSON.stringify(p))}),
${Object.entries(envSecrets).map(([k, v]) => `    (name = ${q(k)}, text = ${q(v)}),`).join("\n")}
    (name = "REPLAY", durableObjectNamespace = "ReplayShard"),
  ],
  durableObjectNamespaces = [(className = "ReplayShard", uniqueKey = "client-attestation-replay", enableSql = true)],
  durableObjectStorage = (localDisk = "do-disk"),
);
`;
  const file = join(dir, "config.capnp");
  writeFileSync(file, config, { mode: 0o600 });
  const proc = startProcess(`workerd :${port}`, join(ROOT, "node_modules/.bin/workerd"), ["serve", file, "--verbose"], { logFile });
  await waitForHttp(proc, `${origin}/healthz`, 60_000);
  return { proc, origin };
}

/** The viceroy binary: $VICEROY, else ~/.cargo/bin/viceroy, else PATH. */
export function viceroyPath() {
  if (process.env.VICEROY) return process.env.VICEROY;
  const home = join(process.env.CARGO_HOME ?? join(process.env.HOME ?? "", ".cargo"), "bin/viceroy");
  return existsSync(home) ? home : "viceroy";
}

/**
 * Starts the Fastly app on Viceroy on 127.0.0.1:port with the example fastly.toml, its
 * audience moved to that origin (or `policyText` as the policy entry).
 */
export async function startFastly({ port, policyText, dir = scratch("viceroy"), logFile, envSecrets = secrets(), config = {}, backends = {} }) {
  const origin = `http://127.0.0.1:${port}`;
  let toml = readFileSync(join(FASTLY_DIR, "fastly.toml"), "utf8").replaceAll("http://127.0.0.1:7676", origin);
  if (policyText !== undefined) toml = toml.replace(/policy = '''[\s\S]*?'''/, `policy = '''${policyText}'''`);
  // Extra config store entries, and backends (e.g. the upstream AS).
  const contents = "[local_server.config_stores.client_attestation.contents]\n";
  toml = toml.replace(contents, contents + Object.entries(config).map(([k, v]) => `${k} = ${JSON.stringify(v)}\n`).join(""));
  for (const [name, url] of Object.entries(backends)) toml += `\n[local_server.backends.${name}]\nurl = ${JSON.stringify(url)}\n`;
  const manifest = join(dir, "fastly.toml");
  mkdirSync(dir, { recursive: true });
  writeFileSync(manifest, toml);
  const env = {
    CA_CHALLENGE_SECRET: envSecrets.CHALLENGE_SECRET,
    CA_DPOP_NONCE_SECRET: envSecrets.DPOP_NONCE_SECRET,
    CA_TOKEN_SECRET: envSecrets.TOKEN_SECRET,
  };
  const proc = startProcess(`viceroy :${port}`, viceroyPath(), ["-C", manifest, "--addr", `127.0.0.1:${port}`, FASTLY_WASM], {
    env,
    logFile,
  });
  await waitForHttp(proc, `${origin}/healthz`, 60_000);
  return { proc, origin };
}

/** A stand-in upstream AS on 127.0.0.1: records each request, answers a token response. */
export async function startUpstream() {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      res.end(JSON.stringify({ access_token: "from-upstream", token_type: "Bearer", expires_in: 60 }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    seen,
    url: `http://127.0.0.1:${server.address().port}/oauth/token`,
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// ---- tokens -------------------------------------------------------------------------------------

/** A fresh instance key and an attestation for it from the draft's example attester (kid 11). */
export function instance(alg = "ES256", { issuerKey = ATTESTER, kid = "11", now = nowSeconds(), expiresIn = 3600, clientId = CLIENT_ID } = {}) {
  const key = generateKey(alg);
  const attestation = createAttestation({ issuerKey, kid, clientId, instanceKey: key, now, expiresIn });
  return { key, attestation };
}

export const pop = (key, audience, challenge, extra = {}) =>
  createPop({ key, audience, ...(challenge ? { challenge } : {}), ...extra });
export const dpop = (key, method, url, nonce, extra = {}) =>
  createDpopProof({ key, method, url, ...(nonce ? { nonce } : {}), ...extra });
export { generateKey, createAttestation, cryptoKeySigner };

/** Decodes a JWT's claims (no verification). */
export const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));

// ---- raw HTTP -----------------------------------------------------------------------------------

/**
 * A raw HTTP/1.1 request with node:http: `headers` is a list of [name, value] lines, sent as
 * given (duplicates stay separate lines). Resolves { status, headers, body, json }.
 */
export function rawRequest(url, { method = "GET", headers = [], body } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    // Raw header lines (node adds nothing to an array of headers, so Host goes in here).
    const flat = ["Host", u.host];
    for (const [n, v] of headers) flat.push(n, v);
    if (body !== undefined || (method !== "GET" && method !== "HEAD")) flat.push("Content-Length", String(Buffer.byteLength(body ?? "")));
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: flat, agent: false, timeout: 15_000 },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, body: text, json });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const FORM = [["Content-Type", "application/x-www-form-urlencoded"]];
export const CLIENT_CREDENTIALS = "grant_type=client_credentials";

// ---- harness --------------------------------------------------------------------------------------

export class Harness {
  passed = 0;
  failed = 0;
  skipped = 0;
  failures = [];

  async test(name, fn) {
    const t0 = Date.now();
    try {
      await fn();
      this.passed += 1;
      console.log(`  ok    ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      this.failed += 1;
      this.failures.push(name);
      console.log(`  FAIL  ${name} (${Date.now() - t0} ms)\n        ${String(e?.stack ?? e).split("\n").slice(0, 6).join("\n        ")}`);
    }
  }

  skip(name, why) {
    this.skipped += 1;
    console.log(`  skip  ${name}: ${why}`);
  }
}

