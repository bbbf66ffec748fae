// Type-level usage of the whole public API, checked by `tsc -p tests/js` against js/index.d.ts
// (strict, noEmit). Never executed. `@ts-expect-error` lines pin what the types must refuse.
import {
  Verifier,
  generateKey,
  createAttestation,
  createPop,
  createDpopProof,
  cryptoKeySigner,
  publicKeyInfo,
  inspect,
  reasons,
  headerPairs,
  parseHttpMessage,
  checks,
} from "client-attestation";
import type {
  Accepted,
  Alg,
  Audit,
  CheckResult,
  Decoded,
  ExternalSigner,
  GeneratedKey,
  HeaderInput,
  Hint,
  HttpMessage,
  Inspection,
  Jwk,
  KeyInfo,
  NumericDate,
  PolicyModel,
  Rejected,
  ReplayStore,
  ResponseData,
  VerifierOptions,
  VerifyInput,
  VerifyResult,
} from "client-attestation";

declare const attesterJwk: Jwk;
const NOW: NumericDate = 1772487600;

// ---- policy and Verifier --------------------------------------------------------------------

const model: PolicyModel = {
  audience: "https://as.example.com",
  role: "as",
  attesters: [{ name: "draft", jwks: { keys: [attesterJwk] }, clientIds: ["https://client.example.com"] }],
  algorithms: ["ES256", "EdDSA", "Ed25519"],
  clockTolerance: 30,
  maxPopAge: 300,
  maxAttestationAge: 86400,
  requireAttestationIat: false,
  challenge: { secret: "challenge-secret-challenge-secret-012345", lifetime: 300, required: true, endpoint: "https://as.example.com/challenge" },
  legacy: false,
  dpop: { combined: true, nonce: { secret: "dpop-nonce-secret-dpop-nonce-secret-0123", lifetime: 60, required: true } },
};

const asyncStore: ReplayStore = {
  async checkAndStore(key: string, expiresAt: NumericDate): Promise<boolean> {
    return key.length > 0 && expiresAt > 0;
  },
};
const syncStore: ReplayStore = { checkAndStore: (key) => key !== "" };

const options: VerifierOptions = { ...model, replay: asyncStore, backend: "auto", replayCapacity: 1000 };
const verifier = new Verifier(options);
new Verifier({ ...model, backend: "wasm" });
new Verifier({ ...model, backend: "webcrypto", replay: syncStore });
new Verifier({ audience: "https://rs.example.com", role: "rs", attesters: [{ jwks: { keys: [] } }] });

// @ts-expect-error: attesters is required
new Verifier({ audience: "x" });
// @ts-expect-error: unknown backend
new Verifier({ ...model, backend: "openssl" });
// @ts-expect-error: unknown role
new Verifier({ ...model, role: "client" });
// @ts-expect-error: algorithms are ES256 / EdDSA / Ed25519 only
new Verifier({ ...model, algorithms: ["none"] });
// @ts-expect-error: a replay store needs checkAndStore
new Verifier({ ...model, replay: {} });
// @ts-expect-error: a nonce needs a secret
new Verifier({ ...model, dpop: { nonce: { lifetime: 5 } } });

// ---- verify: every header form ----------------------------------------------------------------

const pairs: Array<[string, string]> = [["OAuth-Client-Attestation", "a"], ["OAuth-Client-Attestation-PoP", "p"]];
const forms: HeaderInput[] = [
  new Headers(pairs),
  { "OAuth-Client-Attestation": "a", "OAuth-Client-Attestation-PoP": "p", Accept: ["a", "b"], "X-Absent": undefined },
  pairs,
];

async function verifyAll(): Promise<void> {
  for (const headers of forms) {
    const input: VerifyInput = {
      method: "POST",
      url: "https://as.example.com/token",
      headers,
      clientId: "https://client.example.com",
      now: NOW,
      expectedChallenge: "c",
      expectedDpopNonce: "n",
      accessToken: "at",
      accessTokenJkt: "jkt",
      explain: true,
    };
    const result: VerifyResult = await verifier.verify(input);
    handle(result);
    handle(verifier.verifySync({ method: "GET", url: new URL("https://as.example.com/x") }));
  }
  handle(await verifier.verifyRequest(new Request("https://as.example.com/token", { method: "POST" })));
  handle(await verifier.verifyRequest(new Request("https://as.example.com/token"), { clientId: "c", now: NOW, expectedChallenge: "c", accessToken: "t", accessTokenJkt: "j", explain: false }));
  // @ts-expect-error: verifyRequest takes the method/url/headers from the Request
  await verifier.verifyRequest(new Request("https://x"), { method: "GET" });
  // @ts-expect-error: method is required
  await verifier.verify({ url: "https://x" });
  // @ts-expect-error: headers are Headers, a record or pairs
  await verifier.verify({ method: "GET", url: "https://x", headers: 42 });
  // @ts-expect-error: now is NumericDate seconds
  await verifier.verify({ method: "GET", url: "https://x", now: new Date() });
}

function handle(result: VerifyResult): Response | string {
  const audit: Audit = result.audit;
  const decision: "accept" | "reject" = audit.decision;
  const mechanism: "attestation_pop_jwt" | "dpop_combined" | null = audit.mechanism;
  const checks: CheckResult[] = result.checks ?? [];
  void [decision, mechanism, checks.map((c) => `${c.id} ${c.requirement} ${c.status} ${c.reason ?? ""}`)];
  if (result.ok) {
    const ok: Accepted = result;
    const key: KeyInfo = ok.instanceKey;
    const jwk: Jwk = key.jwk;
    const dpop: KeyInfo | undefined = ok.dpopKey;
    const att: Decoded = ok.attestation;
    const proof: Decoded = ok.proof;
    void [jwk.kty, dpop?.thumbprint, att.header["alg"], proof.claims["jti"]];
    // @ts-expect-error: only rejections have an error response
    verifier.errorResponse(ok);
    return `${ok.clientId} ${ok.mechanism} ${key.thumbprint}`;
  }
  const rejected: Rejected = result;
  const data: ResponseData = rejected.response;
  const status: number = rejected.status;
  const text: string = `${rejected.error} ${rejected.reason} ${rejected.requirement} ${rejected.description} ${status} ${data.status} ${data.body ?? ""}`;
  for (const [name, value] of data.headers) void `${name}: ${value}`;
  void text;
  // @ts-expect-error: no clientId on a rejection
  void rejected.clientId;
  return verifier.errorResponse(rejected);
}

// ---- the other Verifier methods ---------------------------------------------------------------

const challengeRes: Response = verifier.challengeResponse();
const challengeRes2: Response = verifier.challengeResponse(NOW);
const challenge: string = verifier.issueChallenge();
const challenge2: string = verifier.issueChallenge(NOW);
const nonce: string = verifier.issueDpopNonce(NOW);
const nonce2: string = verifier.issueDpopNonce();
const meta: Record<string, unknown> = verifier.metadata();
void [challengeRes, challengeRes2, challenge, challenge2, nonce, nonce2, meta];

// ---- keys and builders ----------------------------------------------------------------------

const es: GeneratedKey = generateKey("ES256");
const ed: GeneratedKey = generateKey("EdDSA");
const dflt: GeneratedKey = generateKey();
const galg: "ES256" | "EdDSA" = dflt.alg;
const thumb: string = es.thumbprint;
void [galg, thumb, ed.privateJwk.d, ed.publicJwk.x];
// @ts-expect-error: only ES256 / EdDSA keys are generated
generateKey("RS256");

const attestation: string = createAttestation({
  issuerKey: es,
  kid: "k1",
  clientId: "https://client.example.com",
  instanceKey: ed,
  now: NOW,
  expiresIn: 3600,
  roundTo: 3600,
  claims: { wallet_name: "W", aal: 2 },
});
const attestation2: string = createAttestation({ issuerKey: es.privateJwk, clientId: "c", instanceKey: ed.publicJwk, exp: NOW + 60 });
const pop: string = createPop({ key: ed, audience: "https://as.example.com", challenge, now: NOW, jti: "j", clientId: "c", legacyClaims: true });
const pop2: string = createPop({ key: es.privateJwk, audience: "https://as.example.com" });
const dpopProof: string = createDpopProof({ key: es, method: "POST", url: new URL("https://as.example.com/token"), nonce, accessToken: "at", now: NOW, jti: "j" });
const dpopProof2: string = createDpopProof({ key: ed.privateJwk, method: "GET", url: "https://rs.example.com/r" });
void [attestation, attestation2, pop, pop2, dpopProof, dpopProof2];
// @ts-expect-error: audience is required
createPop({ key: es });
// @ts-expect-error: clientId is required
createAttestation({ issuerKey: es, instanceKey: ed });
// @ts-expect-error: method is required
createDpopProof({ key: es, url: "https://x" });

async function external(): Promise<void> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
  const signer: ExternalSigner = await cryptoKeySigner(pair.privateKey, pair.publicKey);
  const signer2: ExternalSigner = await cryptoKeySigner(pair.privateKey, es.publicJwk);
  const alg: Alg = signer.alg;
  const kms: ExternalSigner = {
    alg: "ES256",
    publicJwk: es.publicJwk,
    async sign(bytes: Uint8Array): Promise<Uint8Array | ArrayBuffer> {
      return new Uint8Array(bytes.length);
    },
  };
  // With an external signer every builder returns a Promise.
  const a: Promise<string> = createAttestation({ issuerKey: signer, kid: "ext", clientId: "c", instanceKey: es, now: NOW });
  const p: Promise<string> = createPop({ key: signer2, audience: "https://as.example.com" });
  const d: Promise<string> = createDpopProof({ key: kms, method: "POST", url: "https://as.example.com/token" });
  const all: string[] = await Promise.all([a, p, d]);
  void [alg, all];
  // @ts-expect-error: an external signer's builder result is a Promise, not a string
  const wrong: string = createPop({ key: kms, audience: "x" });
  void wrong;
}

// ---- decoding helpers -------------------------------------------------------------------------

const info: { publicJwk: Jwk; thumbprint: string } = publicKeyInfo(es.privateJwk);
const inspection: Inspection = inspect(attestation);
const kind: "attestation" | "pop" | "dpop" | "unknown" = inspection.kind;
const hints: Hint[] = inspection.hints;
const parts: Inspection[] = inspection.parts;
void [info, kind, hints.map((h) => `${h.code} ${h.drafts} ${h.message}`), parts, inspection.header?.["alg"], inspection.claims, inspection.thumbprint, inspection.error, inspection.keyError, inspection.kindFromTyp];
const table: Array<{ reason: string; error: string; requirement: string; description: string }> = reasons();
const normalised: Array<[string, string]> = headerPairs(new Headers()).concat(headerPairs({ a: "1" }), headerPairs(pairs), headerPairs(undefined), headerPairs(null));
void [table, normalised];
const checkTable: Array<{ id: string; requirement: string; title: string }> = checks();
const message: HttpMessage = parseHttpMessage("POST /token HTTP/1.1\r\nHost: as.example.com\r\n\r\n");
const format: "http" | "curl" = message.format;
void [checkTable, format, message.body, message.method, message.url, message.headers];
// The pasted message goes straight into verify() (clientId / accessToken are null when absent).
async function verifyPasted(text: string): Promise<VerifyResult> {
  return verifier.verify({ ...parseHttpMessage(text), now: NOW });
}
void verifyPasted;
// @ts-expect-error: inspect takes a string
inspect(42);

void verifyAll;
void external;
