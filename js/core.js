// client-attestation — the JavaScript API over the wasm core.
//
// No verification logic lives here: every check, every decision, every error response is made
// by the Rust core (compiled to wasm). This layer only
//   * normalises inputs (headers in three forms, Fetch Requests, default `now`),
//   * runs the signature checks the core asks for through WebCrypto (`crypto.subtle.verify`),
//     with imported keys cached by thumbprint, falling back to the core's pure-wasm crypto,
//   * talks to an async replay store, and
//   * turns results into Fetch `Response`s and lets external signers (non-extractable WebCrypto
//     keys, KMS, HSM) sign what the core prepared.
// The runtime entry points (node.js, browser.js, deno.js, workerd.js) load the wasm and hand it
// to internal.js before anything here runs.

import { core, nativeVerify, decodeChecks } from "./internal.js";

const nowSeconds = () => Math.floor(Date.now() / 1000);
const encoder = new TextEncoder();

// ---- errors ---------------------------------------------------------------------------------

function optionError(e) {
  const message = e instanceof Error ? e.message : String(e);
  // Numbers outside their bounds are range errors; everything else about options is a type error.
  return /outside|at least \d|seconds since the epoch/.test(message) ? new RangeError(message) : new TypeError(message);
}

// Options and policies cross into wasm as JSON text. Non-ASCII is escaped (\uXXXX) first:
// wasm-bindgen's glue copies an ASCII string into wasm memory in one allocation, but grows (and
// may move) the buffer for other text, which would leave a copy of a private key's `d` or a
// policy secret in freed memory, where the core's wiping cannot reach it.
const NON_ASCII = /[^\x00-\x7f]/g;
const escapeChar = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
const json = (value) => JSON.stringify(value)?.replace(NON_ASCII, escapeChar);

function wrap(fn) {
  try {
    return fn();
  } catch (e) {
    throw optionError(e);
  }
}

// ---- request normalisation ------------------------------------------------------------------

/** Calls `line(name, value)` for each header line of a Fetch Headers, a plain object, or pairs. */
function eachHeader(headers, line) {
  if (headers == null) return;
  if (Array.isArray(headers)) {
    headers.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`headers[${i}] must be a [name, value] pair`);
      line(String(pair[0]), String(pair[1]));
    });
  } else if (typeof headers.forEach === "function" && typeof headers.get === "function") {
    // Fetch Headers join repeated lines with ", ": the core sees the comma and reports folding.
    headers.forEach((value, name) => line(name, value));
  } else if (typeof headers === "object") {
    for (const [name, value] of Object.entries(headers)) {
      if (Array.isArray(value)) for (const v of value) line(name, String(v));
      else if (value !== undefined) line(name, String(value));
    }
  } else {
    throw new TypeError("headers must be a Headers object, a plain object, or an array of [name, value] pairs");
  }
}

/** Header lines as [name, value] pairs from a Fetch Headers, a plain object, or pairs. */
export function headerPairs(headers) {
  const out = [];
  eachHeader(headers, (name, value) => out.push([name, value]));
  return out;
}

// Strings cross into the core as UTF-8 (TextEncoder): a lone surrogate arrives as U+FFFD, and
// the core rejects such a token with a reason like any other garbage.
function optionalString(name, v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new TypeError(`${name} must be a string`);
  return v;
}

function seconds(name, v) {
  if (v === undefined || v === null) return nowSeconds();
  if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${name} must be a number of seconds`);
  return v;
}

const FLAG_EXPLAIN = 1;

/**
 * The core's request arguments (`WasmVerifier.prepare`): method, url, flat
 * headers (name, value, …), now, clientId, expectedChallenge, expectedDpopNonce, accessToken,
 * accessTokenJkt, formBody, flags.
 */
function coreRequest(input, formBody) {
  if (input == null || typeof input !== "object") throw new TypeError("verify() takes an options object");
  const { method, url, headers, clientId, now, expectedChallenge, expectedDpopNonce, accessToken, accessTokenJkt, explain } =
    input;
  if (typeof method !== "string" || method === "") throw new TypeError("method must be a non-empty string");
  if (typeof url !== "string" && !(url instanceof URL)) throw new TypeError("url must be a string or URL");
  const flat = [];
  eachHeader(headers, (name, value) => flat.push(name, value));
  return [
    method,
    String(url),
    flat,
    seconds("now", now),
    optionalString("clientId", clientId),
    optionalString("expectedChallenge", expectedChallenge),
    optionalString("expectedDpopNonce", expectedDpopNonce),
    optionalString("accessToken", accessToken),
    optionalString("accessTokenJkt", accessTokenJkt),
    formBody,
    explain === true ? FLAG_EXPLAIN : 0,
  ];
}

const MAX_FORM_BODY = 64 * 1024;

// ---- WebCrypto signature backend ------------------------------------------------------------

// Looked up on first use: in Node, touching globalThis.crypto loads WebCrypto (~1.6 ms), which
// the default node:crypto backend never needs.
let subtleCache;
const subtle = () => (subtleCache ??= globalThis.crypto?.subtle ?? null);
const KEY_CACHE_LIMIT = 1024;
const keyCache = new Map(); // `${alg}:${thumbprint}` → Promise<CryptoKey>
const unsupported = new Set(); // algs this runtime's WebCrypto cannot do

function importParams(alg) {
  return alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
}

function verifyParams(alg) {
  return alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
}

function cryptoKey(check) {
  const id = `${check.alg}:${check.thumbprint}`;
  let key = keyCache.get(id);
  if (key === undefined) {
    key = subtle().importKey("jwk", check.jwk(), importParams(check.alg), false, ["verify"]);
    key.catch(() => keyCache.delete(id));
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value);
    keyCache.set(id, key);
  }
  return key;
}

async function webCryptoVerify(checks) {
  const outcomes = await Promise.allSettled(
    checks.map(async (c) => subtle().verify(verifyParams(c.alg), await cryptoKey(c), c.signature, c.message)),
  );
  // A failure sends this request to wasm. Only an algorithm this runtime's WebCrypto does not
  // support (NotSupportedError, e.g. Ed25519 in older browsers) goes to wasm from now on: no
  // other failure may let one request slow every later one down.
  let failed = null;
  outcomes.forEach((o, i) => {
    if (o.status !== "rejected") return;
    (failed ??= new Set()).add(checks[i].alg);
    if (o.reason?.name === "NotSupportedError") unsupported.add(checks[i].alg);
  });
  if (failed !== null) throw new Error(`WebCrypto could not verify ${[...failed].join(", ")} here`);
  return outcomes.map((o) => o.value);
}

function canUseWebCrypto(checks) {
  return subtle() !== null && checks.every((c) => !unsupported.has(c.alg));
}

// ---- signature checks from the core ---------------------------------------------------------

const NO_CHECKS = new Uint8Array(0);
// Verifications between prepare and finish, across all verifiers of this isolate.
let inFlight = 0;

// ---- the verifier ---------------------------------------------------------------------------

const BACKENDS = ["auto", "webcrypto", "wasm"];

export class Verifier {
  #core;
  #replay;
  #backend;

  /**
   * @param {object} policy the JSON policy model (audience, role, attesters, algorithms, …) plus
   *   JS-only options: `replay` ({ checkAndStore(key, expiresAt) → Promise<boolean> }),
   *   `backend` ("auto" | "webcrypto" | "wasm"), `replayCapacity` (default store size).
   */
  constructor(policy) {
    if (policy == null || typeof policy !== "object" || Array.isArray(policy)) {
      throw new TypeError("new Verifier(policy): policy must be an object");
    }
    const { replay, backend = "auto", replayCapacity, ...model } = policy;
    if (replay != null && typeof replay.checkAndStore !== "function") {
      throw new TypeError("policy.replay must be an object with checkAndStore(key, expiresAt)");
    }
    if (!BACKENDS.includes(backend)) throw new TypeError(`policy.backend must be one of ${BACKENDS.join(", ")}`);
    if (replayCapacity !== undefined && !(Number.isInteger(replayCapacity) && replayCapacity > 0 && replayCapacity < 2 ** 32)) {
      throw new RangeError("policy.replayCapacity must be a positive integer");
    }
    if (backend === "webcrypto" && subtle() === null) throw new TypeError("this runtime has no crypto.subtle");
    // "auto": the runtime's native crypto (node:crypto in Node), else WebCrypto, else wasm;
    // "webcrypto": WebCrypto where it supports the algorithm, else wasm; "wasm": pure wasm.
    this.#core = wrap(() => new (core().WasmVerifier)(json(model), replayCapacity));
    this.#replay = replay ?? null;
    this.#backend = backend;
  }

  /**
   * Verifies a request. A rejection is a result (`ok: false`), not an exception; only bad
   * options throw.
   */
  async verify(input) {
    return this.#verifyCore(coreRequest(input));
  }

  async #verifyCore(request) {
    const prepared = wrap(() => this.#core.prepare(...request));
    inFlight++;
    try {
      // null: the pure-wasm backend decides the signatures inside the core.
      let bits = null;
      if (this.#backend !== "wasm") {
        const checks = decodeChecks(prepared.checkData());
        const backend = checks.length === 0 ? null : this.#signatureBackend(checks);
        if (checks.length === 0) bits = NO_CHECKS;
        else if (backend !== null) {
          try {
            // Alone (no other verification waiting), a native backend may answer synchronously:
            // no thread-pool round trip when there is nothing to overlap with.
            bits = Uint8Array.from(await backend(checks, inFlight > 1), (ok) => (ok === true ? 1 : 0));
          } catch {
            // An algorithm this runtime's crypto lacks (e.g. Ed25519 in older browsers): the
            // pure-wasm backend decides this request.
            bits = null;
          }
        }
      }
      if (this.#replay === null) {
        // The common case: signatures, replay store and result in one call into the core.
        return bits === null ? prepared.finishWithWasm(this.#core) : prepared.finish(bits, this.#core);
      }
      const settled = bits === null ? prepared.settleWithWasm() : prepared.settle(bits);
      try {
        return await this.#finish(settled);
      } finally {
        settled.free();
      }
    } finally {
      inFlight--;
      prepared.free();
    }
  }

  /** The runtime's signature backend for these checks, or null for pure wasm. */
  #signatureBackend(checks) {
    if (this.#backend === "auto") {
      const native = nativeVerify();
      if (native !== null) return checks.every((c) => native.algs.has(c.alg)) ? native.verify : null;
    }
    return canUseWebCrypto(checks) ? webCryptoVerify : null;
  }

  async #finish(settled) {
    const entries = settled.replayEntries();
    const answers = [];
    for (const e of entries) {
      try {
        answers.push((await this.#replay.checkAndStore(e.key, e.expiresAt)) === true);
      } catch {
        answers.push(undefined); // unreachable store: the core fails closed
      }
    }
    return settled.complete(answers);
  }

  /** Synchronous verification with the pure-wasm backend and the default in-memory store. */
  verifySync(input) {
    if (this.#replay !== null) throw new TypeError("verifySync() needs the default replay store (policy.replay is async)");
    const request = coreRequest(input);
    const prepared = wrap(() => this.#core.prepare(...request));
    try {
      return prepared.finishWithWasm(this.#core);
    } finally {
      prepared.free();
    }
  }

  /**
   * Verifies a Fetch API Request. `clientId` defaults to the form body's client_id and
   * `accessToken` (as in verify()) to the Authorization header's Bearer/DPoP token.
   */
  async verifyRequest(request, options = {}) {
    if (request == null || typeof request.headers !== "object" || typeof request.url !== "string") {
      throw new TypeError("verifyRequest() takes a Fetch API Request");
    }
    // The core reads the form's client_id (refusing a repeated one) and the Authorization token.
    let formBody;
    const type = request.headers.get("content-type") ?? "";
    if (options.clientId == null && type.toLowerCase().startsWith("application/x-www-form-urlencoded") && request.body) {
      try {
        const text = await request.clone().text();
        // Over the core's limit: send a prefix that is still over it, so the core refuses the form.
        formBody = text.length > MAX_FORM_BODY ? text.slice(0, MAX_FORM_BODY + 1) : text;
      } catch {
        formBody = undefined; // the body was already consumed: pass options.clientId instead
      }
    }
    const input = { ...options, method: request.method, url: request.url, headers: request.headers };
    return this.#verifyCore(coreRequest(input, formBody));
  }

  /** The HTTP error response for a rejected result: status, headers, JSON body. */
  errorResponse(result) {
    if (result == null || result.ok !== false || result.response == null) {
      throw new TypeError("errorResponse() takes a rejected verification result");
    }
    const { status, headers, body } = result.response;
    return new Response(body ?? null, { status, headers });
  }

  /** The challenge endpoint's response: 200, {"attestation_challenge"}, no-store (+ DPoP-Nonce). */
  challengeResponse(now) {
    const { status, headers, body } = wrap(() => this.#core.challengeResponse(seconds("now", now)));
    return new Response(body, { status, headers });
  }

  /** A fresh stateless challenge (throws without a challenge secret in the policy). */
  issueChallenge(now) {
    const c = wrap(() => this.#core.issueChallenge(seconds("now", now)));
    if (c === undefined) throw new TypeError("the policy has no challenge.secret");
    return c;
  }

  /** A fresh DPoP nonce (throws without dpop.nonce in the policy). */
  issueDpopNonce(now) {
    const n = wrap(() => this.#core.issueDpopNonce(seconds("now", now)));
    if (n === undefined) throw new TypeError("the policy has no dpop.nonce");
    return n;
  }

  /** AS (RFC 8414) or RS (RFC 9728) metadata members for this policy. */
  metadata() {
    return this.#core.metadata();
  }
}

// ---- builders -------------------------------------------------------------------------------

function isSigner(k) {
  return k != null && typeof k === "object" && typeof k.sign === "function";
}

async function signExternally(unsigned, signer) {
  const sig = await signer.sign(encoder.encode(unsigned.signingInput));
  if (!(sig instanceof Uint8Array) && !(sig instanceof ArrayBuffer)) {
    throw new TypeError("signer.sign() must resolve to a Uint8Array or ArrayBuffer");
  }
  return wrap(() => core().assembleJws(unsigned.alg, unsigned.signingInput, new Uint8Array(sig)));
}

function external(signer, extra) {
  if (typeof signer.alg !== "string" || signer.publicJwk == null) {
    throw new TypeError("an external signer is { alg, publicJwk, sign(bytes) → Promise<Uint8Array> }");
  }
  return { ...extra, publicJwk: signer.publicJwk, alg: signer.alg };
}

function options(name, o) {
  if (o == null || typeof o !== "object") throw new TypeError(`${name}() takes an options object`);
  return { ...o, now: seconds("now", o.now) };
}

/** Generates an instance or attester key: { alg, privateJwk, publicJwk, thumbprint }. */
export function generateKey(alg = "ES256") {
  return wrap(() => core().generateKey(alg));
}

/** Issues a Client Attestation JWT (attester side). With an external signer, returns a Promise. */
export function createAttestation(o) {
  const { issuerKey, instanceKey, ...rest } = options("createAttestation", o);
  const instance = instanceKey?.publicJwk ?? instanceKey; // accepts generateKey() output too
  if (isSigner(issuerKey)) {
    const u = wrap(() => core().unsignedAttestation(json(external(issuerKey, { ...rest, instanceKey: instance }))));
    return signExternally(u, issuerKey);
  }
  return wrap(() =>
    core().createAttestation(json({ ...rest, instanceKey: instance, issuerKey: issuerKey?.privateJwk ?? issuerKey })),
  );
}

/** Creates a PoP JWT. With an external signer, returns a Promise. */
export function createPop(o) {
  const { key, ...rest } = options("createPop", o);
  if (isSigner(key)) return signExternally(wrap(() => core().unsignedPop(json(external(key, rest)))), key);
  return wrap(() => core().createPop(json({ ...rest, key: key?.privateJwk ?? key })));
}

/** Creates a DPoP proof (RFC 9449). With an external signer, returns a Promise. */
export function createDpopProof(o) {
  const { key, url, ...rest } = options("createDpopProof", o);
  const u = url === undefined ? undefined : String(url);
  if (isSigner(key)) {
    return signExternally(wrap(() => core().unsignedDpopProof(json(external(key, { ...rest, url: u })))), key);
  }
  return wrap(() => core().createDpopProof(json({ ...rest, url: u, key: key?.privateJwk ?? key })));
}

/**
 * An external signer over a WebCrypto private key (for example a non-extractable key kept in
 * IndexedDB by a browser extension): { alg, publicJwk, sign }.
 */
export async function cryptoKeySigner(privateKey, publicKey) {
  const alg = privateKey.algorithm.name === "ECDSA" ? "ES256" : "EdDSA";
  const jwk = publicKey && typeof publicKey === "object" && "kty" in publicKey ? publicKey : await subtle().exportKey("jwk", publicKey);
  const { publicJwk } = wrap(() => core().publicKeyInfo(json(jwk)));
  return {
    alg,
    publicJwk,
    sign: async (bytes) => new Uint8Array(await subtle().sign(verifyParams(alg), privateKey, bytes)),
  };
}

/** The RFC 7638 thumbprint and public JWK of a JWK. */
export function publicKeyInfo(jwk) {
  return wrap(() => core().publicKeyInfo(json(jwk)));
}

/** Decodes a token without verifying it: { kind, header, claims, thumbprint, hints, … }. */
export function inspect(token) {
  if (typeof token !== "string") throw new TypeError("inspect() takes a string");
  return core().inspect(token);
}

/**
 * Parses a pasted raw HTTP/1.1 request or curl command line:
 * { method, url, headers, body, clientId, accessToken, format }. Throws TypeError with a clear
 * message for anything else.
 */
export function parseHttpMessage(text) {
  if (typeof text !== "string") throw new TypeError("parseHttpMessage() takes a string");
  try {
    return core().parseHttpMessage(text);
  } catch (e) {
    throw new TypeError(e instanceof Error ? e.message : String(e));
  }
}

/** The check table: [{ id, requirement, title }] in spec order. */
export function checks() {
  return core().checks();
}

/** The reason table: [{ reason, error, requirement, description }]. */
export function reasons() {
  return core().reasons();
}
