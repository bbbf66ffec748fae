// A client instance talking to the demo worker (or the Fastly app) with AttestingClient:
// it gets an attestation from the draft's example attester (kid "11"; that key pair is
// published example data, shipped in tests/fixtures/keys), then authenticates a token request
// in normal mode (attestation + PoP with a challenge) and in combined mode (attestation + DPoP,
// through the use_dpop_nonce dance), and calls /resource with each token.
//
//   node examples/cloudflare-worker/demo-client.mjs [origin]     (default http://127.0.0.1:8787)
import { readFileSync } from "node:fs";
import { generateKey, createAttestation, AttestingClient } from "client-attestation";

const origin = process.argv[2] ?? "http://127.0.0.1:8787";
const attesterKey = JSON.parse(readFileSync(new URL("../../tests/fixtures/keys/attester-key.private.jwk.json", import.meta.url), "utf8"));

function traced() {
  return async (request) => {
    const response = await fetch(request);
    const extra = [];
    if (response.headers.get("OAuth-Client-Attestation-Challenge")) extra.push("+challenge");
    if (response.headers.get("DPoP-Nonce")) extra.push("+DPoP-Nonce");
    let error = "";
    if (response.status >= 400) {
      const body = await response.clone().text();
      error = ` ${body.slice(0, 120)}`;
    }
    console.log(`    ${request.method} ${new URL(request.url).pathname} → ${response.status} ${extra.join(" ")}${error}`);
    return response;
  };
}

let failures = 0;
for (const [mode, alg] of [["pop", "ES256"], ["dpop", "EdDSA"]]) {
  const key = generateKey(alg); // the instance key; could be an external signer (cryptoKeySigner)
  const attestation = createAttestation({ issuerKey: attesterKey, kid: "11", clientId: "https://client.example.com", instanceKey: key, expiresIn: 3600 });
  const client = new AttestingClient({ attestation, key, mode, issuer: origin, fetch: traced() });
  console.log(`\n== ${mode === "pop" ? "normal mode (attestation + PoP)" : "combined mode (attestation + DPoP)"}, ${alg} instance key ${key.thumbprint}`);
  const tokenResponse = await client.requestToken();
  const token = await tokenResponse.json();
  if (!tokenResponse.ok) {
    failures += 1;
    console.log(`   token request failed: ${JSON.stringify(token)}`);
    continue;
  }
  const claims = JSON.parse(Buffer.from(token.access_token.split(".")[1], "base64url").toString());
  console.log(`   token_type ${token.token_type}, bound to cnf.jkt ${claims.cnf.jkt}`);
  const res = await client.fetch(`${origin}/resource`, { headers: { Authorization: `${token.token_type} ${token.access_token}` } });
  const body = await res.json();
  if (!res.ok) failures += 1;
  console.log(`   /resource → ${res.status} ${JSON.stringify(body)}`);
}
process.exitCode = failures ? 1 : 0;
