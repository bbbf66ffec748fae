// Interop with @openid4vc/oauth2 (pinned 0.4.6). This version emits and expects the legacy
// (-05…-07 era) token shape:
//   attestation: iss, sub, iat, exp, cnf            (iss REQUIRED by its schema; removed in -08)
//   PoP:         iss (= client_id), aud, iat, exp (= iat + 60), jti   (iss and exp REQUIRED by its
//                schema; exp was removed in -06, iss in -08); no challenge, and `nonce` only through
//                an internal option its public API does not reach.
// Its PoP builder is only reachable through clientAuthenticationClientAttestationJwt(), which
// takes the PoP alg from the *attestation's* header.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import * as jose from "jose";
import {
  createClientAttestationJwt,
  clientAuthenticationClientAttestationJwt,
  Oauth2AuthorizationServer,
  decodeJwt as oid4vcDecodeJwt,
} from "@openid4vc/oauth2";

import { ours, joseKey, attesterEntry, abcaHeaders, explain, failedCheck, decode, randomId } from "./helpers.mjs";
import { matrix } from "./matrix.mjs";

const VERSION = JSON.parse(readFileSync(new URL("../../node_modules/@openid4vc/oauth2/package.json", import.meta.url), "utf8")).version;
const PEER = `@openid4vc/oauth2 ${VERSION}`;
const m = matrix("openid4vc");

const AS = "https://as.example.com"; // its schema wants https:// audiences
const TOKEN = `${AS}/token`;
const CLIENT_ID = "wallet-client";
const ATTESTER_ISS = "https://attester.example.com";

// ---- callbacks: the library delegates crypto to the caller; jose does it here -------------------

/** Private keys the sign callback may use, by RFC 7638 thumbprint and by kid. */
const privateKeys = new Map();
/** Public keys the verify callback trusts for "custom" (kid-only) signers. */
const trustedByKid = new Map();

async function remember(k, kid) {
  privateKeys.set(k.thumbprint, k);
  if (kid) {
    privateKeys.set(`kid:${kid}`, k);
    trustedByKid.set(kid, k.publicJwk);
  }
  return k;
}

/** The last { signer, header } the library asked the sign callback for. */
let lastSignRequest = null;

const callbacks = {
  generateRandom: (n) => new Uint8Array(randomBytes(n)),
  hash: (data) => new Uint8Array(createHash("sha256").update(data).digest()),
  async signJwt(signer, { header, payload }) {
    lastSignRequest = { signer, header };
    const k = signer.method === "jwk" ? privateKeys.get(await jose.calculateJwkThumbprint(signer.publicJwk)) : privateKeys.get(`kid:${signer.kid}`);
    if (!k) throw new Error(`no private key for signer ${JSON.stringify(signer)}`);
    const jwt = await new jose.SignJWT(payload).setProtectedHeader(header).sign(k.privateKey);
    return { jwt, signerJwk: k.publicJwk };
  },
  async verifyJwt(signer, { header, compact }) {
    const jwk = signer.method === "jwk" ? signer.publicJwk : trustedByKid.get(signer.kid ?? header.kid);
    if (!jwk) return { verified: false };
    try {
      await jose.compactVerify(compact, await jose.importJWK(jwk, header.alg));
      return { verified: true, signerJwk: jwk };
    } catch {
      return { verified: false, signerJwk: jwk };
    }
  },
};

/** An attestation made by the library, signed by `attester` ("jwk" signer: its key in the header). */
async function peerAttestation(attester, instance, { clientId = CLIENT_ID } = {}) {
  const now = Date.now();
  return createClientAttestationJwt({
    issuer: ATTESTER_ISS,
    clientId,
    issuedAt: new Date(now),
    expiresAt: new Date(now + 3600_000),
    confirmation: { jwk: instance.publicJwk },
    signer: { method: "jwk", alg: attester.alg, publicJwk: attester.publicJwk },
    callbacks,
  });
}

/** The headers the library's client authentication callback sets on a token request. */
async function peerHeaders(attestation, issuer = AS) {
  const headers = new Headers();
  await clientAuthenticationClientAttestationJwt({ clientAttestationJwt: attestation, callbacks })({
    headers,
    authorizationServerMetadata: { issuer },
    url: `${issuer}/token`,
    method: "POST",
    body: {},
    contentType: "application/x-www-form-urlencoded",
  });
  return headers;
}

// ---- peer → ours ---------------------------------------------------------------------------------

for (const alg of ["ES256", "EdDSA"]) {
  test(`@openid4vc → ours: attestation + PoP (${alg}), strict policy without challenges`, async () => {
    const key = { peer: PEER, direction: "peer → ours", mode: `strict · ${alg}, no challenge` };
    await m.cell(key, async () => {
      const attester = await remember(await joseKey(alg));
      const instance = await remember(await joseKey(alg));
      const headers = await peerHeaders(await peerAttestation(attester, instance));
      const pop = headers.get("OAuth-Client-Attestation-PoP");
      const { claims } = decode(pop);
      // Pin the legacy shape this version emits, so a peer upgrade shows up here.
      assert.deepEqual(Object.keys(claims).sort(), ["aud", "exp", "iat", "iss", "jti"]);
      assert.equal(claims.iss, CLIENT_ID);

      const verifier = new ours.Verifier({ audience: AS, attesters: [attesterEntry(attester.publicJwk)] });
      // The Fetch Headers object is passed as is (one of the three header forms).
      const r = await verifier.verify({ method: "POST", url: TOKEN, headers, clientId: CLIENT_ID });
      assert.ok(r.ok, explain(r));
      assert.equal(r.clientId, CLIENT_ID);
      assert.deepEqual([...r.audit.shape].sort(), ["attestation.iss", "pop.exp", "pop.iss"], "our audit names the legacy claims it saw");
      const inspected = ours.inspect(pop);
      assert.deepEqual(inspected.hints.map((h) => h.code).sort(), ["pop.exp", "pop.iss"]);

      // legacy: true accepts the same pair too.
      const legacy = new ours.Verifier({ audience: AS, attesters: [attesterEntry(attester.publicJwk)], legacy: true });
      const l = await legacy.verify({ method: "POST", url: TOKEN, headers: await peerHeaders(await peerAttestation(attester, instance)) });
      assert.ok(l.ok, `legacy: ${explain(l)}`);
    });
  });
}

test("@openid4vc → ours: legacy PoP exp is honoured (expired PoP rejected even with a fresh iat window)", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict · PoP exp (iat + 60 s) honoured" };
  await m.cell(key, async () => {
    const attester = await remember(await joseKey("ES256"));
    const instance = await remember(await joseKey("ES256"));
    const headers = await peerHeaders(await peerAttestation(attester, instance));
    const { claims } = decode(headers.get("OAuth-Client-Attestation-PoP"));
    assert.equal(claims.exp - claims.iat, 60);
    const verifier = new ours.Verifier({ audience: AS, attesters: [attesterEntry(attester.publicJwk)], clockTolerance: 0, maxPopAge: 300 });
    const late = await verifier.verify({ method: "POST", url: TOKEN, headers, now: claims.exp + 1 });
    assert.equal(late.ok, false, "past its exp, inside maxPopAge");
    assert.equal(failedCheck(late), "pop.jwt", explain(late));
  });
});

test("@openid4vc → ours: challenge-requiring policy (strict and legacy) — the peer cannot send a challenge", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict + legacy · challenge required" };
  await m.cell(
    key,
    async () => {
      const attester = await remember(await joseKey("ES256"));
      const instance = await remember(await joseKey("ES256"));
      for (const legacy of [false, true]) {
        const verifier = new ours.Verifier({
          audience: AS,
          attesters: [attesterEntry(attester.publicJwk)],
          challenge: { secret: "interop: a long random server secret of 32+ bytes!", required: true },
          legacy,
        });
        const headers = await peerHeaders(await peerAttestation(attester, instance));
        const r = await verifier.verify({ method: "POST", url: TOKEN, headers });
        assert.equal(r.ok, false);
        assert.equal(r.error, "use_attestation_challenge", explain(r));
        assert.equal(r.status, 400, "AS: HTTP 400 (-11 §6.1)");
        const fresh = new Map(r.response.headers.map(([k, v]) => [k.toLowerCase(), v])).get("oauth-client-attestation-challenge");
        assert.ok(fresh, "a fresh challenge is offered, but 0.4.6's public API has no way to put it (or a nonce) in the PoP");
      }
    },
    { label: "not supported", detail: "peer: 0.4.6 has no challenge/nonce input for its PoP; ours answers use_attestation_challenge + a fresh challenge (correct per -11 §6.1)" },
  );
});

test("@openid4vc-shaped PoP with nonce (emulated with jose) → ours: strict refuses, legacy: true accepts", async () => {
  // 0.4.6's internal PoP builder also has a `nonce` option (the ≤ -05 name of the challenge) that
  // its public API never passes. This emulates exactly what it would emit with it — same header,
  // same claims (aud, iss, iat, exp = iat + 60, jti, nonce) — to show where legacy: true is needed.
  const key = { peer: `${PEER} (shape emulated)`, direction: "peer → ours", mode: "legacy · PoP nonce as the challenge" };
  await m.cell(key, async () => {
    const attester = await remember(await joseKey("ES256"));
    const instance = await remember(await joseKey("ES256"));
    const attestation = await peerAttestation(attester, instance);
    const policy = {
      audience: AS,
      attesters: [attesterEntry(attester.publicJwk)],
      challenge: { secret: "interop: a long random server secret of 32+ bytes!", required: true },
    };
    const strict = new ours.Verifier(policy);
    const legacy = new ours.Verifier({ ...policy, legacy: true });
    const challenge = strict.issueChallenge();
    const iat = Math.floor(Date.now() / 1000);
    const pop = () =>
      new jose.SignJWT({ aud: AS, iss: CLIENT_ID, iat, exp: iat + 60, jti: randomId(32), nonce: challenge })
        .setProtectedHeader({ typ: "oauth-client-attestation-pop+jwt", alg: "ES256" })
        .sign(instance.privateKey);
    const s = await strict.verify({ method: "POST", url: TOKEN, headers: abcaHeaders(attestation, await pop()) });
    assert.equal(s.ok, false);
    assert.equal(s.error, "use_attestation_challenge", explain(s));
    const l = await legacy.verify({ method: "POST", url: TOKEN, headers: abcaHeaders(attestation, await pop()) });
    assert.ok(l.ok, explain(l));
    assert.ok(l.audit.shape.includes("pop.nonce"), `shape ${JSON.stringify(l.audit.shape)}`);
  });
});

test("@openid4vc → ours: attester key in the attestation header (jwk) is not trusted by itself", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict · self-signed attestation (header jwk) rejected" };
  await m.cell(key, async () => {
    const trusted = await remember(await joseKey("ES256"));
    const rogue = await remember(await joseKey("ES256"));
    const instance = await remember(await joseKey("ES256"));
    const headers = await peerHeaders(await peerAttestation(rogue, instance));
    assert.ok(decode(headers.get("OAuth-Client-Attestation")).header.jwk, "the peer puts the attester jwk in the header");
    const verifier = new ours.Verifier({ audience: AS, attesters: [attesterEntry(trusted.publicJwk)] });
    const r = await verifier.verify({ method: "POST", url: TOKEN, headers });
    assert.equal(r.ok, false);
    assert.equal(failedCheck(r), "attestation.signature", explain(r));
  });
});

test("@openid4vc → ours: attester alg ≠ instance alg — the peer cannot build the PoP", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "attestation ES256 + instance EdDSA" };
  await m.cell(
    key,
    async () => {
      const attester = await remember(await joseKey("ES256"));
      const instance = await remember(await joseKey("EdDSA"));
      const attestation = await peerAttestation(attester, instance);
      // 0.4.6 signs the PoP with alg = the attestation header's alg (ES256) and the Ed25519 cnf key.
      await assert.rejects(peerHeaders(attestation), /algorithm\.name must be ECDSA/);
      assert.equal(lastSignRequest.header.typ, "oauth-client-attestation-pop+jwt");
      assert.equal(lastSignRequest.header.alg, "ES256", "PoP alg copied from the attestation header");
      assert.equal(lastSignRequest.signer.publicJwk.kty, "OKP", "…while the key is the Ed25519 cnf.jwk");
    },
    { label: "not supported", detail: "peer bug: 0.4.6 takes the PoP alg from the attestation header, so mixed algorithms fail before a request is made" },
  );
});

// ---- ours → peer -----------------------------------------------------------------------------------

function peerServer() {
  return new Oauth2AuthorizationServer({ callbacks: { ...callbacks, clientAuthentication: () => {} } });
}

for (const alg of ["ES256", "EdDSA"]) {
  test(`ours → @openid4vc: createAttestation (claims.iss) + createPop({ legacyClaims }) (${alg}) accepted`, async () => {
    const key = { peer: PEER, direction: "ours → peer", mode: `createPop legacyClaims + attestation iss, ${alg}` };
    await m.cell(key, async () => {
      const attester = ours.generateKey(alg);
      const kid = `ours-${alg}`;
      trustedByKid.set(kid, attester.publicJwk);
      const instance = ours.generateKey(alg);
      const clientAttestationJwt = ours.createAttestation({
        issuerKey: attester,
        kid,
        clientId: CLIENT_ID,
        instanceKey: instance,
        expiresIn: 600,
        claims: { iss: ATTESTER_ISS },
      });
      const clientAttestationPopJwt = ours.createPop({ key: instance, audience: AS, clientId: CLIENT_ID, legacyClaims: true });
      const result = await peerServer().verifyClientAttestation({ authorizationServer: AS, clientAttestationJwt, clientAttestationPopJwt });
      assert.equal(result.clientAttestation.payload.sub, CLIENT_ID);
      assert.equal(result.clientAttestationPop.payload.iss, CLIENT_ID);
      // The same pair verifies with ours (the legacy claims are ignored / honoured).
      const verifier = new ours.Verifier({ audience: AS, attesters: [attesterEntry(attester.publicJwk, kid)] });
      const r = await verifier.verify({ method: "POST", url: TOKEN, headers: abcaHeaders(clientAttestationJwt, clientAttestationPopJwt) });
      assert.ok(r.ok, explain(r));
    });
  });
}

test("ours → @openid4vc: -11 shape without legacy claims is refused by the peer (expected)", async () => {
  const key = { peer: PEER, direction: "ours → peer", mode: "-11 shape (no PoP iss/exp, no attestation iss)" };
  await m.cell(
    key,
    async () => {
      const attester = ours.generateKey("ES256");
      trustedByKid.set("plain", attester.publicJwk);
      const instance = ours.generateKey("ES256");
      const withIss = ours.createAttestation({ issuerKey: attester, kid: "plain", clientId: CLIENT_ID, instanceKey: instance, claims: { iss: ATTESTER_ISS } });
      const withoutIss = ours.createAttestation({ issuerKey: attester, kid: "plain", clientId: CLIENT_ID, instanceKey: instance });
      const pop11 = ours.createPop({ key: instance, audience: AS });
      const popLegacy = ours.createPop({ key: instance, audience: AS, clientId: CLIENT_ID, legacyClaims: true });
      const server = peerServer();
      // PoP without iss/exp: the peer's schema requires both (and it answers server_error, not
      // invalid_client, for a schema miss).
      await assert.rejects(
        server.verifyClientAttestation({ authorizationServer: AS, clientAttestationJwt: withIss, clientAttestationPopJwt: pop11 }),
        (e) => /at "iss"/.test(e.cause?.message) && /at "exp"/.test(e.cause?.message) && e.errorResponse?.error === "server_error",
      );
      // Attestation without iss: the peer's schema requires it.
      await assert.rejects(
        server.verifyClientAttestation({ authorizationServer: AS, clientAttestationJwt: withoutIss, clientAttestationPopJwt: popLegacy }),
        (e) => /received undefined at "iss"/.test(e.cause?.message) && !/at "exp"/.test(e.cause?.message),
      );
      // Sanity: the peer parses our -11 attestation header/claims otherwise.
      assert.equal(oid4vcDecodeJwt({ jwt: withIss }).payload.sub, CLIENT_ID);
    },
    {
      label: "expected reject",
      detail:
        "the peer requires PoP iss+exp (removed -08/-06) and attestation iss (removed -08); per digest §3.1/§4.1 and R-ATT-13 those are not required — the peer is non-conformant, legacyClaims + claims.iss is the workaround (the peer answers server_error for the schema miss)",
    },
  );
});

test("ours → @openid4vc: a PoP with a challenge is accepted (the peer ignores it)", async () => {
  const key = { peer: PEER, direction: "ours → peer", mode: "legacyClaims + challenge claim" };
  await m.cell(key, async () => {
    const attester = ours.generateKey("ES256");
    trustedByKid.set("ch", attester.publicJwk);
    const instance = ours.generateKey("ES256");
    const clientAttestationJwt = ours.createAttestation({ issuerKey: attester, kid: "ch", clientId: CLIENT_ID, instanceKey: instance, claims: { iss: ATTESTER_ISS } });
    const clientAttestationPopJwt = ours.createPop({ key: instance, audience: AS, clientId: CLIENT_ID, legacyClaims: true, challenge: randomId() });
    const result = await peerServer().verifyClientAttestation({ authorizationServer: AS, clientAttestationJwt, clientAttestationPopJwt });
    assert.equal(typeof result.clientAttestationPop.payload.challenge, "string");
  });
});
