// errorResponse, challengeResponse, issueChallenge, issueDpopNonce, metadata, and replay stores
// (default in-memory, custom sync/async, failing → fail closed with 503).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Verifier, createAttestation, createPop, createDpopProof } from "client-attestation";
import {
  NOW, AS, RS, TOKEN_URL, CLIENT, CHALLENGE_SECRET, NONCE_SECRET, policyAs, policyRs, requestRs,
  attesterPrivate, instancePrivate, draftInput, agree, assertOk, assertReason, throwsLike, rejectsLike,
} from "./helpers.mjs";

const header = (res, name) => res.headers.get(name);
const att = () => createAttestation({ issuerKey: attesterPrivate, kid: "11", clientId: CLIENT, instanceKey: instancePrivate, now: NOW - 10 });
const normal = (a, pop, extra = {}) => ({ method: "POST", url: TOKEN_URL, headers: [["OAuth-Client-Attestation", a], ["OAuth-Client-Attestation-PoP", pop]], now: NOW, ...extra });

describe("errorResponse", () => {
  test("AS: 400 invalid_client_attestation, JSON body, no-store, no WWW-Authenticate", async () => {
    for (const backend of ["auto", "wasm"]) {
      const v = new Verifier({ ...policyAs, backend });
      await v.verify(draftInput());
      const r = await v.verify(draftInput());
      assertReason(r, "pop.replayed");
      const res = v.errorResponse(r);
      assert.ok(res instanceof Response);
      assert.equal(res.status, 400);
      assert.equal(header(res, "content-type"), "application/json");
      assert.equal(header(res, "cache-control"), "no-store");
      assert.equal(header(res, "www-authenticate"), null);
      assert.equal(header(res, "oauth-client-attestation-challenge"), null);
      assert.deepEqual(await res.json(), { error: "invalid_client_attestation", error_description: r.description });
    }
  });

  test("AS: invalid_client is 401", async () => {
    const v = new Verifier(policyAs);
    const r = await v.verify({ method: "POST", url: TOKEN_URL, headers: [], now: NOW });
    const res = v.errorResponse(r);
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, "invalid_client");
  });

  test("AS: use_attestation_challenge carries a fresh OAuth-Client-Attestation-Challenge that works", async () => {
    const p = { ...policyAs, challenge: { secret: CHALLENGE_SECRET } };
    const v = new Verifier(p);
    const a = att();
    const r = await v.verify(normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW, jti: "no-challenge" })));
    assertReason(r, "challenge.missing", { error: "use_attestation_challenge", status: 400 });
    const res = v.errorResponse(r);
    assert.equal(res.status, 400);
    const challenge = header(res, "oauth-client-attestation-challenge");
    assert.ok(challenge && challenge.length >= 16, "fresh challenge header");
    assert.equal((await res.json()).error, "use_attestation_challenge");
    assertOk(await v.verify(normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW, challenge }))));
    // The wasm backend's response has the same shape (and its own fresh challenge).
    const w = new Verifier({ ...p, backend: "wasm" });
    const rw = w.verifySync(normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW, jti: "no-challenge-2" })));
    const resw = w.errorResponse(rw);
    assert.deepEqual([...resw.headers.keys()], [...res.headers.keys()]);
    assert.notEqual(header(resw, "oauth-client-attestation-challenge"), challenge);
  });

  test("AS: use_dpop_nonce carries DPoP-Nonce", async () => {
    const v = new Verifier({ ...policyAs, dpop: { combined: true, nonce: { secret: NONCE_SECRET } } });
    const r = await v.verify({ method: "POST", url: TOKEN_URL, headers: [["OAuth-Client-Attestation", att()], ["DPoP", createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW })]], now: NOW });
    assertReason(r, "dpop.nonce_missing", { error: "use_dpop_nonce" });
    const res = v.errorResponse(r);
    assert.equal(res.status, 400);
    assert.ok(header(res, "dpop-nonce"));
    assert.equal((await res.json()).error, "use_dpop_nonce");
  });

  test("RS: 401 with WWW-Authenticate in the access token's scheme (Bearer / DPoP), challenge header", async () => {
    const v = new Verifier(policyRs);
    const missing = await v.verify({ ...requestRs, headers: requestRs.headers.filter(([n]) => n !== "OAuth-Client-Attestation-PoP") });
    assertReason(missing, "pop.missing", { status: 401 });
    let res = v.errorResponse(missing);
    assert.equal(res.status, 401);
    assert.match(header(res, "www-authenticate"), /^Bearer error="invalid_client_attestation", error_description="/);
    assert.equal((await res.json()).error, "invalid_client_attestation");

    const none = await v.verify({ method: "GET", url: `${RS}/x`, headers: [], now: NOW });
    res = v.errorResponse(none);
    assert.match(header(res, "www-authenticate"), /^Bearer error="invalid_client"/);

    const vc = new Verifier({ ...policyRs, challenge: { secret: CHALLENGE_SECRET } });
    const dpopScheme = { ...requestRs, headers: requestRs.headers.map(([n, x]) => (n === "Authorization" ? [n, "DPoP abc"] : [n, x])), accessToken: "abc" };
    const c = await vc.verify(dpopScheme);
    assertReason(c, "challenge.invalid", { error: "use_attestation_challenge", status: 401 });
    res = vc.errorResponse(c);
    assert.equal(res.status, 401);
    assert.match(header(res, "www-authenticate"), /^DPoP error="use_attestation_challenge"/);
    assert.ok(header(res, "oauth-client-attestation-challenge"));
  });

  test("RS: use_dpop_nonce → 401, WWW-Authenticate: DPoP error=\"use_dpop_nonce\", DPoP-Nonce", async () => {
    const v = new Verifier({ ...policyRs, dpop: { combined: true, nonce: { secret: NONCE_SECRET } } });
    const url = `${RS}/resource`;
    const at = "access-token-1";
    const r = await v.verify({
      method: "GET", url, now: NOW, accessToken: at,
      headers: [["Authorization", `DPoP ${at}`], ["OAuth-Client-Attestation", att()], ["DPoP", createDpopProof({ key: instancePrivate, method: "GET", url, now: NOW, accessToken: at })]],
    });
    assertReason(r, "dpop.nonce_missing", { status: 401 });
    const res = v.errorResponse(r);
    assert.equal(res.status, 401);
    assert.match(header(res, "www-authenticate"), /^DPoP error="use_dpop_nonce"/);
    assert.ok(header(res, "dpop-nonce"));
  });

  test("only rejected results: TypeError otherwise", async () => {
    const v = new Verifier(policyAs);
    const ok = await v.verify(draftInput());
    assertOk(ok);
    for (const bad of [ok, undefined, null, {}, { ok: false }]) throwsLike(() => v.errorResponse(bad), TypeError, /rejected verification result/);
  });
});

describe("challenge endpoint, challenges, DPoP nonces", () => {
  test("challengeResponse: 200, JSON {attestation_challenge}, no-store; DPoP-Nonce only with nonces", async () => {
    const v = new Verifier({ ...policyAs, challenge: { secret: CHALLENGE_SECRET } });
    const res = v.challengeResponse(NOW);
    assert.equal(res.status, 200);
    assert.equal(header(res, "cache-control"), "no-store");
    assert.equal(header(res, "content-type"), "application/json");
    assert.equal(header(res, "dpop-nonce"), null);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["attestation_challenge"]);
    assertOk(await v.verify(normal(att(), createPop({ key: instancePrivate, audience: AS, now: NOW, challenge: body.attestation_challenge }))));
    // Default now: a challenge for the current time.
    assert.equal(v.challengeResponse().status, 200);

    const vn = new Verifier({ ...policyAs, challenge: { secret: CHALLENGE_SECRET }, dpop: { combined: true, nonce: { secret: NONCE_SECRET } } });
    const resn = vn.challengeResponse(NOW);
    const nonce = header(resn, "dpop-nonce");
    assert.ok(nonce);
    const proof = createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW, nonce });
    assertOk(await vn.verify({ method: "POST", url: TOKEN_URL, headers: [["OAuth-Client-Attestation", att()], ["DPoP", proof]], now: NOW }));
  });

  test("challengeResponse / issueChallenge without a challenge secret: TypeError", () => {
    const v = new Verifier(policyAs);
    throwsLike(() => v.challengeResponse(NOW), TypeError, /challenge secret/);
    throwsLike(() => v.issueChallenge(NOW), TypeError, /challenge\.secret/);
    throwsLike(() => new Verifier({ ...policyAs, challenge: { required: false } }).issueChallenge(NOW), TypeError, /challenge\.secret/);
    throwsLike(() => v.issueDpopNonce(NOW), TypeError, /dpop\.nonce/);
    throwsLike(() => new Verifier({ ...policyAs, dpop: { combined: true } }).issueDpopNonce(NOW), TypeError, /dpop\.nonce/);
  });

  test("issueChallenge / issueDpopNonce: fresh strings each call, valid until their lifetime", async () => {
    const p = { ...policyAs, challenge: { secret: CHALLENGE_SECRET, lifetime: 60 }, dpop: { combined: true, nonce: { secret: NONCE_SECRET, lifetime: 60 } } };
    const v = new Verifier(p);
    const cs = new Set(Array.from({ length: 20 }, () => v.issueChallenge(NOW)));
    const ns = new Set(Array.from({ length: 20 }, () => v.issueDpopNonce(NOW)));
    assert.equal(cs.size, 20);
    assert.equal(ns.size, 20);
    for (const s of [...cs, ...ns]) assert.match(s, /^[A-Za-z0-9_-]+$/);
    assert.equal(typeof v.issueChallenge(), "string");
    assert.equal(typeof v.issueDpopNonce(), "string");
    const a = att();
    const c = v.issueChallenge(NOW - 50);
    const rs = await agree(p, [
      normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW, challenge: c, jti: "in-time" })),
      normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW + 20, challenge: c, jti: "too-late" }), { now: NOW + 20 }),
    ], "challenge lifetime");
    assertOk(rs[0]);
    assertReason(rs[1], "challenge.expired");
    // A challenge from another secret is not ours; a nonce is not a challenge.
    const other = new Verifier({ ...p, challenge: { secret: "x".repeat(40) } }).issueChallenge(NOW);
    const nonceAsChallenge = v.issueDpopNonce(NOW);
    const [o, n] = await agree(p, [
      normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW, challenge: other })),
      normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW, challenge: nonceAsChallenge })),
    ], "foreign challenges");
    assertReason(o, "challenge.invalid");
    assertReason(n, "challenge.invalid");
  });

  test("bad now: RangeError / TypeError", () => {
    const v = new Verifier({ ...policyAs, challenge: { secret: CHALLENGE_SECRET }, dpop: { nonce: { secret: NONCE_SECRET } } });
    for (const f of [(n) => v.issueChallenge(n), (n) => v.issueDpopNonce(n), (n) => v.challengeResponse(n)]) {
      throwsLike(() => f(-1), RangeError, /seconds since the epoch/);
      throwsLike(() => f(1e15), RangeError, /seconds since the epoch/);
      throwsLike(() => f("now"), TypeError, /now must be a number/);
      throwsLike(() => f(NaN), TypeError, /now must be a number/);
      throwsLike(() => f(Infinity), TypeError, /now must be a number/);
    }
  });
});

describe("metadata", () => {
  test("AS: RFC 8414 members; combined mode and DPoP add theirs", () => {
    assert.deepEqual(new Verifier(policyAs).metadata(), {
      client_attestation_pop_methods_supported: ["attestation_pop_jwt"],
      client_attestation_pop_signing_alg_values_supported: ["ES256", "EdDSA"],
      client_attestation_signing_alg_values_supported: ["ES256", "EdDSA"],
      token_endpoint_auth_methods_supported: ["attest_jwt_client_auth"],
    });
    const m = new Verifier({ ...policyAs, dpop: { combined: true }, challenge: { secret: CHALLENGE_SECRET, endpoint: `${AS}/challenge` } }).metadata();
    assert.deepEqual(m.token_endpoint_auth_methods_supported, ["attest_jwt_client_auth", "attest_jwt_client_auth_dpop"]);
    assert.deepEqual(m.client_attestation_pop_methods_supported, ["attestation_pop_jwt", "dpop_combined"]);
    assert.deepEqual(m.dpop_signing_alg_values_supported, ["ES256", "EdDSA"]);
    assert.ok(Object.values(m).some((x) => x === `${AS}/challenge`), `challenge endpoint advertised: ${JSON.stringify(m)}`);
    assert.deepEqual(new Verifier({ ...policyAs, algorithms: ["EdDSA"] }).metadata().client_attestation_signing_alg_values_supported, ["EdDSA"]);
  });

  test("RS: no token endpoint auth methods", () => {
    const m = new Verifier(policyRs).metadata();
    assert.equal(m.token_endpoint_auth_methods_supported, undefined);
    assert.deepEqual(m.client_attestation_signing_alg_values_supported, ["ES256", "EdDSA"]);
  });
});

describe("replay stores", () => {
  test("custom async store: called with (string key, NumericDate expiresAt); its answer decides", async () => {
    const seen = new Map();
    const calls = [];
    const replay = {
      async checkAndStore(key, expiresAt) {
        calls.push([key, expiresAt]);
        await new Promise((r) => setTimeout(r, 1));
        if (seen.has(key)) return false;
        seen.set(key, expiresAt);
        return true;
      },
    };
    const a = new Verifier({ ...policyAs, replay });
    const b = new Verifier({ ...policyAs, replay, backend: "wasm" }); // shares the store
    assertOk(await a.verify(draftInput()));
    assertReason(await b.verify(draftInput()), "pop.replayed");
    assert.equal(calls.length, 2);
    const [key, exp] = calls[0];
    assert.equal(typeof key, "string");
    assert.ok(key.length > 0);
    assert.equal(typeof exp, "number");
    assert.ok(exp > NOW && exp <= NOW + 3600, `expiresAt ${exp}`);
    // Rejected requests never reach the store.
    await a.verify(draftInput({ now: NOW + 10000 }));
    assert.equal(calls.length, 2);
    // verifySync needs the default store.
    throwsLike(() => a.verifySync(draftInput()), TypeError, /default replay store/);
  });

  test("a synchronous store works too", async () => {
    const seen = new Set();
    const v = new Verifier({ ...policyAs, replay: { checkAndStore: (k) => (seen.has(k) ? false : (seen.add(k), true)) } });
    assertOk(await v.verify(draftInput()));
    assertReason(await v.verify(draftInput()), "pop.replayed");
  });

  test("combined-mode and three-JWT requests put every jti in the store", async () => {
    const calls = [];
    const replay = { checkAndStore: async (k) => (calls.push(k), true) };
    const dpop = createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW });
    const v = new Verifier({ ...policyAs, replay });
    assertOk(await v.verify(draftInput({ headers: [...draftInput().headers, ["DPoP", dpop]] })));
    assert.equal(calls.length, 2);
    assert.notEqual(calls[0], calls[1]);
  });

  for (const [name, replay] of [
    ["throws", { checkAndStore() { throw new Error("down"); } }],
    ["rejects", { checkAndStore: async () => { throw new Error("down"); } }],
    ["never settles in time → rejects", { checkAndStore: () => new Promise((_, no) => setTimeout(() => no(new Error("timeout")), 5)) }],
  ]) {
    test(`a store that ${name} fails closed: replay.store_unavailable, 503`, async () => {
      for (const backend of ["auto", "wasm"]) {
        const v = new Verifier({ ...policyAs, replay, backend });
        const r = await v.verify(draftInput());
        assertReason(r, "replay.store_unavailable", { error: "temporarily_unavailable", status: 503 });
        const res = v.errorResponse(r);
        assert.equal(res.status, 503);
        assert.equal((await res.json()).error, "temporarily_unavailable");
      }
    });
  }

  test("a store answering something other than true does not accept", async () => {
    for (const answer of [false, undefined, null, 1, "true", {}]) {
      const r = await new Verifier({ ...policyAs, replay: { checkAndStore: async () => answer } }).verify(draftInput());
      assert.equal(r.ok, false, `store answer ${JSON.stringify(answer)} accepted`);
      assert.match(r.reason, /^(pop\.replayed|replay\.store_unavailable)$/);
    }
  });

  test("default store: per Verifier, bounded by replayCapacity (full → fails closed)", async () => {
    // Two Verifiers have two stores.
    assertOk(await new Verifier(policyAs).verify(draftInput()));
    assertOk(await new Verifier(policyAs).verify(draftInput()));
    // verify and verifySync share one Verifier's store.
    const v = new Verifier(policyAs);
    assertOk(v.verifySync(draftInput()));
    assertReason(await v.verify(draftInput()), "pop.replayed");
    // Capacity 1: a second distinct live PoP cannot be recorded.
    const small = new Verifier({ ...policyAs, replayCapacity: 1 });
    const a = att();
    assertOk(await small.verify(normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW, jti: "cap-1" }))));
    const second = await small.verify(normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW, jti: "cap-2" })));
    assertReason(second, "replay.store_unavailable", { status: 503 });
    // Once the first entry has expired there is room again.
    assertOk(await small.verify(normal(a, createPop({ key: instancePrivate, audience: AS, now: NOW + 4000, jti: "cap-3" }), { now: NOW + 4000 })));
  });
});

describe("Verifier methods never share state across instances", () => {
  test("async verify of the same request in parallel: exactly one accepted", async () => {
    for (const backend of ["auto", "wasm"]) {
      const v = new Verifier({ ...policyAs, backend });
      const rs = await Promise.all(Array.from({ length: 8 }, () => v.verify(draftInput())));
      assert.equal(rs.filter((r) => r.ok).length, 1, backend);
      for (const r of rs.filter((x) => !x.ok)) assertReason(r, "pop.replayed");
    }
  });

  test("async verify with a slow custom store in parallel: exactly one accepted", async () => {
    const seen = new Set();
    const replay = { checkAndStore: async (k) => { await new Promise((r) => setTimeout(r, 2)); if (seen.has(k)) return false; seen.add(k); return true; } };
    const v = new Verifier({ ...policyAs, replay });
    const rs = await Promise.all(Array.from({ length: 4 }, () => v.verify(draftInput())));
    // The store's own check-and-set decides (this fake is atomic per call in JS's single thread).
    assert.equal(rs.filter((r) => r.ok).length, 1);
  });

  test("verify input validation happens before anything else", async () => {
    const v = new Verifier(policyAs);
    await rejectsLike(v.verify(), TypeError, /options object/);
    await rejectsLike(v.verify("GET"), TypeError, /options object/);
    await rejectsLike(v.verify({ url: TOKEN_URL }), TypeError, /method/);
    await rejectsLike(v.verify({ method: "", url: TOKEN_URL }), TypeError, /method/);
    await rejectsLike(v.verify({ method: "POST" }), TypeError, /url/);
    await rejectsLike(v.verify({ method: "POST", url: 5 }), TypeError, /url/);
    await rejectsLike(v.verify(draftInput({ now: "1772487600" })), TypeError, /now/);
    await rejectsLike(v.verify(draftInput({ now: -1 })), RangeError, /now/);
    await rejectsLike(v.verify(draftInput({ clientId: 5 })), TypeError, /clientId/);
    await rejectsLike(v.verify(draftInput({ expectedChallenge: {} })), TypeError, /expectedChallenge/);
    await rejectsLike(v.verify(draftInput({ accessToken: 1 })), TypeError, /accessToken/);
    await rejectsLike(v.verify(draftInput({ accessTokenJkt: [] })), TypeError, /accessTokenJkt/);
    await rejectsLike(v.verify(draftInput({ expectedDpopNonce: 7 })), TypeError, /expectedDpopNonce/);
    throwsLike(() => v.verifySync({ method: "POST" }), TypeError, /url/);
    throwsLike(() => v.verifySync(null), TypeError, /options object/);
    // None of that consumed the draft PoP.
    assertOk(await v.verify(draftInput()));
  });
});
