// Interop with jose (panva/jose, pinned in package.json): tokens made with jose's SignJWT and
// generateKeyPair verify with our Verifier, and tokens made by our builders verify with jose's
// jwtVerify under the draft's typ values.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as jose from "jose";

import { ours, TYP, joseKey, attesterEntry, abcaHeaders, explain, failedCheck, nowSeconds, randomId, sha256b64url } from "./helpers.mjs";
import { matrix } from "./matrix.mjs";

const JOSE_VERSION = JSON.parse(readFileSync(new URL("../../node_modules/jose/package.json", import.meta.url), "utf8")).version;
const PEER = `jose ${JOSE_VERSION}`;
const m = matrix("jose");

const AS = "https://as.example.com";
const TOKEN = `${AS}/token`;
const CLIENT_ID = "https://client.example.com";
const SECRET = "interop: a long random server secret of 32+ bytes!";

// ---- jose-side builders (what a client or attester using only jose would send) -------------

async function joseAttestation(attester, kid, instance, { typ = TYP.attestation, clientId = CLIENT_ID, iat = true } = {}) {
  const jwt = new jose.SignJWT({ cnf: { jwk: instance.publicJwk } })
    .setProtectedHeader({ alg: attester.alg, typ, ...(kid ? { kid } : {}) })
    .setSubject(clientId)
    .setExpirationTime("1h");
  if (iat) jwt.setIssuedAt();
  return jwt.sign(attester.privateKey);
}

async function josePop(instance, { challenge, audience = AS, typ = TYP.pop } = {}) {
  return new jose.SignJWT(challenge === undefined ? {} : { challenge })
    .setProtectedHeader({ alg: instance.alg, typ })
    .setAudience(audience)
    .setJti(randomId())
    .setIssuedAt()
    .sign(instance.privateKey);
}

async function joseDpop(key, { method = "POST", url = TOKEN, nonce, accessToken } = {}) {
  const claims = { htm: method, htu: url };
  if (nonce !== undefined) claims.nonce = nonce;
  if (accessToken !== undefined) claims.ath = sha256b64url(accessToken);
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: TYP.dpop, jwk: key.publicJwk })
    .setJti(randomId())
    .setIssuedAt()
    .sign(key.privateKey);
}

// ---- jose → ours: normal mode ----------------------------------------------------------------

const ALGS = ["ES256", "EdDSA"];
for (const attAlg of ALGS) {
  for (const instAlg of ALGS) {
    test(`jose → ours: normal mode, attester ${attAlg}, instance ${instAlg}, stateless challenge`, async () => {
      const key = { peer: PEER, direction: "peer → ours", mode: `strict · attestation ${attAlg} + PoP ${instAlg} (challenge)` };
      await m.cell(key, async () => {
        const attester = await joseKey(attAlg);
        const instance = await joseKey(instAlg);
        const verifier = new ours.Verifier({
          audience: AS,
          attesters: [attesterEntry(attester.publicJwk, "att-1")],
          challenge: { secret: SECRET, required: true },
        });
        const challenge = verifier.issueChallenge();
        const attestation = await joseAttestation(attester, "att-1", instance);
        const pop = await josePop(instance, { challenge });
        const r = await verifier.verify({ method: "POST", url: TOKEN, headers: abcaHeaders(attestation, pop), clientId: CLIENT_ID });
        assert.ok(r.ok, explain(r));
        assert.equal(r.clientId, CLIENT_ID);
        assert.equal(r.mechanism, "attestation_pop_jwt");
        assert.equal(r.instanceKey.thumbprint, instance.thumbprint, "instance key thumbprint (RFC 7638) agrees with jose");
        assert.deepEqual(r.audit.shape, [], "a jose-built -11 token has no legacy shape");
        // Both signature backends agree on jose's signatures.
        const wasmVerifier = new ours.Verifier({ audience: AS, attesters: [attesterEntry(attester.publicJwk, "att-1")], backend: "wasm" });
        const w = await wasmVerifier.verify({ method: "POST", url: TOKEN, headers: abcaHeaders(attestation, await josePop(instance)) });
        assert.ok(w.ok, `wasm backend: ${explain(w)}`);
      });
    });
  }
}

test("jose → ours: fully-specified alg Ed25519 for attestation and PoP", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict · alg Ed25519 (fully specified)" };
  await m.cell(key, async () => {
    const attester = await joseKey("Ed25519");
    const instance = await joseKey("Ed25519");
    const verifier = new ours.Verifier({ audience: AS, attesters: [attesterEntry(attester.publicJwk, "att-ed")] });
    const r = await verifier.verify({
      method: "POST",
      url: TOKEN,
      headers: abcaHeaders(await joseAttestation(attester, "att-ed", instance), await josePop(instance)),
    });
    assert.ok(r.ok, explain(r));
    assert.equal(r.attestation.header.alg, "Ed25519");
  });
});

test("jose → ours: typ with the application/ prefix (RFC 7515 §4.1.9), expectedChallenge", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict · typ application/…+jwt, expectedChallenge" };
  await m.cell(key, async () => {
    const attester = await joseKey("ES256");
    const instance = await joseKey("ES256");
    // No secret: the challenge is issued elsewhere and handed to verify() as expectedChallenge.
    const verifier = new ours.Verifier({ audience: AS, attesters: [attesterEntry(attester.publicJwk)], challenge: { required: true } });
    const challenge = randomId();
    const attestation = await joseAttestation(attester, undefined, instance, { typ: `application/${TYP.attestation}` });
    const pop = await josePop(instance, { challenge, typ: `application/${TYP.pop}` });
    const r = await verifier.verify({ method: "POST", url: TOKEN, headers: abcaHeaders(attestation, pop), expectedChallenge: challenge });
    assert.ok(r.ok, explain(r));
    // Negative control: a different expected challenge is use_attestation_challenge.
    const pop2 = await josePop(instance, { challenge, typ: `application/${TYP.pop}` });
    const bad = await verifier.verify({ method: "POST", url: TOKEN, headers: abcaHeaders(attestation, pop2), expectedChallenge: "other" });
    assert.equal(bad.ok, false);
    assert.equal(bad.error, "use_attestation_challenge");
  });
});

test("jose → ours: three JWTs (attestation + PoP + independent DPoP with its own key)", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict · attestation + PoP + DPoP (3 JWTs)" };
  await m.cell(key, async () => {
    const attester = await joseKey("ES256");
    const instance = await joseKey("ES256");
    const dpopKey = await joseKey("EdDSA");
    const verifier = new ours.Verifier({ audience: AS, attesters: [attesterEntry(attester.publicJwk, "a")] });
    const headers = abcaHeaders(await joseAttestation(attester, "a", instance), await josePop(instance), { DPoP: await joseDpop(dpopKey) });
    const r = await verifier.verify({ method: "POST", url: TOKEN, headers });
    assert.ok(r.ok, explain(r));
    assert.equal(r.mechanism, "attestation_pop_jwt");
    assert.equal(r.instanceKey.thumbprint, instance.thumbprint);
    assert.equal(r.dpopKey?.thumbprint, dpopKey.thumbprint, "the DPoP key thumbprint agrees with jose");
  });
});

// ---- jose → ours: combined mode --------------------------------------------------------------

for (const instAlg of ALGS) {
  test(`jose → ours: combined mode (attestation + DPoP proof), instance ${instAlg}, DPoP nonce`, async () => {
    const key = { peer: PEER, direction: "peer → ours", mode: `strict · combined DPoP ${instAlg} (server nonce)` };
    await m.cell(key, async () => {
      const attester = await joseKey("ES256");
      const instance = await joseKey(instAlg);
      const verifier = new ours.Verifier({
        audience: AS,
        attesters: [attesterEntry(attester.publicJwk, "a")],
        dpop: { combined: true, nonce: { secret: SECRET, required: true } },
      });
      const attestation = await joseAttestation(attester, "a", instance);
      // Without a nonce: use_dpop_nonce with a DPoP-Nonce header, which the client then echoes.
      const first = await verifier.verify({ method: "POST", url: TOKEN, headers: { "OAuth-Client-Attestation": attestation, DPoP: await joseDpop(instance) } });
      assert.equal(first.ok, false);
      assert.equal(first.error, "use_dpop_nonce", explain(first));
      const nonce = new Map(first.response.headers.map(([k, v]) => [k.toLowerCase(), v])).get("dpop-nonce");
      assert.ok(nonce, "DPoP-Nonce header on use_dpop_nonce");
      const r = await verifier.verify({
        method: "POST",
        url: TOKEN,
        headers: { "OAuth-Client-Attestation": attestation, DPoP: await joseDpop(instance, { nonce }) },
      });
      assert.ok(r.ok, explain(r));
      assert.equal(r.mechanism, "dpop_combined");
      assert.equal(r.instanceKey.thumbprint, instance.thumbprint);
    });
  });
}

test("jose → ours: combined mode at a resource server (DPoP ath + token binding)", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict · combined DPoP at RS (ath, cnf.jkt)" };
  await m.cell(key, async () => {
    const attester = await joseKey("ES256");
    const instance = await joseKey("ES256");
    const RS = "https://rs.example.com";
    const verifier = new ours.Verifier({ audience: RS, role: "rs", attesters: [attesterEntry(attester.publicJwk, "a")], dpop: { combined: true } });
    const accessToken = randomId(32);
    const url = `${RS}/resource?x=1`;
    const headers = {
      Authorization: `DPoP ${accessToken}`,
      "OAuth-Client-Attestation": await joseAttestation(attester, "a", instance),
      DPoP: await joseDpop(instance, { method: "GET", url: `${RS}/resource`, accessToken }),
    };
    const r = await verifier.verify({ method: "GET", url, headers, accessToken, accessTokenJkt: instance.thumbprint });
    assert.ok(r.ok, explain(r));
    // Negative control: a wrong ath (proof made for another token).
    const bad = await verifier.verify({
      method: "GET",
      url,
      headers: { ...headers, DPoP: await joseDpop(instance, { method: "GET", url: `${RS}/resource`, accessToken: "another" }) },
      accessToken,
    });
    assert.equal(bad.ok, false, "a proof for another access token is rejected");
  });
});

test("jose → ours: negative controls (wrong typ, PoP signed by another key, untrusted attester)", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict · negative controls" };
  await m.cell(key, async () => {
    const attester = await joseKey("ES256");
    const instance = await joseKey("ES256");
    const other = await joseKey("ES256");
    const verifier = new ours.Verifier({ audience: AS, attesters: [attesterEntry(attester.publicJwk, "a")] });
    const verify = (a, p) => verifier.verify({ method: "POST", url: TOKEN, headers: abcaHeaders(a, p) });
    const att = await joseAttestation(attester, "a", instance);

    const wrongTyp = await verify(await joseAttestation(attester, "a", instance, { typ: "JWT" }), await josePop(instance));
    assert.equal(failedCheck(wrongTyp), "attestation.typ", explain(wrongTyp));
    const popTypAsAttestation = await verify(att, await josePop(instance, { typ: TYP.attestation }));
    assert.equal(failedCheck(popTypAsAttestation), "pop.typ", explain(popTypAsAttestation));
    const wrongKey = await verify(att, await josePop(other));
    assert.equal(failedCheck(wrongKey), "pop.signature", explain(wrongKey));
    const untrusted = await verify(await joseAttestation(other, "a", instance), await josePop(instance));
    assert.equal(failedCheck(untrusted), "attestation.signature", explain(untrusted));
    const wrongAud = await verify(att, await josePop(instance, { audience: "https://other.example.com" }));
    assert.equal(failedCheck(wrongAud), "pop.aud", explain(wrongAud));
  });
});

// ---- ours → jose --------------------------------------------------------------------------------

for (const alg of ALGS) {
  test(`ours → jose: createAttestation / createPop / createDpopProof (${alg}) verify with jose.jwtVerify`, async () => {
    const key = { peer: PEER, direction: "ours → peer", mode: `jwtVerify with typ, ${alg} (attestation, PoP, DPoP)` };
    await m.cell(key, async () => {
      const attester = ours.generateKey(alg);
      const instance = ours.generateKey(alg);
      const attestation = ours.createAttestation({ issuerKey: attester, kid: "k", clientId: CLIENT_ID, instanceKey: instance, expiresIn: 600 });
      const a = await jose.jwtVerify(attestation, await jose.importJWK(attester.publicJwk, alg), {
        typ: TYP.attestation,
        subject: CLIENT_ID,
        requiredClaims: ["sub", "exp", "iat", "cnf"],
        algorithms: [alg],
      });
      assert.equal(a.protectedHeader.kid, "k");
      assert.equal(await jose.calculateJwkThumbprint(a.payload.cnf.jwk), instance.thumbprint, "thumbprints agree");

      const challenge = randomId();
      const pop = ours.createPop({ key: instance, audience: AS, challenge });
      const p = await jose.jwtVerify(pop, await jose.importJWK(a.payload.cnf.jwk, alg), {
        typ: TYP.pop,
        audience: AS,
        requiredClaims: ["aud", "jti", "iat"],
        maxTokenAge: "5m",
      });
      assert.equal(p.payload.challenge, challenge);
      assert.equal(typeof p.payload.aud, "string", "single audience as a string");

      const accessToken = randomId(32);
      const dpop = ours.createDpopProof({ key: instance, method: "POST", url: TOKEN, nonce: "n-1", accessToken });
      const d = await jose.jwtVerify(dpop, jose.EmbeddedJWK, { typ: TYP.dpop, requiredClaims: ["jti", "htm", "htu", "iat"] });
      assert.equal(d.payload.htm, "POST");
      assert.equal(d.payload.htu, TOKEN);
      assert.equal(d.payload.nonce, "n-1");
      assert.equal(d.payload.ath, sha256b64url(accessToken), "ath = base64url(SHA-256(token))");
      assert.equal(await jose.calculateJwkThumbprint(d.protectedHeader.jwk), instance.thumbprint);
      assert.equal(d.protectedHeader.jwk.d, undefined, "no private key in the DPoP header");
    });
  });
}

test("ours → jose: builder tokens carry iat/exp jose accepts at the current time", async () => {
  const key = { peer: PEER, direction: "ours → peer", mode: "time claims (iat/exp/now)" };
  await m.cell(key, async () => {
    const attester = ours.generateKey("ES256");
    const instance = ours.generateKey("ES256");
    const now = nowSeconds();
    const attestation = ours.createAttestation({ issuerKey: attester, clientId: CLIENT_ID, instanceKey: instance, expiresIn: 60, now });
    const { payload } = await jose.jwtVerify(attestation, await jose.importJWK(attester.publicJwk, "ES256"), { currentDate: new Date(now * 1000) });
    assert.equal(payload.iat, now);
    assert.equal(payload.exp, now + 60);
    await assert.rejects(
      jose.jwtVerify(attestation, await jose.importJWK(attester.publicJwk, "ES256"), { currentDate: new Date((now + 61) * 1000) }),
      /exp/,
    );
  });
});
