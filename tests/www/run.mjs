// Browser tests of the inspector page (issue 7): Playwright (playwright-core) driving Debian's
// Chromium against scripts/serve-www on a free 127.0.0.1 port.
//
//   node tests/www/run.mjs            # all tests
//   node tests/www/run.mjs curl fuzz  # only tests whose name contains one of the words
//
// Screenshots (desktop 1280×800 and phone 390×844, light and dark) go to test-output/www/.
// Every page is watched: an uncaught error, or any request after the page is ready, fails the
// test it happens in. Prints "www: N passed, M failed" and exits non-zero on a failure.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import assert from "node:assert/strict";

const root = fileURLToPath(new URL("../..", import.meta.url));
const outDir = join(root, "test-output", "www");
mkdirSync(outDir, { recursive: true });
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const EXAMPLE_TIME = 1772487600;
const only = process.argv.slice(2);

for (const f of ["pkg/client_attestation_bg.wasm", "pkg/client_attestation.js", "node_modules/playwright-core/package.json"]) {
  if (!existsSync(join(root, f))) {
    console.error(`www: ${f} is missing (run \`make pkg\` / \`make wasm-tools\` first)`);
    console.log("www: 0 passed, 1 failed");
    process.exit(1);
  }
}
if (!existsSync(CHROMIUM)) {
  console.error(`www: ${CHROMIUM} is missing (apt-get install chromium, or set CHROMIUM)`);
  console.log("www: 0 passed, 1 failed");
  process.exit(1);
}
const { chromium } = await import(join(root, "node_modules/playwright-core/index.mjs"));

// ---- the static server (our own process, stopped by PID) -------------------------------------

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "scripts/serve-www"), "--port", "0"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`serve-www did not start: ${out}`)), 10_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+)\/www\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ pid: child.pid, origin: m[1], child });
      }
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => reject(new Error(`serve-www exited (${code}): ${out}`)));
  });
}

function stopServer(server) {
  if (!server) return;
  try {
    process.kill(server.pid, "SIGTERM");
  } catch {
    /* already gone */
  }
}

// ---- harness ---------------------------------------------------------------------------------

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

let browser;
let server;

/** A fresh page on the inspector, watched for errors and for requests after it is ready. */
async function open({ width = 1280, height = 800, colorScheme = "light", hash = "" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const watch = { errors: [], late: [], foreign: [], ready: false };
  page.on("pageerror", (e) => watch.errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") watch.errors.push(`console: ${m.text()}`);
  });
  page.on("request", (r) => {
    if (watch.ready) watch.late.push(`${r.method()} ${r.url().slice(0, 120)}`);
  });
  // Nothing may leave for another origin, ever: refuse and record it.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${server.origin}/`)) return route.continue();
    watch.foreign.push(url.slice(0, 120));
    return route.abort();
  });
  await page.goto(`${server.origin}/www/${hash}`);
  await page.waitForSelector("html[data-ready]", { timeout: 15_000 });
  assert.equal(await page.getAttribute("html", "data-ready"), "true", "the page reports ready");
  watch.ready = true;
  page.watch = watch;
  page.closeAll = async () => {
    await context.close();
  };
  return page;
}

/** Asserts the page stayed healthy and made no request after load, then closes it. */
async function finish(page) {
  try {
    await settle(page);
    assert.deepEqual(page.watch.errors, [], "no uncaught errors or console errors");
    assert.deepEqual(page.watch.late, [], "no network request after the page was ready");
    assert.deepEqual(page.watch.foreign, [], "no request to another origin");
  } finally {
    await page.closeAll();
  }
}

/** Waits until no verification is scheduled or running. */
async function settle(page) {
  await page.waitForFunction(() => !document.documentElement.dataset.busy, null, { timeout: 15_000 });
}

async function bannerState(page) {
  await settle(page);
  return page.evaluate(() => {
    const b = document.getElementById("banner");
    return { state: b.dataset.state, reason: b.dataset.reason ?? "", text: b.textContent.replace(/\s+/g, " ").trim() };
  });
}

async function checkStatus(page, id) {
  return page.getAttribute(`#checks li[data-check="${id}"]`, "data-status");
}

async function loadExample(page, name = "as") {
  await page.selectOption("#example-select", name);
  await page.click("#load-example");
  await settle(page);
}

/** Sets a field's value as a paste would (fast for huge strings) and fires input. */
async function setValue(page, selector, value) {
  await page.evaluate(
    ([sel, v]) => {
      const el = document.querySelector(sel);
      el.value = v;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    },
    [selector, value],
  );
  await settle(page);
}

async function shot(page, name, { fullPage = false } = {}) {
  await page.screenshot({ path: join(outDir, `${name}.png`), fullPage });
}

// A seeded PRNG so the fuzz inputs are the same on every run.
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b64url = (s) => Buffer.from(s).toString("base64url");

// ---- tests -----------------------------------------------------------------------------------

test("page data matches tests/fixtures (the page stands alone with a copy)", async () => {
  const ex = await import(join(root, "www/examples.js"));
  const fx = (p) => readFileSync(join(root, "tests/fixtures", p), "utf8").trim();
  const jx = (p) => JSON.parse(fx(p));
  assert.equal(ex.time, EXAMPLE_TIME);
  assert.equal(ex.attestation, fx("draft/client-attestation.jwt"));
  assert.equal(ex.popAs, fx("draft/client-attestation-pop.as.jwt"));
  assert.equal(ex.popRs, fx("draft/client-attestation-pop.rs.jwt"));
  assert.deepEqual(ex.attesterJwk, { ...jx("keys/attester-key.public.jwk.json"), kid: "11" });
  assert.deepEqual(ex.instancePrivateJwk, jx("keys/client-instance-key.private.jwk.json"));
  assert.equal(ex.legacy09.pop, fx("legacy/draft-09.client-attestation-pop.as.jwt"));
  assert.equal(ex.legacy07.attestation, fx("legacy/draft-07.client-attestation.jwt"));
  assert.equal(ex.tokenRequestHttp.trim(), readFileSync(join(root, "tests/fixtures/http/token-request.http"), "utf8").replace(/\r\n/g, "\n").trim());
});

test("loads interactive in under a second, with the check table and no request after load", async () => {
  const page = await open();
  const ms = Number(await page.getAttribute("html", "data-ready-ms"));
  assert.ok(ms > 0 && ms < 1000, `interactive after ${ms} ms`);
  const b = await bannerState(page);
  assert.equal(b.state, "neutral");
  assert.match(b.text, /Nothing to verify yet/);
  assert.equal(await page.locator("#checks li").count(), 39, "the check table from checks()");
  assert.match(await page.textContent("#privacy-note"), /never leave your browser/);
  console.log(`    interactive after ${ms} ms`);
  await finish(page);
});

test("works offline once loaded: verify, inspect and build with the network cut", async () => {
  const page = await open();
  await page.context().setOffline(true);
  await loadExample(page, "as");
  assert.equal((await bannerState(page)).state, "ok");
  await builderMint(page, { proof: "dpop" });
  await page.click("#b-verify");
  assert.equal((await bannerState(page)).state, "ok");
  await page.context().setOffline(false);
  await finish(page);
});

test("draft example verifies (green) at the examples' time", async () => {
  const page = await open();
  await loadExample(page, "as");
  const b = await bannerState(page);
  assert.equal(b.state, "ok", b.text);
  assert.match(b.text, /Accepted/);
  assert.equal(await page.inputValue("#now-input"), String(EXAMPLE_TIME));
  assert.equal(await page.locator('#checks li[data-status="fail"]').count(), 0);
  for (const id of ["attestation.signature", "pop.signature", "pop.aud", "pop.iat", "pop.replay"]) {
    assert.equal(await checkStatus(page, id), "pass", id);
  }
  assert.equal(await page.getAttribute('#checks li[data-check="attestation.signature"] .req', "class"), "req");
  assert.match(await page.textContent('#checks li[data-check="pop.aud"]'), /R-POP-6/);
  // pictures: binding matched, a timeline, no error response
  assert.equal(await page.locator("#binding .link.match").count(), 2);
  assert.match(await page.textContent("#binding"), /Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU/);
  assert.equal(await page.locator("#timeline svg.tl").count(), 1);
  assert.equal(await page.locator("#timeline .tl-tol").count(), 1);
  assert.match(await page.textContent("#response"), /No error response/);
  // tokens explained
  assert.equal(await page.locator('#tokens article[data-token="attestation"]').count(), 1);
  assert.equal(await page.locator('#tokens article[data-token="pop"]').count(), 1);
  assert.match(await page.textContent('#tokens [data-member="claims.sub"] .meaning'), /client_id/);
  assert.match(await page.textContent('#tokens [data-member="claims.challenge"] .meaning'), /challenge|server handed out/);
  assert.match(await page.textContent("#shape"), /normal mode/);
  await shot(page, "desktop-light-accepted");
  await finish(page);
});

test("draft example at the current time shows the stale-PoP failure (pop.too_old)", async () => {
  const page = await open();
  await loadExample(page, "as");
  await page.click("#now-live");
  const b = await bannerState(page);
  assert.equal(b.state, "fail", b.text);
  assert.equal(b.reason, "pop.too_old");
  assert.match(b.text, /invalid_client_attestation/);
  assert.match(b.text, /R-POP-8/);
  assert.equal(await checkStatus(page, "pop.iat"), "fail");
  assert.equal(await page.locator('#checks li.decides[data-check="pop.iat"]').count(), 1);
  assert.match(await page.textContent('#checks li[data-check="pop.iat"] .why'), /pop\.too_old/);
  const resp = await page.textContent("#response-text");
  assert.match(resp, /^HTTP\/1\.1 400 Bad Request/);
  assert.match(resp, /Cache-Control: no-store/);
  assert.match(resp, /"error": "invalid_client_attestation"/);
  // the examples' time button brings it back
  await page.click("#now-draft");
  assert.equal((await bannerState(page)).state, "ok");
  await finish(page);
});

test("moving now: the slider and step buttons cross the PoP acceptance window", async () => {
  const page = await open();
  await loadExample(page, "as");
  // iat 1772487595; accepted while now - iat <= maxPopAge (300) + tolerance (30)
  await setValue(page, "#now-slider", "320");
  assert.equal((await bannerState(page)).state, "ok");
  await setValue(page, "#now-slider", "340");
  assert.equal((await bannerState(page)).reason, "pop.too_old");
  await setValue(page, "#now-slider", "-40");
  // the attestation has the same iat, and comes first in the check order
  assert.equal((await bannerState(page)).reason, "attestation.issued_in_future");
  assert.equal(await checkStatus(page, "pop.iat"), "fail");
  await page.click("#now-draft");
  await page.click('[data-shift="300"]');
  assert.equal((await bannerState(page)).state, "ok");
  await page.click('[data-shift="60"]');
  assert.equal((await bannerState(page)).reason, "pop.too_old");
  await setValue(page, "#p-maxpop", "600");
  assert.equal((await bannerState(page)).state, "ok", "a larger max PoP age accepts it again");
  await finish(page);
});

test("tampered tokens show the failing check", async () => {
  const page = await open();
  await loadExample(page, "as");
  const flip = (jwt, seg) => {
    const parts = jwt.split(".");
    const s = parts[seg];
    parts[seg] = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
    return parts.join(".");
  };
  const pop = await page.inputValue("#f-pop");
  await setValue(page, "#f-pop", flip(pop, 2));
  let b = await bannerState(page);
  assert.equal(b.reason, "pop.bad_signature", b.text);
  assert.equal(await checkStatus(page, "pop.signature"), "fail");
  assert.equal(await page.locator("#binding .link.mismatch").count(), 1, "the binding diagram shows the mismatch");
  await shot(page, "desktop-light-tampered-pop");
  await setValue(page, "#f-pop", pop);
  const att = await page.inputValue("#f-attestation");
  await setValue(page, "#f-attestation", flip(att, 2));
  b = await bannerState(page);
  assert.equal(b.reason, "attestation.bad_signature", b.text);
  assert.equal(await checkStatus(page, "attestation.signature"), "fail");
  // a payload edit (re-encoded claims, old signature) also fails the signature
  const [hd, , sig] = att.split(".");
  const claims = JSON.parse(Buffer.from(att.split(".")[1], "base64url").toString());
  claims.sub = "https://evil.example.com";
  await setValue(page, "#f-attestation", `${hd}.${b64url(JSON.stringify(claims))}.${sig}`);
  assert.equal((await bannerState(page)).reason, "attestation.bad_signature");
  assert.match(await page.textContent('#tokens [data-member="claims.sub"]'), /evil\.example\.com/);
  // policy side: another audience
  await setValue(page, "#f-attestation", att);
  await setValue(page, "#p-audience", "https://other.example.com");
  b = await bannerState(page);
  assert.equal(b.reason, "pop.aud_mismatch");
  assert.equal(await checkStatus(page, "pop.aud"), "fail");
  await finish(page);
});

test("legacy examples: legacy claims flagged with their drafts, shape detected", async () => {
  const page = await open();
  await loadExample(page, "legacy09");
  assert.match(await page.textContent('#tokens article[data-token="pop"] [data-member="claims.nonce"] .flag.legacy'), /-01…-05/);
  assert.match(await page.textContent("#shape"), /pop\.nonce/);
  assert.match(await page.textContent("#shape"), /pop\.no_iat/);
  await loadExample(page, "legacy07");
  assert.match(await page.textContent('#tokens article[data-token="attestation"] [data-member="claims.iss"] .flag.legacy'), /-00…-07/);
  assert.match(await page.textContent('#tokens article[data-token="pop"] [data-member="claims.exp"] .flag.legacy'), /-00…-05/);
  const b = await bannerState(page);
  assert.notEqual(b.state, "ok", "the -07 PoP is signed with the attester key (an example bug)");
  await loadExample(page, "rs");
  assert.equal((await bannerState(page)).state, "ok", "the RS example verifies at the examples' time");
  await finish(page);
});

async function builderMint(page, { attAlg = "ES256", instAlg = "ES256", proof = "pop", brk = "", claims = "" } = {}) {
  await page.click("#tab-build");
  await page.selectOption("#b-att-alg", attAlg);
  await page.click("#b-gen-attester");
  await page.selectOption("#b-inst-alg", instAlg);
  await page.click("#b-gen-instance");
  await page.check(`input[name="b-proof"][value="${proof}"]`);
  await page.selectOption("#b-break", brk);
  await page.fill("#b-claims", claims);
  await page.click("#b-mint");
  assert.equal(await page.isHidden("#b-error"), true, "no builder error");
  assert.equal(await page.isVisible("#b-output"), true);
}

test("builder round trip: generate keys, mint, verify green (PoP, combined DPoP, three JWTs)", async () => {
  const page = await open();
  await builderMint(page, { attAlg: "ES256", instAlg: "EdDSA", claims: '{"client_name": "Demo agent"}' });
  await shot(page, "desktop-light-builder-minted", { fullPage: true });
  await page.click("#b-verify");
  let b = await bannerState(page);
  assert.equal(b.state, "ok", b.text);
  assert.equal(await page.isVisible("#panel-inspect"), true);
  assert.match(await page.textContent('#tokens [data-member="claims.client_name"]'), /ignored/);
  for (const [proof, shape] of [
    ["dpop", /combined mode/],
    ["both", /three JWTs/],
  ]) {
    await builderMint(page, { attAlg: "EdDSA", instAlg: "ES256", proof });
    await page.click("#b-verify");
    b = await bannerState(page);
    assert.equal(b.state, "ok", `${proof}: ${b.text}`);
    assert.match(await page.textContent("#shape"), shape);
  }
  assert.equal(await checkStatus(page, "dpop.signature"), "pass");
  await finish(page);
});

test("builder: deliberately broken requests fail where they should", async () => {
  const page = await open();
  const cases = [
    ["pop-key", "pop", "pop.bad_signature", "pop.signature"],
    ["pop-aud", "pop", "pop.aud_mismatch", "pop.aud"],
    ["pop-stale", "pop", "pop.too_old", "pop.iat"],
    ["pop-future", "pop", "pop.issued_in_future", "pop.iat"],
    ["att-expired", "pop", "attestation.expired", "attestation.exp"],
    ["att-tampered", "pop", "attestation.bad_signature", "attestation.signature"],
    ["att-untrusted", "pop", "attestation.unknown_key", "attestation.signature"],
    ["dpop-key", "dpop", "dpop.key_mismatch", "dpop.key_binding"],
    ["dpop-htu", "dpop", "dpop.htu_mismatch", "dpop.htu"],
  ];
  for (const [brk, proof, reason, check] of cases) {
    await builderMint(page, { proof, brk });
    await page.click("#b-verify");
    const b = await bannerState(page);
    assert.equal(b.reason, reason, `${brk}: ${b.text}`);
    assert.equal(await checkStatus(page, check), "fail", `${brk}: ${check}`);
  }
  // legacy claims are not broken, only flagged
  await builderMint(page, { brk: "legacy" });
  await page.click("#b-verify");
  assert.equal((await bannerState(page)).state, "ok");
  assert.match(await page.textContent('#tokens article[data-token="pop"] [data-member="claims.iss"]'), /legacy/);
  await finish(page);
});

test("curl-paste flow: a curl command or a raw HTTP request is parsed and verified", async () => {
  const page = await open();
  // 1. the draft example as curl, at the examples' time
  await loadExample(page, "as");
  const att = await page.inputValue("#f-attestation");
  const pop = await page.inputValue("#f-pop");
  await page.check('input[name="input-mode"][value="raw"]');
  const curl = `curl -X POST 'https://as.example.com/token' \\\n  -H 'OAuth-Client-Attestation: ${att}' \\\n  -H "OAuth-Client-Attestation-PoP: ${pop}" \\\n  -d 'grant_type=authorization_code&code=n0esc3NRze7LTCu7iYzS6a5acc3f0ogp4&client_id=https%3A%2F%2Fclient.example.com'`;
  await setValue(page, "#raw", curl);
  let b = await bannerState(page);
  assert.equal(b.state, "ok", b.text);
  assert.match(await page.textContent("#raw-summary"), /a curl command/);
  assert.match(await page.textContent("#raw-summary"), /https:\/\/client\.example\.com/);
  assert.equal(await checkStatus(page, "attestation.client_id"), "pass", "client_id from the form body is compared with sub");
  // the same with another client_id in the body
  await setValue(page, "#raw", curl.replace("client.example.com'", "other.example.com'").replace("client_id=https%3A%2F%2Fclient.example.com", "client_id=s6BhdRkqt3"));
  b = await bannerState(page);
  assert.equal(b.reason, "attestation.client_id_mismatch", b.text);
  assert.match(await page.textContent("#response-text"), /^HTTP\/1\.1 401/);
  // 2. the draft's raw HTTP token request
  await loadExample(page, "raw");
  b = await bannerState(page);
  assert.equal(b.state, "ok", b.text);
  assert.match(await page.textContent("#raw-summary"), /a raw HTTP\/1\.1 request/);
  await page.click("#raw-to-fields");
  await settle(page);
  assert.equal(await page.inputValue("#f-attestation"), att);
  assert.equal(await page.inputValue("#f-pop"), pop);
  assert.equal((await bannerState(page)).state, "ok", "still green as token fields");
  // 3. the builder's curl output pasted back
  await builderMint(page, { proof: "both" });
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.origin });
  await page.click("#b-copy-curl");
  await page.waitForFunction(() => document.getElementById("b-copy-status").textContent !== "");
  assert.equal(await page.textContent("#b-copy-status"), "Copied curl.");
  const builtCurl = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(builtCurl, await page.textContent("#b-curl"), "the clipboard holds the curl command");
  await page.click("#b-copy-headers");
  await page.waitForFunction(() => document.getElementById("b-copy-status").textContent === "Copied headers.");
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^OAuth-Client-Attestation: ey[^\n]+\nOAuth-Client-Attestation-PoP: ey[^\n]+\nDPoP: ey/);
  await page.click("#b-verify"); // sets the policy to trust the new attester
  await settle(page);
  await page.check('input[name="input-mode"][value="raw"]');
  await setValue(page, "#raw", builtCurl);
  b = await bannerState(page);
  assert.equal(b.state, "ok", b.text);
  assert.match(await page.textContent("#shape"), /three JWTs/);
  await shot(page, "desktop-light-curl");
  // 4. garbage: an inline error, the banner stays
  await setValue(page, "#raw", "this is not a request\nat all");
  b = await bannerState(page);
  assert.equal(b.state, "warn");
  assert.equal(await page.isVisible("#raw-error"), true);
  await finish(page);
});

test("fuzzed pastes never break the page (random, huge, binary-ish, markup)", async () => {
  const page = await open();
  await loadExample(page, "as");
  const rnd = prng(7);
  const pick = (s) => s[Math.floor(rnd() * s.length)];
  const randomString = (n, alphabet) => Array.from({ length: n }, () => pick(alphabet)).join("");
  const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
  const binary = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));
  const b64 = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."];
  const xss = '<img src="http://evil.invalid/x.png" onerror="window.__pwned=1"><script>window.__pwned=1</script>';
  const xssToken = `${b64url(JSON.stringify({ alg: "ES256", typ: xss }))}.${b64url(JSON.stringify({ sub: xss, cnf: { jwk: { kty: xss } }, iat: "x", exp: 1e300 }))}.${b64url("sig")}`;
  const inputs = [
    "",
    " ",
    "garbage",
    "a.b.c",
    "a.b.c.d.e",
    "eyJ.eyJ.x",
    xss,
    xssToken,
    `${xssToken}~${xssToken}`,
    "\u0000\u0001\u0002\r\n\t\u007f",
    "\ud800\udfff\ufffd\u202e",
    randomString(2000, binary),
    randomString(5000, ascii),
    randomString(20000, b64),
    "x".repeat(1_000_000),
    `POST /token HTTP/1.1\r\nHost: as.example.com\r\nOAuth-Client-Attestation: ${"A".repeat(300_000)}\r\n\r\n`,
    "curl -H 'OAuth-Client-Attestation: a.b.c' -H",
    "curl 'http://[::1' --data @-",
    "GET http://a HTTP/1.1\n" + "X: y\n".repeat(5000),
    JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "A", y: "B", d: "C" }] }),
    "[1,2,3]",
    "{}",
    "99999999999999999999999",
    "-1",
    "NaN",
  ];
  for (let i = 0; i < 12; i++) inputs.push(randomString(Math.floor(rnd() * 400), rnd() < 0.5 ? binary : b64));
  const targets = ["#raw", "#f-attestation", "#f-pop", "#f-dpop", "#f-url", "#f-method", "#p-jwks", "#p-audience", "#p-challenge", "#now-input", "#p-tolerance"];
  let n = 0;
  let slowest = 0;
  for (const target of targets) {
    if (target === "#raw") await page.check('input[name="input-mode"][value="raw"]');
    if (target === "#f-attestation") {
      await loadExample(page, "as");
    }
    const original = await page.inputValue(target);
    for (const v of inputs) {
      const t0 = Date.now();
      await setValue(page, target, v);
      if (process.env.WWW_DEBUG) console.log(`    ${target} ← ${JSON.stringify(v.slice(0, 30))} (${v.length}) ${Date.now() - t0} ms`);
      const ms = Date.now() - t0;
      slowest = Math.max(slowest, ms);
      assert.ok(ms < 3000, `${target} ← ${JSON.stringify(v.slice(0, 40))}: the page took ${ms} ms to settle`);
      const b = await bannerState(page);
      assert.ok(["ok", "fail", "warn", "neutral"].includes(b.state), `${target} ← ${JSON.stringify(v.slice(0, 40))}: banner state ${b.state}`);
      assert.ok(b.text.length > 0, "the banner has text");
      n++;
    }
    await setValue(page, target, original);
  }
  // never rendered as markup, never fetched
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "markup in tokens is never executed");
  assert.equal(await page.locator("#tokens img, #tokens script, #raw-summary img").count(), 0);
  // still usable afterwards
  await loadExample(page, "as");
  assert.equal((await bannerState(page)).state, "ok");
  console.log(`    ${n} pastes into ${targets.length} fields, slowest settled in ${slowest} ms`);
  await finish(page);
});

test("URL-fragment state is opt-in and restores the case", async () => {
  const page = await open();
  await loadExample(page, "as");
  assert.equal(await page.evaluate(() => location.hash), "", "nothing in the URL until opted in");
  await page.check("#share-toggle");
  await settle(page);
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /^#s=[A-Za-z0-9_-]+$/);
  await page.uncheck("#share-toggle");
  assert.equal(await page.evaluate(() => location.hash), "");
  await finish(page);
  const again = await open({ hash });
  assert.equal(await again.isChecked("#share-toggle"), true);
  assert.equal(await again.inputValue("#now-input"), String(EXAMPLE_TIME));
  assert.equal((await bannerState(again)).state, "ok");
  // a broken fragment is ignored, not fatal
  await finish(again);
  const broken = await open({ hash: "#s=!!!not-base64" });
  assert.equal((await bannerState(broken)).state, "neutral");
  await finish(broken);
});

test("accessibility: every control labelled, keyboard tabs, text contrast in light and dark", async () => {
  for (const colorScheme of ["light", "dark"]) {
    const page = await open({ colorScheme });
    await loadExample(page, "as");
    await page.click("#now-live"); // a failing check, so fail colours are on screen
    await settle(page);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea")]
        .filter((el) => !(el.labels?.length > 0 || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")))
        .map((el) => el.id || el.name),
    );
    assert.deepEqual(unlabelled, []);
    const unnamedButtons = await page.evaluate(() => [...document.querySelectorAll("button")].filter((b) => !b.textContent.trim() && !b.getAttribute("aria-label")).length);
    assert.equal(unnamedButtons, 0);
    // keyboard: the tabs follow the arrow keys
    await page.focus("#tab-inspect");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.getAttribute("#tab-build", "aria-selected"), "true");
    assert.equal(await page.isVisible("#panel-build"), true);
    assert.equal(await page.evaluate(() => document.activeElement.id), "tab-build");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await page.isVisible("#panel-inspect"), true);
    // the example loads from the keyboard alone
    await page.focus("#load-example");
    await page.keyboard.press("Enter");
    await settle(page);
    // contrast of the text people read
    const low = await page.evaluate(() => {
      const parse = (c) => {
        const m = c.match(/rgba?\(([^)]+)\)/);
        if (!m) return null;
        const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
        return { r, g, b, a };
      };
      const lum = ({ r, g, b }) => {
        const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const bgOf = (el) => {
        const layers = [];
        for (let e = el; e; e = e.parentElement) {
          const c = parse(getComputedStyle(e).backgroundColor);
          if (c && c.a > 0) {
            layers.push(c);
            if (c.a >= 1) break;
          }
        }
        let out = { r: 255, g: 255, b: 255 };
        for (const c of layers.reverse()) out = { r: c.r * c.a + out.r * (1 - c.a), g: c.g * c.a + out.g * (1 - c.a), b: c.b * c.a + out.b * (1 - c.a) };
        return out;
      };
      const bad = [];
      const sel = "h1, h2, .sub, .privacy, label, legend, .note, .help, #banner-title, #banner-detail, .check .title, .check .req, .check .cid, .check .why, .badge, .chip, .flag, .members td, .members th, .keybox, .link-label, .kv dt, .times td, .tabs [role=tab], button, .opt, .hdr, #now-readout";
      for (const el of document.querySelectorAll(sel)) {
        if (!el.getClientRects().length || !el.textContent.trim()) continue;
        const fg = parse(getComputedStyle(el).color);
        const bg = bgOf(el);
        const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        const ratio = (l1 + 0.05) / (l2 + 0.05);
        if (ratio < 4.5) bad.push(`${el.className || el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      return [...new Set(bad)].slice(0, 10);
    });
    assert.deepEqual(low, [], `${colorScheme}: text below 4.5:1`);
    await finish(page);
  }
});

test("screenshots at desktop and phone width, light and dark", async () => {
  for (const [device, width, height] of [
    ["desktop", 1280, 800],
    ["phone", 390, 844],
  ]) {
    for (const colorScheme of ["light", "dark"]) {
      const page = await open({ width, height, colorScheme });
      await loadExample(page, "as");
      await shot(page, `${device}-${colorScheme}`);
      await page.click("#now-live");
      await settle(page);
      if (device === "desktop") {
        // the banner's link brings the deciding check into view
        await page.click("#banner-jump");
        assert.equal(await page.evaluate(() => document.activeElement?.dataset?.check), "pop.iat");
        await page.waitForTimeout(100);
        await shot(page, `${device}-${colorScheme}-stale-failing-check`);
      }
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, `${device}-${colorScheme}-stale-full`, { fullPage: true });
      await page.locator("#results").scrollIntoViewIfNeeded();
      await page.evaluate(() => document.getElementById("results").scrollIntoView());
      await page.waitForTimeout(100); // the sticky verdict pill hides once the banner is seen
      await shot(page, `${device}-${colorScheme}-stale-verdict`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${device} ${colorScheme}: no horizontal scrolling (${overflow}px too wide)`);
      await page.click("#tab-build");
      await page.click("#b-mint");
      await shot(page, `${device}-${colorScheme}-builder`);
      await finish(page);
    }
  }
});

// ---- run -------------------------------------------------------------------------------------

let passed = 0;
let failed = 0;
const started = Date.now();
try {
  server = await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Playwright starts Chromium with a fresh temporary --user-data-dir of its own each launch.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  console.log(`www: serving ${server.origin} (pid ${server.pid}), Chromium ${browser.version()}`);
  for (const t of tests) {
    if (only.length && !only.some((w) => t.name.includes(w))) continue;
    const t0 = Date.now();
    try {
      await t.fn();
      passed++;
      console.log(`ok   ${t.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name} (${Date.now() - t0} ms)\n     ${String(e?.stack ?? e).split("\n").slice(0, 6).join("\n     ")}`);
    }
  }
} catch (e) {
  failed++;
  console.log(`FAIL setup: ${e?.stack ?? e}`);
} finally {
  await browser?.close().catch(() => {});
  stopServer(server);
}
console.log(`www: screenshots in ${outDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
console.log(`www: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
