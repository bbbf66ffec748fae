// The "jose strict" baseline of issue 5 / shared/notes/perf-anchors.md §4: what a careful
// verifier of an attestation + PoP request written directly on jose does per request.
//
// This module imports nothing (jose's functions are passed in), so the cold-start child can
// load it before its clock starts and time only `import("jose")` + the first verification.
//
//   1. the attester key:   importJWK per request (the brief's baseline), or one CryptoKey
//                          imported up front (perf-anchors §4: "with the attester key cached");
//   2. the attestation:    jwtVerify with typ, algorithms, requiredClaims [sub, exp, cnf],
//                          currentDate and a 60 s clockTolerance;
//   3. cnf.jwk:            present, an object, no private members; importJWK(cnf.jwk, header.alg)
//                          per request (jose refuses a key that does not fit the alg);
//   4. the PoP:            jwtVerify with typ, algorithms, audience, maxTokenAge 300,
//                          requiredClaims [jti, iat, aud], currentDate, clockTolerance 60;
//   5. what jose does not check: jti a non-empty string of at most 256 chars, aud a string or
//                          a one-element array, and a Map-based jti replay set keyed by
//                          (client, jti) with the entry's expiry.
//
// Returns the client_id (the attestation's sub); throws on any failure.

export const ATT_TYP = "oauth-client-attestation+jwt";
export const POP_TYP = "oauth-client-attestation-pop+jwt";
export const ALGORITHMS = ["ES256", "EdDSA"];
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"];

/**
 * @param {{ jwtVerify: Function, importJWK: Function }} jose
 * @param {{ attesterKeys: object[], audience: string, cacheAttesterKey?: boolean }} options
 */
export function makeJoseStrict(jose, { attesterKeys, audience, cacheAttesterKey = false }) {
  const { jwtVerify, importJWK } = jose;
  const byKid = new Map(attesterKeys.map((k) => [k.kid, k]));
  const imported = new Map(); // kid → Promise<CryptoKey> (cacheAttesterKey only)
  const seen = new Map(); // `${sub}\0${jti}` → expiresAt (the replay set)

  const attesterKey = (header) => {
    const jwk = byKid.get(header.kid);
    if (jwk === undefined) throw new Error("unknown attester kid");
    if (!cacheAttesterKey) return importJWK(jwk, header.alg);
    let key = imported.get(`${header.kid}:${header.alg}`);
    if (key === undefined) {
      key = importJWK(jwk, header.alg);
      imported.set(`${header.kid}:${header.alg}`, key);
    }
    return key;
  };

  return async function verify(attestation, pop, now) {
    const currentDate = new Date(now * 1000);
    const { payload: att } = await jwtVerify(attestation, attesterKey, {
      typ: ATT_TYP,
      algorithms: ALGORITHMS,
      requiredClaims: ["sub", "exp", "cnf"],
      currentDate,
      clockTolerance: 60,
    });
    const jwk = att.cnf?.jwk;
    if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk)) throw new Error("cnf.jwk missing");
    for (const m of PRIVATE_MEMBERS) if (m in jwk) throw new Error("cnf.jwk has private members");
    const { payload: claims } = await jwtVerify(pop, (header) => importJWK(jwk, header.alg), {
      typ: POP_TYP,
      algorithms: ALGORITHMS,
      audience,
      maxTokenAge: 300,
      requiredClaims: ["jti", "iat", "aud"],
      currentDate,
      clockTolerance: 60,
    });
    const { jti, aud } = claims;
    if (typeof jti !== "string" || jti.length === 0 || jti.length > 256) throw new Error("bad jti");
    if (Array.isArray(aud) && aud.length !== 1) throw new Error("aud must name only this server");
    const key = `${att.sub}\0${jti}`;
    if (seen.has(key)) throw new Error("jti replayed");
    seen.set(key, claims.iat + 300 + 60);
    return att.sub;
  };
}
