// new Verifier(policy): every policy option, and bad options → TypeError / RangeError with a
// clear message.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, sign as nodeSign } from "node:crypto";
import { Verifier, generateKey, createAttestation, createPop } from "client-attestation";
import {
  NOW, AS, TOKEN_URL, CLIENT, CHALLENGE_SECRET, NONCE_SECRET, policyAs, attesterPrivate, attesterPublic, instancePrivate,
  draftInput, agree, assertOk, assertReason, throwsLike,
} from "./helpers.mjs";

function signJws(privateJwk, header, claims) {
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const sig = nodeSign("sha256", Buffer.from(input), { key: createPrivateKey({ key: privateJwk, format: "jwk" }), dsaEncoding: "ieee-p1363" });
  return `${input}.${sig.toString("base64url")}`;
}

const normal = (a, p, extra = {}) => ({ method: "POST", url: TOKEN_URL, headers: [["OAuth-Client-Attestation", a], ["OAuth-Client-Attestation-PoP", p]], now: NOW, ...extra });

describe("new Verifier: bad options", () => {
  const cases = [
    // [label, policy, class, message]
    ["undefined", undefined, TypeError, /policy must be an object/],
    ["null", null, TypeError, /policy must be an object/],
    ["a string", JSON.stringify(policyAs), TypeError, /policy must be an object/],
    ["an array", [policyAs], TypeError, /policy must be an object/],
    ["a number", 42, TypeError, /policy must be an object/],
    ["no attesters (empty)", { ...policyAs, attesters: [] }, TypeError, /attesters: at least one trusted attester/],
    ["no attesters (missing)", { audience: AS }, TypeError, /missing field `attesters`/],
    ["no audience", { attesters: policyAs.attesters }, TypeError, /missing field `audience`/],
    ["audience with spaces", { ...policyAs, audience: " x " }, TypeError, /audience/],
    ["audience not a string", { ...policyAs, audience: 5 }, TypeError, /expected a string/],
    ["empty jwks", { ...policyAs, attesters: [{ jwks: { keys: [] } }] }, TypeError, /attesters\[0\]\.jwks\.keys: is empty/],
    ["a private attester key", { ...policyAs, attesters: [{ jwks: { keys: [attesterPrivate] } }] }, TypeError, /attesters\[0\]\.jwks\.keys\[0\]: is a private or symmetric key/],
    ["a symmetric attester key", { ...policyAs, attesters: [{ jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } }] }, TypeError, /private or symmetric/],
    ["an RSA attester key", { ...policyAs, attesters: [{ jwks: { keys: [{ kty: "RSA", n: "AA", e: "AQAB" }] } }] }, TypeError, /not supported/],
    ["a key whose alg does not fit", { ...policyAs, attesters: [{ jwks: { keys: [{ ...attesterPublic, alg: "EdDSA" }] } }] }, TypeError, /alg EdDSA does not fit/],
    ["empty clientIds", { ...policyAs, attesters: [{ jwks: { keys: [attesterPublic] }, clientIds: [] }] }, TypeError, /clientIds: is empty/],
    ["alg none", { ...policyAs, algorithms: ["none"] }, TypeError, /"none" can never be allowed/],
    ["alg HS256", { ...policyAs, algorithms: ["HS256"] }, TypeError, /HS256 is not supported/],
    ["no algorithms", { ...policyAs, algorithms: [] }, TypeError, /algorithms: is empty/],
    ["clockTolerance 1000", { ...policyAs, clockTolerance: 1000 }, RangeError, /clockTolerance: 1000 is outside 0..=300 seconds/],
    ["clockTolerance -1", { ...policyAs, clockTolerance: -1 }, TypeError, /clockTolerance|invalid value/],
    ["clockTolerance '30'", { ...policyAs, clockTolerance: "30" }, TypeError, /expected u64|invalid type/],
    ["maxPopAge 0", { ...policyAs, maxPopAge: 0 }, RangeError, /maxPopAge: 0 is outside/],
    ["maxPopAge 1 day", { ...policyAs, maxPopAge: 86400 }, RangeError, /maxPopAge/],
    ["maxAttestationAge 0", { ...policyAs, maxAttestationAge: 0 }, RangeError, /maxAttestationAge/],
    ["short challenge secret", { ...policyAs, challenge: { secret: "short" } }, RangeError, /challenge\.secret: must be at least 32 bytes/],
    ["challenge lifetime 0", { ...policyAs, challenge: { secret: CHALLENGE_SECRET, lifetime: 0 } }, RangeError, /challenge\.lifetime/],
    ["short nonce secret", { ...policyAs, dpop: { nonce: { secret: "x" } } }, RangeError, /dpop\.nonce\.secret/],
    ["nonce without secret", { ...policyAs, dpop: { nonce: {} } }, TypeError, /missing field `secret`/],
    ["unknown role", { ...policyAs, role: "client" }, TypeError, /unknown variant `client`/],
    ["a typo'd member", { ...policyAs, clockTolerence: 30 }, TypeError, /unknown field `clockTolerence`/],
    ["a typo in a nested member", { ...policyAs, challenge: { secrett: CHALLENGE_SECRET } }, TypeError, /unknown field `secrett`/],
    ["bad backend", { ...policyAs, backend: "openssl" }, TypeError, /policy\.backend must be one of auto, webcrypto, wasm/],
    ["bad replay (no checkAndStore)", { ...policyAs, replay: {} }, TypeError, /policy\.replay must be an object with checkAndStore/],
    ["bad replay (not a function)", { ...policyAs, replay: { checkAndStore: true } }, TypeError, /policy\.replay/],
    ["bad replay (a Map)", { ...policyAs, replay: new Map() }, TypeError, /policy\.replay/],
    ["replayCapacity 0", { ...policyAs, replayCapacity: 0 }, RangeError, /replayCapacity must be a positive integer/],
    ["replayCapacity 1.5", { ...policyAs, replayCapacity: 1.5 }, RangeError, /replayCapacity/],
    ["replayCapacity 2^32", { ...policyAs, replayCapacity: 2 ** 32 }, RangeError, /replayCapacity/],
    ["replayCapacity '10'", { ...policyAs, replayCapacity: "10" }, RangeError, /replayCapacity/],
  ];
  for (const [label, policy, Class, re] of cases) {
    test(label, () => throwsLike(() => new Verifier(policy), Class, re));
  }

  test("every message names the policy problem (no bare serde or wasm errors)", () => {
    for (const [, policy] of cases) {
      try {
        new Verifier(policy);
      } catch (e) {
        assert.ok(!/RuntimeError|unreachable|panicked/.test(e.message), e.message);
        assert.ok(e.message.length < 400, `message too long: ${e.message}`);
      }
    }
  });
});

describe("new Verifier: every option works", () => {
  test("role, algorithms, clockTolerance, maxPopAge, maxAttestationAge, requireAttestationIat, legacy, names, clientIds", async () => {
    const attester = generateKey("ES256");
    const inst = generateKey("EdDSA");
    const base = { audience: AS, attesters: [{ name: "one", jwks: { keys: [{ ...attester.publicJwk, kid: "a" }] }, clientIds: ["c1"] }] };
    const att = createAttestation({ issuerKey: attester, kid: "a", clientId: "c1", instanceKey: inst, now: NOW - 100 });
    const pop = (now, jti) => createPop({ key: inst, audience: AS, now, jti });

    // clockTolerance: a PoP 20 s in the future is fine with 30, not with 0.
    const [tol30] = await agree({ ...base, clockTolerance: 30 }, [normal(att, pop(NOW + 20, "t1"))], "tol30");
    assertOk(tol30);
    const [tol0] = await agree({ ...base, clockTolerance: 0 }, [normal(att, pop(NOW + 20, "t2"))], "tol0");
    assertReason(tol0, "pop.issued_in_future");
    // maxPopAge: 60 s old is fine with 300, not with 30.
    assertOk((await agree({ ...base, maxPopAge: 300 }, [normal(att, pop(NOW - 60, "a1"))]))[0]);
    assertReason((await agree({ ...base, maxPopAge: 30, clockTolerance: 0 }, [normal(att, pop(NOW - 60, "a2"))]))[0], "pop.too_old");
    // maxAttestationAge: the attestation is 100 s old.
    assertReason((await agree({ ...base, maxAttestationAge: 50, clockTolerance: 0 }, [normal(att, pop(NOW, "m1"))]))[0], "attestation.too_old", { error: "use_fresh_attestation" });
    assertOk((await agree({ ...base, maxAttestationAge: 500 }, [normal(att, pop(NOW, "m2"))]))[0]);
    // requireAttestationIat: the draft's attestation has iat; a hand-made one without iat does not.
    assertOk((await agree({ ...policyAs, requireAttestationIat: true }, [draftInput()]))[0]);
    // algorithms.
    assertReason((await agree({ ...base, algorithms: ["ES256"] }, [normal(att, pop(NOW, "alg"))]))[0], "pop.alg_not_allowed");
    assertOk((await agree({ ...base, algorithms: ["ES256", "EdDSA"] }, [normal(att, pop(NOW, "alg3"))]))[0]);
    // clientIds: this attester may only vouch for c1.
    const other = createAttestation({ issuerKey: attester, kid: "a", clientId: "c2", instanceKey: inst, now: NOW - 100 });
    assertReason((await agree(base, [normal(other, pop(NOW, "cid"))]))[0], "attestation.attester_not_allowed");
    // name → audit.attester.
    const [named] = await agree(base, [normal(att, pop(NOW, "name"))]);
    assert.equal(named.audit.attester, "one");
    // role rs → 401s.
    const [rs] = await agree({ ...base, role: "rs" }, [{ method: "GET", url: `${AS}/x`, headers: [], now: NOW }]);
    assertReason(rs, "attestation.missing", { status: 401 });
  });

  test("legacy: a PoP carrying the challenge as `nonce` (drafts ≤ -05) only with legacy: true", async () => {
    const p = { ...policyAs, challenge: { secret: CHALLENGE_SECRET, required: true } };
    const challenge = new Verifier(p).issueChallenge(NOW);
    const att = createAttestation({ issuerKey: attesterPrivate, kid: "11", clientId: CLIENT, instanceKey: instancePrivate, now: NOW });
    const pop = signJws(instancePrivate, { typ: "oauth-client-attestation-pop+jwt", alg: "ES256" }, { aud: AS, jti: "legacy-1", iat: NOW, nonce: challenge });
    const [strict] = await agree(p, [normal(att, pop)], "strict");
    assertReason(strict, "challenge.missing");
    const [legacy] = await agree({ ...p, legacy: true }, [normal(att, pop)], "legacy");
    assertOk(legacy);
  });

  test("replay: null and backend: undefined mean the defaults", async () => {
    const v = new Verifier({ ...policyAs, replay: null, backend: undefined, replayCapacity: undefined });
    assertOk(v.verifySync(draftInput()));
    assertReason(await v.verify(draftInput()), "pop.replayed");
  });

  test("the policy object is not modified and can be reused", () => {
    const p = structuredClone({ ...policyAs, challenge: { secret: CHALLENGE_SECRET }, dpop: { combined: true, nonce: { secret: NONCE_SECRET } }, backend: "wasm", replayCapacity: 10 });
    const copy = structuredClone(p);
    new Verifier(p);
    new Verifier(p);
    assert.deepEqual(p, copy);
  });
});
