// Shared fixtures and helpers for the node --test suites (not a test file itself).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { Verifier } from "client-attestation";

const root = new URL("../../", import.meta.url);
export const readJson = (p) => JSON.parse(readFileSync(new URL(p, root), "utf8"));
export const readText = (p) => readFileSync(new URL(p, root), "utf8").trim();

/** The clock at which the draft's example tokens are valid (PoP iat 1772487595). */
export const NOW = 1772487600;
export const AS = "https://as.example.com";
export const RS = "https://rs.example.com";
export const TOKEN_URL = `${AS}/token`;
export const CLIENT = "https://client.example.com";
export const CHALLENGE_SECRET = "challenge-secret-challenge-secret-012345";
export const NONCE_SECRET = "dpop-nonce-secret-dpop-nonce-secret-0123";

export const policyAs = readJson("tests/fixtures/policy.as.json");
export const policyRs = readJson("tests/fixtures/policy.rs.json");
export const requestToken = readJson("tests/fixtures/request.token.json");
export const requestRs = readJson("tests/fixtures/request.rs.json");
export const draftAttestation = readText("tests/fixtures/draft/client-attestation.jwt");
export const draftPopAs = readText("tests/fixtures/draft/client-attestation-pop.as.jwt");
export const draftPopRs = readText("tests/fixtures/draft/client-attestation-pop.rs.jwt");
export const attesterPrivate = readJson("tests/fixtures/keys/attester-key.private.jwk.json");
export const attesterPublic = readJson("tests/fixtures/keys/attester-key.public.jwk.json");
export const instancePrivate = readJson("tests/fixtures/keys/client-instance-key.private.jwk.json");
export const instancePublic = readJson("tests/fixtures/keys/client-instance-key.public.jwk.json");
export const thumbprints = readJson("tests/fixtures/keys/jwk-thumbprints-rfc7638-sha256.json");

/** A draft-example token request as a verify() input. */
export const draftInput = (extra = {}) => ({
  method: "POST",
  url: TOKEN_URL,
  headers: [
    ["OAuth-Client-Attestation", draftAttestation],
    ["OAuth-Client-Attestation-PoP", draftPopAs],
  ],
  now: NOW,
  ...extra,
});

export const b64u = (bytes) => Buffer.from(bytes).toString("base64url");
export const unb64u = (s) => new Uint8Array(Buffer.from(s, "base64url"));
export const sha256b64u = (s) => createHash("sha256").update(s).digest("base64url");

/** Re-encodes one segment of a compact JWS (0 header, 1 claims, 2 signature). */
export function editSegment(jwt, i, edit) {
  const parts = jwt.split(".");
  if (i === 2) parts[2] = b64u(edit(unb64u(parts[2])));
  else parts[i] = b64u(JSON.stringify(edit(JSON.parse(Buffer.from(parts[i], "base64url").toString("utf8")))));
  return parts.join(".");
}

/** Flips one bit of the signature. */
export const tamperSignature = (jwt) =>
  editSegment(jwt, 2, (s) => {
    const c = Uint8Array.from(s);
    c[5] ^= 0x01;
    return c;
  });

/** A hand-made JWS with the given raw signature bytes. */
export const rawJws = (header, claims, signature) =>
  `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}.${b64u(signature)}`;

// ---- backend agreement --------------------------------------------------------------------

/** Header names whose values are freshly random in every response. */
const FRESH = new Set(["oauth-client-attestation-challenge", "dpop-nonce"]);

/** A result with the per-call random values (fresh challenges / nonces in responses) masked. */
export function normalise(result) {
  const r = structuredClone(result);
  if (r.response) r.response.headers = r.response.headers.map(([n, v]) => [n, FRESH.has(n.toLowerCase()) ? "<fresh>" : v]);
  return r;
}

/**
 * The ways to verify: the default backend alone (in Node: node:crypto, synchronously) and with
 * another verification in flight (node:crypto on the thread pool), WebCrypto forced, pure wasm
 * async, pure wasm sync.
 */
export const PATHS = ["auto", "concurrent", "webcrypto", "wasm", "sync"];

/**
 * Runs the same sequence of verify() inputs through each path, each with its own fresh
 * Verifier (and so its own replay store), asserts all give identical results, and returns
 * the results of the default (auto) path.
 */
export async function agree(policy, inputs, label = "") {
  const runs = {};
  for (const path of PATHS) {
    const backend = path === "sync" ? "wasm" : path === "concurrent" ? "auto" : path;
    const v = new Verifier({ ...policy, backend });
    // "concurrent": a sibling verifier starts the same input first and is still in flight
    // (awaiting its signatures) when v verifies, so v takes the concurrent backend path.
    const sibling = path === "concurrent" ? new Verifier({ ...policy, backend }) : null;
    const out = [];
    for (const input of inputs) {
      if (path === "sync") out.push(v.verifySync(input));
      else if (sibling !== null) {
        const pending = sibling.verify(input).catch((e) => e);
        out.push(await v.verify(input));
        await pending;
      } else out.push(await v.verify(input));
    }
    runs[path] = out;
  }
  for (const path of PATHS.slice(1)) {
    for (let i = 0; i < inputs.length; i++) {
      assert.deepStrictEqual(normalise(runs[path][i]), normalise(runs.auto[i]), `${label} #${i}: ${path} differs from auto`);
    }
  }
  return runs.auto;
}

/** Asserts an accepted result. */
export function assertOk(r, msg = "") {
  assert.equal(r.ok, true, `${msg} expected ok, got ${r.reason}: ${r.description}`);
}

/** Asserts a rejection with `reason` (and optionally error and status). */
export function assertReason(r, reason, { error, status } = {}) {
  assert.equal(r.ok, false, `expected ${reason}, got ok`);
  assert.equal(r.reason, reason, r.description);
  if (error !== undefined) assert.equal(r.error, error);
  if (status !== undefined) assert.equal(r.status, status);
  assert.equal(r.response.status, r.status);
  assert.equal(typeof r.description, "string");
  assert.match(r.requirement, /^(R-|-)/);
  assert.equal(r.audit.decision, "reject");
  assert.equal(r.audit.reason, reason);
}

/** Counts crypto.subtle.verify calls while fn runs. */
export async function countSubtleVerify(fn) {
  const subtle = globalThis.crypto.subtle;
  const original = subtle.verify;
  let calls = 0;
  subtle.verify = function (...args) {
    calls++;
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    delete subtle.verify; // back to SubtleCrypto.prototype.verify
    if (subtle.verify !== original) subtle.verify = original;
  }
  return calls;
}

/** Rejects with the message (assert.rejects with a RegExp on the message and the class). */
export const throwsLike = (fn, Class, re) =>
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Class, `expected ${Class.name}, got ${e?.constructor?.name}: ${e?.message}`);
    assert.match(e.message, re);
    return true;
  });

export const rejectsLike = (p, Class, re) =>
  assert.rejects(p, (e) => {
    assert.ok(e instanceof Class, `expected ${Class.name}, got ${e?.constructor?.name}: ${e?.message}`);
    assert.match(e.message, re);
    return true;
  });
