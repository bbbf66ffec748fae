// The edge test cases, run against one deployment (the Cloudflare Worker on workerd, or the
// Fastly app on Viceroy): driven by AttestingClient and by raw HTTP requests.
import assert from "node:assert/strict";
import { AttestingClient } from "client-attestation";
import {
  instance, pop, dpop, rawRequest, claimsOf, generateKey, createAttestation, cryptoKeySigner, nowSeconds, sleep,
  ATTESTER, CLIENT_ID, FORM, CLIENT_CREDENTIALS,
} from "./lib.mjs";

const CHALLENGE = "oauth-client-attestation-challenge";
const NONCE = "dpop-nonce";

/** A fetch that records "METHOD /path STATUS" for each call. */
function recordingFetch() {
  const calls = [];
  const f = async (req) => {
    const res = await fetch(req);
    calls.push(`${req.method} ${new URL(req.url).pathname} ${res.status}`);
    return res;
  };
  return { f, calls };
}

function client(origin, { alg = "ES256", mode = "pop", issuer = origin, material } = {}) {
  const m = material ?? instance(alg);
  const { f, calls } = recordingFetch();
  return { c: new AttestingClient({ attestation: m.attestation, key: m.key, mode, issuer, fetch: f }), calls, ...m };
}

async function challengeFrom(origin) {
  const r = await rawRequest(`${origin}/challenge`, { method: "POST" });
  assert.equal(r.status, 200, r.body);
  return { challenge: r.json.attestation_challenge, nonce: r.headers[NONCE] };
}

const tokenRequest = (origin, headers) =>
  rawRequest(`${origin}/token`, { method: "POST", headers: [...FORM, ...headers], body: CLIENT_CREDENTIALS });

/** Normal mode: attestation + PoP with a fresh challenge. */
async function normalHeaders(origin, m, { challenge } = {}) {
  const c = challenge ?? (await challengeFrom(origin)).challenge;
  return [["OAuth-Client-Attestation", m.attestation], ["OAuth-Client-Attestation-PoP", pop(m.key, origin, c)]];
}

function assertError(r, status, error, descriptionPattern) {
  assert.equal(r.status, status, `status ${r.status}: ${r.body}`);
  assert.equal(r.json?.error, error, r.body);
  assert.equal(typeof r.json?.error_description, "string", r.body);
  assert.ok(r.json.error_description.length > 10, "a clear description");
  if (descriptionPattern) assert.match(r.json.error_description, descriptionPattern);
  assert.equal(r.headers["cache-control"], "no-store");
}

async function assertHealthy(origin) {
  const r = await rawRequest(`${origin}/healthz`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json?.status, "ok");
}

/**
 * @param h the Harness
 * @param target { name, origin, kind: "worker" | "fastly" }
 */
export async function runSuite(h, { name, origin, kind }) {
  const t = (title, fn) => h.test(`${name}: ${title}`, fn);

  await t("metadata advertises both auth methods, algorithms, challenge and token endpoints", async () => {
    const r = await rawRequest(`${origin}/.well-known/oauth-authorization-server`);
    assert.equal(r.status, 200);
    const m = r.json;
    assert.equal(m.issuer, origin);
    assert.equal(m.token_endpoint, `${origin}/token`);
    assert.equal(m.challenge_endpoint, `${origin}/challenge`);
    assert.deepEqual(m.token_endpoint_auth_methods_supported, ["attest_jwt_client_auth", "attest_jwt_client_auth_dpop"]);
    assert.deepEqual(m.client_attestation_signing_alg_values_supported, ["ES256", "EdDSA"]);
    assert.deepEqual(m.client_attestation_pop_signing_alg_values_supported, ["ES256", "EdDSA"]);
    assert.deepEqual(m.dpop_signing_alg_values_supported, ["ES256", "EdDSA"]);
    const rs = await rawRequest(`${origin}/.well-known/oauth-protected-resource`);
    assert.equal(rs.status, 200);
    assert.equal(rs.json.resource, origin);
    assert.deepEqual(rs.json.authorization_servers, [origin]);
  });

  await t("challenge endpoint: POST → 200 {attestation_challenge}, no-store, DPoP-Nonce; GET → 405", async () => {
    const r = await rawRequest(`${origin}/challenge`, { method: "POST" });
    assert.equal(r.status, 200);
    assert.match(r.json.attestation_challenge, /^[A-Za-z0-9_-]{40,}$/);
    assert.equal(r.headers["cache-control"], "no-store");
    assert.match(r.headers[NONCE] ?? "", /^[A-Za-z0-9_-]{40,}$/);
    const g = await rawRequest(`${origin}/challenge`);
    assert.equal(g.status, 405);
    assert.equal(g.headers.allow, "POST");
  });

  for (const alg of ["ES256", "EdDSA"]) {
    await t(`AttestingClient (${alg}, PoP): metadata → challenge → token 200, token bound to the instance key`, async () => {
      const { c, calls, key } = client(origin, { alg });
      const res = await c.requestToken();
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.deepEqual(calls, ["GET /.well-known/oauth-authorization-server 200", "POST /challenge 200", "POST /token 200"]);
      assert.equal(body.token_type, "Bearer");
      assert.equal(body.expires_in, 300);
      const claims = claimsOf(body.access_token);
      assert.equal(claims.cnf.jkt, key.thumbprint);
      assert.equal(claims.client_id, CLIENT_ID);
      assert.ok(res.headers.get("OAuth-Client-Attestation-Challenge"), "a fresh challenge comes with the token");
      // The next request uses the challenge picked up from that response: no challenge fetch.
      const again = await c.requestToken();
      assert.equal(again.status, 200);
      assert.deepEqual(calls.slice(3), ["POST /token 200"]);
    });
  }

  await t("AttestingClient with an external signer (non-extractable WebCrypto key): PoP and combined mode", async () => {
    for (const mode of ["pop", "dpop"]) {
      const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
      const signer = await cryptoKeySigner(pair.privateKey, pair.publicKey);
      const attestation = createAttestation({ issuerKey: ATTESTER, kid: "11", clientId: CLIENT_ID, instanceKey: signer.publicJwk, expiresIn: 600 });
      const c = new AttestingClient({ attestation, key: signer, mode, issuer: origin });
      const res = await c.requestToken();
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.token_type, mode === "pop" ? "Bearer" : "DPoP");
    }
  });

  await t("AttestingClient: after use_fresh_attestation, the next request asks the attestation source again", async () => {
    const key = generateKey("EdDSA");
    const mint = (now) => createAttestation({ issuerKey: ATTESTER, kid: "11", clientId: CLIENT_ID, instanceKey: key, now, expiresIn: 3600 });
    let calls = 0;
    const c = new AttestingClient({ attestation: () => (calls++ === 0 ? mint(nowSeconds() - 7200) : mint(nowSeconds())), key, issuer: origin });
    const first = await c.requestToken();
    assert.equal(first.status, 400);
    assert.equal((await first.json()).error, "use_fresh_attestation");
    const second = await c.requestToken();
    assert.equal(second.status, 200, await second.clone().text());
    assert.equal(calls, 2);
  });

  await t("replay: the same PoP twice → 200 then 400 invalid_client_attestation (replayed)", async () => {
    const m = instance("ES256");
    const headers = await normalHeaders(origin, m);
    const first = await tokenRequest(origin, headers);
    assert.equal(first.status, 200, first.body);
    if (kind === "fastly") await sleep(50); // the sandbox returns to its serve loop (per-instance store)
    const second = await tokenRequest(origin, headers);
    assertError(second, 400, "invalid_client_attestation", /already used|replay/i);
  });

  await t("no challenge → 400 use_attestation_challenge + fresh challenge header → the retry succeeds", async () => {
    const m = instance("EdDSA");
    const r = await tokenRequest(origin, [["OAuth-Client-Attestation", m.attestation], ["OAuth-Client-Attestation-PoP", pop(m.key, origin)]]);
    assertError(r, 400, "use_attestation_challenge");
    const fresh = r.headers[CHALLENGE];
    assert.match(fresh ?? "", /^[A-Za-z0-9_-]{40,}$/, "a fresh OAuth-Client-Attestation-Challenge");
    const retry = await tokenRequest(origin, [["OAuth-Client-Attestation", m.attestation], ["OAuth-Client-Attestation-PoP", pop(m.key, origin, fresh)]]);
    assert.equal(retry.status, 200, retry.body);
  });

  await t("AttestingClient without metadata: 400 use_attestation_challenge → exactly one retry → 200", async () => {
    const m = instance("ES256");
    const { f, calls } = recordingFetch();
    const c = new AttestingClient({ attestation: m.attestation, key: m.key, audience: origin, fetch: f });
    const res = await c.fetch(`${origin}/token`, { method: "POST", headers: Object.fromEntries(FORM), body: CLIENT_CREDENTIALS });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(calls, ["POST /token 400", "POST /token 200"]);
  });

  await t("AttestingClient retries once only: a forged challenge every time → one retry, then the error", async () => {
    const m = instance("ES256");
    const calls = [];
    // A fetch that swaps every fresh challenge header for a forged value.
    const f = async (req) => {
      const res = await fetch(req);
      calls.push(res.status);
      const headers = new Headers(res.headers);
      if (headers.has("OAuth-Client-Attestation-Challenge")) headers.set("OAuth-Client-Attestation-Challenge", "forged".repeat(10));
      return new Response(res.body, { status: res.status, headers });
    };
    const c = new AttestingClient({ attestation: m.attestation, key: m.key, audience: origin, fetch: f });
    const res = await c.fetch(`${origin}/token`, { method: "POST", headers: Object.fromEntries(FORM), body: CLIENT_CREDENTIALS });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error, "use_attestation_challenge");
    assert.deepEqual(calls, [400, 400]);
  });

  for (const alg of ["ES256", "EdDSA"]) {
    await t(`combined mode (${alg}): AttestingClient through the use_dpop_nonce dance → token_type DPoP`, async () => {
      const { c, calls, key } = client(origin, { alg, mode: "dpop" });
      const res = await c.requestToken();
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.deepEqual(calls, ["GET /.well-known/oauth-authorization-server 200", "POST /token 400", "POST /token 200"]);
      assert.equal(body.token_type, "DPoP");
      assert.equal(claimsOf(body.access_token).cnf.jkt, key.thumbprint);
    });
  }

  await t("combined mode, raw: no nonce → 400 use_dpop_nonce + DPoP-Nonce → with it 200; replayed proof → 400", async () => {
    const m = instance("ES256");
    const url = `${origin}/token`;
    const r = await tokenRequest(origin, [["OAuth-Client-Attestation", m.attestation], ["DPoP", dpop(m.key, "POST", url)]]);
    assertError(r, 400, "use_dpop_nonce");
    const nonce = r.headers[NONCE];
    assert.ok(nonce, "DPoP-Nonce header");
    const proof = dpop(m.key, "POST", url, nonce);
    const ok = await tokenRequest(origin, [["OAuth-Client-Attestation", m.attestation], ["DPoP", proof]]);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json.token_type, "DPoP");
    if (kind === "fastly") await sleep(50);
    const again = await tokenRequest(origin, [["OAuth-Client-Attestation", m.attestation], ["DPoP", proof]]);
    assertError(again, 400, "invalid_dpop_proof", /already used|replay/i);
  });

  await t("combined mode: a DPoP proof signed by another key than cnf → 400 invalid_client_attestation", async () => {
    const m = instance("ES256");
    const { nonce } = await challengeFrom(origin);
    const other = generateKey("ES256");
    const r = await tokenRequest(origin, [["OAuth-Client-Attestation", m.attestation], ["DPoP", dpop(other, "POST", `${origin}/token`, nonce)]]);
    assertError(r, 400, "invalid_client_attestation");
  });

  await t("RS role: no token → 401 + WWW-Authenticate; token without attestation → 401 invalid_client", async () => {
    const none = await rawRequest(`${origin}/resource`);
    assert.equal(none.status, 401);
    assert.match(none.headers["www-authenticate"] ?? "", /Bearer|DPoP/);
    const { c } = client(origin);
    const tok = await (await c.requestToken()).json();
    const bare = await rawRequest(`${origin}/resource`, { headers: [["Authorization", `Bearer ${tok.access_token}`]] });
    assert.equal(bare.status, 401, bare.body);
    assert.match(bare.headers["www-authenticate"] ?? "", /^Bearer error="invalid_client"/);
    const forged = await rawRequest(`${origin}/resource`, { headers: [["Authorization", `Bearer ${tok.access_token.slice(0, -4)}AAAA`]] });
    assert.equal(forged.status, 401);
    assert.match(forged.headers["www-authenticate"] ?? "", /error="invalid_token"/);
  });

  await t("RS role via AttestingClient (PoP and combined): 200; a PoP for another audience → 401 WWW-Authenticate", async () => {
    for (const mode of ["pop", "dpop"]) {
      const { c, key } = client(origin, { mode });
      const tok = await (await c.requestToken()).json();
      const res = await c.fetch(`${origin}/resource`, { headers: { Authorization: `${tok.token_type} ${tok.access_token}` } });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.jkt, key.thumbprint);
      assert.equal(body.mechanism, mode === "pop" ? "attestation_pop_jwt" : "dpop_combined");
    }
    const m = instance("ES256");
    const { c } = client(origin, { material: m });
    const tok = await (await c.requestToken()).json();
    const { challenge } = await challengeFrom(origin);
    const r = await rawRequest(`${origin}/resource`, {
      headers: [["Authorization", `Bearer ${tok.access_token}`], ["OAuth-Client-Attestation", m.attestation],
        ["OAuth-Client-Attestation-PoP", pop(m.key, "https://elsewhere.example", challenge)]],
    });
    assert.equal(r.status, 401, r.body);
    assert.match(r.headers["www-authenticate"] ?? "", /^Bearer error="invalid_client_attestation", error_description="[^"]+"/);
  });

  await t("RS role: a DPoP-bound token presented as Bearer, or with another instance's proof → 401 invalid_token", async () => {
    const { c } = client(origin, { mode: "dpop" });
    const tok = await (await c.requestToken()).json();
    const { c: other } = client(origin, { mode: "dpop" });
    await other.requestToken(); // learn a nonce
    const asBearer = await other.fetch(`${origin}/resource`, { headers: { Authorization: `Bearer ${tok.access_token}` } });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get("www-authenticate") ?? "", /invalid_token/);
    const stolen = await other.fetch(`${origin}/resource`, { headers: { Authorization: `DPoP ${tok.access_token}` } });
    assert.equal(stolen.status, 401);
    assert.match(stolen.headers.get("www-authenticate") ?? "", /^DPoP error="invalid_dpop_proof"|invalid_token/);
  });

  await t("expired attestation → 400 use_fresh_attestation", async () => {
    const m = instance("ES256", { now: nowSeconds() - 7200, expiresIn: 3600 });
    const r = await tokenRequest(origin, await normalHeaders(origin, m));
    assertError(r, 400, "use_fresh_attestation", /expired/i);
  });

  await t("untrusted attester (kid 11 re-used by another key; unknown kid) → 400 invalid_client_attestation", async () => {
    const rogue = generateKey("ES256");
    for (const kid of ["11", "99"]) {
      const m = instance("ES256", { issuerKey: rogue, kid });
      const r = await tokenRequest(origin, await normalHeaders(origin, m));
      assertError(r, 400, "invalid_client_attestation", kid === "11" ? /signature/i : /key|kid/i);
    }
  });

  await t("client_id in the form differs from the attestation sub → 401 invalid_client", async () => {
    const m = instance("ES256");
    const r = await rawRequest(`${origin}/token`, {
      method: "POST", headers: [...FORM, ...(await normalHeaders(origin, m))], body: `${CLIENT_CREDENTIALS}&client_id=someone-else`,
    });
    assertError(r, 401, "invalid_client");
  });

  await t("garbage headers → 400 with a clear error, and the server stays healthy", async () => {
    const cases = [
      [[["OAuth-Client-Attestation", "garbage"], ["OAuth-Client-Attestation-PoP", "garbage"]], /compact|segments|JWS/i],
      [[["OAuth-Client-Attestation", "a.b.c"], ["OAuth-Client-Attestation-PoP", "a.b.c"]], /JSON|base64|UTF-8/i],
      [[["OAuth-Client-Attestation", "e30.e30.e30.e30.e30"], ["OAuth-Client-Attestation-PoP", "x.y.z"]], /JWE|encrypt|five/i],
      [[["OAuth-Client-Attestation", "!!!.$$$.%%%"], ["OAuth-Client-Attestation-PoP", "x.y.z"]], /base64/i],
      [[["OAuth-Client-Attestation", Buffer.from([0xc3, 0x28, 0xe9, 0x41, 0x2e]).toString("latin1")], ["OAuth-Client-Attestation-PoP", "x"]], null],
      [[["OAuth-Client-Attestation", "a.b.c"]], /PoP|proof/i],
      [[], null],
    ];
    for (const [headers, pattern] of cases) {
      const r = await tokenRequest(origin, headers);
      assert.ok(r.status === 400 || r.status === 401, `status ${r.status} for ${JSON.stringify(headers).slice(0, 80)}: ${r.body}`);
      assert.ok(["invalid_client_attestation", "invalid_client", "invalid_request"].includes(r.json?.error), r.body);
      assert.ok(r.json.error_description.length > 10);
      if (pattern) assert.match(r.json.error_description, pattern);
    }
    await assertHealthy(origin);
  });

  await t("oversized headers (20 KiB token; 70 KiB of header lines; 300 lines; 70 KiB body) → clear errors; healthy", async () => {
    const big = `${"a".repeat(10 * 1024)}.${"b".repeat(10 * 1024)}.c`;
    const r1 = await tokenRequest(origin, [["OAuth-Client-Attestation", big], ["OAuth-Client-Attestation-PoP", "a.b.c"]]);
    assertError(r1, 400, "invalid_client_attestation", /16 KiB|too large|size/i);
    const pad = Array.from({ length: 5 }, (_, i) => [`X-Pad-${i}`, "x".repeat(14 * 1024)]);
    const r2 = await tokenRequest(origin, [...pad, ["OAuth-Client-Attestation", "a.b.c"], ["OAuth-Client-Attestation-PoP", "a.b.c"]]);
    assertError(r2, 400, "invalid_request", /header/i);
    // 300 header lines: over the core's 256-line limit (400 invalid_request from the app). Viceroy
    // (hyper) refuses more than 100 lines itself with 431 before the app runs; Fastly's edge has
    // its own limits too.
    const lines = Array.from({ length: 300 }, (_, i) => [`X-Pad-${i}`, "x"]);
    const r3 = await tokenRequest(origin, [...lines, ["OAuth-Client-Attestation", "a.b.c"], ["OAuth-Client-Attestation-PoP", "a.b.c"]]);
    if (kind === "fastly") assert.equal(r3.status, 431, r3.body);
    else assertError(r3, 400, "invalid_request", /header/i);
    const body = await rawRequest(`${origin}/token`, { method: "POST", headers: FORM, body: "x".repeat(70 * 1024) });
    assertError(body, 413, "invalid_request", /too large/);
    await assertHealthy(origin);
  });

  await t("duplicated headers (two lines; comma-folded) → 400 with a clear error; healthy after", async () => {
    const m = instance("ES256");
    const [att, p] = await normalHeaders(origin, m);
    const cases = [
      [att, att, p],
      [att, p, p],
      [["OAuth-Client-Attestation", `${m.attestation}, ${m.attestation}`], p],
      [att, ["DPoP", "a.b.c"], ["DPoP", "a.b.c"]],
    ];
    for (const headers of cases) {
      const r = await tokenRequest(origin, headers);
      assert.equal(r.status, 400, r.body);
      assert.match(r.json.error_description, /more than one|exactly one|duplicat|comma/i, r.body);
    }
    await assertHealthy(origin);
    // …and a valid request still goes through.
    const ok = await tokenRequest(origin, await normalHeaders(origin, instance("EdDSA")));
    assert.equal(ok.status, 200, ok.body);
  });

  await t("unknown path → 404 JSON; wrong method → 405 with Allow", async () => {
    const r = await rawRequest(`${origin}/nope`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error, "invalid_request");
    const g = await rawRequest(`${origin}/token`);
    assert.equal(g.status, 405);
    assert.equal(g.headers.allow, "POST");
  });

  {
    const where = kind === "worker" ? "the Durable Object" : "the POP cache (Core Cache transactions)";
    await t(`concurrent replays through ${where}: 24 copies of one PoP at once → exactly one 200`, async () => {
      const m = instance("ES256");
      const headers = await normalHeaders(origin, m);
      const results = await Promise.all(Array.from({ length: 24 }, () => tokenRequest(origin, headers)));
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses.join(",")}`);
      for (const r of results.filter((x) => x.status !== 200)) assertError(r, 400, "invalid_client_attestation", /already used|replay/i);
    });
  }
}

export { createAttestation, ATTESTER };
