// Verifier.verify / verifySync on every vector, with the WebCrypto and pure-wasm backends
// agreeing on each one (helpers.agree runs auto, webcrypto, wasm and verifySync).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Verifier, generateKey, createAttestation, createPop, createDpopProof } from "client-attestation";
import {
  NOW, AS, RS, TOKEN_URL, CLIENT, CHALLENGE_SECRET, NONCE_SECRET,
  policyAs, policyRs, requestToken, requestRs, draftAttestation, draftPopAs, draftPopRs,
  attesterPrivate, instancePrivate, thumbprints, readJson,
  draftInput, editSegment, tamperSignature, rawJws, unb64u, b64u, sha256b64u,
  agree, assertOk, assertReason, countSubtleVerify,
} from "./helpers.mjs";

// ---- generated material -------------------------------------------------------------------

/** An attester and an instance of the given algorithms, a policy trusting the attester. */
function world(attAlg = "ES256", instAlg = "ES256", edit = (p) => p) {
  const attester = generateKey(attAlg);
  const instance = generateKey(instAlg);
  const policy = edit({
    audience: AS,
    attesters: [{ name: "gen", jwks: { keys: [{ ...attester.publicJwk, kid: "k1" }] }, clientIds: ["client-1"] }],
  });
  const attestation = createAttestation({ issuerKey: attester, kid: "k1", clientId: "client-1", instanceKey: instance, now: NOW - 60 });
  return { attester, instance, policy, attestation };
}

const normal = (attestation, pop, extra = {}) => ({
  method: "POST",
  url: TOKEN_URL,
  headers: [["OAuth-Client-Attestation", attestation], ["OAuth-Client-Attestation-PoP", pop]],
  now: NOW,
  ...extra,
});

const combined = (attestation, dpop, extra = {}) => ({
  method: "POST",
  url: TOKEN_URL,
  headers: [["OAuth-Client-Attestation", attestation], ["DPoP", dpop]],
  now: NOW,
  ...extra,
});

// ---- the draft's examples -----------------------------------------------------------------

describe("draft -11 examples", () => {
  test("AS token request verifies (all backends), then is a replay", async () => {
    const [ok, again] = await agree(policyAs, [draftInput(), draftInput()], "draft AS");
    assertOk(ok);
    assert.equal(ok.clientId, CLIENT);
    assert.equal(ok.mechanism, "attestation_pop_jwt");
    assert.equal(ok.instanceKey.thumbprint, thumbprints["client-instance-key (cnf of current examples)"]);
    assert.deepEqual(ok.instanceKey.jwk, { kty: "EC", crv: "P-256", x: instancePrivate.x, y: instancePrivate.y });
    const decodedAtt = readJson("tests/fixtures/draft/client-attestation.decoded.json");
    const decodedPop = readJson("tests/fixtures/draft/client-attestation-pop.as.decoded.json");
    assert.deepEqual(ok.attestation.header, decodedAtt.header);
    assert.deepEqual(ok.attestation.claims, decodedAtt.payload);
    assert.deepEqual(ok.proof.header, decodedPop.header);
    assert.deepEqual(ok.proof.claims, decodedPop.payload);
    assert.equal(ok.dpopKey, undefined);
    assert.equal(ok.audit.decision, "accept");
    assert.equal(ok.audit.time, NOW);
    assert.equal(ok.audit.role, "as");
    assert.equal(ok.audit.attesterKid, "11");
    assert.equal(ok.audit.attesterKeyThumbprint, thumbprints["attester-key"]);
    assert.equal(ok.audit.jti, "d25d00ab-552b-46fc-ae19-98f440f25064");
    assert.equal(ok.checks, undefined, "checks only with explain: true");
    const explained = await new Verifier(policyAs).verify({ ...draftInput(), explain: true });
    assert.ok(Array.isArray(explained.checks) && explained.checks.length > 5);
    assert.ok(explained.checks.every((c) => ["pass", "not_applicable"].includes(c.status)), "an accepted result has no failed check");
    assertReason(again, "pop.replayed", { error: "invalid_client_attestation", status: 400 });
  });

  test("the request.token.json fixture verifies as-is", async () => {
    const [ok] = await agree(policyAs, [requestToken], "request.token.json");
    assertOk(ok);
  });

  test("RS request verifies with the RS policy, then is a replay", async () => {
    const [ok, again] = await agree(policyRs, [requestRs, requestRs], "draft RS");
    assertOk(ok);
    assert.equal(ok.audit.role, "rs");
    assert.equal(ok.proof.claims.aud, RS);
    assertReason(again, "pop.replayed", { status: 401 });
  });

  test("a PoP for the other audience is pop.aud_mismatch (AS and RS)", async () => {
    const [a] = await agree(policyAs, [draftInput({ headers: [["OAuth-Client-Attestation", draftAttestation], ["OAuth-Client-Attestation-PoP", draftPopRs]] })]);
    assertReason(a, "pop.aud_mismatch");
    const [r] = await agree(policyRs, [{ ...requestRs, headers: [["OAuth-Client-Attestation", draftAttestation], ["OAuth-Client-Attestation-PoP", draftPopAs]] }]);
    assertReason(r, "pop.aud_mismatch", { status: 401 });
  });

  test("time: PoP too old, PoP from the future, attestation expired", async () => {
    const w = world();
    const rs = await agree(policyAs, [
      draftInput({ now: NOW + 1000 }),
      draftInput({ now: NOW - 100 }),
      draftInput({ now: 2529866394 + 31 }),
    ], "time");
    assertReason(rs[0], "pop.too_old");
    assertReason(rs[1], "attestation.issued_in_future");
    const [future] = await agree(w.policy, [normal(w.attestation, createPop({ key: w.instance, audience: AS, now: NOW + 100 }))], "pop future");
    assertReason(future, "pop.issued_in_future");
    // Far past the attestation's exp the attestation check fails first.
    assert.equal(rs[2].ok, false);
    assert.ok(["attestation.expired", "pop.too_old"].includes(rs[2].reason), rs[2].reason);
  });

  test("expired attestation: use_fresh_attestation", async () => {
    const w = world();
    const att = createAttestation({ issuerKey: w.attester, kid: "k1", clientId: "client-1", instanceKey: w.instance, now: NOW - 7200, expiresIn: 3600 });
    const [r] = await agree(w.policy, [normal(att, createPop({ key: w.instance, audience: AS, now: NOW, jti: "exp-1" }))], "expired");
    assertReason(r, "attestation.expired", { error: "use_fresh_attestation" });
  });

  test("tampered signatures and claims are rejected by every backend", async () => {
    const badAttSig = tamperSignature(draftAttestation);
    const badPopSig = tamperSignature(draftPopAs);
    const editedSub = editSegment(draftAttestation, 1, (c) => ({ ...c, sub: "https://evil.example.com" }));
    const editedAud = editSegment(draftPopAs, 1, (c) => ({ ...c, jti: "other" }));
    const rs = await agree(policyAs, [
      draftInput({ headers: [["OAuth-Client-Attestation", badAttSig], ["OAuth-Client-Attestation-PoP", draftPopAs]] }),
      draftInput({ headers: [["OAuth-Client-Attestation", draftAttestation], ["OAuth-Client-Attestation-PoP", badPopSig]] }),
      draftInput({ headers: [["OAuth-Client-Attestation", editedSub], ["OAuth-Client-Attestation-PoP", draftPopAs]] }),
      draftInput({ headers: [["OAuth-Client-Attestation", draftAttestation], ["OAuth-Client-Attestation-PoP", editedAud]] }),
    ], "tampered");
    assertReason(rs[0], "attestation.bad_signature");
    assertReason(rs[1], "pop.bad_signature");
    assert.equal(rs[2].ok, false);
    assert.ok(["attestation.bad_signature", "attestation.attester_not_allowed"].includes(rs[2].reason), rs[2].reason);
    assertReason(rs[3], "pop.bad_signature");
    // A failed signature never reaches the replay store: the real request still verifies.
    const v = new Verifier(policyAs);
    assertReason(await v.verify(draftInput({ headers: [["OAuth-Client-Attestation", draftAttestation], ["OAuth-Client-Attestation-PoP", badPopSig]] })), "pop.bad_signature");
    assertOk(await v.verify(draftInput()));
  });

  test("a signature of the wrong length is a rejection on every backend, never an exception", async () => {
    // ES256/Ed25519 signatures are 64 bytes; the core decides any other length itself (the
    // signature-check buffer could not carry one over 255 bytes, and verify() used to throw).
    const withSig = (jwt, len) => editSegment(jwt, 2, () => new Uint8Array(len).fill(7));
    const inputs = [];
    for (const len of [63, 65, 256, 300, 4000]) {
      inputs.push(draftInput({ headers: [["OAuth-Client-Attestation", withSig(draftAttestation, len)], ["OAuth-Client-Attestation-PoP", draftPopAs]] }));
      inputs.push(draftInput({ headers: [["OAuth-Client-Attestation", draftAttestation], ["OAuth-Client-Attestation-PoP", withSig(draftPopAs, len)]] }));
    }
    const rs = await agree(policyAs, inputs, "signature length");
    rs.forEach((r, i) => assertReason(r, i % 2 === 0 ? "attestation.bad_signature" : "pop.bad_signature"));
  });

  test("clientId must equal the attestation sub", async () => {
    const rs = await agree(policyAs, [draftInput({ clientId: "s6BhdRkqt3" }), draftInput({ clientId: CLIENT })], "clientId");
    assertReason(rs[0], "attestation.client_id_mismatch", { error: "invalid_client", status: 401 });
    assertOk(rs[1]);
  });

  test("an attester key not in the trust store: attestation.unknown_key", async () => {
    const w = world();
    const [r] = await agree(policyAs, [normal(w.attestation, createPop({ key: w.instance, audience: AS, now: NOW }))]);
    assert.equal(r.ok, false);
    assert.match(r.reason, /^attestation\.(unknown_key|attester_not_allowed)$/);
  });

  test("now defaults to the current time (the draft PoP is then too old)", async () => {
    const v = new Verifier(policyAs);
    const before = Math.floor(Date.now() / 1000);
    const r = await v.verify(draftInput({ now: undefined }));
    assertReason(r, "pop.too_old");
    assert.ok(r.audit.time >= before && r.audit.time <= before + 5);
    const s = new Verifier(policyAs).verifySync(draftInput({ now: undefined }));
    assertReason(s, "pop.too_old");
  });

  test("explain evaluates every check", async () => {
    const input = draftInput({ headers: [["OAuth-Client-Attestation", tamperSignature(draftAttestation)], ["OAuth-Client-Attestation-PoP", draftPopRs]], explain: true });
    const [r] = await agree(policyAs, [input], "explain");
    assert.equal(r.ok, false);
    const failed = r.checks.filter((c) => c.status === "fail");
    assert.ok(failed.length >= 2, `explain should report every failure, got ${JSON.stringify(failed.map((c) => c.id))}`);
    const quick = new Verifier(policyAs).verifySync({ ...input, explain: false });
    assert.equal(quick.reason, r.reason);
  });
});

// ---- generated keys -----------------------------------------------------------------------

describe("generated keys: every attester × instance algorithm", () => {
  for (const attAlg of ["ES256", "EdDSA"]) {
    for (const instAlg of ["ES256", "EdDSA"]) {
      test(`${attAlg} attester, ${instAlg} instance: accept, replay, tamper`, async () => {
        const w = world(attAlg, instAlg);
        const pop = createPop({ key: w.instance, audience: AS, now: NOW, jti: `jti-${attAlg}-${instAlg}` });
        const pop2 = createPop({ key: w.instance, audience: AS, now: NOW });
        const rs = await agree(w.policy, [
          normal(w.attestation, pop),
          normal(w.attestation, pop),
          normal(w.attestation, pop2),
          normal(w.attestation, tamperSignature(pop2)),
          normal(tamperSignature(w.attestation), pop2),
        ], `${attAlg}/${instAlg}`);
        assertOk(rs[0]);
        assert.equal(rs[0].clientId, "client-1");
        assert.equal(rs[0].instanceKey.thumbprint, w.instance.thumbprint);
        assert.equal(rs[0].attestation.header.alg, attAlg);
        assert.equal(rs[0].proof.header.alg, instAlg);
        assertReason(rs[1], "pop.replayed");
        assertOk(rs[2]);
        assert.equal(rs[3].ok, false);
        assert.match(rs[3].reason, /^pop\.(bad_signature|replayed)$/);
        assertReason(rs[4], "attestation.bad_signature");
      });
    }
  }

  test("an algorithm outside policy.algorithms is refused", async () => {
    const w = world("ES256", "EdDSA", (p) => ({ ...p, algorithms: ["ES256"] }));
    const [r] = await agree(w.policy, [normal(w.attestation, createPop({ key: w.instance, audience: AS, now: NOW }))]);
    assertReason(r, "pop.alg_not_allowed");
  });

  test("the WebCrypto backend really does the signature checks, auto uses node:crypto in Node, wasm neither", async () => {
    for (const alg of ["ES256", "EdDSA"]) {
      const w = world(alg, alg);
      const auto = new Verifier(w.policy);
      const autoCalls = await countSubtleVerify(async () => assertOk(await auto.verify(normal(w.attestation, createPop({ key: w.instance, audience: AS, now: NOW })))));
      assert.equal(autoCalls, 0, `${alg} auto: Node's native backend, not crypto.subtle`);
      for (const backend of ["webcrypto"]) {
        const v = new Verifier({ ...w.policy, backend });
        const calls = await countSubtleVerify(async () => assertOk(await v.verify(normal(w.attestation, createPop({ key: w.instance, audience: AS, now: NOW })))));
        assert.ok(calls >= 1, `${alg} ${backend}: crypto.subtle.verify was not called`);
      }
      const v = new Verifier({ ...w.policy, backend: "wasm" });
      const calls = await countSubtleVerify(async () => assertOk(await v.verify(normal(w.attestation, createPop({ key: w.instance, audience: AS, now: NOW })))));
      assert.equal(calls, 0, `${alg} wasm backend must not call crypto.subtle.verify`);
    }
  });
});

// ---- signature edge cases: the two backends must agree on them too ------------------------

describe("signature edge cases (backend agreement)", () => {
  const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const ED_L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const leToBig = (b) => b.reduceRight((acc, x) => (acc << 8n) + BigInt(x), 0n);
  const bigToLe = (n, len = 32) => Uint8Array.from({ length: len }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
  const bigToBe = (n, len = 32) => bigToLe(n, len).reverse();
  const beToBig = (b) => leToBig(Uint8Array.from(b).reverse());

  test("ES256 high-S (malleated) signatures", async () => {
    const w = world("ES256", "ES256");
    const pop = createPop({ key: w.instance, audience: AS, now: NOW, jti: "high-s" });
    const highS = editSegment(pop, 2, (sig) => {
      const out = Uint8Array.from(sig);
      out.set(bigToBe(P256_N - beToBig(sig.slice(32))), 32);
      return out;
    });
    await agree(w.policy, [normal(w.attestation, highS)], "high-S");
  });

  test("ES256 r = 0 / s = 0 / r = n are rejected", async () => {
    const w = world("ES256", "ES256");
    const header = { typ: "oauth-client-attestation-pop+jwt", alg: "ES256" };
    const claims = { aud: AS, jti: "zero", iat: NOW };
    const n = bigToBe(P256_N);
    const sigs = [new Uint8Array(64), Uint8Array.from([...new Uint8Array(32), ...n]), Uint8Array.from([...n, ...n])];
    const rs = await agree(w.policy, sigs.map((s) => normal(w.attestation, rawJws(header, claims, s))), "ES256 zero");
    for (const r of rs) assert.equal(r.ok, false);
  });

  test("Ed25519 small-order instance key (identity point) with R = identity, S = 0", async () => {
    // Cofactorless verification accepts this "signature" over any message for the identity
    // key; ed25519-dalek verify_strict rejects small-order keys. The two backends must agree
    // (and the safe answer is to reject).
    const attester = generateKey("ES256");
    const weak = { kty: "OKP", crv: "Ed25519", x: b64u(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))) };
    const policy = { audience: AS, attesters: [{ jwks: { keys: [attester.publicJwk] } }] };
    // Our builder refuses to put a small-order key in cnf, so sign this attestation directly.
    assert.throws(() => createAttestation({ issuerKey: attester, clientId: "weak", instanceKey: weak, now: NOW }), TypeError);
    const { kty, crv, x, y, d } = attester.privateJwk;
    const signer = await crypto.subtle.importKey("jwk", { kty, crv, x, y, d }, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
    const attHeader = { typ: "oauth-client-attestation+jwt", alg: "ES256" };
    const attClaims = { sub: "weak", iat: NOW, exp: NOW + 3600, cnf: { jwk: weak } };
    const attInput = `${b64u(JSON.stringify(attHeader))}.${b64u(JSON.stringify(attClaims))}`;
    const attSig = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signer, new TextEncoder().encode(attInput)));
    const att = rawJws(attHeader, attClaims, attSig);
    const sig = new Uint8Array(64);
    sig[0] = 1;
    const pop = rawJws({ typ: "oauth-client-attestation-pop+jwt", alg: "EdDSA" }, { aud: AS, jti: "weak-1", iat: NOW }, sig);
    const wasm = new Verifier({ ...policy, backend: "wasm" }).verifySync(normal(att, pop));
    const webcrypto = await new Verifier(policy).verify(normal(att, pop));
    assert.equal(wasm.ok, false, "pure wasm rejects the forged PoP");
    assert.equal(wasm.reason, "attestation.cnf_key_invalid", "the small-order key itself is refused");
    assert.equal(webcrypto.ok, wasm.ok, `WebCrypto backend ${webcrypto.ok ? "ACCEPTS" : "rejects"} a PoP forged for a small-order Ed25519 cnf key (wasm: ${wasm.reason})`);
  });

  test("Ed25519 signature with a small-order R (identity) by the real key holder", async () => {
    // S = k·a mod L with R = identity verifies cofactorless ([S]B − [k]A = identity = R);
    // verify_strict rejects small-order R.
    const w = world("ES256", "EdDSA");
    const seed = unb64u(w.instance.privateJwk.d);
    const { createHash } = await import("node:crypto");
    const h = createHash("sha512").update(seed).digest();
    const a = Uint8Array.from(h.subarray(0, 32));
    a[0] &= 248; a[31] &= 127; a[31] |= 64;
    const R = new Uint8Array(32); R[0] = 1;
    const A = unb64u(w.instance.publicJwk.x);
    const signingInput = `${b64u(JSON.stringify({ typ: "oauth-client-attestation-pop+jwt", alg: "EdDSA" }))}.${b64u(JSON.stringify({ aud: AS, jti: "smallR", iat: NOW }))}`;
    const k = leToBig(createHash("sha512").update(R).update(A).update(signingInput).digest()) % ED_L;
    const S = (k * leToBig(a)) % ED_L;
    const pop = `${signingInput}.${b64u(Uint8Array.from([...R, ...bigToLe(S)]))}`;
    const wasm = new Verifier({ ...w.policy, backend: "wasm" }).verifySync(normal(w.attestation, pop));
    const webcrypto = await new Verifier(w.policy).verify(normal(w.attestation, pop));
    assert.equal(webcrypto.ok, wasm.ok, `backends disagree on a small-order-R Ed25519 signature: WebCrypto ${webcrypto.ok ? "accepts" : webcrypto.reason}, wasm ${wasm.ok ? "accepts" : wasm.reason}`);
  });

  test("Ed25519 non-canonical S (S + L) is rejected", async () => {
    const w = world("ES256", "EdDSA");
    const pop = createPop({ key: w.instance, audience: AS, now: NOW, jti: "noncanon" });
    const bad = editSegment(pop, 2, (sig) => Uint8Array.from([...sig.slice(0, 32), ...bigToLe(leToBig(sig.slice(32)) + ED_L)]));
    const [r] = await agree(w.policy, [normal(w.attestation, bad)], "S+L");
    assert.equal(r.ok, false);
  });
});

// ---- challenges ---------------------------------------------------------------------------

describe("attestation challenges", () => {
  const withChallenge = (required = true, extra = {}) => ({ ...policyAs, challenge: { secret: CHALLENGE_SECRET, required, lifetime: 60, ...extra } });

  test("required challenge: missing, forged, expired, fresh (all backends)", async () => {
    const inst = instancePrivate;
    const att = createAttestation({ issuerKey: attesterPrivate, kid: "11", clientId: CLIENT, instanceKey: inst, now: NOW - 10 });
    const issuer = new Verifier(withChallenge());
    const fresh = issuer.issueChallenge(NOW - 5);
    const old = issuer.issueChallenge(NOW - 120);
    const pop = (challenge, jti) => createPop({ key: inst, audience: AS, now: NOW, jti, challenge });
    const rs = await agree(withChallenge(), [
      normal(att, pop(undefined, "c1")),
      normal(att, pop("AYjcyMzY3ZDhiNmJkNTZ", "c2")),
      normal(att, pop(old, "c3")),
      normal(att, pop(fresh, "c4")),
    ], "challenges");
    assertReason(rs[0], "challenge.missing", { error: "use_attestation_challenge", status: 400 });
    assertReason(rs[1], "challenge.invalid", { error: "use_attestation_challenge" });
    assertReason(rs[2], "challenge.expired", { error: "use_attestation_challenge" });
    assertOk(rs[3]);
    assert.equal(rs[3].audit.challenge, "valid");
    // The draft's own PoP carries a challenge this server never issued.
    const [draft] = await agree(withChallenge(), [draftInput()]);
    assertReason(draft, "challenge.invalid");
  });

  test("optional challenge: none is fine, a bad one is not", async () => {
    const att = createAttestation({ issuerKey: attesterPrivate, kid: "11", clientId: CLIENT, instanceKey: instancePrivate, now: NOW - 10 });
    const rs = await agree(withChallenge(false), [
      normal(att, createPop({ key: instancePrivate, audience: AS, now: NOW, jti: "o1" })),
      normal(att, createPop({ key: instancePrivate, audience: AS, now: NOW, jti: "o2", challenge: "nope" })),
    ], "optional challenge");
    assertOk(rs[0]);
    assertReason(rs[1], "challenge.invalid");
  });

  test("expectedChallenge (no secret): match and mismatch", async () => {
    const p = { ...policyAs, challenge: { required: true } };
    const rs = await agree(p, [
      draftInput({ expectedChallenge: "5c1a9e10-29ff-4c2b-ae73-57c0957c09c4" }),
      draftInput({ expectedChallenge: "something-else" }),
    ], "expectedChallenge");
    assertOk(rs[0]);
    assertReason(rs[1], "challenge.mismatch");
  });
});

// ---- DPoP: combined mode, nonces, three-JWT requests, RS binding -------------------------

describe("DPoP", () => {
  const combinedPolicy = (extra = {}) => ({ ...policyAs, dpop: { combined: true, ...extra } });
  const att = () => createAttestation({ issuerKey: attesterPrivate, kid: "11", clientId: CLIENT, instanceKey: instancePrivate, now: NOW - 10 });

  test("combined mode: accept (ES256 + EdDSA instance), replay, key mismatch, not enabled", async () => {
    const a = att();
    const proof = createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW, jti: "d1" });
    const other = createDpopProof({ key: generateKey("ES256"), method: "POST", url: TOKEN_URL, now: NOW, jti: "d2" });
    const rs = await agree(combinedPolicy(), [combined(a, proof), combined(a, proof), combined(a, other)], "combined");
    assertOk(rs[0]);
    assert.equal(rs[0].mechanism, "dpop_combined");
    assert.deepEqual(rs[0].dpopKey, rs[0].instanceKey);
    assert.equal(rs[0].proof.header.typ, "dpop+jwt");
    assert.equal(rs[0].audit.mechanism, "dpop_combined");
    assertReason(rs[1], "dpop.replayed", { error: "invalid_dpop_proof" });
    assertReason(rs[2], "dpop.key_mismatch", { error: "invalid_client_attestation" });
    const [off] = await agree(policyAs, [combined(a, createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW }))]);
    assertReason(off, "pop.combined_mode_not_enabled");

    const ed = generateKey("EdDSA");
    const attEd = createAttestation({ issuerKey: attesterPrivate, kid: "11", clientId: CLIENT, instanceKey: ed, now: NOW - 10 });
    const [okEd] = await agree(combinedPolicy(), [combined(attEd, createDpopProof({ key: ed, method: "POST", url: `${TOKEN_URL}?x=1#f`, now: NOW }))], "combined EdDSA");
    assertOk(okEd);
    assert.equal(okEd.proof.claims.htu, TOKEN_URL);
  });

  test("combined mode: htm / htu mismatches", async () => {
    const a = att();
    const rs = await agree(combinedPolicy(), [
      combined(a, createDpopProof({ key: instancePrivate, method: "GET", url: TOKEN_URL, now: NOW })),
      combined(a, createDpopProof({ key: instancePrivate, method: "POST", url: `${AS}/par`, now: NOW })),
    ], "htm/htu");
    assertReason(rs[0], "dpop.htm_mismatch");
    assertReason(rs[1], "dpop.htu_mismatch");
  });

  test("DPoP nonces: missing → use_dpop_nonce with DPoP-Nonce; retry with it; forged; expired", async () => {
    const p = combinedPolicy({ nonce: { secret: NONCE_SECRET, lifetime: 60 } });
    const a = att();
    const v = new Verifier(p);
    const first = await v.verify(combined(a, createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW })));
    assertReason(first, "dpop.nonce_missing", { error: "use_dpop_nonce", status: 400 });
    const nonce = new Map(first.response.headers.map(([n, x]) => [n.toLowerCase(), x])).get("dpop-nonce");
    assert.ok(nonce, "the use_dpop_nonce response carries DPoP-Nonce");
    const old = v.issueDpopNonce(NOW - 120);
    const rs = await agree(p, [
      combined(a, createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW, nonce })),
      combined(a, createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW, nonce: "eyJ7S_zG.eyJH0-Z.HX4w-7v" })),
      combined(a, createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW, nonce: old })),
      combined(a, createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW, nonce: v.issueDpopNonce(NOW) })),
    ], "nonces");
    assertOk(rs[0]);
    assertReason(rs[1], "dpop.nonce_invalid", { error: "use_dpop_nonce" });
    assertReason(rs[2], "dpop.nonce_expired", { error: "use_dpop_nonce" });
    assertOk(rs[3]);
  });

  test("expectedDpopNonce: a nonce issued elsewhere", async () => {
    const a = att();
    const proof = (nonce) => createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW, nonce });
    const rs = await agree(combinedPolicy(), [
      combined(a, proof("n-1"), { expectedDpopNonce: "n-1" }),
      combined(a, proof("n-2"), { expectedDpopNonce: "n-1" }),
      combined(a, proof(undefined), { expectedDpopNonce: "n-1" }),
    ], "expectedDpopNonce");
    assertOk(rs[0]);
    assertReason(rs[1], "dpop.nonce_invalid", { error: "use_dpop_nonce" });
    assertReason(rs[2], "dpop.nonce_missing", { error: "use_dpop_nonce" });
  });

  test("three-JWT request: a separate DPoP key is reported and validated", async () => {
    const dk = generateKey("EdDSA");
    const good = createDpopProof({ key: dk, method: "POST", url: TOKEN_URL, now: NOW, jti: "three-1" });
    const bad = createDpopProof({ key: dk, method: "PUT", url: TOKEN_URL, now: NOW, jti: "three-2" });
    const withDpop = (d) => draftInput({ headers: [...draftInput().headers, ["DPoP", d]] });
    const [ok] = await agree(policyAs, [withDpop(good)], "three-JWT");
    assertOk(ok);
    assert.equal(ok.mechanism, "attestation_pop_jwt");
    assert.equal(ok.dpopKey.thumbprint, dk.thumbprint);
    assert.notEqual(ok.dpopKey.thumbprint, ok.instanceKey.thumbprint);
    const [no] = await agree(policyAs, [withDpop(bad)], "three-JWT bad");
    assertReason(no, "dpop.htm_mismatch");
  });

  test("RS: ath and access-token binding (accessToken, accessTokenJkt)", async () => {
    const p = { ...policyRs, dpop: { combined: true } };
    const at = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
    const url = `${RS}/resource`;
    const a = att();
    const proof = (accessToken, jti) => createDpopProof({ key: instancePrivate, method: "GET", url, now: NOW, accessToken, jti });
    const req = (d, extra = {}) => ({ method: "GET", url, headers: [["Authorization", `DPoP ${at}`], ["OAuth-Client-Attestation", a], ["DPoP", d]], now: NOW, accessToken: at, ...extra });
    const rs = await agree(p, [
      req(proof(undefined, "r1")),
      req(proof("another-token", "r2")),
      req(proof(at, "r3"), { accessTokenJkt: generateKey().thumbprint }),
      req(proof(at, "r4"), { accessTokenJkt: thumbprints["client-instance-key (cnf of current examples)"] }),
    ], "ath");
    assertReason(rs[0], "dpop.ath_missing", { status: 401 });
    assertReason(rs[1], "dpop.ath_mismatch", { status: 401 });
    assertReason(rs[2], "dpop.token_binding_mismatch", { status: 401 });
    assertOk(rs[3]);
    assert.equal(rs[3].proof.claims.ath, sha256b64u(at));
    // Without `accessToken`, the Authorization header's token is the one ath must hash: a
    // proof without ath is still refused.
    const noOption = await agree(p, [
      req(proof(undefined, "h1"), { accessToken: undefined }),
      req(proof(at, "h2"), { accessToken: undefined }),
    ], "ath from Authorization");
    assertReason(noOption[0], "dpop.ath_missing", { status: 401 });
    assertOk(noOption[1]);
  });
});

// ---- anything at all in the header slots is a result ------------------------------------

describe("garbage is a result, never an exception", () => {
  // A small deterministic PRNG so failures reproduce.
  let seed = 0x2545f491;
  const rnd = (n) => {
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return seed % n;
  };
  const pick = (xs) => xs[rnd(xs.length)];
  // Code points (not UTF-16 units): lone surrogates have their own test below.
  const alphabet = Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/~ \t,\"{}:é\u0000\u{1F600}");
  const randomString = (len) => Array.from({ length: len }, () => alphabet[rnd(alphabet.length)]).join("");
  const seg = (obj) => b64u(typeof obj === "string" ? obj : JSON.stringify(obj));
  const fixed = [
    "", " ", ".", "..", "...", "a.b.c", "a.b", "a.b.c.d", "a.b.c.d.e", "e30.e30.", "e30.e30.AA", "e30..AA",
    "=.=.=", "eyJ.eyJ.eyJ", "null", "{}", "\u0000", "é.é.é", "😀.😀.😀",
    `${seg("{\"alg\":\"none\"}")}.${seg({})}.`,
    `${seg({ alg: "none", typ: "oauth-client-attestation+jwt" })}.${seg({ sub: "x" })}.AA`,
    `${seg({ alg: "HS256", typ: "oauth-client-attestation+jwt", kid: "11" })}.${seg({ sub: CLIENT, exp: 9e9 })}.AAAA`,
    `${seg({ alg: "ES256", typ: "oauth-client-attestation+jwt", kid: "11" })}.${seg({ sub: CLIENT, exp: "soon", iat: [], cnf: 7 })}.${b64u(new Uint8Array(64))}`,
    `${seg('{"alg":"ES256","alg":"ES256"}')}.${seg({})}.${b64u(new Uint8Array(64))}`,
    `${seg("[1,2,3]")}.${seg("\"str\"")}.${b64u(new Uint8Array(64))}`,
    `${seg("[".repeat(500) + "]".repeat(500))}.${seg({})}.AA`,
    `${seg({ alg: "ES256", crit: ["b64"], b64: false })}.${seg({})}.${b64u(new Uint8Array(64))}`,
    `${seg({ alg: "RSA-OAEP", enc: "A256GCM" })}.a.b.c.d`,
    `${seg({ alg: "EdDSA", typ: "dpop+jwt", jwk: { kty: "OKP", crv: "Ed25519", x: "AA" } })}.${seg({ htm: "POST", htu: TOKEN_URL, iat: NOW, jti: "x" })}.${b64u(new Uint8Array(64))}`,
    `${seg({ alg: "ES256", typ: "dpop+jwt", jwk: { kty: "EC", crv: "P-256", x: instancePrivate.x, y: instancePrivate.y, d: instancePrivate.d } })}.${seg({ htm: "POST", htu: TOKEN_URL, iat: NOW, jti: "x" })}.${b64u(new Uint8Array(64))}`,
    `${seg({ alg: "ES256", typ: "oauth-client-attestation+jwt", kid: "11" })}.${seg({ sub: CLIENT, exp: 9e9, iat: 1e308, cnf: { jwk: { kty: "EC", crv: "P-256", x: "AA", y: "AA" } } })}.${b64u(new Uint8Array(64))}`,
    "A".repeat(20000),
    `${"A".repeat(9000)}.${"B".repeat(9000)}.${"C".repeat(90)}`,
    draftAttestation + "~" + draftPopAs,
    draftAttestation + ", " + draftAttestation,
    draftAttestation.toLowerCase(),
    draftAttestation + "=",
  ];
  const generated = Array.from({ length: 80 }, (_, i) => {
    switch (i % 4) {
      case 0: return randomString(1 + rnd(200));
      case 1: return `${randomString(rnd(40))}.${randomString(rnd(40))}.${randomString(rnd(90))}`;
      case 2: {
        const j = rnd(3);
        return draftAttestation.split(".").map((s, k) => (k === j ? randomString(s.length) : s)).join(".");
      }
      default: {
        const s = draftPopAs.split("");
        for (let k = 0; k < 1 + rnd(4); k++) {
          const at = rnd(s.length);
          s[at] = pick(alphabet.filter((c) => c !== s[at]));
        }
        return s.join("");
      }
    }
  });
  const tokens = [...fixed, ...generated];

  for (const [slot, policy] of [["OAuth-Client-Attestation", policyAs], ["OAuth-Client-Attestation-PoP", policyAs], ["DPoP", { ...policyAs, dpop: { combined: true } }], ["Authorization", policyRs]]) {
    test(`${tokens.length} garbage ${slot} values: results on every backend`, async () => {
      const inputs = tokens.map((t) => {
        const headers = slot === "DPoP" ? [["OAuth-Client-Attestation", draftAttestation], ["DPoP", t]]
          : slot === "Authorization" ? [["Authorization", `DPoP ${t}`], ["OAuth-Client-Attestation", draftAttestation], ["OAuth-Client-Attestation-PoP", draftPopRs]]
          : slot === "OAuth-Client-Attestation" ? [[slot, t], ["OAuth-Client-Attestation-PoP", draftPopAs]]
          : [["OAuth-Client-Attestation", draftAttestation], [slot, t]];
        return { method: "POST", url: slot === "Authorization" ? `${RS}/x` : TOKEN_URL, headers, now: NOW, accessToken: slot === "Authorization" ? t : undefined };
      });
      const rs = await agree(policy, inputs, slot);
      for (const [i, r] of rs.entries()) {
        assert.equal(typeof r.ok, "boolean", `input ${i}`);
        if (slot !== "Authorization") assert.equal(r.ok, false, `garbage ${JSON.stringify(tokens[i])} was accepted`);
        if (!r.ok) assert.equal(typeof r.reason, "string");
      }
    });
  }

  test("lone surrogates (not well-formed UTF-16) in header values and claims are results", async () => {
    // Only pairs / plain objects can carry them (Fetch Headers are ByteStrings), but a
    // token is still just a string: verify() must answer with a result.
    const lone = ["\uD83D", "\uDE00", `${draftAttestation}\uD800`, `a\uDFFFb.c.d`];
    const inputs = lone.flatMap((t) => [
      draftInput({ headers: [["OAuth-Client-Attestation", t], ["OAuth-Client-Attestation-PoP", draftPopAs]] }),
      draftInput({ headers: { "OAuth-Client-Attestation": draftAttestation, "OAuth-Client-Attestation-PoP": t } }),
      draftInput({ headers: [["X-Other\uD800", t], ...draftInput().headers], clientId: `${CLIENT}\uD800` }),
    ]);
    const rs = await agree(policyAs, inputs, "lone surrogates");
    for (const r of rs) assert.equal(r.ok, false);
  });

  test("odd header lines and URLs are results too", async () => {
    const odd = [
      [],
      [["", ""]],
      [["OAuth-Client-Attestation", ""]],
      [["X".repeat(10000), "y".repeat(100000)]],
      Array.from({ length: 500 }, (_, i) => [`x-h${i}`, "v"]),
      [["OAuth-Client-Attestation\n", draftAttestation], ["OAuth-Client-Attestation-PoP", draftPopAs]],
      [["OAuth-Client-Attestation", `${draftAttestation}\r\nX-Injected: 1`], ["OAuth-Client-Attestation-PoP", draftPopAs]],
    ];
    const inputs = [
      ...odd.map((headers) => ({ method: "POST", url: TOKEN_URL, headers, now: NOW })),
      draftInput({ url: "not a url" }),
      draftInput({ url: "" , method: "PO ST" }),
      draftInput({ url: "https://[::1/x" }),
    ];
    const rs = await agree(policyAs, inputs, "odd");
    for (const r of rs.slice(0, odd.length)) assert.equal(r.ok, false);
  });
});
