// The Node signature backend (js/node-crypto.js) and the compact path between JS and the core:
// which form of node:crypto's verify runs when, that both forms decide alike, and that results
// carry the decoded tokens exactly as sent.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { Verifier, generateKey, createAttestation, createPop } from "client-attestation";
import { NOW, AS, TOKEN_URL, rawJws, tamperSignature, assertOk, assertReason } from "./helpers.mjs";

const nodeCrypto = createRequire(import.meta.url)("node:crypto");

/** Counts node:crypto verify calls by form (callback = thread pool, none = synchronous). */
async function countNodeVerify(fn) {
  const original = nodeCrypto.verify;
  const calls = { sync: 0, pool: 0 };
  nodeCrypto.verify = function (...args) {
    if (typeof args[4] === "function") calls.pool++;
    else calls.sync++;
    return original.apply(this, args);
  };
  syncBuiltinESMExports(); // the package's `import { verify } from "node:crypto"` sees the spy
  try {
    await fn();
  } finally {
    nodeCrypto.verify = original;
    syncBuiltinESMExports();
  }
  return calls;
}

function world(alg) {
  const attester = generateKey(alg);
  const instance = generateKey(alg);
  const policy = { audience: AS, attesters: [{ name: "node", jwks: { keys: [{ ...attester.publicJwk, kid: "k" }] } }] };
  const attestation = createAttestation({ issuerKey: attester, kid: "k", clientId: "client-n", instanceKey: instance, now: NOW - 60 });
  const request = (pop) => ({
    method: "POST",
    url: TOKEN_URL,
    headers: [["OAuth-Client-Attestation", attestation], ["OAuth-Client-Attestation-PoP", pop]],
    now: NOW,
  });
  const pop = (jti) => createPop({ key: instance, audience: AS, now: NOW, jti });
  return { policy, request, pop };
}

describe("node:crypto backend", () => {
  for (const alg of ["ES256", "EdDSA"]) {
    test(`${alg}: alone → synchronous verify; with others in flight → thread pool; same answers`, async () => {
      const w = world(alg);
      const v = new Verifier(w.policy);
      const lone = await countNodeVerify(async () => {
        assertOk(await v.verify(w.request(w.pop("lone-1"))), "lone");
        assertReason(await v.verify(w.request(tamperSignature(w.pop("lone-2")))), "pop.bad_signature");
      });
      // First request: attestation + PoP; second: the attestation is cached, PoP only.
      assert.deepEqual(lone, { sync: 3, pool: 0 }, `lone verifications: ${JSON.stringify(lone)}`);

      const many = await countNodeVerify(async () => {
        const inputs = Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? tamperSignature(w.pop(`par-${i}`)) : w.pop(`par-${i}`)));
        const rs = await Promise.all(inputs.map((pop) => v.verify(w.request(pop))));
        rs.forEach((r, i) => (i % 3 === 2 ? assertReason(r, "pop.bad_signature") : assertOk(r, `#${i}`)));
      });
      // The first of a burst starts alone; every later one overlaps with it.
      assert.equal(many.sync + many.pool, 12, JSON.stringify(many));
      assert.ok(many.pool >= 11, `concurrent verifications use the thread pool: ${JSON.stringify(many)}`);
    });
  }

  test("a failing node:crypto call falls back to the pure-wasm backend for that request", async () => {
    const w = world("EdDSA");
    const v = new Verifier(w.policy);
    const original = nodeCrypto.verify;
    nodeCrypto.verify = () => {
      throw new Error("simulated: algorithm unavailable");
    };
    syncBuiltinESMExports();
    try {
      assertOk(await v.verify(w.request(w.pop("fallback-1"))));
      assertReason(await v.verify(w.request(tamperSignature(w.pop("fallback-2")))), "pop.bad_signature");
    } finally {
      nodeCrypto.verify = original;
      syncBuiltinESMExports();
    }
  });
});

describe("results carry the decoded tokens as sent", () => {
  test("member order and values of header and claims are the sender's", async () => {
    const attester = generateKey("ES256");
    const instance = generateKey("EdDSA");
    const policy = { audience: AS, attesters: [{ jwks: { keys: [attester.publicJwk] } }] };
    const attestation = createAttestation({
      issuerKey: attester,
      clientId: "client-o",
      instanceKey: instance,
      now: NOW - 60,
      claims: { zeta: "é \u2028 \"q\"", alpha: [1, 2.5, { b: null, a: true }], mid: 12345678901234 },
    });
    // A PoP whose members are deliberately not in sorted order, with escapes in a string.
    const { d } = instance.privateJwk;
    const key = await crypto.subtle.importKey("jwk", { ...instance.publicJwk, d }, { name: "Ed25519" }, false, ["sign"]);
    const header = { typ: "oauth-client-attestation-pop+jwt", alg: "EdDSA" };
    const claims = { jti: "order-1", iat: NOW, aud: AS, note: "tab\there / \u00fc" };
    const unsigned = rawJws(header, claims, new Uint8Array(0)).slice(0, -1);
    const sig = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, new TextEncoder().encode(unsigned)));
    const pop = `${unsigned}.${Buffer.from(sig).toString("base64url")}`;
    for (const backend of ["auto", "wasm"]) {
      const r = await new Verifier({ ...policy, backend }).verify({
        method: "POST",
        url: TOKEN_URL,
        headers: { "OAuth-Client-Attestation": attestation, "OAuth-Client-Attestation-PoP": pop },
        now: NOW,
      });
      assertOk(r, backend);
      assert.deepEqual(Object.keys(r.proof.header), ["typ", "alg"]);
      assert.deepEqual(Object.keys(r.proof.claims), ["jti", "iat", "aud", "note"]);
      assert.deepEqual(r.proof.claims, claims);
      const sentClaims = JSON.parse(Buffer.from(attestation.split(".")[1], "base64url").toString());
      assert.deepEqual(r.attestation.claims, sentClaims);
      assert.deepEqual(Object.keys(r.attestation.claims), Object.keys(sentClaims));
      assert.equal(r.attestation.claims.zeta, "é \u2028 \"q\"");
    }
  });
});
