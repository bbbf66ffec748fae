// Node.js signature backend: node:crypto's `verify` (WebCrypto in Node costs ~1.5–2× more per
// call). With other verifications in flight it uses the callback form, which runs on libuv's
// thread pool so signatures overlap with the main thread's parsing and checks; alone, the
// synchronous form (no thread-pool round trip, nothing to overlap with). KeyObjects are
// imported once per key and cached by thumbprint. Ed25519 small-order and non-canonical cases are refused by the core
// whatever this answers.
import { nodeBuiltin } from "./internal.js";

// The module object, not its functions: looked up at each call (tests count the calls).
const nodeCrypto = nodeBuiltin("node:crypto");

const LIMIT = 1024;
const keys = new Map(); // `${alg}:${thumbprint}` → KeyObject

function keyObject(c) {
  const id = `${c.alg}:${c.thumbprint}`;
  let k = keys.get(id);
  if (k === undefined) {
    k = nodeCrypto.createPublicKey({ key: c.jwk(), format: "jwk" });
    if (keys.size >= LIMIT) keys.delete(keys.keys().next().value);
    keys.set(id, k);
  }
  return k;
}

function verifyNow(c) {
  const key = keyObject(c);
  return c.alg === "ES256"
    ? nodeCrypto.verify("sha256", c.message, { key, dsaEncoding: "ieee-p1363" }, c.signature)
    : nodeCrypto.verify(null, c.message, key, c.signature);
}

function verifyOne(c) {
  return new Promise((resolve, reject) => {
    const key = keyObject(c);
    const done = (err, ok) => (err ? reject(err) : resolve(ok));
    if (c.alg === "ES256") nodeCrypto.verify("sha256", c.message, { key, dsaEncoding: "ieee-p1363" }, c.signature, done);
    else nodeCrypto.verify(null, c.message, key, c.signature, done);
  });
}

/** Answers the core's signature checks: on the thread pool when `concurrent`, else right away. */
export function nodeCryptoVerify(checks, concurrent) {
  if (!concurrent) return checks.map(verifyNow);
  return checks.length === 1 ? verifyOne(checks[0]).then((ok) => [ok]) : Promise.all(checks.map(verifyOne));
}
