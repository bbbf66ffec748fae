// AttestingClient — the client side of attestation-based client authentication for agents,
// browser extensions and services: a `fetch` wrapper that authenticates every request with the
// instance's Client Attestation and a fresh proof of possession of the instance key.
//
//   const client = new AttestingClient({ attestation, key, issuer: "https://as.example.com" });
//   const res = await client.fetch("https://as.example.com/token", { method: "POST", body });
//
// What it does for each request:
//   * adds `OAuth-Client-Attestation` and either a fresh `OAuth-Client-Attestation-PoP`
//     (mode "pop", draft §6) or a fresh `DPoP` proof signed with the instance key (mode "dpop",
//     combined mode, `attest_jwt_client_auth_dpop`): a new PoP/proof for every request, with the
//     audience chosen per request (the AS issuer on the issuer's origin, the origin elsewhere);
//   * in "pop" mode puts the server's latest challenge in the PoP; with none at hand it reads
//     `challenge_endpoint` from the AS metadata and fetches one (POST, draft §7.1). A challenge
//     is used once;
//   * picks up `OAuth-Client-Attestation-Challenge` and `DPoP-Nonce` from every response (also
//     from errors and from the challenge endpoint), per origin;
//   * retries exactly once when the server answers `use_attestation_challenge` or
//     `use_dpop_nonce` (JSON body at an AS, `WWW-Authenticate` at an RS), with the fresh value;
//   * with `Authorization: DPoP <token>` on the request, adds the token's `ath` to the DPoP proof.
//
// No signing logic lives here: the PoP and DPoP proofs come from the package's createPop and
// createDpopProof, which take a private JWK, a generateKey() result, or an external signer
// ({ alg, publicJwk, sign(bytes) }, e.g. cryptoKeySigner() over a non-extractable WebCrypto key).

import { createPop, createDpopProof } from "./core.js";

const ATTESTATION = "OAuth-Client-Attestation";
const POP = "OAuth-Client-Attestation-PoP";
const CHALLENGE = "OAuth-Client-Attestation-Challenge";
const DPOP = "DPoP";
const DPOP_NONCE = "DPoP-Nonce";
const RETRY_ON = new Set(["use_attestation_challenge", "use_dpop_nonce"]);
const MODES = ["pop", "dpop"];
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The `error` of a `WWW-Authenticate` challenge list (RFC 6750 §3, RFC 9449 §7.1), if any. */
function wwwAuthenticateError(value) {
  if (typeof value !== "string") return undefined;
  const m = /(?:^|[\s,])error\s*=\s*(?:"([^"]*)"|([^\s,]+))/i.exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** RFC 8414 §3: the metadata URL of an issuer (path components go after the well-known part). */
function metadataUrl(issuer) {
  const u = new URL(issuer);
  const path = u.pathname === "/" ? "" : u.pathname.replace(/\/$/, "");
  return `${u.origin}/.well-known/oauth-authorization-server${path}`;
}

export class AttestingClient {
  #attestation; // string | () => string | Promise<string>
  #attestationValue = null;
  #key;
  #mode;
  #fetch;
  #issuer;
  #audience;
  #metadata;
  #metadataPromise = null;
  #servers = new Map(); // origin → { challenges: string[], nonce: string | undefined }
  #clock;

  /**
   * @param {object} options
   * @param {string | (() => string | Promise<string>)} options.attestation the Client Attestation
   *   JWT, or a function returning one (called once and cached; called again after the server
   *   answered `use_fresh_attestation`, on the next request)
   * @param {object} options.key the instance key: a private JWK, a generateKey() result, or an
   *   external signer { alg, publicJwk, sign(bytes) }
   * @param {"pop" | "dpop"} [options.mode] "pop" (PoP JWT, default) or "dpop" (combined mode)
   * @param {string} [options.issuer] the AS issuer identifier: its metadata gives
   *   `challenge_endpoint` and `token_endpoint`, and it is the PoP audience on its origin
   * @param {object} [options.metadata] AS metadata to use instead of fetching it
   * @param {string | ((url: URL) => string)} [options.audience] the PoP `aud` for a request URL
   *   (default: the issuer on the issuer's origin, the URL's origin elsewhere)
   * @param {typeof fetch} [options.fetch] the underlying fetch (default: globalThis.fetch); it is
   *   always called with one Request
   * @param {() => number} [options.now] seconds since the epoch (default: the system clock)
   */
  constructor(options) {
    if (options == null || typeof options !== "object") throw new TypeError("new AttestingClient(options): options must be an object");
    const { attestation, key, mode = "pop", issuer, metadata, audience, fetch, now } = options;
    if (typeof attestation !== "string" && typeof attestation !== "function") {
      throw new TypeError("options.attestation must be the Client Attestation JWT or a function returning it");
    }
    if (key == null || typeof key !== "object") {
      throw new TypeError("options.key must be a private JWK, a generateKey() result or an external signer");
    }
    if (!MODES.includes(mode)) throw new TypeError(`options.mode must be one of ${MODES.join(", ")}`);
    if (issuer !== undefined) new URL(issuer); // throws TypeError on a bad URL
    if (audience !== undefined && typeof audience !== "string" && typeof audience !== "function") {
      throw new TypeError("options.audience must be a string or a function (url) → string");
    }
    const f = fetch ?? globalThis.fetch;
    if (typeof f !== "function") throw new TypeError("no fetch: pass options.fetch");
    if (now !== undefined && typeof now !== "function") throw new TypeError("options.now must be a function returning seconds");
    this.#attestation = attestation;
    this.#key = key;
    this.#mode = mode;
    this.#issuer = issuer;
    this.#metadata = metadata;
    this.#audience = audience;
    this.#fetch = fetch ? f : (...a) => globalThis.fetch(...a);
    this.#clock = now ?? nowSeconds;
  }

  /** "pop" or "dpop". */
  get mode() {
    return this.#mode;
  }

  /** The AS metadata (fetched once from the issuer's well-known URL; `{}` without an issuer). */
  async metadata() {
    if (this.#metadata !== undefined) return this.#metadata;
    if (this.#issuer === undefined) return {};
    this.#metadataPromise ??= (async () => {
      const res = await this.#fetch(new Request(metadataUrl(this.#issuer), { headers: { Accept: "application/json" } }));
      await this.#observe(res, metadataUrl(this.#issuer), false);
      if (!res.ok) throw new Error(`AttestingClient: metadata request failed: HTTP ${res.status}`);
      const m = await res.json();
      if (m == null || typeof m !== "object") throw new Error("AttestingClient: metadata is not a JSON object");
      this.#metadata = m;
      return m;
    })().finally(() => {
      this.#metadataPromise = null;
    });
    return this.#metadataPromise;
  }

  /** Fetches a fresh challenge from the AS's `challenge_endpoint` and keeps it for its origin. */
  async fetchChallenge() {
    const endpoint = (await this.metadata()).challenge_endpoint;
    if (typeof endpoint !== "string") throw new Error("AttestingClient: the server metadata has no challenge_endpoint");
    const res = await this.#fetch(new Request(endpoint, { method: "POST", headers: { Accept: "application/json" } }));
    await this.#observe(res, endpoint, false);
    if (!res.ok) throw new Error(`AttestingClient: challenge request failed: HTTP ${res.status}`);
    const body = await res.json();
    const challenge = body?.attestation_challenge;
    if (typeof challenge !== "string" || challenge === "") {
      throw new Error("AttestingClient: the challenge response has no attestation_challenge");
    }
    // Keyed by the origin of the server the challenge is for: the issuer (the AS) when known.
    this.#server(this.#issuer ?? endpoint).challenges.push(challenge);
    return challenge;
  }

  /** The latest DPoP nonce this client holds for `url`'s origin, if any. */
  dpopNonce(url) {
    return this.#servers.get(new URL(url).origin)?.nonce;
  }

  /** How many unused challenges this client holds for `url`'s origin. */
  challengesHeld(url) {
    return this.#servers.get(new URL(url).origin)?.challenges.length ?? 0;
  }

  /**
   * fetch() with client authentication. Takes what fetch takes; the body is buffered so that the
   * one retry can send it again.
   */
  async fetch(input, init = undefined) {
    const base = new Request(input, init);
    const body = base.body === null ? undefined : await base.arrayBuffer();
    const url = new URL(base.url);
    let retried = false;
    for (;;) {
      const headers = new Headers(base.headers);
      await this.#authenticate(headers, base.method, url);
      // Everything else (redirect, signal, credentials…) comes from the original request.
      const res = await this.#fetch(new Request(base, { headers, body }));
      const error = await this.#observe(res, url);
      if (retried || error === undefined || !RETRY_ON.has(error)) return res;
      retried = true;
      await res.body?.cancel();
      // use_attestation_challenge carries a fresh challenge header; if a server forgot it, ask
      // the challenge endpoint (mode "pop" only: combined mode gets its freshness from nonces).
      if (error === "use_attestation_challenge" && this.#mode === "pop" && this.#server(url).challenges.length === 0) {
        await this.fetchChallenge().catch(() => undefined);
      }
    }
  }

  /**
   * A token request to the AS's `token_endpoint` (from its metadata): POST, form-encoded
   * `params` (default `grant_type=client_credentials`). Returns the Response.
   */
  async requestToken(params = { grant_type: "client_credentials" }, init = {}) {
    const endpoint = (await this.metadata()).token_endpoint;
    if (typeof endpoint !== "string") throw new Error("AttestingClient: the server metadata has no token_endpoint");
    const headers = new Headers(init.headers);
    headers.set("Content-Type", "application/x-www-form-urlencoded");
    headers.set("Accept", "application/json");
    return this.fetch(endpoint, { ...init, method: "POST", headers, body: new URLSearchParams(params).toString() });
  }

  // ---- internals ----------------------------------------------------------------------------

  #server(url) {
    const origin = new URL(url).origin;
    let s = this.#servers.get(origin);
    if (s === undefined) {
      s = { challenges: [], nonce: undefined };
      this.#servers.set(origin, s);
    }
    return s;
  }

  #audienceFor(url) {
    if (typeof this.#audience === "string") return this.#audience;
    if (typeof this.#audience === "function") return this.#audience(url);
    if (this.#issuer !== undefined && new URL(this.#issuer).origin === url.origin) return this.#issuer;
    return url.origin;
  }

  async #attestationJwt() {
    if (typeof this.#attestation === "string") return this.#attestation;
    this.#attestationValue ??= Promise.resolve(this.#attestation());
    const v = await this.#attestationValue.catch((e) => {
      this.#attestationValue = null;
      throw e;
    });
    if (typeof v !== "string" || v === "") {
      this.#attestationValue = null;
      throw new TypeError("options.attestation() must return the Client Attestation JWT");
    }
    return v;
  }

  async #challengeFor(url) {
    const server = this.#server(url);
    if (server.challenges.length === 0) {
      // Without metadata, go ahead without a challenge: the server's use_attestation_challenge
      // answer carries one, and the retry uses it.
      const m = await this.metadata().catch(() => ({}));
      const onIssuerOrigin = this.#issuer !== undefined && new URL(this.#issuer).origin === url.origin;
      if (onIssuerOrigin && typeof m.challenge_endpoint === "string") await this.fetchChallenge().catch(() => undefined);
    }
    return server.challenges.shift(); // each challenge is used once
  }

  async #authenticate(headers, method, url) {
    headers.set(ATTESTATION, await this.#attestationJwt());
    headers.delete(POP);
    headers.delete(DPOP);
    const now = this.#clock();
    if (this.#mode === "pop") {
      const challenge = await this.#challengeFor(url);
      const options = { key: this.#key, audience: this.#audienceFor(url), now };
      if (challenge !== undefined) options.challenge = challenge;
      headers.set(POP, await createPop(options));
    } else {
      const options = { key: this.#key, method, url: url.href, now };
      const nonce = this.#server(url).nonce;
      if (nonce !== undefined) options.nonce = nonce;
      const m = /^DPoP[ \t]+(\S+)$/i.exec((headers.get("authorization") ?? "").trim());
      if (m) options.accessToken = m[1];
      headers.set(DPOP, await createDpopProof(options));
    }
  }

  /**
   * Picks up a challenge and a DPoP nonce from a response and returns its OAuth error code, if
   * any (`WWW-Authenticate` first, then a JSON body's `error`, for 400 and 401 answers).
   */
  async #observe(res, url, readError = true) {
    const server = this.#server(url);
    const challenge = res.headers.get(CHALLENGE);
    if (challenge) server.challenges = [challenge.trim()]; // the newest one replaces older ones
    const nonce = res.headers.get(DPOP_NONCE);
    if (nonce) server.nonce = nonce.trim();
    if (!readError || (res.status !== 400 && res.status !== 401)) return undefined;
    let error = wwwAuthenticateError(res.headers.get("www-authenticate"));
    if (error === undefined && /json/i.test(res.headers.get("content-type") ?? "")) {
      try {
        error = (await res.clone().json())?.error;
      } catch {
        error = undefined;
      }
    }
    if (error === "use_fresh_attestation" && typeof this.#attestation === "function") this.#attestationValue = null;
    return typeof error === "string" ? error : undefined;
  }
}
