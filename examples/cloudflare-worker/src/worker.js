// A Cloudflare Worker in front of an OAuth 2.0 authorization server (and a demo resource) with
// Attestation-Based Client Authentication (draft-ietf-oauth-attestation-based-client-auth-11).
//
// Routes
//   GET  /.well-known/oauth-authorization-server   AS metadata (RFC 8414 + draft §8)
//   GET  /.well-known/oauth-protected-resource     RS metadata (RFC 9728) for /resource
//   POST /challenge                                challenge endpoint (draft §7.1), + DPoP-Nonce
//   POST /token                                    client authentication (attestation + PoP, or
//                                                  combined-mode DPoP), then a demo token bound to
//                                                  the instance key, or forwarding upstream
//   GET  /resource                                 a resource in the RS role: access token +
//                                                  attestation + proof; 401 + WWW-Authenticate
//   GET  /healthz                                  200 when the configuration loaded, else 500
//
// Bindings (wrangler.jsonc)
//   POLICY                 the client-attestation policy (a JSON var; secrets never go here)
//   CHALLENGE_SECRET       secret: HMAC key of the stateless challenges (32+ bytes)
//   DPOP_NONCE_SECRET      secret: HMAC key of the stateless DPoP nonces (32+ bytes)
//   TOKEN_SECRET           secret: HMAC key of the demo access tokens (32+ bytes; not needed
//                          with UPSTREAM_TOKEN_ENDPOINT)
//   REPLAY                 Durable Object namespace of ReplayShard (the shared jti seen-set)
//   UPSTREAM_TOKEN_ENDPOINT optional var: forward authenticated token requests there instead of
//                          issuing demo tokens
//   RS_AUDIENCE            optional var: the resource identifier for /resource (default: the
//                          policy audience)
//
// The configuration is read once per isolate. A bad one is logged once, with the reason, and
// every request then gets a 500 with a clear JSON body; nothing throws at startup, so a bad
// deploy never becomes a crash loop.
//
// In your own project, import from "client-attestation" and "client-attestation/replay-do".
import { Verifier } from "../../../js/workerd.js";
import { DurableObjectReplayStore } from "../../../js/replay-do.js";

export { ReplayShard } from "../../../js/replay-do.js";

const TOKEN_LIFETIME = 300; // seconds
const MAX_BODY = 64 * 1024;
const encoder = new TextEncoder();
const nowSeconds = () => Math.floor(Date.now() / 1000);

class ConfigError extends Error {}

// ---- configuration (once per isolate) -------------------------------------------------------

let loaded = null; // Promise<{ ok: true, ... } | { ok: false, message }>

function secret(env, name, what) {
  const v = env[name];
  if (typeof v !== "string" || v.length === 0) {
    throw new ConfigError(`the ${name} secret binding is missing (${what}); set it with 'wrangler secret put ${name}' (.dev.vars locally)`);
  }
  if (encoder.encode(v).length < 32) throw new ConfigError(`the ${name} secret is shorter than 32 bytes`);
  return v;
}

function readPolicy(env) {
  let policy = env.POLICY;
  if (policy === undefined || policy === null) throw new ConfigError("the POLICY binding is missing (a JSON var in wrangler.jsonc)");
  if (typeof policy === "string") {
    try {
      policy = JSON.parse(policy);
    } catch (e) {
      throw new ConfigError(`POLICY is not valid JSON: ${e.message}`);
    }
  } else {
    policy = structuredClone(policy);
  }
  if (policy === null || typeof policy !== "object" || Array.isArray(policy)) throw new ConfigError("POLICY must be a JSON object");
  if (policy.role !== undefined && policy.role !== "as") {
    throw new ConfigError("POLICY.role must be absent or \"as\": /token is the AS role, /resource the RS role");
  }
  if (typeof policy.audience !== "string" || policy.audience === "") throw new ConfigError("POLICY.audience must be this AS's issuer identifier");
  if (policy.challenge != null) {
    if (policy.challenge.secret !== undefined) {
      throw new ConfigError("POLICY.challenge.secret must not be in a var: use the CHALLENGE_SECRET secret binding");
    }
    policy.challenge = {
      ...policy.challenge,
      secret: secret(env, "CHALLENGE_SECRET", "POLICY.challenge uses stateless challenges"),
      endpoint: policy.challenge.endpoint ?? `${policy.audience.replace(/\/$/, "")}/challenge`,
    };
  }
  if (policy.dpop?.nonce != null) {
    if (policy.dpop.nonce.secret !== undefined) {
      throw new ConfigError("POLICY.dpop.nonce.secret must not be in a var: use the DPOP_NONCE_SECRET secret binding");
    }
    policy.dpop = {
      ...policy.dpop,
      nonce: { ...policy.dpop.nonce, secret: secret(env, "DPOP_NONCE_SECRET", "POLICY.dpop.nonce uses stateless DPoP nonces") },
    };
  }
  return policy;
}

async function load(env) {
  const policy = readPolicy(env);
  let replay = null;
  if (env.REPLAY) {
    replay = new DurableObjectReplayStore(env.REPLAY);
  } else {
    console.warn("client-attestation: no REPLAY Durable Object binding; using a per-isolate in-memory replay store (not safe with more than one isolate)");
  }
  const upstream = typeof env.UPSTREAM_TOKEN_ENDPOINT === "string" && env.UPSTREAM_TOKEN_ENDPOINT !== "" ? new URL(env.UPSTREAM_TOKEN_ENDPOINT) : null;
  const issuer = policy.audience;
  const resource = typeof env.RS_AUDIENCE === "string" && env.RS_AUDIENCE !== "" ? env.RS_AUDIENCE : issuer;
  let as, rs;
  try {
    as = new Verifier({ ...policy, role: "as", ...(replay ? { replay } : {}) });
    rs = new Verifier({ ...policy, role: "rs", audience: resource, ...(replay ? { replay } : {}) });
  } catch (e) {
    throw new ConfigError(`POLICY was refused: ${e.message}`);
  }
  let tokenKey = null;
  if (upstream === null) {
    const raw = secret(env, "TOKEN_SECRET", "the demo access tokens are HMAC-signed");
    tokenKey = await crypto.subtle.importKey("raw", encoder.encode(raw), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  }
  const base = issuer.replace(/\/$/, "");
  return {
    ok: true,
    as,
    rs,
    issuer,
    resource,
    upstream,
    tokenKey,
    challenges: policy.challenge != null,
    nonces: policy.dpop?.nonce != null,
    asMetadata: { issuer, token_endpoint: `${base}/token`, ...as.metadata() },
    rsMetadata: { resource, authorization_servers: [issuer], ...rs.metadata() },
  };
}

function configuration(env) {
  loaded ??= load(env).catch((e) => {
    const message = e instanceof ConfigError ? e.message : `unexpected error: ${e?.message ?? e}`;
    // One clear line per isolate; every request then answers 500 (no crash loop).
    console.error(`client-attestation: configuration refused, serving 500s: ${message}`);
    return { ok: false, message };
  });
  return loaded;
}

// ---- responses ------------------------------------------------------------------------------

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
  });
}

const oauthError = (status, error, description, headers = {}) => json(status, { error, error_description: description }, headers);

/** Adds a fresh challenge and DPoP nonce to a successful response (draft §7.2, RFC 9449 §8.2). */
function withFreshValues(cfg, verifier, response) {
  if (cfg.challenges) response.headers.set("OAuth-Client-Attestation-Challenge", verifier.issueChallenge());
  if (cfg.nonces) response.headers.set("DPoP-Nonce", verifier.issueDpopNonce());
  return response;
}

// ---- demo access tokens (HS256 JWT, RFC 9068 shape, cnf.jkt per RFC 9449 §6) ----------------

const b64u = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const b64uJson = (v) => b64u(encoder.encode(JSON.stringify(v)));

function unb64u(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function issueAccessToken(cfg, result, now) {
  const bound = result.dpopKey ?? result.instanceKey;
  const tokenType = result.dpopKey ? "DPoP" : "Bearer";
  const claims = {
    iss: cfg.issuer,
    sub: result.clientId,
    aud: cfg.resource,
    client_id: result.clientId,
    iat: now,
    exp: now + TOKEN_LIFETIME,
    jti: crypto.randomUUID(),
    cnf: { jkt: bound.thumbprint },
    token_type: tokenType,
  };
  const input = `${b64uJson({ typ: "at+jwt", alg: "HS256" })}.${b64uJson(claims)}`;
  const sig = await crypto.subtle.sign("HMAC", cfg.tokenKey, encoder.encode(input));
  return { token: `${input}.${b64u(sig)}`, tokenType, claims };
}

/** The claims of a demo access token, or a reason it is not acceptable. */
async function readAccessToken(cfg, token, now) {
  const parts = token.split(".");
  if (parts.length !== 3 || token.length > 4096) return { error: "the access token is malformed" };
  let header, claims, sig;
  try {
    header = JSON.parse(new TextDecoder().decode(unb64u(parts[0])));
    claims = JSON.parse(new TextDecoder().decode(unb64u(parts[1])));
    sig = unb64u(parts[2]);
  } catch {
    return { error: "the access token is malformed" };
  }
  if (header?.alg !== "HS256" || header?.typ !== "at+jwt") return { error: "the access token is not one of ours" };
  if (!(await crypto.subtle.verify("HMAC", cfg.tokenKey, sig, encoder.encode(`${parts[0]}.${parts[1]}`)))) {
    return { error: "the access token is not one of ours" };
  }
  if (typeof claims?.exp !== "number" || claims.exp <= now) return { error: "the access token has expired" };
  if (claims.aud !== cfg.resource) return { error: "the access token is for another resource" };
  if (typeof claims.cnf?.jkt !== "string") return { error: "the access token is not key-bound" };
  return { claims };
}

// ---- routes ---------------------------------------------------------------------------------

async function readForm(request) {
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_BODY) return { tooLarge: true };
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (!type.startsWith("application/x-www-form-urlencoded")) return { form: new URLSearchParams() };
  const text = await request.clone().text();
  if (text.length > MAX_BODY) return { tooLarge: true };
  return { form: new URLSearchParams(text) };
}

async function token(cfg, request) {
  const { form, tooLarge } = await readForm(request);
  if (tooLarge) return oauthError(413, "invalid_request", "the request body is too large");
  const result = await cfg.as.verifyRequest(request);
  if (!result.ok) return cfg.as.errorResponse(result);

  if (cfg.upstream !== null) return forward(cfg, request, result);

  const grantType = form.get("grant_type");
  if (!grantType) return oauthError(400, "invalid_request", "grant_type is required");
  if (grantType !== "client_credentials") {
    return oauthError(400, "unsupported_grant_type", "this demo issues tokens for grant_type=client_credentials only");
  }
  const now = nowSeconds();
  const { token: accessToken, tokenType } = await issueAccessToken(cfg, result, now);
  return withFreshValues(
    cfg,
    cfg.as,
    json(200, { access_token: accessToken, token_type: tokenType, expires_in: TOKEN_LIFETIME }),
  );
}

/** Forwards an authenticated token request; the upstream learns who authenticated. */
async function forward(cfg, request, result) {
  const headers = new Headers(request.headers);
  for (const h of ["OAuth-Client-Attestation", "OAuth-Client-Attestation-PoP", "X-Client-Attestation-Client-Id",
    "X-Client-Attestation-Jkt", "X-Client-Attestation-Mechanism", "X-Client-Attestation-Dpop-Jkt"]) {
    headers.delete(h);
  }
  headers.set("X-Client-Attestation-Client-Id", result.clientId);
  headers.set("X-Client-Attestation-Jkt", result.instanceKey.thumbprint);
  headers.set("X-Client-Attestation-Mechanism", result.mechanism);
  if (result.dpopKey) headers.set("X-Client-Attestation-Dpop-Jkt", result.dpopKey.thumbprint);
  headers.delete("Host");
  let response;
  try {
    response = await fetch(new Request(cfg.upstream, { method: "POST", headers, body: await request.text() }));
  } catch (e) {
    console.error(`client-attestation: upstream ${cfg.upstream} unreachable: ${e?.message ?? e}`);
    return oauthError(502, "temporarily_unavailable", "the authorization server behind this gateway is unreachable");
  }
  return withFreshValues(cfg, cfg.as, new Response(response.body, response));
}

async function resource(cfg, request) {
  const authorization = request.headers.get("authorization") ?? "";
  const m = /^(Bearer|DPoP)[ \t]+(\S+)$/i.exec(authorization.trim());
  if (!m) {
    return json(401, { error: "invalid_token", error_description: "an access token is required" }, {
      "WWW-Authenticate": `DPoP algs="ES256 EdDSA", Bearer`,
    });
  }
  const scheme = m[1].toLowerCase() === "dpop" ? "DPoP" : "Bearer";
  const now = nowSeconds();
  const invalid = (description) =>
    oauthError(401, "invalid_token", description, {
      "WWW-Authenticate": `${scheme} error="invalid_token", error_description="${description}"`,
    });
  const { claims, error } = await readAccessToken(cfg, m[2], now);
  if (error) return invalid(error);
  if (claims.token_type === "DPoP" && scheme !== "DPoP") return invalid("a DPoP-bound access token must be presented with the DPoP scheme");

  const result = await cfg.rs.verifyRequest(request, { accessToken: m[2], accessTokenJkt: claims.cnf.jkt });
  if (!result.ok) return cfg.rs.errorResponse(result);
  const presented = result.dpopKey ?? result.instanceKey;
  if (presented.thumbprint !== claims.cnf.jkt) return invalid("the access token is bound to another key");
  if (result.clientId !== claims.client_id) return invalid("the access token was issued to another client");
  return withFreshValues(
    cfg,
    cfg.rs,
    json(200, { resource: "demo", client_id: result.clientId, mechanism: result.mechanism, jkt: presented.thumbprint }),
  );
}

async function route(cfg, request, url) {
  const method = request.method;
  const allow = (methods) => oauthError(405, "invalid_request", `use ${methods}`, { Allow: methods });
  switch (url.pathname) {
    case "/.well-known/oauth-authorization-server":
      return method === "GET" || method === "HEAD" ? json(200, cfg.asMetadata, { "Cache-Control": "max-age=300" }) : allow("GET");
    case "/.well-known/oauth-protected-resource":
      return method === "GET" || method === "HEAD" ? json(200, cfg.rsMetadata, { "Cache-Control": "max-age=300" }) : allow("GET");
    case "/challenge":
      if (method !== "POST") return allow("POST");
      if (!cfg.challenges) return oauthError(404, "invalid_request", "this server does not use challenges");
      return cfg.as.challengeResponse();
    case "/token":
      return method === "POST" ? token(cfg, request) : allow("POST");
    case "/resource":
      return method === "GET" || method === "POST" ? resource(cfg, request) : allow("GET, POST");
    case "/healthz":
      return json(200, { status: "ok" });
    default:
      return oauthError(404, "invalid_request", "no such endpoint");
  }
}

export default {
  async fetch(request, env) {
    const cfg = await configuration(env);
    if (!cfg.ok) {
      return json(500, {
        error: "server_error",
        error_description: "this server's client-attestation configuration is invalid; the operator must fix it (see the worker log)",
      });
    }
    try {
      return await route(cfg, request, new URL(request.url));
    } catch (e) {
      console.error(`client-attestation: internal error: ${e?.stack ?? e}`);
      return oauthError(500, "server_error", "internal error");
    }
  },
};
