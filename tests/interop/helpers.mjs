// Shared helpers for the interop suites (node --test tests/interop/).
//
// Everything here runs offline: keys are generated per run, peers come from node_modules, and the
// only network use is the loopback oidc-provider started by oidc-provider.test.mjs.

import { randomBytes, createHash } from "node:crypto";
import * as jose from "jose";

// Self-reference through package.json "exports" (the "node" condition → pkg/node.js, js/node.js bundled by make pkg), so the
// suites exercise the package the way a consumer imports it.
export * as ours from "client-attestation";

export const TYP = Object.freeze({
  attestation: "oauth-client-attestation+jwt",
  pop: "oauth-client-attestation-pop+jwt",
  dpop: "dpop+jwt",
});

export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const randomId = (bytes = 16) => randomBytes(bytes).toString("base64url");
export const sha256b64url = (s) => createHash("sha256").update(s).digest("base64url");

/**
 * A key pair made by jose's generateKeyPair: { alg, privateKey, publicKey, publicJwk, thumbprint }.
 * `alg` is the JWS alg to sign with ("ES256", "EdDSA" or the fully-specified "Ed25519").
 */
export async function joseKey(alg) {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const publicJwk = await jose.exportJWK(publicKey);
  const privateJwk = await jose.exportJWK(privateKey);
  return { alg, privateKey, publicKey, publicJwk, privateJwk, thumbprint: await jose.calculateJwkThumbprint(publicJwk) };
}

/** An attester key pinned in a policy, with an optional kid. */
export function attesterEntry(publicJwk, kid, extra = {}) {
  return { jwks: { keys: [kid === undefined ? { ...publicJwk } : { ...publicJwk, kid }] }, ...extra };
}

/** Headers for a normal-mode request. */
export function abcaHeaders(attestation, pop, extra = {}) {
  return { "OAuth-Client-Attestation": attestation, "OAuth-Client-Attestation-PoP": pop, ...extra };
}

/** A compact string of a verification result for assertion messages. */
export function explain(result) {
  if (result.ok) return `ok (${result.mechanism}, shape=${JSON.stringify(result.audit?.shape ?? [])})`;
  const failed = (result.checks ?? []).filter((c) => c.status === "fail").map((c) => c.id);
  return `rejected: ${result.error} / ${result.reason} — ${result.description} [failed checks: ${failed.join(", ")}]`;
}

/** The id of the first failing check of a rejected result (e.g. "pop.aud"), or null. */
export function failedCheck(result) {
  return result.check ?? (result.checks ?? []).find((c) => c.status === "fail")?.id ?? null;
}

/** Decodes a compact JWS without verifying it: { header, claims }. */
export function decode(token) {
  return { header: jose.decodeProtectedHeader(token), claims: jose.decodeJwt(token) };
}
