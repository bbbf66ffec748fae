// Runtime-agnostic smoke suite: the same checks under Node, Deno, Bun and workerd. No runtime
// APIs beyond the web platform (crypto.subtle, Request, Response); the caller imports the
// package entry for its runtime and passes the module in. Fixtures are the draft -11 examples
// (inlined: workerd has no file system).

export const NOW = 1772487600;
const AS = "https://as.example.com";
const TOKEN_URL = `${AS}/token`;

export const DRAFT_ATTESTATION =
  "eyJ0eXAiOiJvYXV0aC1jbGllbnQtYXR0ZXN0YXRpb24rand0IiwiYWxnIjoiRVMyNTYiLCJraWQiOiIxMSJ9.eyJzdWIiOiJodHRwczovL2NsaWVudC5leGFtcGxlLmNvbSIsImlhdCI6MTc3MjQ4NzU5NSwiZXhwIjoyNTI5ODY2Mzk0LCJjbmYiOnsiandrIjp7Imt0eSI6IkVDIiwidXNlIjoic2lnIiwiY3J2IjoiUC0yNTYiLCJ4IjoiVmNLVk5CWjRJYUJBWVczanhNNHczVEpGVkE3bXllVUdReUd0LWdfeXZwUSIsInkiOiJmLUUtaFlFM1RBV0t3aFZ2OXBlajlOQUJzOVNYOVhzTk84MHg1N2pGVHlVIn19fQ._TS4d-LAnRlwdN97wiVnl4z7C9gvm45IWr-BvGTzeZaHtZtgNZ88gvzroU3LElUPbgF4kWi_DFORnKzsx5yu6A";
export const DRAFT_POP_AS =
  "eyJ0eXAiOiJvYXV0aC1jbGllbnQtYXR0ZXN0YXRpb24tcG9wK2p3dCIsImFsZyI6IkVTMjU2In0.eyJhdWQiOiJodHRwczovL2FzLmV4YW1wbGUuY29tIiwianRpIjoiZDI1ZDAwYWItNTUyYi00NmZjLWFlMTktOThmNDQwZjI1MDY0IiwiaWF0IjoxNzcyNDg3NTk1LCJjaGFsbGVuZ2UiOiI1YzFhOWUxMC0yOWZmLTRjMmItYWU3My01N2MwOTU3YzA5YzQifQ.M4Uc4rWVAqaLlmDDUXQKkKPbAQKj0JrTizLgWhZndmbkvM3VL8y-w_QJr7Z0HZlH94E64cLa8L5fSjJItYv0jg";
// tests/fixtures/policy.as.json
export const DRAFT_POLICY = {
  audience: AS,
  role: "as",
  attesters: [
    {
      name: "draft example attester",
      jwks: { keys: [{ kty: "EC", crv: "P-256", x: "EVs_o5-uQbTjL3chynL4wXgUg2R9q9UU8I5mEovUf84", y: "kGe5DgSIycKp8w9aJmoHhB1sB3QTugfnRWm5nU_TzsY", kid: "11" }] },
      clientIds: ["https://client.example.com"],
    },
  ],
  algorithms: ["ES256", "EdDSA"],
  clockTolerance: 30,
  maxPopAge: 300,
};

const request = (attestation, pop, extra = {}) => ({
  method: "POST",
  url: TOKEN_URL,
  headers: [["OAuth-Client-Attestation", attestation], ["OAuth-Client-Attestation-PoP", pop]],
  now: NOW,
  ...extra,
});

function check(cond, what) {
  if (!cond) throw new Error(what);
}

const describe = (r) => (r.ok ? "ok" : `${r.reason} (${r.description})`);

/**
 * Runs the smoke checks against `ca` (the imported package) and prints, with `log`, one line
 * per check and the summary `runtime <runtime>: N passed, M failed`. Returns
 * { passed, failed, lines }.
 */
export async function runSmoke(ca, runtime, version, log = (s) => console.log(s)) {
  const lines = [];
  let passed = 0;
  let failed = 0;
  const out = (s) => {
    lines.push(s);
    log(s);
  };
  const started = Date.now();
  out(`# runtime ${runtime}: ${version}`);
  async function t(name, fn) {
    try {
      await fn();
      passed++;
      out(`  ok   [${runtime}] ${name}`);
    } catch (e) {
      failed++;
      out(`  FAIL [${runtime}] ${name}: ${e?.stack ?? e}`);
    }
  }

  await t("draft -11 example verifies at 1772487600 (WebCrypto and wasm backends)", async () => {
    for (const backend of ["auto", "wasm"]) {
      const r = await new ca.Verifier({ ...DRAFT_POLICY, backend }).verify(request(DRAFT_ATTESTATION, DRAFT_POP_AS));
      check(r.ok === true, `${backend}: ${describe(r)}`);
      check(r.clientId === "https://client.example.com", `${backend}: clientId ${r.clientId}`);
      check(r.instanceKey.thumbprint === "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU", `${backend}: thumbprint`);
    }
    const s = new ca.Verifier(DRAFT_POLICY).verifySync(request(DRAFT_ATTESTATION, DRAFT_POP_AS));
    check(s.ok === true, `verifySync: ${describe(s)}`);
  });

  await t("a replayed PoP is pop.replayed (400, JSON error response)", async () => {
    const v = new ca.Verifier(DRAFT_POLICY);
    const first = await v.verify(request(DRAFT_ATTESTATION, DRAFT_POP_AS));
    check(first.ok, describe(first));
    const again = await v.verify(request(DRAFT_ATTESTATION, DRAFT_POP_AS));
    check(again.ok === false && again.reason === "pop.replayed", `expected pop.replayed, got ${describe(again)}`);
    const res = v.errorResponse(again);
    check(res.status === 400, `status ${res.status}`);
    check(res.headers.get("cache-control") === "no-store", "no-store");
    const body = await res.json();
    check(body.error === "invalid_client_attestation", `body ${JSON.stringify(body)}`);
  });

  for (const alg of ["ES256", "EdDSA"]) {
    await t(`${alg}: generateKey + createAttestation + createPop round trip (both backends agree)`, async () => {
      const attester = ca.generateKey(alg);
      const instance = ca.generateKey(alg);
      check(attester.alg === alg && typeof attester.thumbprint === "string", "generateKey shape");
      const policy = { audience: AS, attesters: [{ jwks: { keys: [{ ...attester.publicJwk, kid: "k" }] } }] };
      const att = ca.createAttestation({ issuerKey: attester, kid: "k", clientId: "client-1", instanceKey: instance, now: NOW - 5 });
      const pop = ca.createPop({ key: instance, audience: AS, now: NOW });
      const bad = ca.createPop({ key: ca.generateKey(alg), audience: AS, now: NOW });
      for (const backend of ["auto", "wasm"]) {
        const v = new ca.Verifier({ ...policy, backend });
        const ok = await v.verify(request(att, pop));
        check(ok.ok === true && ok.instanceKey.thumbprint === instance.thumbprint, `${backend}: ${describe(ok)}`);
        const no = await v.verify(request(att, bad));
        check(no.ok === false && no.reason === "pop.bad_signature", `${backend}: forged PoP gave ${describe(no)}`);
        const replay = await v.verify(request(att, pop));
        check(replay.reason === "pop.replayed", `${backend}: replay gave ${describe(replay)}`);
      }
    });
  }

  await t("cryptoKeySigner over a non-extractable WebCrypto ES256 key", async () => {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const signer = await ca.cryptoKeySigner(pair.privateKey, pair.publicKey);
    const attester = ca.generateKey("EdDSA");
    const att = ca.createAttestation({ issuerKey: attester, clientId: "c", instanceKey: signer.publicJwk, now: NOW });
    const pop = await ca.createPop({ key: signer, audience: AS, now: NOW });
    const r = await new ca.Verifier({ audience: AS, attesters: [{ jwks: { keys: [attester.publicJwk] } }] }).verify(request(att, pop));
    check(r.ok, describe(r));
  });

  await t("verifyRequest on a Fetch Request (client_id from the form body)", async () => {
    const req = new Request(TOKEN_URL, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "OAuth-Client-Attestation": DRAFT_ATTESTATION, "OAuth-Client-Attestation-PoP": DRAFT_POP_AS },
      body: "grant_type=client_credentials&client_id=s6BhdRkqt3",
    });
    const r = await new ca.Verifier(DRAFT_POLICY).verifyRequest(req, { now: NOW });
    check(r.ok === false && r.reason === "attestation.client_id_mismatch" && r.status === 401, describe(r));
  });

  await t("inspect decodes the draft attestation", async () => {
    const i = ca.inspect(DRAFT_ATTESTATION);
    check(i.kind === "attestation", `kind ${i.kind}`);
    check(i.header.kid === "11" && i.claims.sub === "https://client.example.com", "header/claims");
    check(i.thumbprint === "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU", `thumbprint ${i.thumbprint}`);
    check(ca.inspect("not a jwt").kind === "unknown", "garbage");
  });

  out(`# runtime ${runtime}: ${Date.now() - started} ms`);
  out(`runtime ${runtime}: ${passed} passed, ${failed} failed`);
  return { passed, failed, lines };
}
