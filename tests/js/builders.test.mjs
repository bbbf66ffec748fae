// generateKey, createAttestation, createPop, createDpopProof (private JWKs, generateKey output,
// external signers: cryptoKeySigner over non-extractable WebCrypto keys, a DER signer),
// publicKeyInfo, inspect, reasons.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, sign as nodeSign, createHash } from "node:crypto";
import {
  Verifier, generateKey, createAttestation, createPop, createDpopProof, cryptoKeySigner,
  publicKeyInfo, inspect, reasons, checks, parseHttpMessage,
} from "client-attestation";
import {
  NOW, AS, RS, TOKEN_URL, CLIENT, policyAs, draftAttestation, draftPopAs, draftPopRs, readText,
  attesterPrivate, attesterPublic, instancePrivate, instancePublic, thumbprints,
  agree, assertOk, assertReason, throwsLike, rejectsLike, sha256b64u, unb64u,
} from "./helpers.mjs";

const decode = (jwt) => {
  const [h, c, s] = jwt.split(".");
  return { header: JSON.parse(Buffer.from(h, "base64url")), claims: JSON.parse(Buffer.from(c, "base64url")), signature: unb64u(s) };
};
const rfc7638 = (jwk) =>
  jwk.kty === "EC"
    ? sha256b64u(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    : sha256b64u(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }));
const policyFor = (attester, extra = {}) => ({ audience: AS, attesters: [{ jwks: { keys: [attester.publicJwk ?? attester] } }], ...extra });
const normal = (a, p, extra = {}) => ({ method: "POST", url: TOKEN_URL, headers: [["OAuth-Client-Attestation", a], ["OAuth-Client-Attestation-PoP", p]], now: NOW, ...extra });

describe("generateKey and publicKeyInfo", () => {
  for (const alg of ["ES256", "EdDSA"]) {
    test(`generateKey("${alg}")`, () => {
      const k = generateKey(alg);
      assert.deepEqual(Object.keys(k).sort(), ["alg", "privateJwk", "publicJwk", "thumbprint"]);
      assert.equal(k.alg, alg);
      assert.equal(k.privateJwk.kty, alg === "ES256" ? "EC" : "OKP");
      assert.equal(k.privateJwk.crv, alg === "ES256" ? "P-256" : "Ed25519");
      assert.equal(unb64u(k.privateJwk.d).length, 32);
      assert.equal(k.publicJwk.d, undefined);
      assert.equal(k.publicJwk.x, k.privateJwk.x);
      assert.equal(k.thumbprint, rfc7638(k.publicJwk));
      assert.deepEqual(publicKeyInfo(k.privateJwk), { publicJwk: k.publicJwk, thumbprint: k.thumbprint });
      assert.deepEqual(publicKeyInfo(k.publicJwk), { publicJwk: k.publicJwk, thumbprint: k.thumbprint });
      assert.notEqual(generateKey(alg).thumbprint, k.thumbprint, "fresh randomness each call");
    });
  }

  test("generateKey() defaults to ES256; unsupported algs are TypeErrors", () => {
    assert.equal(generateKey().alg, "ES256");
    for (const bad of ["RS256", "HS256", "none", "ES384", "", "es256"]) throwsLike(() => generateKey(bad), TypeError, /unsupported alg|ES256 or EdDSA/);
  });

  test("publicKeyInfo: RFC 7638 thumbprints of the draft keys; bad keys are TypeErrors", () => {
    assert.equal(publicKeyInfo(attesterPublic).thumbprint, thumbprints["attester-key"]);
    assert.equal(publicKeyInfo(instancePrivate).thumbprint, thumbprints["client-instance-key (cnf of current examples)"]);
    assert.deepEqual(publicKeyInfo(instancePrivate).publicJwk, { kty: "EC", crv: "P-256", x: instancePublic.x, y: instancePublic.y });
    for (const bad of [{ kty: "RSA", n: "AA", e: "AQAB" }, { kty: "oct", k: "AA" }, { kty: "EC", crv: "P-256", x: "AA", y: "AA" }, { kty: "OKP", crv: "X25519", x: "AA" }, {}, "jwk", null]) {
      throwsLike(() => publicKeyInfo(bad), TypeError, /invalid key|key/);
    }
  });
});

describe("createAttestation", () => {
  test("header, claims, defaults; verifies with the draft policy (kid 11)", async () => {
    const t = createAttestation({ issuerKey: attesterPrivate, kid: "11", clientId: CLIENT, instanceKey: instancePublic, now: NOW });
    const { header, claims } = decode(t);
    assert.deepEqual(header, { alg: "ES256", kid: "11", typ: "oauth-client-attestation+jwt" });
    assert.equal(claims.sub, CLIENT);
    assert.equal(claims.iat, NOW);
    assert.equal(claims.exp, NOW + 86400, "default lifetime one day");
    assert.deepEqual(claims.cnf.jwk, { kty: "EC", crv: "P-256", x: instancePublic.x, y: instancePublic.y });
    const [ok] = await agree(policyAs, [normal(t, draftPopAs)], "built attestation + draft PoP");
    assertOk(ok);
    // Signing is deterministic (RFC 6979): the same input gives the same token.
    assert.equal(createAttestation({ issuerKey: { privateJwk: attesterPrivate }, kid: "11", clientId: CLIENT, instanceKey: instancePublic, now: NOW }), t);
  });

  test("expiresIn, exp, roundTo, claims; private members and kid of the instance key never leak", () => {
    const issuer = generateKey("EdDSA");
    const inst = generateKey("ES256");
    const c1 = decode(createAttestation({ issuerKey: issuer, clientId: "c", instanceKey: inst, now: NOW, expiresIn: 600 })).claims;
    assert.equal(c1.exp, NOW + 600);
    const c2 = decode(createAttestation({ issuerKey: issuer, clientId: "c", instanceKey: inst, now: NOW, exp: NOW + 42, expiresIn: 600 })).claims;
    assert.equal(c2.exp, NOW + 42, "exp wins over expiresIn");
    const c3 = decode(createAttestation({ issuerKey: issuer, clientId: "c", instanceKey: inst, now: NOW, expiresIn: 3 * 86400, roundTo: 86400 })).claims;
    assert.equal(c3.iat, NOW - (NOW % 86400));
    assert.equal(c3.exp, NOW + 3 * 86400 - ((NOW + 3 * 86400) % 86400));
    const c4 = decode(createAttestation({ issuerKey: issuer, clientId: "c", instanceKey: { ...inst.privateJwk, kid: "secret-kid" }, now: NOW, claims: { wallet_name: "W", aal: 2, sub: "evil", cnf: "evil", iat: 1, exp: 2 } })).claims;
    assert.equal(c4.wallet_name, "W");
    assert.equal(c4.aal, 2);
    assert.equal(c4.sub, "c", "claims cannot override sub");
    assert.deepEqual(c4.cnf.jwk, inst.publicJwk, "no d, no kid in cnf.jwk");
    assert.equal(c4.iat, NOW);
    assert.equal(c4.exp, NOW + 86400);
    const h = decode(createAttestation({ issuerKey: issuer, clientId: "c", instanceKey: inst.publicJwk, now: NOW })).header;
    assert.deepEqual(h, { alg: "EdDSA", typ: "oauth-client-attestation+jwt" }, "no kid unless given");
  });

  test("bad options: TypeError / RangeError with clear messages", () => {
    const issuer = generateKey();
    const inst = generateKey();
    const base = { issuerKey: issuer, clientId: "c", instanceKey: inst, now: NOW };
    throwsLike(() => createAttestation(), TypeError, /createAttestation\(\) takes an options object/);
    throwsLike(() => createAttestation("x"), TypeError, /options object/);
    throwsLike(() => createAttestation({ ...base, issuerKey: issuer.publicJwk }), TypeError, /issuerKey/);
    throwsLike(() => createAttestation({ ...base, issuerKey: undefined }), TypeError, /issuerKey/);
    throwsLike(() => createAttestation({ ...base, instanceKey: { kty: "oct", k: "AA" } }), TypeError, /instanceKey/);
    throwsLike(() => createAttestation({ ...base, instanceKey: undefined }), TypeError, /instanceKey/);
    throwsLike(() => createAttestation({ issuerKey: issuer, instanceKey: inst, now: NOW }), TypeError, /missing field `clientId`/);
    throwsLike(() => createAttestation({ ...base, clientId: 5 }), TypeError, /createAttestation options/);
    throwsLike(() => createAttestation({ ...base, expiresIn: "1h" }), TypeError, /createAttestation options/);
    throwsLike(() => createAttestation({ ...base, now: -1 }), RangeError, /now/);
    throwsLike(() => createAttestation({ ...base, now: "now" }), TypeError, /now/);
    throwsLike(() => createAttestation({ ...base, exp: -10 }), RangeError, /exp/);
    throwsLike(() => createAttestation({ ...base, roundTo: -5 }), RangeError, /roundTo/);
    throwsLike(() => createAttestation({ ...base, claims: [1] }), TypeError, /createAttestation options/);
  });
});

describe("createPop", () => {
  test("claims and header; random jti; challenge; verifies against the draft attestation", async () => {
    const t = createPop({ key: instancePrivate, audience: AS, now: NOW, jti: "j-1", challenge: "ch" });
    const { header, claims } = decode(t);
    assert.deepEqual(header, { alg: "ES256", typ: "oauth-client-attestation-pop+jwt" });
    assert.deepEqual(claims, { aud: AS, challenge: "ch", iat: NOW, jti: "j-1" });
    const jtis = new Set(Array.from({ length: 50 }, () => decode(createPop({ key: instancePrivate, audience: AS, now: NOW })).claims.jti));
    assert.equal(jtis.size, 50);
    for (const j of jtis) assert.ok(unb64u(j).length >= 16, `random jti has ≥ 128 bits: ${j}`);
    const [ok] = await agree(policyAs, [normal(draftAttestation, createPop({ key: { privateJwk: instancePrivate }, audience: AS, now: NOW }))]);
    assertOk(ok);
  });

  test("legacyClaims adds iss (= clientId) and exp (= iat + 300); still verifies", async () => {
    const t = createPop({ key: instancePrivate, audience: AS, now: NOW, clientId: CLIENT, legacyClaims: true });
    const { claims } = decode(t);
    assert.equal(claims.iss, CLIENT);
    assert.equal(claims.exp, NOW + 300);
    assertOk((await agree(policyAs, [normal(draftAttestation, t)]))[0]);
    assert.equal(decode(createPop({ key: instancePrivate, audience: AS, now: NOW, clientId: CLIENT })).claims.iss, undefined, "no iss without legacyClaims");
    throwsLike(() => createPop({ key: instancePrivate, audience: AS, now: NOW, legacyClaims: true }), TypeError, /legacyClaims needs clientId/);
  });

  test("bad options", () => {
    const k = generateKey("EdDSA");
    throwsLike(() => createPop(), TypeError, /createPop\(\) takes an options object/);
    throwsLike(() => createPop({ key: k, now: NOW }), TypeError, /audience/);
    throwsLike(() => createPop({ key: k.publicJwk, audience: AS }), TypeError, /not a private JWK|invalid key/);
    throwsLike(() => createPop({ audience: AS }), TypeError, /key/);
    throwsLike(() => createPop({ key: k, audience: AS, now: 1e13 }), RangeError, /now/);
    throwsLike(() => createPop({ key: { kty: "EC", crv: "P-384", x: "AA", y: "AA", d: "AA" }, audience: AS }), TypeError, /key/);
  });
});

describe("createDpopProof", () => {
  test("htm, htu without query/fragment (string or URL), nonce, ath, public jwk in the header", () => {
    const k = generateKey("EdDSA");
    const t = createDpopProof({ key: k, method: "POST", url: new URL(`${TOKEN_URL}?a=1#frag`), now: NOW, jti: "d-1", nonce: "n-1", accessToken: "at-1" });
    const { header, claims } = decode(t);
    assert.deepEqual(header, { alg: "EdDSA", jwk: k.publicJwk, typ: "dpop+jwt" });
    assert.deepEqual(claims, { ath: sha256b64u("at-1"), htm: "POST", htu: TOKEN_URL, iat: NOW, jti: "d-1", nonce: "n-1" });
    const plain = decode(createDpopProof({ key: instancePrivate, method: "GET", url: `${RS}/r`, now: NOW })).claims;
    assert.equal(plain.nonce, undefined);
    assert.equal(plain.ath, undefined);
    assert.equal(typeof plain.jti, "string");
    assert.equal(inspect(t).kind, "dpop");
    assert.equal(inspect(t).thumbprint, k.thumbprint);
  });

  test("bad options", () => {
    const k = generateKey();
    throwsLike(() => createDpopProof(null), TypeError, /createDpopProof\(\) takes an options object/);
    throwsLike(() => createDpopProof({ key: k, url: TOKEN_URL }), TypeError, /method/);
    throwsLike(() => createDpopProof({ key: k, method: "POST" }), TypeError, /createDpopProof options/);
    throwsLike(() => createDpopProof({ key: k, method: "POST", url: TOKEN_URL, now: -3 }), RangeError, /now/);
  });
});

describe("builder option names (typos, undefined values)", () => {
  // The wasm bindings deserialise builder options with serde-wasm-bindgen, which reads only the
  // fields it knows: `deny_unknown_fields` never fires, so a misspelt option is silently
  // ignored, and a required option set to `undefined` is reported without its name.
  const k = generateKey("EdDSA");
  test("a misspelt or unsupported option is a TypeError naming it", () => {
    throwsLike(() => createPop({ key: k, audience: AS, now: NOW, clientId: "c", legacy_claims: true }), TypeError, /legacy_claims/);
    throwsLike(() => createPop({ key: k, audience: AS, now: NOW, claims: { x: 1 } }), TypeError, /claims/);
    throwsLike(() => createAttestation({ issuerKey: k, clientId: "c", instanceKey: k, now: NOW, expires_in: 60 }), TypeError, /expires_in/);
    throwsLike(() => createDpopProof({ key: k, method: "GET", url: RS, now: NOW, ath: "x" }), TypeError, /ath/);
  });
  test("a required option that is undefined is named in the message", () => {
    throwsLike(() => createPop({ key: k, audience: undefined, now: NOW }), TypeError, /audience/);
    throwsLike(() => createAttestation({ issuerKey: k, clientId: undefined, instanceKey: k, now: NOW }), TypeError, /clientId/);
    throwsLike(() => createDpopProof({ key: k, method: "GET", now: NOW }), TypeError, /url/);
  });
});

describe("external signers", () => {
  async function nonExtractable(alg) {
    const k = generateKey(alg);
    const params = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
    const privateKey = await crypto.subtle.importKey("jwk", k.privateJwk, params, false, ["sign"]);
    const publicKey = await crypto.subtle.importKey("jwk", k.publicJwk, params, true, ["verify"]);
    assert.equal(privateKey.extractable, false);
    return { k, privateKey, publicKey };
  }

  for (const alg of ["ES256", "EdDSA"]) {
    test(`cryptoKeySigner over a non-extractable ${alg} key: attestation, PoP, DPoP all verify`, async () => {
      const attester = await nonExtractable(alg);
      const instance = await nonExtractable(alg);
      const attSigner = await cryptoKeySigner(attester.privateKey, attester.publicKey);
      const instSigner = await cryptoKeySigner(instance.privateKey, instance.k.publicJwk);
      assert.equal(attSigner.alg, alg);
      assert.deepEqual(attSigner.publicJwk, attester.k.publicJwk);
      assert.deepEqual(instSigner.publicJwk, instance.k.publicJwk);

      const a = createAttestation({ issuerKey: attSigner, kid: "ext", clientId: "c-ext", instanceKey: instSigner.publicJwk, now: NOW - 5, claims: { x: 1 } });
      assert.ok(a instanceof Promise, "an external signer makes the builder async");
      const att = await a;
      const pop = await createPop({ key: instSigner, audience: AS, now: NOW, challenge: "expected-c" });
      const dpop = await createDpopProof({ key: instSigner, method: "POST", url: TOKEN_URL, now: NOW, accessToken: "t" });
      assert.deepEqual(decode(att).header, { alg, kid: "ext", typ: "oauth-client-attestation+jwt" });
      assert.equal(decode(att).claims.x, 1);
      assert.equal(decode(att).signature.length, 64);
      assert.equal(decode(pop).signature.length, 64);
      assert.deepEqual(decode(dpop).header.jwk, instance.k.publicJwk);
      assert.equal(decode(dpop).claims.ath, sha256b64u("t"));
      const policy = policyFor({ ...attester.k.publicJwk, kid: "ext" }, { challenge: { required: false }, dpop: { combined: true } });
      const rs = await agree(policy, [
        normal(att, pop, { expectedChallenge: "expected-c" }),
        { method: "POST", url: TOKEN_URL, headers: [["OAuth-Client-Attestation", att], ["DPoP", dpop]], now: NOW },
      ], `external ${alg}`);
      assertOk(rs[0]);
      assertOk(rs[1]);
      assert.equal(rs[1].mechanism, "dpop_combined");
    });
  }

  test("EdDSA is deterministic: an external signer gives the same token as the private JWK", async () => {
    const { k, privateKey, publicKey } = await nonExtractable("EdDSA");
    const signer = await cryptoKeySigner(privateKey, publicKey);
    const spec = { audience: AS, now: NOW, jti: "same", challenge: "c" };
    assert.equal(await createPop({ key: signer, ...spec }), createPop({ key: k, ...spec }));
    const dspec = { method: "POST", url: TOKEN_URL, now: NOW, jti: "same", nonce: "n", accessToken: "a" };
    assert.equal(await createDpopProof({ key: signer, ...dspec }), createDpopProof({ key: k, ...dspec }));
    const aspec = { kid: "k", clientId: "c", instanceKey: generateKey().publicJwk, now: NOW, roundTo: 3600, claims: { z: [1] } };
    assert.equal(await createAttestation({ issuerKey: signer, ...aspec }), createAttestation({ issuerKey: k, ...aspec }));
  });

  test("a KMS-style signer returning DER ECDSA signatures (and ArrayBuffers)", async () => {
    const k = generateKey("ES256");
    const keyObject = createPrivateKey({ key: k.privateJwk, format: "jwk" });
    let derLengths = [];
    const derSigner = {
      alg: "ES256",
      publicJwk: k.publicJwk,
      async sign(bytes) {
        assert.ok(bytes instanceof Uint8Array);
        const der = nodeSign("sha256", bytes, { key: keyObject, dsaEncoding: "der" });
        derLengths.push(der.length);
        return new Uint8Array(der);
      },
    };
    const bufferSigner = { ...derSigner, sign: async (bytes) => nodeSign("sha256", bytes, { key: keyObject, dsaEncoding: "ieee-p1363" }).buffer.slice(0) };
    const attester = generateKey("EdDSA");
    const att = createAttestation({ issuerKey: attester, clientId: "c", instanceKey: derSigner.publicJwk, now: NOW });
    const pops = [];
    for (let i = 0; i < 4; i++) pops.push(await createPop({ key: derSigner, audience: AS, now: NOW }));
    pops.push(await createPop({ key: bufferSigner, audience: AS, now: NOW }));
    assert.ok(derLengths.every((n) => n !== 64 && n >= 8 && n <= 72), `DER lengths ${derLengths}`);
    for (const p of pops) assert.equal(decode(p).signature.length, 64, "DER was converted to raw r‖s");
    const rs = await agree(policyFor(attester), pops.map((p) => normal(att, p)), "DER signer");
    for (const r of rs) assertOk(r);
  });

  test("bad signers: TypeError with clear messages", async () => {
    const k = generateKey("ES256");
    const ed = generateKey("EdDSA");
    const good = { alg: "ES256", publicJwk: k.publicJwk, sign: async () => new Uint8Array(64) };
    const o = { audience: AS, now: NOW };
    throwsLike(() => createPop({ ...o, key: { ...good, alg: "RS256" } }), TypeError, /unsupported alg RS256/);
    throwsLike(() => createPop({ ...o, key: { ...good, alg: "none" } }), TypeError, /unsupported alg none/);
    throwsLike(() => createPop({ ...o, key: { ...good, alg: "EdDSA" } }), TypeError, /does not fit/);
    throwsLike(() => createPop({ ...o, key: { ...good, alg: undefined } }), TypeError, /external signer is \{ alg, publicJwk, sign/);
    throwsLike(() => createPop({ ...o, key: { ...good, publicJwk: undefined } }), TypeError, /external signer/);
    throwsLike(() => createDpopProof({ key: { ...good, alg: "HS256" }, method: "GET", url: RS, now: NOW }), TypeError, /unsupported alg/);
    throwsLike(() => createAttestation({ issuerKey: { ...good, alg: "ES384" }, clientId: "c", instanceKey: ed, now: NOW }), TypeError, /unsupported alg/);
    throwsLike(() => createAttestation({ issuerKey: { ...good, publicJwk: { kty: "oct", k: "AA" } }, clientId: "c", instanceKey: ed, now: NOW }), TypeError, /publicJwk/);
    await rejectsLike(createPop({ ...o, key: { ...good, sign: async () => "sig" } }), TypeError, /Uint8Array or ArrayBuffer/);
    await rejectsLike(createPop({ ...o, key: { ...good, sign: async () => new Uint8Array(10) } }), TypeError, /64 raw bytes|DER/);
    await rejectsLike(createPop({ ...o, key: { alg: "EdDSA", publicJwk: ed.publicJwk, sign: async () => new Uint8Array(63) } }), TypeError, /Ed25519 signature must be 64 bytes/);
    await assert.rejects(createPop({ ...o, key: { ...good, sign: async () => { throw new Error("kms down"); } } }), /kms down/);
  });
});

describe("inspect", () => {
  test("the draft's attestation, PoPs, a DPoP proof", () => {
    const a = inspect(draftAttestation);
    assert.equal(a.kind, "attestation");
    assert.equal(a.kindFromTyp, true);
    assert.deepEqual(a.header, { alg: "ES256", kid: "11", typ: "oauth-client-attestation+jwt" });
    assert.equal(a.claims.sub, CLIENT);
    assert.equal(a.thumbprint, thumbprints["client-instance-key (cnf of current examples)"]);
    assert.equal(a.error, null);
    assert.deepEqual(a.hints, []);
    for (const p of [draftPopAs, draftPopRs]) {
      const i = inspect(p);
      assert.equal(i.kind, "pop");
      assert.equal(i.thumbprint, null);
    }
    const d = inspect(createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW }));
    assert.equal(d.kind, "dpop");
    assert.equal(d.thumbprint, thumbprints["client-instance-key (cnf of current examples)"]);
  });

  test("legacy shapes carry hints; the concatenated serialization has parts", () => {
    const p9 = inspect(readText("tests/fixtures/legacy/draft-09.client-attestation-pop.as.jwt"));
    assert.equal(p9.kind, "pop");
    assert.deepEqual(p9.hints.map((h) => h.code).sort(), ["pop.no_iat", "pop.nonce"]);
    for (const h of p9.hints) assert.ok(h.drafts && h.message);
    const legacyPop = inspect(createPop({ key: instancePrivate, audience: AS, now: NOW, clientId: CLIENT, legacyClaims: true }));
    assert.ok(legacyPop.hints.some((h) => h.code === "pop.iss"));
    const cat = inspect(readText("tests/fixtures/legacy/draft-07.concatenated-serialization.txt"));
    assert.ok(cat.hints.some((h) => h.code === "serialization.concatenated"));
    assert.deepEqual(cat.parts.map((p) => p.kind), ["attestation", "pop"]);
  });

  test("garbage decodes to a result with an error, never an exception", () => {
    const garbage = ["", "x", "a.b.c", "...", "e30.e30.e30", "eyJhbGciOiJub25lIn0.e30.", "😀", "\u0000.\u0000.\u0000", "A".repeat(100000), `${"e30.".repeat(1000)}`, "~", "a~b~c", draftAttestation.slice(0, 50)];
    for (const g of garbage) {
      const r = inspect(g);
      assert.equal(typeof r.kind, "string");
      assert.ok(Array.isArray(r.hints) && Array.isArray(r.parts));
    }
    assert.equal(inspect("garbage").error, "malformed");
    assert.equal(inspect("garbage").kind, "unknown");
    throwsLike(() => inspect(5), TypeError, /inspect\(\) takes a string/);
    throwsLike(() => inspect(), TypeError, /inspect\(\) takes a string/);
  });
});

describe("reasons", () => {
  test("a table of unique codes, each with error, requirement and description", () => {
    const rs = reasons();
    assert.ok(rs.length >= 90);
    const codes = rs.map((r) => r.reason);
    assert.equal(new Set(codes).size, codes.length, "reason codes are unique");
    for (const r of rs) {
      assert.match(r.reason, /^[a-z]+\.[a-z0-9_]+$/);
      assert.match(r.error, /^[a-z_]+$/);
      assert.equal(typeof r.requirement, "string");
      assert.ok(r.description.length > 10);
    }
    const by = new Map(rs.map((r) => [r.reason, r]));
    assert.equal(by.get("pop.replayed").error, "invalid_client_attestation");
    assert.equal(by.get("attestation.expired").error, "use_fresh_attestation");
    assert.equal(by.get("challenge.missing").error, "use_attestation_challenge");
    assert.equal(by.get("dpop.nonce_missing").error, "use_dpop_nonce");
    assert.equal(by.get("replay.store_unavailable").error, "temporarily_unavailable");
    assert.equal(by.get("attestation.missing").error, "invalid_client");
  });

  test("every rejection's reason, error and requirement are in the table", async () => {
    const by = new Map(reasons().map((r) => [r.reason, r]));
    const v = new Verifier(policyAs);
    await v.verify(normal(draftAttestation, draftPopAs));
    const samples = [
      await v.verify(normal(draftAttestation, draftPopAs)),
      await v.verify({ method: "POST", url: TOKEN_URL, headers: [], now: NOW }),
      await v.verify(normal(draftAttestation, draftPopRs)),
      await v.verify(normal("x", draftPopAs)),
    ];
    for (const s of samples) {
      assert.equal(s.ok, false);
      const row = by.get(s.reason);
      assert.ok(row, s.reason);
      assert.equal(row.error, s.error);
      assert.equal(row.requirement, s.requirement);
    }
  });
});

describe("parseHttpMessage", () => {
  test("the draft's raw HTTP requests parse and verify", async () => {
    const token = parseHttpMessage(readText("tests/fixtures/http/token-request.http"));
    assert.equal(token.format, "http");
    assert.equal(token.method, "POST");
    assert.equal(token.url, TOKEN_URL);
    assert.ok(token.headers.some(([n, v]) => n === "OAuth-Client-Attestation" && v === draftAttestation));
    assert.equal(token.body, "grant_type=authorization_code&code=n0esc3NRze7LTCu7iYzS6a5acc3f0ogp4");
    assert.equal(token.clientId, null);
    assert.equal(token.accessToken, null);
    const [ok] = await agree(policyAs, [{ ...token, now: NOW }], "parsed token request");
    assertOk(ok);
    // PAR: client_id from the body (the draft's known inconsistency: it is not the attestation sub).
    const par = parseHttpMessage(readText("tests/fixtures/http/par-request-alongside-client-secret.http"));
    assert.equal(par.clientId, "s6BhdRkqt3");
    assert.equal(par.url, `${AS}/as/par`);
    assertReason((await agree(policyAs, [{ ...par, now: NOW }]))[0], "attestation.client_id_mismatch");
    // RS: the access token from Authorization.
    const rs = parseHttpMessage(readText("tests/fixtures/http/rs-request.http"));
    assert.equal(rs.accessToken, "mF_9.B5f-4.1JqM");
    assert.equal(rs.url, `${RS}/api/users/list`);
    const challenge = parseHttpMessage(readText("tests/fixtures/http/challenge-request.http"));
    assert.equal(challenge.body, null);
  });

  test("a curl command line", () => {
    const m = parseHttpMessage(`curl -X POST ${TOKEN_URL} -H 'OAuth-Client-Attestation: ${draftAttestation}' -H "Content-Type: application/x-www-form-urlencoded" -d 'grant_type=x&client_id=c1'`);
    assert.equal(m.format, "curl");
    assert.equal(m.method, "POST");
    assert.equal(m.url, TOKEN_URL);
    assert.deepEqual(m.headers[0], ["OAuth-Client-Attestation", draftAttestation]);
    assert.equal(m.clientId, "c1");
  });

  test("anything else is a TypeError with a clear message", () => {
    for (const bad of ["", "garbage", "GET\n\n", "{\"method\":\"POST\"}"]) throwsLike(() => parseHttpMessage(bad), TypeError, /request line|curl|HTTP/);
    throwsLike(() => parseHttpMessage(5), TypeError, /parseHttpMessage\(\) takes a string/);
  });
});

describe("checks", () => {
  test("the check table covers every check a result reports, in order", async () => {
    const table = checks();
    assert.ok(table.length > 20);
    const ids = table.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const c of table) assert.ok(c.id && c.requirement && c.title);
    const r = await new Verifier(policyAs).verify({ ...normal(draftAttestation, draftPopAs), explain: true });
    assertOk(r);
    assert.deepEqual(r.checks.map((c) => c.id), ids.filter((id) => r.checks.some((c) => c.id === id)), "result checks in table order");
    for (const c of r.checks) {
      const row = table.find((t) => t.id === c.id);
      assert.ok(row, c.id);
      assert.equal(row.requirement, c.requirement);
      assert.equal(row.title, c.title);
    }
  });
});

describe("the package's exports", () => {
  test("exactly the API declared in js/index.d.ts (no internals)", async () => {
    const mod = await import("client-attestation");
    const dts = readText("js/index.d.ts");
    const declared = [...dts.matchAll(/^export declare (?:function|class|const) (\w+)/gm)].map((m) => m[1]);
    assert.ok(declared.includes("Verifier") && declared.includes("inspect"));
    for (const name of declared) assert.equal(typeof mod[name], "function", `${name} is declared but not exported`);
    // `bind` (core.js, "@internal") leaks through `export * from "./core.js"`: anyone can
    // re-bind the wasm module the whole isolate's verifiers use.
    assert.deepEqual(Object.keys(mod).sort(), [...new Set(declared)].sort());
  });
});

describe("hash helper sanity", () => {
  test("RFC 9449 §7.1 ath example", () => {
    assert.equal(createHash("sha256").update("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU").digest("base64url"), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
  });
});
