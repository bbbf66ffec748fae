// Interop with a live oidc-provider (panva/node-oidc-provider, pinned in package.json) on
// 127.0.0.1, started in-process on a random port and closed at the end.
//
// What the installed version implements (read from node_modules/oidc-provider/lib, 9.13.3):
//   * features.attestClientAuth (experimental, ack "draft-12"): token endpoint auth methods
//     attest_jwt_client_auth and — with features.dPoP — attest_jwt_client_auth_dpop;
//   * attestation: typ oauth-client-attestation+jwt, requiredClaims sub, iat, exp, cnf (iat is
//     REQUIRED, as in the -12 WIP), sub must equal the client_id, key via
//     getAttestationSignaturePublicKey(ctx, header, payload, client);
//   * normal mode: PoP typ oauth-client-attestation-pop+jwt, requiredClaims aud, jti, iat, aud is
//     the issuer, and a server challenge is ALWAYS required (stateless HKDF-of-time values, a
//     5-minute window) — missing/unknown ⇒ 400 use_attestation_challenge + a fresh
//     OAuth-Client-Attestation-Challenge; challenge endpoint POST /challenge returns
//     {"attestation_challenge"} (+ DPoP-Nonce);
//   * combined mode: a DPoP nonce is ALWAYS required (⇒ 400 use_dpop_nonce + DPoP-Nonce), the
//     DPoP key must equal cnf.jwk by RFC 7638 thumbprint, and features.dPoP.nonceSecret is mandatory.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import * as jose from "jose";
import Provider from "oidc-provider";

import { ours, TYP, joseKey, attesterEntry, abcaHeaders, explain, failedCheck, decode, randomId } from "./helpers.mjs";
import { matrix } from "./matrix.mjs";

const VERSION = JSON.parse(readFileSync(new URL("../../node_modules/oidc-provider/package.json", import.meta.url), "utf8")).version;
const PEER = `oidc-provider ${VERSION} (live)`;
const m = matrix("oidc-provider");

const POP_CLIENT = "abca-pop-client"; // attest_jwt_client_auth
const DPOP_CLIENT = "abca-dpop-client"; // attest_jwt_client_auth_dpop

const ATTESTER_ALGS = { "att-es256": "ES256", "att-eddsa": "EdDSA" };

let server;
let issuer;
let tokenUrl;
let challengeUrl;
let provider;
/** Trusted attester keys by kid (ES256 and EdDSA), generated per run. */
const attesters = new Map();
/** Header values oidc-provider saw on requests whose attestation and PoP it verified. */
const verifiedByProvider = [];

before(async () => {
  for (const [kid, alg] of Object.entries(ATTESTER_ALGS)) attesters.set(kid, await joseKey(alg));

  server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${server.address().port}`;

  const signing = await joseKey("ES256");
  const quiet = { info: console.info };
  console.info = () => {}; // oidc-provider's development notices (memory adapter etc.)
  try {
    provider = new Provider(issuer, {
      clients: [
        { client_id: POP_CLIENT, token_endpoint_auth_method: "attest_jwt_client_auth", grant_types: ["client_credentials"], response_types: [], redirect_uris: [], id_token_signed_response_alg: "ES256" },
        { client_id: DPOP_CLIENT, token_endpoint_auth_method: "attest_jwt_client_auth_dpop", grant_types: ["client_credentials"], response_types: [], redirect_uris: [], id_token_signed_response_alg: "ES256" },
      ],
      clientAuthMethods: ["attest_jwt_client_auth", "attest_jwt_client_auth_dpop", "none"],
      jwks: { keys: [{ ...signing.privateJwk, alg: "ES256", use: "sig", kid: "op-sig" }] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        dPoP: { enabled: true, nonceSecret: randomBytes(32) },
        attestClientAuth: {
          enabled: true,
          ack: "draft-12",
          challengeSecret: randomBytes(32),
          async getAttestationSignaturePublicKey(ctx, header) {
            const attester = attesters.get(header.kid);
            if (!attester) throw new Error(`unknown attester kid ${header.kid}`);
            return jose.importJWK(attester.publicJwk, header.alg);
          },
          async assertAttestationJwtAndPop(ctx) {
            verifiedByProvider.push({
              attestation: ctx.get("oauth-client-attestation"),
              pop: ctx.get("oauth-client-attestation-pop") || undefined,
              dpop: ctx.get("dpop") || undefined,
            });
          },
        },
      },
    });
  } finally {
    console.info = quiet.info;
  }
  server.on("request", provider.callback());

  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  tokenUrl = discovery.token_endpoint;
  challengeUrl = discovery.challenge_endpoint;
});

after(async () => {
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
});

// ---- HTTP helpers --------------------------------------------------------------------------------

const lower = (headers) => Object.fromEntries([...headers].map(([k, v]) => [k.toLowerCase(), v]));

/** POST /challenge: { challenge, dpopNonce, cacheControl }. */
async function fetchChallenge() {
  const res = await fetch(challengeUrl, { method: "POST", headers: { accept: "application/json" } });
  assert.equal(res.status, 200);
  const body = await res.json();
  return { challenge: body.attestation_challenge, dpopNonce: res.headers.get("dpop-nonce"), cacheControl: res.headers.get("cache-control") };
}

/** A client_credentials token request with the given headers (and optional body client_id). */
async function tokenRequest(headers, { clientId } = {}) {
  const body = new URLSearchParams({ grant_type: "client_credentials" });
  if (clientId) body.set("client_id", clientId);
  const res = await fetch(tokenUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
  const json = await res.json();
  return { status: res.status, headers: lower(res.headers), body: json };
}

const show = (r) => `${r.status} ${JSON.stringify(r.body)}`;

// ---- discovery ---------------------------------------------------------------------------------------

test("oidc-provider: metadata advertises both attestation methods, their algorithms and the challenge endpoint", async () => {
  const key = { peer: PEER, direction: "discovery", mode: "metadata (methods, algs, challenge_endpoint)" };
  await m.cell(key, async () => {
    const d = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    assert.ok(d.token_endpoint_auth_methods_supported.includes("attest_jwt_client_auth"));
    assert.ok(d.token_endpoint_auth_methods_supported.includes("attest_jwt_client_auth_dpop"));
    assert.equal(d.challenge_endpoint, `${issuer}/challenge`);
    for (const alg of ["ES256", "EdDSA"]) {
      assert.ok(d.client_attestation_signing_alg_values_supported.includes(alg));
      assert.ok(d.client_attestation_pop_signing_alg_values_supported.includes(alg));
      assert.ok(d.dpop_signing_alg_values_supported.includes(alg));
    }
    const c = await fetchChallenge();
    assert.equal(typeof c.challenge, "string");
    assert.equal(typeof c.dpopNonce, "string", "challenge endpoint also hands out a DPoP-Nonce (-11 §6.3)");
    assert.match(c.cacheControl ?? "", /no-store/);
    // What our own verifier advertises for the same capabilities, for comparison.
    const mine = new ours.Verifier({
      audience: issuer,
      attesters: [attesterEntry(attesters.get("att-es256").publicJwk, "att-es256")],
      challenge: { required: true, endpoint: `${issuer}/challenge` },
      dpop: { combined: true },
    }).metadata();
    assert.equal(mine.challenge_endpoint, d.challenge_endpoint);
  });
});

// ---- 3a. ours → oidc-provider --------------------------------------------------------------------------

for (const [attKid, instAlg] of [["att-es256", "ES256"], ["att-es256", "EdDSA"], ["att-eddsa", "ES256"], ["att-eddsa", "EdDSA"]]) {
  const attAlg = ATTESTER_ALGS[attKid];
  test(`ours → oidc-provider: attest_jwt_client_auth, attester ${attAlg}, instance ${instAlg}, use_attestation_challenge retry`, async () => {
    const key = { peer: PEER, direction: "ours → peer", mode: `attest_jwt_client_auth · ${attAlg}/${instAlg} · challenge via use_attestation_challenge` };
    await m.cell(key, async () => {
      const attester = attesters.get(attKid);
      const instance = ours.generateKey(instAlg);
      const attestation = ours.createAttestation({ issuerKey: attester.privateJwk, kid: attKid, clientId: POP_CLIENT, instanceKey: instance, expiresIn: 600 });

      // 1. No challenge: oidc-provider always requires one.
      const first = await tokenRequest(abcaHeaders(attestation, ours.createPop({ key: instance, audience: issuer })));
      assert.equal(first.status, 400, show(first));
      assert.equal(first.body.error, "use_attestation_challenge");
      const challenge = first.headers["oauth-client-attestation-challenge"];
      assert.ok(challenge, "fresh challenge on the error (MUST, -11 §6.1)");

      // 2. Retry once with the challenge from the error.
      const second = await tokenRequest(abcaHeaders(attestation, ours.createPop({ key: instance, audience: issuer, challenge })));
      assert.equal(second.status, 200, show(second));
      assert.equal(typeof second.body.access_token, "string");
      assert.equal(second.body.token_type, "Bearer");
    });
  });
}

test("ours → oidc-provider: attest_jwt_client_auth with a challenge from the challenge endpoint, client_id in the body", async () => {
  const key = { peer: PEER, direction: "ours → peer", mode: "attest_jwt_client_auth · challenge endpoint · client_id in body" };
  await m.cell(key, async () => {
    const instance = ours.generateKey("ES256");
    const attestation = ours.createAttestation({ issuerKey: attesters.get("att-es256").privateJwk, kid: "att-es256", clientId: POP_CLIENT, instanceKey: instance });
    const { challenge } = await fetchChallenge();
    const r = await tokenRequest(abcaHeaders(attestation, ours.createPop({ key: instance, audience: issuer, challenge })), { clientId: POP_CLIENT });
    assert.equal(r.status, 200, show(r));
    // Replay of the very same PoP is refused by oidc-provider (jti seen-set).
    const pop = ours.createPop({ key: instance, audience: issuer, challenge, jti: randomId() });
    assert.equal((await tokenRequest(abcaHeaders(attestation, pop))).status, 200);
    const replay = await tokenRequest(abcaHeaders(attestation, pop));
    assert.equal(replay.status, 401, show(replay));
    assert.equal(replay.body.error, "invalid_client");
  });
});

test("ours → oidc-provider: createPop({ legacyClaims: true }) is accepted too (not needed by oidc-provider)", async () => {
  const key = { peer: PEER, direction: "ours → peer", mode: "attest_jwt_client_auth · createPop legacyClaims" };
  await m.cell(
    key,
    async () => {
      const instance = ours.generateKey("EdDSA");
      const attestation = ours.createAttestation({ issuerKey: attesters.get("att-es256").privateJwk, kid: "att-es256", clientId: POP_CLIENT, instanceKey: instance });
      const { challenge } = await fetchChallenge();
      const pop = ours.createPop({ key: instance, audience: issuer, challenge, clientId: POP_CLIENT, legacyClaims: true });
      assert.equal(decode(pop).claims.iss, POP_CLIENT);
      const r = await tokenRequest(abcaHeaders(attestation, pop));
      assert.equal(r.status, 200, show(r));
    },
    { detail: "oidc-provider requires only aud/jti/iat (+challenge) in the PoP; iss/exp are ignored/honoured" },
  );
});

test("ours → oidc-provider: an attestation without iat is refused (oidc-provider implements the -12 WIP rule)", async () => {
  const key = { peer: PEER, direction: "comparison", mode: "attestation without iat (jose-built; iat OPTIONAL ≤ -11): peer vs ours" };
  await m.cell(
    key,
    async () => {
      const instance = ours.generateKey("ES256");
      const attester = attesters.get("att-es256");
      // Our builder always sets iat; an attester that leaves it out (allowed up to -11) is refused.
      const noIat = await new jose.SignJWT({ cnf: { jwk: instance.publicJwk } })
        .setProtectedHeader({ alg: "ES256", typ: TYP.attestation, kid: "att-es256" })
        .setSubject(POP_CLIENT)
        .setExpirationTime("10m")
        .sign(attester.privateKey);
      const { challenge } = await fetchChallenge();
      const r = await tokenRequest(abcaHeaders(noIat, ours.createPop({ key: instance, audience: issuer, challenge })));
      assert.equal(r.status, 401, show(r));
      assert.equal(r.body.error, "invalid_client");
      // Our verifier accepts it by default (iat OPTIONAL in -11) and refuses it with requireAttestationIat.
      const pop = ours.createPop({ key: instance, audience: issuer });
      const lenient = await new ours.Verifier({ audience: issuer, attesters: [attesterEntry(attester.publicJwk, "att-es256")] }).verify({ method: "POST", url: tokenUrl, headers: abcaHeaders(noIat, pop) });
      assert.ok(lenient.ok, explain(lenient));
      const strict = await new ours.Verifier({ audience: issuer, attesters: [attesterEntry(attester.publicJwk, "att-es256")], requireAttestationIat: true }).verify({
        method: "POST",
        url: tokenUrl,
        headers: abcaHeaders(noIat, ours.createPop({ key: instance, audience: issuer })),
      });
      assert.equal(strict.ok, false, explain(strict));
    },
    { label: "expected reject", detail: "oidc-provider requires attestation iat (-12 WIP); our builder always sets it; our verifier matches with requireAttestationIat: true" },
  );
});

test("ours → oidc-provider: createAttestation({ roundTo: 86400 }) (-12 WIP privacy rounding) is accepted", async () => {
  const key = { peer: PEER, direction: "ours → peer", mode: "attest_jwt_client_auth · attestation iat/exp rounded to midnight UTC" };
  await m.cell(key, async () => {
    const instance = ours.generateKey("ES256");
    const attestation = ours.createAttestation({
      issuerKey: attesters.get("att-es256").privateJwk,
      kid: "att-es256",
      clientId: POP_CLIENT,
      instanceKey: instance,
      expiresIn: 2 * 86400, // rounding exp down needs a lifetime of at least roundTo
      roundTo: 86400,
    });
    const { claims } = decode(attestation);
    assert.equal(claims.iat % 86400, 0);
    assert.equal(claims.exp % 86400, 0);
    const { challenge } = await fetchChallenge();
    const r = await tokenRequest(abcaHeaders(attestation, ours.createPop({ key: instance, audience: issuer, challenge })));
    assert.equal(r.status, 200, show(r));
  });
});

for (const instAlg of ["ES256", "EdDSA"]) {
  test(`ours → oidc-provider: attest_jwt_client_auth_dpop (combined), instance ${instAlg}, use_dpop_nonce retry`, async () => {
    const key = { peer: PEER, direction: "ours → peer", mode: `attest_jwt_client_auth_dpop · ${instAlg} · DPoP nonce via use_dpop_nonce` };
    await m.cell(key, async () => {
      const instance = ours.generateKey(instAlg);
      const attestation = ours.createAttestation({ issuerKey: attesters.get("att-es256").privateJwk, kid: "att-es256", clientId: DPOP_CLIENT, instanceKey: instance });

      const first = await tokenRequest({ "OAuth-Client-Attestation": attestation, DPoP: ours.createDpopProof({ key: instance, method: "POST", url: tokenUrl }) });
      assert.equal(first.status, 400, show(first));
      assert.equal(first.body.error, "use_dpop_nonce");
      const nonce = first.headers["dpop-nonce"];
      assert.ok(nonce, "DPoP-Nonce on use_dpop_nonce");

      const second = await tokenRequest({ "OAuth-Client-Attestation": attestation, DPoP: ours.createDpopProof({ key: instance, method: "POST", url: tokenUrl, nonce }) });
      assert.equal(second.status, 200, show(second));
      assert.equal(second.body.token_type, "DPoP", "token bound to the instance key");
    });
  });
}

test("ours → oidc-provider: combined mode with the DPoP-Nonce from the challenge endpoint", async () => {
  const key = { peer: PEER, direction: "ours → peer", mode: "attest_jwt_client_auth_dpop · nonce from challenge endpoint" };
  await m.cell(key, async () => {
    const instance = ours.generateKey("ES256");
    const attestation = ours.createAttestation({ issuerKey: attesters.get("att-eddsa").privateJwk, kid: "att-eddsa", clientId: DPOP_CLIENT, instanceKey: instance });
    const { dpopNonce } = await fetchChallenge();
    const r = await tokenRequest({ "OAuth-Client-Attestation": attestation, DPoP: ours.createDpopProof({ key: instance, method: "POST", url: tokenUrl, nonce: dpopNonce }) }, { clientId: DPOP_CLIENT });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.token_type, "DPoP");
    // A DPoP key that is not cnf.jwk is refused (R-DPOP-4).
    const other = ours.generateKey("ES256");
    const mismatch = await tokenRequest({ "OAuth-Client-Attestation": attestation, DPoP: ours.createDpopProof({ key: other, method: "POST", url: tokenUrl, nonce: dpopNonce }) });
    assert.equal(mismatch.status, 401, show(mismatch));
  });
});

test("ours → oidc-provider: three JWTs (attestation + PoP + DPoP with another key) at attest_jwt_client_auth", async () => {
  const key = { peer: PEER, direction: "ours → peer", mode: "attest_jwt_client_auth · + independent DPoP (3 JWTs)" };
  await m.cell(key, async () => {
    const instance = ours.generateKey("ES256");
    const dpopKey = ours.generateKey("EdDSA");
    const attestation = ours.createAttestation({ issuerKey: attesters.get("att-es256").privateJwk, kid: "att-es256", clientId: POP_CLIENT, instanceKey: instance });
    const { challenge, dpopNonce } = await fetchChallenge();
    const r = await tokenRequest({
      ...abcaHeaders(attestation, ours.createPop({ key: instance, audience: issuer, challenge })),
      DPoP: ours.createDpopProof({ key: dpopKey, method: "POST", url: tokenUrl, nonce: dpopNonce }),
    });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.token_type, "DPoP", "bound to the independent DPoP key");
  });
});

// ---- 3b. oidc-provider-style clients → ours ----------------------------------------------------------

/** The attestation/PoP an oidc-provider client built with jose sends (as oidc-provider's own tests do). */
async function providerStyleAttestation(attKid, instance, clientId) {
  const attester = attesters.get(attKid);
  return new jose.SignJWT({ cnf: { jwk: instance.publicJwk } })
    .setProtectedHeader({ alg: attester.alg, typ: TYP.attestation, kid: attKid })
    .setSubject(clientId)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(attester.privateKey);
}

async function providerStylePop(instance, challenge) {
  return new jose.SignJWT({ challenge })
    .setProtectedHeader({ alg: instance.alg, typ: TYP.pop })
    .setAudience(issuer)
    .setJti(randomId())
    .setIssuedAt()
    .sign(instance.privateKey);
}

async function providerStyleDpop(instance, nonce) {
  return new jose.SignJWT({ htm: "POST", htu: tokenUrl, nonce })
    .setProtectedHeader({ alg: instance.alg, typ: TYP.dpop, jwk: instance.publicJwk })
    .setJti(randomId())
    .setIssuedAt()
    .sign(instance.privateKey);
}

for (const [attKid, instAlg] of [["att-es256", "ES256"], ["att-eddsa", "EdDSA"]]) {
  test(`oidc-provider → ours: a pair oidc-provider accepted (${attKid}, instance ${instAlg}) verifies with its issued challenge as expectedChallenge`, async () => {
    const key = { peer: PEER, direction: "peer → ours", mode: `strict · attest_jwt_client_auth pair, ${instAlg}, expectedChallenge = its challenge` };
    await m.cell(key, async () => {
      const instance = await joseKey(instAlg);
      const { challenge } = await fetchChallenge();
      const attestation = await providerStyleAttestation(attKid, instance, POP_CLIENT);
      const pop = await providerStylePop(instance, challenge);

      verifiedByProvider.length = 0;
      const live = await tokenRequest(abcaHeaders(attestation, pop), { clientId: POP_CLIENT });
      assert.equal(live.status, 200, `oidc-provider accepts the pair: ${show(live)}`);
      const seen = verifiedByProvider.at(-1);
      assert.ok(seen, "oidc-provider's assertAttestationJwtAndPop hook saw the pair");

      // The exact header values oidc-provider verified, verified again by ours.
      const verifier = new ours.Verifier({
        audience: issuer,
        attesters: [...attesters].map(([kid, k]) => attesterEntry(k.publicJwk, kid)),
        challenge: { required: true }, // challenges issued by oidc-provider, checked per request
        requireAttestationIat: true,
      });
      const r = await verifier.verify({
        method: "POST",
        url: tokenUrl,
        headers: abcaHeaders(seen.attestation, seen.pop),
        clientId: POP_CLIENT,
        expectedChallenge: challenge,
      });
      assert.ok(r.ok, explain(r));
      assert.equal(r.clientId, POP_CLIENT);
      assert.equal(r.instanceKey.thumbprint, instance.thumbprint);
      assert.equal(r.audit.challenge !== "", true);

      // Negative control: with another expected challenge, the same kind of PoP is refused.
      const pop2 = await providerStylePop(instance, challenge);
      const bad = await verifier.verify({ method: "POST", url: tokenUrl, headers: abcaHeaders(seen.attestation, pop2), expectedChallenge: randomId() });
      assert.equal(bad.error, "use_attestation_challenge", explain(bad));
    });
  });
}

test("oidc-provider → ours: a combined-mode request oidc-provider accepted verifies in combined mode", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict · attest_jwt_client_auth_dpop request (its DPoP nonce not checkable by ours)" };
  await m.cell(
    key,
    async () => {
      const instance = await joseKey("ES256");
      const { dpopNonce } = await fetchChallenge();
      const attestation = await providerStyleAttestation("att-es256", instance, DPOP_CLIENT);
      const dpop = await providerStyleDpop(instance, dpopNonce);

      verifiedByProvider.length = 0;
      const live = await tokenRequest({ "OAuth-Client-Attestation": attestation, DPoP: dpop });
      assert.equal(live.status, 200, `oidc-provider accepts it: ${show(live)}`);
      const seen = verifiedByProvider.at(-1);
      assert.ok(seen?.dpop);

      const verifier = new ours.Verifier({
        audience: issuer,
        attesters: [attesterEntry(attesters.get("att-es256").publicJwk, "att-es256")],
        dpop: { combined: true },
      });
      const r = await verifier.verify({ method: "POST", url: tokenUrl, headers: { "OAuth-Client-Attestation": seen.attestation, DPoP: seen.dpop } });
      assert.ok(r.ok, explain(r));
      assert.equal(r.mechanism, "dpop_combined");
      assert.equal(r.instanceKey.thumbprint, instance.thumbprint);
      assert.equal(r.proof.claims.nonce, dpopNonce);
      // The audit is truthful about it: the nonce was not checked.
      assert.equal(r.audit.dpopNonce, "not_used");
    },
    {
      detail:
        "ours validates DPoP nonces only when it issued them (dpop.nonce.secret); VerifyInput has no expectedDpopNonce, so a nonce issued by another server is carried but not checked",
    },
  );
});

test("oidc-provider → ours: the same pair under legacy: true and in the wasm backend", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "legacy + wasm backend · attest_jwt_client_auth pair" };
  await m.cell(key, async () => {
    const instance = await joseKey("EdDSA");
    const { challenge } = await fetchChallenge();
    const attestation = await providerStyleAttestation("att-eddsa", instance, POP_CLIENT);
    const pop = await providerStylePop(instance, challenge);
    const live = await tokenRequest(abcaHeaders(attestation, pop));
    assert.equal(live.status, 200, show(live));
    const verifier = new ours.Verifier({
      audience: issuer,
      attesters: [attesterEntry(attesters.get("att-eddsa").publicJwk, "att-eddsa")],
      challenge: { required: true },
      legacy: true,
      backend: "wasm",
    });
    const r = await verifier.verify({ method: "POST", url: tokenUrl, headers: abcaHeaders(attestation, pop), expectedChallenge: challenge });
    assert.ok(r.ok, explain(r));
    assert.equal(failedCheck(r), null);
  });
});

test("ours → oidc-provider → ours: a DPoP-bound token from oidc-provider is accepted at an RS guarded by our Verifier", async () => {
  const key = { peer: PEER, direction: "peer → ours", mode: "strict · RS combined DPoP (ath + oidc-provider's jkt)" };
  await m.cell(key, async () => {
    const instance = ours.generateKey("EdDSA");
    const attestation = ours.createAttestation({ issuerKey: attesters.get("att-es256").privateJwk, kid: "att-es256", clientId: DPOP_CLIENT, instanceKey: instance });
    const { dpopNonce } = await fetchChallenge();
    const t = await tokenRequest({ "OAuth-Client-Attestation": attestation, DPoP: ours.createDpopProof({ key: instance, method: "POST", url: tokenUrl, nonce: dpopNonce }) });
    assert.equal(t.status, 200, show(t));
    const accessToken = t.body.access_token;
    // client_credentials tokens are stored as ClientCredentials in oidc-provider.
    const stored = await provider.ClientCredentials.find(accessToken);
    assert.ok(stored, "token found in oidc-provider's store");
    assert.equal(stored.jkt, instance.thumbprint, "oidc-provider's cnf.jkt equals our RFC 7638 thumbprint");

    const RS = "https://rs.example.com";
    const rs = new ours.Verifier({ audience: RS, role: "rs", attesters: [attesterEntry(attesters.get("att-es256").publicJwk, "att-es256")], dpop: { combined: true } });
    const url = `${RS}/data`;
    const proof = ours.createDpopProof({ key: instance, method: "GET", url, accessToken });
    const r = await rs.verify({
      method: "GET",
      url,
      headers: { Authorization: `DPoP ${accessToken}`, "OAuth-Client-Attestation": attestation, DPoP: proof },
      accessToken,
      accessTokenJkt: stored.jkt,
    });
    assert.ok(r.ok, explain(r));
    // Another instance key cannot use the token (R-DPOP-10).
    const thief = ours.generateKey("EdDSA");
    const thiefAtt = ours.createAttestation({ issuerKey: attesters.get("att-es256").privateJwk, kid: "att-es256", clientId: DPOP_CLIENT, instanceKey: thief });
    const stolen = await rs.verify({
      method: "GET",
      url,
      headers: { "OAuth-Client-Attestation": thiefAtt, DPoP: ours.createDpopProof({ key: thief, method: "GET", url, accessToken }) },
      accessToken,
      accessTokenJkt: stored.jkt,
    });
    assert.equal(stolen.ok, false);
    assert.equal(failedCheck(stolen), "dpop.ath", explain(stolen));
  });
});

for (const alg of ["ES256", "EdDSA"]) {
  test(`ours → oidc-provider: builders with an external signer (non-extractable WebCrypto ${alg} key via cryptoKeySigner)`, async () => {
    const key = { peer: PEER, direction: "ours → peer", mode: `external signer (cryptoKeySigner ${alg}) · PoP and combined DPoP` };
    await m.cell(key, async () => {
      const params = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
      const { privateKey, publicKey } = await crypto.subtle.generateKey(params, false, ["sign", "verify"]);
      const signer = await ours.cryptoKeySigner(privateKey, publicKey);
      assert.equal(privateKey.extractable, false);
      const attester = attesters.get("att-es256");

      const attPop = ours.createAttestation({ issuerKey: attester.privateJwk, kid: "att-es256", clientId: POP_CLIENT, instanceKey: signer.publicJwk });
      const { challenge, dpopNonce } = await fetchChallenge();
      const pop = await ours.createPop({ key: signer, audience: issuer, challenge });
      const r1 = await tokenRequest(abcaHeaders(attPop, pop));
      assert.equal(r1.status, 200, show(r1));

      const attDpop = ours.createAttestation({ issuerKey: attester.privateJwk, kid: "att-es256", clientId: DPOP_CLIENT, instanceKey: signer.publicJwk });
      const proof = await ours.createDpopProof({ key: signer, method: "POST", url: tokenUrl, nonce: dpopNonce });
      const r2 = await tokenRequest({ "OAuth-Client-Attestation": attDpop, DPoP: proof });
      assert.equal(r2.status, 200, show(r2));
      assert.equal(r2.body.token_type, "DPoP");
    });
  });
}
