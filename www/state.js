// Opt-in page state in the URL fragment: "#s=" + base64url(UTF-8 JSON). A fragment is never
// sent to a server; the page writes it with history.replaceState (no navigation, no request).

const PREFIX = "#s=";
const MAX_FRAGMENT = 200_000; // characters; larger states are not written

function toB64url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function encodeState(state) {
  return PREFIX + toB64url(new TextEncoder().encode(JSON.stringify({ v: 1, ...state })));
}

/** The state in a location.hash, or null (absent or unreadable: the page then starts fresh). */
export function decodeState(hash) {
  if (typeof hash !== "string" || !hash.startsWith(PREFIX)) return null;
  try {
    const obj = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromB64url(hash.slice(PREFIX.length))));
    return obj && typeof obj === "object" && obj.v === 1 ? obj : null;
  } catch {
    return null;
  }
}

/** Writes the state into the fragment; returns false when it is too large to share this way. */
export function writeFragment(state) {
  const frag = encodeState(state);
  if (frag.length > MAX_FRAGMENT) return false;
  if (location.hash !== frag) history.replaceState(null, "", frag);
  return true;
}

export function clearFragment() {
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
}
