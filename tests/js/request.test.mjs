// Every header form (Headers, plain object incl. array values, [name, value] pairs), duplicate
// header lines, headerPairs, and verifyRequest over Fetch API Requests.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Verifier, headerPairs, createDpopProof, createAttestation } from "client-attestation";
import {
  NOW, RS, TOKEN_URL, CLIENT, policyAs, policyRs, draftAttestation, draftPopAs, draftPopRs,
  attesterPrivate, instancePrivate, draftInput, agree, assertOk, assertReason, throwsLike, rejectsLike,
} from "./helpers.mjs";

const ATT = "OAuth-Client-Attestation";
const POP = "OAuth-Client-Attestation-PoP";

describe("header forms", () => {
  test("Headers, plain object, object with array values, pairs, URL objects: the same verdict", async () => {
    const forms = {
      headers: new Headers({ [ATT]: draftAttestation, [POP]: draftPopAs, Host: "as.example.com" }),
      object: { [ATT]: draftAttestation, [POP]: draftPopAs, Host: "as.example.com", "X-Undefined": undefined },
      objectArrays: { [ATT]: [draftAttestation], [POP]: [draftPopAs], Accept: ["a", "b"] },
      lowercase: { "oauth-client-attestation": draftAttestation, "oauth-client-attestation-pop": draftPopAs },
      pairs: [[ATT, draftAttestation], [POP, draftPopAs]],
      mixedCasePairs: [["oauth-CLIENT-attestation", draftAttestation], ["OAUTH-CLIENT-ATTESTATION-POP", draftPopAs]],
    };
    for (const [name, headers] of Object.entries(forms)) {
      const [ok] = await agree(policyAs, [draftInput({ headers, url: new URL(TOKEN_URL) })], name);
      assertOk(ok, name);
    }
  });

  test("duplicate lines are visible as pairs, object arrays, case variants and comma-folded Headers", async () => {
    const folded = new Headers();
    folded.append(ATT, draftAttestation);
    folded.append(ATT, draftAttestation);
    folded.append(POP, draftPopAs);
    const foldedPop = new Headers([[ATT, draftAttestation], [POP, draftPopAs], [POP, draftPopAs]]);
    const cases = {
      "attestation.header_duplicated": [
        [[ATT, draftAttestation], [ATT, draftAttestation], [POP, draftPopAs]],
        { [ATT]: [draftAttestation, draftAttestation], [POP]: draftPopAs },
        { [ATT]: draftAttestation, "oauth-client-attestation": draftAttestation, [POP]: draftPopAs },
        folded,
      ],
      "pop.header_duplicated": [
        [[ATT, draftAttestation], [POP, draftPopAs], ["oauth-client-attestation-pop", draftPopAs]],
        { [ATT]: draftAttestation, [POP]: [draftPopAs, draftPopAs] },
        foldedPop,
      ],
    };
    for (const [reason, list] of Object.entries(cases)) {
      const rs = await agree(policyAs, list.map((headers) => draftInput({ headers })), reason);
      for (const [i, r] of rs.entries()) assertReason(r, reason, { error: "invalid_client_attestation" });
      void rs;
    }
    // A plain object with one string per name cannot carry a duplicate: it verifies.
    assertOk(await new Verifier(policyAs).verify(draftInput({ headers: { [ATT]: draftAttestation, [POP]: draftPopAs } })));
    // Duplicate DPoP lines (combined mode).
    const proof = createDpopProof({ key: instancePrivate, method: "POST", url: TOKEN_URL, now: NOW });
    const att = createAttestation({ issuerKey: attesterPrivate, kid: "11", clientId: CLIENT, instanceKey: instancePrivate, now: NOW });
    const [d] = await agree({ ...policyAs, dpop: { combined: true } }, [draftInput({ headers: new Headers([[ATT, att], ["DPoP", proof], ["DPoP", proof]]) })], "dpop dup");
    assertReason(d, "dpop.header_duplicated", { error: "invalid_dpop_proof" });
  });

  test("no attestation at all: attestation.missing (invalid_client, 401)", async () => {
    for (const headers of [undefined, null, [], {}, new Headers()]) {
      const [r] = await agree(policyAs, [{ method: "POST", url: TOKEN_URL, headers, now: NOW }], String(headers));
      assertReason(r, "attestation.missing", { error: "invalid_client", status: 401 });
    }
  });

  test("headerPairs normalises all three forms", () => {
    assert.deepEqual(headerPairs(undefined), []);
    assert.deepEqual(headerPairs(null), []);
    assert.deepEqual(headerPairs([["A", "1"], ["a", "2"]]), [["A", "1"], ["a", "2"]]);
    assert.deepEqual(headerPairs([["N", 5]]), [["N", "5"]]);
    assert.deepEqual(headerPairs({ A: "1", B: ["2", "3"], C: undefined, D: 4 }), [["A", "1"], ["B", "2"], ["B", "3"], ["D", "4"]]);
    const h = new Headers();
    h.append("X-A", "1");
    h.append("x-a", "2");
    h.append("Y", "3");
    assert.deepEqual(headerPairs(h), [["x-a", "1, 2"], ["y", "3"]]);
  });

  test("bad headers throw TypeError (verify, verifySync, headerPairs)", async () => {
    const v = new Verifier(policyAs);
    const bad = [42, "OAuth-Client-Attestation: x", true, [["only-name"]], [["a", "b", "c"]], ["ab"], [null]];
    for (const headers of bad) {
      await rejectsLike(v.verify(draftInput({ headers })), TypeError, /headers/);
      throwsLike(() => v.verifySync(draftInput({ headers })), TypeError, /headers/);
    }
    throwsLike(() => headerPairs(7), TypeError, /Headers object, a plain object, or an array/);
    throwsLike(() => headerPairs([["x"]]), TypeError, /headers\[0\] must be a \[name, value\] pair/);
  });
});

describe("verifyRequest (Fetch API Request)", () => {
  const tokenRequest = (body, headers = {}) =>
    new Request(TOKEN_URL, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", [ATT]: draftAttestation, [POP]: draftPopAs, ...headers },
      body,
    });

  test("clientId comes from the form body", async () => {
    const ok = await new Verifier(policyAs).verifyRequest(tokenRequest(`grant_type=authorization_code&client_id=${encodeURIComponent(CLIENT)}`), { now: NOW });
    assertOk(ok);
    assert.equal(ok.clientId, CLIENT);
    const bad = await new Verifier(policyAs).verifyRequest(tokenRequest("grant_type=x&client_id=s6BhdRkqt3"), { now: NOW });
    assertReason(bad, "attestation.client_id_mismatch", { error: "invalid_client", status: 401 });
    // Same through the wasm backend.
    const w = await new Verifier({ ...policyAs, backend: "wasm" }).verifyRequest(tokenRequest("client_id=s6BhdRkqt3"), { now: NOW });
    assertReason(w, "attestation.client_id_mismatch");
  });

  test("a repeated or malformed form client_id is a request.invalid result, not an exception", async () => {
    for (const body of [`client_id=${encodeURIComponent(CLIENT)}&client_id=s6BhdRkqt3`, "client_id=%zz"]) {
      for (const backend of ["auto", "wasm"]) {
        const r = await new Verifier({ ...policyAs, backend }).verifyRequest(tokenRequest(body), { now: NOW });
        assertReason(r, "request.invalid", { error: "invalid_request", status: 400 });
      }
    }
  });

  test("options.clientId wins over the body; the body stays readable afterwards", async () => {
    const req = tokenRequest("client_id=s6BhdRkqt3");
    assertOk(await new Verifier(policyAs).verifyRequest(req, { now: NOW, clientId: CLIENT }));
    const req2 = tokenRequest("grant_type=x&client_id=" + encodeURIComponent(CLIENT));
    assertOk(await new Verifier(policyAs).verifyRequest(req2, { now: NOW }));
    assert.equal(req2.bodyUsed, false);
    assert.equal(await req2.text(), "grant_type=x&client_id=" + encodeURIComponent(CLIENT));
  });

  test("no form body (GET, JSON, consumed body): no clientId, no exception", async () => {
    const get = new Request(TOKEN_URL, { headers: { [ATT]: draftAttestation, [POP]: draftPopAs } });
    assertOk(await new Verifier(policyAs).verifyRequest(get, { now: NOW }));
    const json = tokenRequest(JSON.stringify({ client_id: "s6BhdRkqt3" }), { "Content-Type": "application/json" });
    assertOk(await new Verifier(policyAs).verifyRequest(json, { now: NOW }));
    const used = tokenRequest("client_id=s6BhdRkqt3");
    await used.text();
    const r = await new Verifier(policyAs).verifyRequest(used, { now: NOW });
    assert.equal(typeof r.ok, "boolean");
  });

  test("duplicate header lines in a Request are comma-folded and still detected", async () => {
    const h = new Headers([[ATT, draftAttestation], [ATT, draftAttestation], [POP, draftPopAs]]);
    const r = await new Verifier(policyAs).verifyRequest(new Request(TOKEN_URL, { method: "POST", headers: h }), { now: NOW });
    assertReason(r, "attestation.header_duplicated");
  });

  test("RS: accessToken from Authorization (Bearer and DPoP schemes), options.accessToken wins", async () => {
    const at = "2YotnFZFEjr1zCsicMWpAA";
    const url = `${RS}/resource`;
    const att = createAttestation({ issuerKey: attesterPrivate, kid: "11", clientId: CLIENT, instanceKey: instancePrivate, now: NOW });
    const policy = { ...policyRs, dpop: { combined: true } };
    const dpopReq = (scheme, token, jti) =>
      new Request(url, {
        headers: { Authorization: `${scheme} ${token}`, [ATT]: att, DPoP: createDpopProof({ key: instancePrivate, method: "GET", url, now: NOW, accessToken: at, jti }) },
      });
    for (const backend of ["auto", "wasm"]) {
      const v = new Verifier({ ...policy, backend });
      assertOk(await v.verifyRequest(dpopReq("DPoP", at, `a-${backend}`), { now: NOW }), "DPoP scheme");
      assertOk(await v.verifyRequest(dpopReq("bearer", at, `b-${backend}`), { now: NOW }), "lower-case bearer");
      assertReason(await v.verifyRequest(dpopReq("DPoP", "other-token", `c-${backend}`), { now: NOW }), "dpop.ath_mismatch");
      assertOk(await v.verifyRequest(dpopReq("DPoP", "other-token", `d-${backend}`), { now: NOW, accessToken: at }), "options.accessToken wins");
      // No Authorization header: no access token, so no ath is expected to match.
      const noAuth = new Request(url, { headers: { [ATT]: att, DPoP: createDpopProof({ key: instancePrivate, method: "GET", url, now: NOW, jti: `e-${backend}` }) } });
      assert.equal(typeof (await v.verifyRequest(noAuth, { now: NOW })).ok, "boolean");
    }
    // The draft's RS request (Bearer) as a Request.
    const rsReq = new Request(url, { headers: { Authorization: `Bearer ${at}`, [ATT]: draftAttestation, [POP]: draftPopRs } });
    const r = await new Verifier(policyRs).verifyRequest(rsReq, { now: NOW });
    assertOk(r);
  });

  test("expectedChallenge and explain pass through", async () => {
    const v = new Verifier({ ...policyAs, challenge: { required: true } });
    assertReason(await v.verifyRequest(tokenRequest("x=1"), { now: NOW, expectedChallenge: "nope" }), "challenge.mismatch");
    const r = await v.verifyRequest(tokenRequest("x=1"), { now: NOW, expectedChallenge: "5c1a9e10-29ff-4c2b-ae73-57c0957c09c4", explain: true });
    assertOk(r);
  });

  test("not a Request: TypeError", async () => {
    const v = new Verifier(policyAs);
    for (const bad of [undefined, null, {}, "https://as.example.com/token", { url: TOKEN_URL }, { headers: {}, url: 5 }]) {
      await rejectsLike(v.verifyRequest(bad), TypeError, /Fetch API Request/);
    }
  });
});
