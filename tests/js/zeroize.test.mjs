// Secrets do not outlive the call that used them in the module's linear memory.
//
// Anything that holds the module's `memory` (the glue, a debugger, a heap dump, a bug that
// leaks a view of it) can read every byte of it, freed blocks and dead stack frames included.
// After each call that handled a private key (the builders, generateKey, publicKeyInfo) or a
// policy secret (new Verifier, verifying a challenge or a DPoP nonce), these tests scan all of
// linear memory for the secret in every form it passes through: the JWK `d` text, the raw
// scalar or seed (both byte orders), the Ed25519 expanded key halves, the secret text (each by
// its middle bytes, which a free leaves in place).
//
// The package is loaded from js/node.js (not the bundled pkg/node.js) so that the test reaches
// the same wasm instance through the glue's initSync, which returns the live exports.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Verifier, createAttestation, createDpopProof, createPop, generateKey, inspect, publicKeyInfo } from "../../js/node.js";
// The glue's own exports take the JSON text as is: text no JS object can produce (a repeated
// member, trailing garbage) reaches the core's parser.
import { initSync, WasmVerifier, createPop as createPopText, publicKeyInfo as publicKeyInfoText } from "../../pkg/client_attestation.js";

const NOW = 1772487600;
const AS = "https://as.example.com";
const CLIENT = "https://client.example.com";
const CHALLENGE_SECRET = "zeroize-test-challenge-secret-3f9a1c7e5b2d";
const NONCE_SECRET = "zeroize-test-dpop-nonce-secret-8e4f2a6c0b1d";

const memory = () => Buffer.from(initSync().memory.buffer);

/** The byte strings a private JWK's key leaves behind if it is not wiped. */
function keyNeedles(privateJwk) {
  const raw = Buffer.from(privateJwk.d, "base64url");
  const needles = {
    "d (base64url text)": Buffer.from(privateJwk.d),
    "d (raw bytes)": raw,
    "d (reversed bytes)": Buffer.from(raw).reverse(),
  };
  if (privateJwk.crv === "Ed25519") {
    const h = createHash("sha512").update(raw).digest();
    const scalar = Buffer.from(h.subarray(0, 32));
    scalar[0] &= 248;
    scalar[31] = (scalar[31] & 127) | 64;
    needles["Ed25519 clamped scalar"] = scalar;
    needles["Ed25519 hash prefix"] = h.subarray(32, 64);
  }
  return needles;
}

const textNeedles = (label, secret) => ({ [`${label} (text)`]: Buffer.from(secret) });

// A freed heap block keeps its bytes except its first words (the allocator's free-list
// links) and its last word (the next block's footer): each needle is searched for by its
// middle, which survives a free.
const middle = (bytes) => (bytes.length >= 32 ? bytes.subarray(8, bytes.length - 8) : bytes);

function assertAbsent(needles, after) {
  const mem = memory();
  const found = Object.entries(needles)
    .map(([name, bytes]) => [name, middle(bytes)])
    .filter(([, bytes]) => mem.indexOf(bytes) !== -1)
    .map(([name, bytes]) => `${name} at ${mem.indexOf(bytes)}`);
  assert.deepEqual(found, [], `after ${after}, linear memory (${mem.length} bytes) still holds: ${found.join("; ")}`);
}

const policyFor = (attester) => ({
  audience: AS,
  role: "as",
  attesters: [{ name: "zeroize", jwks: { keys: [attester.publicJwk] }, clientIds: [CLIENT] }],
  algorithms: ["ES256", "EdDSA"],
  challenge: { secret: CHALLENGE_SECRET, lifetime: 60, required: true },
  dpop: { combined: true, nonce: { secret: NONCE_SECRET, lifetime: 60, required: false } },
});

for (const alg of ["ES256", "EdDSA"]) {
  describe(`no ${alg} private key material stays in linear memory`, () => {
    test("generateKey", () => {
      for (let i = 0; i < 3; i++) {
        const k = generateKey(alg);
        assertAbsent(keyNeedles(k.privateJwk), `generateKey("${alg}") #${i + 1}`);
      }
    });

    test("createAttestation, createPop, createDpopProof, publicKeyInfo (and non-ASCII options)", () => {
      const attester = generateKey(alg);
      const instance = generateKey(alg);
      const needles = { ...keyNeedles(attester.privateJwk), ...keyNeedles(instance.privateJwk) };
      const att = createAttestation({
        issuerKey: attester.privateJwk,
        kid: "a1",
        clientId: CLIENT,
        instanceKey: instance.publicJwk,
        now: NOW,
        claims: { client_name: "Zoë's agent 🚀" },
      });
      assertAbsent(needles, "createAttestation");
      createPop({ key: instance.privateJwk, audience: AS, now: NOW, jti: "z1" });
      assertAbsent(needles, "createPop");
      createPop({ key: instance, audience: AS, now: NOW, challenge: "ünïcödé challenge" });
      assertAbsent(needles, "createPop with generateKey output and non-ASCII");
      createDpopProof({ key: instance.privateJwk, method: "POST", url: `${AS}/token`, now: NOW, accessToken: "at" });
      assertAbsent(needles, "createDpopProof");
      publicKeyInfo(instance.privateJwk);
      assertAbsent(needles, "publicKeyInfo(private JWK)");
      // An instance key given as a private JWK: only its public part is used, nothing is kept.
      createAttestation({ issuerKey: attester.privateJwk, clientId: CLIENT, instanceKey: instance.privateJwk, now: NOW });
      assertAbsent(needles, "createAttestation with a private instanceKey");
      // The non-ASCII claim crossed into wasm \u-escaped and comes out as given.
      assert.equal(inspect(att).claims.client_name, "Zoë's agent 🚀");
    });

    test("options that fail after the key was read", () => {
      const k = generateKey(alg);
      assert.throws(() => createPop({ key: k.privateJwk, audience: AS, now: -1 }), RangeError);
      assert.throws(() => createDpopProof({ key: k.privateJwk, method: "POST", url: `${AS}/t`, now: NOW, extra: 1 }), TypeError);
      assert.throws(() => createPop({ key: { ...k.privateJwk, x: k.publicJwk.x.replace(/^./, (c) => (c === "A" ? "B" : "A")) }, audience: AS, now: NOW }), TypeError);
      assertAbsent(keyNeedles(k.privateJwk), "builders that threw");
    });
  });
}

describe("text that fails half-way through parsing is wiped", () => {
  for (const alg of ["ES256", "EdDSA"]) {
    test(`${alg} private JWK, then a repeated member, a wrong type, trailing text`, () => {
      const k = generateKey(alg);
      const jwk = JSON.stringify(k.privateJwk);
      const texts = [
        `{"key":${jwk.slice(0, -1)},"d":"x"},"audience":"${AS}","now":${NOW}}`, // repeated member inside the key
        `{"key":${jwk},"audience":5,"now":${NOW}}`, // a wrong type after the key
        `{"key":${jwk},"audience":"${AS}","now":${NOW},"key":{}}`, // the key given twice
        `{"key":${jwk},"audience":"${AS}","now":${NOW}} trailing`,
      ];
      for (const text of texts) assert.throws(() => createPopText(text), undefined, text.slice(-40));
      assert.throws(() => publicKeyInfoText(`${jwk.slice(0, -1)},"kty":"EC"}`));
      assertAbsent(keyNeedles(k.privateJwk), "option texts that failed to parse");
    });
  }

  test("a policy with secrets, then a repeated member or trailing text", () => {
    const policy = JSON.stringify(policyFor(generateKey("ES256")));
    for (const text of [`${policy.slice(0, -1)},"audience":"x"}`, `${policy} trailing`, `${policy.slice(0, -1)},"role":7}`]) {
      assert.throws(() => new WasmVerifier(text));
    }
    assertAbsent({ ...textNeedles("challenge secret", CHALLENGE_SECRET), ...textNeedles("DPoP nonce secret", NONCE_SECRET) }, "policies that failed");
  });
});

describe("no policy secret stays in linear memory", () => {
  const needles = { ...textNeedles("challenge secret", CHALLENGE_SECRET), ...textNeedles("DPoP nonce secret", NONCE_SECRET) };

  test("new Verifier, issueChallenge, challengeResponse", () => {
    const attester = generateKey("ES256");
    const verifier = new Verifier(policyFor(attester));
    assertAbsent(needles, "new Verifier");
    verifier.issueChallenge(NOW);
    verifier.challengeResponse();
    assertAbsent(needles, "issueChallenge / challengeResponse");
    assert.throws(() => new Verifier({ ...policyFor(attester), clockTolerance: -1 }), /clockTolerance/);
    assertAbsent(needles, "a policy that was refused");
  });

  for (const backend of ["wasm", "auto"]) {
    test(`verify with a challenge and a DPoP nonce (${backend} backend)`, async () => {
      const attester = generateKey("EdDSA");
      const instance = generateKey("ES256");
      const verifier = new Verifier({ ...policyFor(attester), backend });
      const challenge = verifier.issueChallenge(NOW);
      const att = createAttestation({ issuerKey: attester, clientId: CLIENT, instanceKey: instance, now: NOW });
      const pop = createPop({ key: instance, audience: AS, now: NOW, challenge });
      const headers = [["OAuth-Client-Attestation", att], ["OAuth-Client-Attestation-PoP", pop]];
      const ok = await verifier.verify({ method: "POST", url: `${AS}/token`, headers, now: NOW });
      assert.equal(ok.ok, true, JSON.stringify(ok));
      const forged = createPop({ key: instance, audience: AS, now: NOW, challenge: challenge.replace(/.$/, (c) => (c === "A" ? "B" : "A")) });
      const bad = await verifier.verify({ method: "POST", url: `${AS}/token`, headers: [headers[0], ["OAuth-Client-Attestation-PoP", forged]], now: NOW });
      assert.equal(bad.reason, "challenge.invalid");
      assertAbsent({ ...needles, ...keyNeedles(attester.privateJwk), ...keyNeedles(instance.privateJwk) }, `verify (${backend})`);
    });
  }
});
