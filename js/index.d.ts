// Type declarations for client-attestation's JavaScript API (all runtime entry points).

export type Jwk = { kty: string; crv?: string; x?: string; y?: string; kid?: string; alg?: string; [member: string]: unknown };
export type Alg = "ES256" | "EdDSA" | "Ed25519";
export type HeaderInput = Headers | Record<string, string | string[] | undefined> | Array<[string, string]>;
export type NumericDate = number;

/** The JSON policy model shared with the Rust core, CLI and workers (camelCase). */
export interface PolicyModel {
  audience: string;
  role?: "as" | "rs";
  attesters: Array<{ name?: string; jwks: { keys: Jwk[] }; clientIds?: string[] }>;
  algorithms?: Alg[];
  clockTolerance?: number;
  maxPopAge?: number;
  maxAttestationAge?: number;
  requireAttestationIat?: boolean;
  challenge?: { secret?: string; lifetime?: number; required?: boolean; endpoint?: string };
  legacy?: boolean;
  dpop?: { combined?: boolean; nonce?: { secret: string; lifetime?: number; required?: boolean } };
}

/** Any store with an atomic check-and-record: resolves true when `key` was not seen (and is now recorded). */
export interface ReplayStore {
  checkAndStore(key: string, expiresAt: NumericDate): Promise<boolean> | boolean;
}

export interface VerifierOptions extends PolicyModel {
  /** Shared replay store (e.g. a Durable Object); default: a bounded in-memory store per isolate. */
  replay?: ReplayStore;
  /** Signature backend: "auto" (node:crypto in Node, WebCrypto elsewhere, wasm as fallback), "webcrypto" (WebCrypto, wasm as fallback), or pure "wasm". */
  backend?: "auto" | "webcrypto" | "wasm";
  /** Entries of the default in-memory replay store (default 100 000). */
  replayCapacity?: number;
}

export interface VerifyInput {
  method: string;
  url: string | URL;
  headers?: HeaderInput;
  /** The request's client_id (form body), if any. */
  clientId?: string | null;
  /** Seconds since the epoch; default: now. */
  now?: NumericDate;
  /** A challenge this server expects in this request's PoP. */
  expectedChallenge?: string | null;
  /** A DPoP nonce this server expects (issued elsewhere); overrides the policy's stateless nonces. */
  expectedDpopNonce?: string | null;
  /** The presented access token (RS role; DPoP `ath`). Default: the `Authorization` header's Bearer/DPoP token. */
  accessToken?: string | null;
  /** The thumbprint the access token is bound to (`cnf.jkt`). */
  accessTokenJkt?: string | null;
  /** Evaluate every check even after one failed. */
  explain?: boolean;
}

export interface CheckResult {
  id: string;
  requirement: string;
  title: string;
  status: "pass" | "fail" | "not_applicable" | "not_evaluated" | "pending";
  reason: string | null;
  description: string | null;
}

export interface Audit {
  decision: "accept" | "reject";
  error: string | null;
  reason: string | null;
  time: NumericDate;
  role: "as" | "rs";
  audience: string;
  clientId: string | null;
  attester: string | null;
  attesterKid: string | null;
  attesterKeyThumbprint: string | null;
  instanceKeyThumbprint: string | null;
  mechanism: "attestation_pop_jwt" | "dpop_combined" | null;
  challenge: string;
  jti: string | null;
  dpopKeyThumbprint: string | null;
  dpopNonce: string;
  shape: string[];
}

export interface Decoded {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

export interface KeyInfo {
  jwk: Jwk;
  thumbprint: string;
}

export interface Accepted {
  ok: true;
  clientId: string;
  mechanism: "attestation_pop_jwt" | "dpop_combined";
  instanceKey: KeyInfo;
  /** The DPoP proof's key when a DPoP proof was presented (bind DPoP tokens to it). */
  dpopKey?: KeyInfo;
  attestation: Decoded;
  proof: Decoded;
  audit: Audit;
  /** Every check in spec order: present when verified with `explain: true`. */
  checks?: CheckResult[];
}

export interface ResponseData {
  status: number;
  headers: Array<[string, string]>;
  body: string | null;
}

export interface Rejected {
  ok: false;
  /** Spec error code, e.g. "invalid_client_attestation", "use_attestation_challenge". */
  error: string;
  /** Stable reason code, e.g. "pop.aud_mismatch". */
  reason: string;
  /** Requirement id, e.g. "R-POP-6". */
  requirement: string;
  /** The deciding check's id, e.g. "pop.aud". */
  check: string | null;
  description: string;
  status: number;
  response: ResponseData;
  audit: Audit;
  /** Every check in spec order: present when verified with `explain: true`. */
  checks?: CheckResult[];
}

export type VerifyResult = Accepted | Rejected;

export declare class Verifier {
  /** Throws TypeError / RangeError for a bad policy. */
  constructor(policy: VerifierOptions);
  verify(input: VerifyInput): Promise<VerifyResult>;
  /** Pure-wasm, synchronous; only with the default replay store. */
  verifySync(input: VerifyInput): VerifyResult;
  verifyRequest(request: Request, options?: Omit<VerifyInput, "method" | "url" | "headers">): Promise<VerifyResult>;
  errorResponse(result: Rejected): Response;
  challengeResponse(now?: NumericDate): Response;
  issueChallenge(now?: NumericDate): string;
  issueDpopNonce(now?: NumericDate): string;
  metadata(): Record<string, unknown>;
}

export interface GeneratedKey {
  alg: "ES256" | "EdDSA";
  privateJwk: Jwk;
  publicJwk: Jwk;
  thumbprint: string;
}

/** A key that signs outside this package (WebCrypto non-extractable key, KMS, HSM). */
export interface ExternalSigner {
  alg: Alg;
  publicJwk: Jwk;
  /** Raw r‖s for ES256 (DER is converted). */
  sign(bytes: Uint8Array): Promise<Uint8Array | ArrayBuffer>;
}

export type KeyInput = Jwk | GeneratedKey;

export interface AttestationOptions<K> {
  issuerKey: K;
  kid?: string;
  clientId: string;
  instanceKey: Jwk | GeneratedKey;
  expiresIn?: number;
  exp?: NumericDate;
  now?: NumericDate;
  /** Round iat/exp down to a multiple of this many seconds (privacy, -12 WIP); RangeError if exp would not be after iat. */
  roundTo?: number;
  claims?: Record<string, unknown>;
}

export interface PopOptions<K> {
  key: K;
  audience: string;
  challenge?: string;
  now?: NumericDate;
  jti?: string;
  clientId?: string;
  /** Add PoP iss (= clientId) and exp for verifiers of older drafts. */
  legacyClaims?: boolean;
}

export interface DpopOptions<K> {
  key: K;
  method: string;
  url: string | URL;
  nonce?: string;
  accessToken?: string;
  now?: NumericDate;
  jti?: string;
}

export declare function generateKey(alg?: "ES256" | "EdDSA"): GeneratedKey;
export declare function createAttestation(options: AttestationOptions<KeyInput>): string;
export declare function createAttestation(options: AttestationOptions<ExternalSigner>): Promise<string>;
export declare function createPop(options: PopOptions<KeyInput>): string;
export declare function createPop(options: PopOptions<ExternalSigner>): Promise<string>;
export declare function createDpopProof(options: DpopOptions<KeyInput>): string;
export declare function createDpopProof(options: DpopOptions<ExternalSigner>): Promise<string>;
export declare function cryptoKeySigner(privateKey: CryptoKey, publicKey: CryptoKey | Jwk): Promise<ExternalSigner>;
export declare function publicKeyInfo(jwk: Jwk): { publicJwk: Jwk; thumbprint: string };

export interface Hint {
  code: string;
  drafts: string;
  message: string;
}

export interface Inspection {
  kind: "attestation" | "pop" | "dpop" | "unknown";
  kindFromTyp: boolean;
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  error: string | null;
  thumbprint: string | null;
  keyError: string | null;
  hints: Hint[];
  parts: Inspection[];
}

export declare function inspect(token: string): Inspection;
export declare function reasons(): Array<{ reason: string; error: string; requirement: string; description: string }>;
export declare function headerPairs(headers: HeaderInput | null | undefined): Array<[string, string]>;

export interface HttpMessage {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: string | null;
  clientId: string | null;
  accessToken: string | null;
  format: "http" | "curl";
}

/** Parses a pasted raw HTTP/1.1 request or curl command line (throws TypeError otherwise). */
export declare function parseHttpMessage(text: string): HttpMessage;
/** The check table in spec order. */
export declare function checks(): Array<{ id: string; requirement: string; title: string }>;

// ---- AttestingClient (js/attesting-client.js) ----------------------------------------------
export interface AttestingClientOptions {
  /** The Client Attestation JWT, or a function returning it (called once and cached; called again on the request after a `use_fresh_attestation` answer). */
  attestation: string | (() => string | Promise<string>);
  /** The instance key: a private JWK, a generateKey() result, or an external signer. */
  key: Jwk | GeneratedKey | ExternalSigner;
  /** "pop": OAuth-Client-Attestation-PoP (default); "dpop": combined mode (attestation + DPoP proof). */
  mode?: "pop" | "dpop";
  /** The AS issuer identifier: its metadata gives challenge_endpoint and token_endpoint; the PoP audience on its origin. */
  issuer?: string;
  /** AS metadata to use instead of fetching it. */
  metadata?: Record<string, unknown>;
  /** The PoP `aud` for a request URL (default: the issuer on the issuer's origin, else the URL's origin). */
  audience?: string | ((url: URL) => string);
  /** The fetch to wrap (default: globalThis.fetch); always called with one Request. */
  fetch?: (request: Request) => Promise<Response>;
  /** Seconds since the epoch (default: the system clock). */
  now?: () => NumericDate;
}

/** fetch() with attestation-based client authentication: a fresh PoP or DPoP proof per request, challenges and DPoP nonces picked up from every response, one retry on use_attestation_challenge / use_dpop_nonce. */
export declare class AttestingClient {
  constructor(options: AttestingClientOptions);
  readonly mode: "pop" | "dpop";
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** POST to the metadata's token_endpoint with form-encoded `params` (default grant_type=client_credentials). */
  requestToken(params?: Record<string, string>, init?: RequestInit): Promise<Response>;
  metadata(): Promise<Record<string, unknown>>;
  /** POST to the metadata's challenge_endpoint; the challenge is kept for the next request. */
  fetchChallenge(): Promise<string>;
  /** The latest DPoP-Nonce held for the URL's origin. */
  dpopNonce(url: string | URL): string | undefined;
  /** Unused challenges held for the URL's origin. */
  challengesHeld(url: string | URL): number;
}
