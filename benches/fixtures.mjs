// Benchmark fixtures: keys and one attestation per alg from the package's own builders
// (generateKey, createAttestation), and a growable pool of fresh PoPs (a fresh jti each).
//
// The PoPs are signed with jose's SignJWT (WebCrypto, many in flight) rather than with
// createPop: the package's pure-wasm ES256 signing costs ~1–3 ms each, and a run needs tens of
// thousands. They have exactly createPop's shape: header {alg, typ}, claims {aud, iat, jti}
// (`checkFixtures` verifies that createPop output and a pool PoP are both accepted).
// Nothing here is timed.

import { SignJWT, importJWK } from "jose";
import { generateKey, createAttestation, createPop } from "../js/node.js";

export const NOW = 1_800_000_000;
export const AUDIENCE = "https://as.example.com";
export const URL_TOKEN = `${AUDIENCE}/token`;
export const CLIENT_ID = "https://client.example.com";
export const ALGS = ["ES256", "EdDSA"];

/** One attester + instance key pair and one attestation for `alg`. */
export function makeFixture(alg) {
  const attester = generateKey(alg);
  const instance = generateKey(alg);
  const kid = `attester-${alg.toLowerCase()}`;
  const attestation = createAttestation({
    issuerKey: attester,
    kid,
    clientId: CLIENT_ID,
    instanceKey: instance,
    now: NOW - 60,
    expiresIn: 86_400,
  });
  const attesterJwk = { ...attester.publicJwk, kid };
  return {
    alg,
    attester,
    instance,
    attesterJwk,
    attestation,
    policy: { audience: AUDIENCE, attesters: [{ name: `bench ${alg}`, jwks: { keys: [attesterJwk] } }] },
    pool: new PopPool(alg, instance.privateJwk),
  };
}

/** The request our Verifier sees (plain-object headers, the most common form). */
export function request(attestation, pop) {
  return {
    method: "POST",
    url: URL_TOKEN,
    headers: { "OAuth-Client-Attestation": attestation, "OAuth-Client-Attestation-PoP": pop },
    now: NOW,
  };
}

/** Fresh PoPs for one instance key, generated on demand (untimed) and never reused by a case. */
export class PopPool {
  constructor(alg, privateJwk) {
    this.alg = alg;
    this.privateJwk = privateJwk;
    this.key = null;
    this.pops = [];
  }

  async ensure(n) {
    if (this.pops.length >= n) return;
    this.key ??= await importJWK(this.privateJwk, this.alg);
    const start = this.pops.length;
    const sign = (i) =>
      new SignJWT({ aud: AUDIENCE, iat: NOW, jti: jti(this.alg, i) })
        .setProtectedHeader({ alg: this.alg, typ: "oauth-client-attestation-pop+jwt" })
        .sign(this.key);
    const BATCH = 256;
    for (let i = start; i < n; i += BATCH) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + BATCH); j++) batch.push(sign(j));
      this.pops.push(...(await Promise.all(batch)));
    }
  }
}

// A 22-character jti, the length of createPop's random ones (16 bytes, base64url).
function jti(alg, i) {
  const b = Buffer.alloc(16);
  b.write(alg.padEnd(8, "-"), 0, "latin1");
  b.writeBigUInt64BE(BigInt(i), 8);
  return b.toString("base64url");
}

/** Sanity: the package's own createPop output and a pool PoP both verify, and a replay is refused. */
export async function checkFixtures(fx, Verifier) {
  const own = createPop({ key: fx.instance, audience: AUDIENCE, now: NOW });
  await fx.pool.ensure(1);
  const v = new Verifier(fx.policy);
  for (const pop of [own, fx.pool.pops[0]]) {
    const r = await v.verify(request(fx.attestation, pop));
    if (!r.ok) throw new Error(`fixture ${fx.alg} not accepted: ${r.reason} ${r.description}`);
  }
  const replay = await v.verify(request(fx.attestation, own));
  if (replay.ok) throw new Error(`fixture ${fx.alg}: a replayed PoP was accepted`);
}
