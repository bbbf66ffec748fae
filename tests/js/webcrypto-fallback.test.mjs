// A runtime whose WebCrypto lacks Ed25519 (older browsers): the default backend falls back to
// pure wasm for it and still agrees with it. Own file: it changes the module's per-isolate
// state (the set of algorithms WebCrypto cannot do).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Verifier, generateKey, createAttestation, createPop } from "client-attestation";
import { NOW, AS, TOKEN_URL, assertOk, assertReason, countSubtleVerify, tamperSignature } from "./helpers.mjs";

const normal = (a, p) => ({ method: "POST", url: TOKEN_URL, headers: [["OAuth-Client-Attestation", a], ["OAuth-Client-Attestation-PoP", p]], now: NOW });

function world(attAlg, instAlg) {
  const attester = generateKey(attAlg);
  const instance = generateKey(instAlg);
  const policy = { audience: AS, attesters: [{ jwks: { keys: [attester.publicJwk] } }] };
  const attestation = createAttestation({ issuerKey: attester, clientId: "c", instanceKey: instance, now: NOW });
  return { policy, attestation, pop: (jti) => createPop({ key: instance, audience: AS, now: NOW, jti }) };
}

test("no Ed25519 in WebCrypto: EdDSA falls back to wasm, ES256 keeps using WebCrypto", async () => {
  const es = world("ES256", "ES256");
  const mixed = world("ES256", "EdDSA");
  // backend "webcrypto": in Node, "auto" would use node:crypto and never reach WebCrypto.
  const v = new Verifier({ ...es.policy, backend: "webcrypto" });
  const vm = new Verifier({ ...mixed.policy, backend: "webcrypto" });
  assert.ok((await countSubtleVerify(async () => assertOk(await v.verify(normal(es.attestation, es.pop("before")))))) >= 1, "ES256 via WebCrypto");

  const subtle = globalThis.crypto.subtle;
  const importKey = subtle.importKey;
  subtle.importKey = function (format, key, algorithm, ...rest) {
    if ((algorithm?.name ?? algorithm) === "Ed25519") return Promise.reject(new DOMException("Unrecognized algorithm name", "NotSupportedError"));
    return importKey.call(this, format, key, algorithm, ...rest);
  };
  try {
    // The mixed request (ES256 attestation, EdDSA PoP) still verifies, and rejects forgeries.
    assertOk(await vm.verify(normal(mixed.attestation, mixed.pop("m1"))));
    assertReason(await vm.verify(normal(mixed.attestation, tamperSignature(mixed.pop("m2")))), "pop.bad_signature");
    assertReason(await vm.verify(normal(mixed.attestation, mixed.pop("m1"))), "pop.replayed");
    const edOnly = world("EdDSA", "EdDSA");
    assertOk(await new Verifier({ ...edOnly.policy, backend: "webcrypto" }).verify(normal(edOnly.attestation, edOnly.pop("e1"))));
  } finally {
    delete subtle.importKey;
    if (subtle.importKey !== importKey) subtle.importKey = importKey;
  }

  // Only Ed25519 failed: ES256-only requests must still be checked by WebCrypto.
  const calls = await countSubtleVerify(async () => assertOk(await v.verify(normal(es.attestation, es.pop("after")))));
  assert.ok(calls >= 1, "after one Ed25519 import failure, ES256 signatures no longer go through WebCrypto (js/core.js marks every alg of the failed batch unsupported)");
});

test("any other WebCrypto failure sends only that request to wasm", async () => {
  // An OperationError (say, a transient failure) is not "this runtime cannot do ES256": the
  // request is decided by wasm, and the next one goes through WebCrypto again, so one odd
  // request cannot slow every later one down (pure-wasm P-256 is ~10× slower).
  const es = world("ES256", "ES256");
  const v = new Verifier({ ...es.policy, backend: "webcrypto" });
  const subtle = globalThis.crypto.subtle;
  const verify = subtle.verify;
  let failures = 0;
  subtle.verify = function () {
    failures++;
    return Promise.reject(new DOMException("transient", "OperationError"));
  };
  try {
    assertOk(await v.verify(normal(es.attestation, es.pop("t1"))));
    assertReason(await v.verify(normal(es.attestation, tamperSignature(es.pop("t2")))), "pop.bad_signature");
  } finally {
    delete subtle.verify;
    if (subtle.verify !== verify) subtle.verify = verify;
  }
  assert.ok(failures >= 1, "WebCrypto was tried");
  const calls = await countSubtleVerify(async () => assertOk(await v.verify(normal(es.attestation, es.pop("t3")))));
  assert.ok(calls >= 1, "after a non-NotSupportedError failure, ES256 no longer goes through WebCrypto");
});
