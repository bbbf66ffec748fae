// Node.js signature backend: node:crypto's callback `verify`, which runs on libuv's thread pool
// (WebCrypto in Node costs ~1.5–2× more per call). KeyObjects are imported once per key and
// cached by thumbprint. Ed25519 small-order and non-canonical cases are refused by the core
// whatever this answers.
import { createPublicKey, verify } from "node:crypto";

const LIMIT = 1024;
const keys = new Map(); // `${alg}:${thumbprint}` → KeyObject

function keyObject(c) {
  const id = `${c.alg}:${c.thumbprint}`;
  let k = keys.get(id);
  if (k === undefined) {
    const { kty, crv, x, y } = c.jwk;
    k = createPublicKey({ key: y === undefined ? { kty, crv, x } : { kty, crv, x, y }, format: "jwk" });
    if (keys.size >= LIMIT) keys.delete(keys.keys().next().value);
    keys.set(id, k);
  }
  return k;
}

function verifyOne(c) {
  return new Promise((resolve, reject) => {
    const key = keyObject(c);
    const done = (err, ok) => (err ? reject(err) : resolve(ok));
    if (c.alg === "ES256") verify("sha256", c.message, { key, dsaEncoding: "ieee-p1363" }, c.signature, done);
    else verify(null, c.message, key, c.signature, done);
  });
}

/** Answers the core's signature checks. */
export function nodeCryptoVerify(checks) {
  return Promise.all(checks.map(verifyOne));
}
