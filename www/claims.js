// One plain sentence per JOSE header parameter and claim, for people reading a decoded token.
// Presentation only: which claims the verifier checks, and how, is decided by the core; the
// legacy flags come from inspect()'s hints.

const DATE = "a NumericDate (seconds since 1970-01-01 UTC)";

export const HEADER = {
  attestation: {
    typ: "The token type; must be oauth-client-attestation+jwt, so no other JWT can be passed off as an attestation.",
    alg: "The signature algorithm the attester used; must be allowed by the policy and asymmetric.",
    kid: "Which of the attester's keys signed it; the verifier picks the trusted key by this id.",
    crit: "Extensions the verifier must understand, or reject the token.",
  },
  pop: {
    typ: "The token type; must be oauth-client-attestation-pop+jwt.",
    alg: "The signature algorithm; must fit the instance key in the attestation's cnf.jwk.",
    crit: "Extensions the verifier must understand, or reject the token.",
  },
  dpop: {
    typ: "The token type; must be dpop+jwt (RFC 9449).",
    alg: "The signature algorithm; must fit the header jwk.",
    jwk: "The public key that signed this proof; in combined mode it must be the attestation's cnf.jwk.",
    crit: "Extensions the verifier must understand, or reject the token.",
  },
};

export const CLAIMS = {
  attestation: {
    sub: "The client_id of the client this attestation vouches for; a client_id in the request must equal it.",
    exp: `When the attestation expires, ${DATE}; required.`,
    iat: `When the attester issued it, ${DATE}; optional in -11, required in the -12 work in progress.`,
    nbf: `Not valid before this time, ${DATE}.`,
    cnf: "The confirmation key: cnf.jwk is the client instance's public key, which must sign the PoP (or the combined-mode DPoP proof).",
    iss: "The attester's identifier (used up to -07).",
  },
  pop: {
    aud: "The server this proof is meant for; must be exactly the server's issuer or resource identifier.",
    jti: "A unique id for this proof, so the server can refuse a replay.",
    iat: `When the client made this proof, ${DATE}; it is accepted only for a short window after.`,
    challenge: "A fresh value the server handed out; when the server uses challenges it must be one it issued.",
    nonce: "The old name of the challenge (up to -05, and the -08/-09 examples).",
    iss: "The client_id (used up to -07).",
    exp: `An expiry, ${DATE} (used up to -05).`,
    nbf: `Not valid before, ${DATE} (used up to -05).`,
  },
  dpop: {
    htm: "The HTTP method of the request this proof is for.",
    htu: "The URL of the request this proof is for, without query and fragment.",
    iat: `When the client made this proof, ${DATE}.`,
    jti: "A unique id for this proof, so the server can refuse a replay.",
    nonce: "A server-issued DPoP nonce; required when the server asks for nonces.",
    ath: "The hash of the access token sent with this request (resource requests).",
  },
};

/** Members of the claims that are NumericDates (shown as dates too). */
export const DATES = new Set(["iat", "exp", "nbf"]);

export const KIND_NAMES = {
  attestation: "Client Attestation JWT",
  pop: "Client Attestation PoP JWT",
  dpop: "DPoP proof",
  unknown: "Unrecognised token",
};
