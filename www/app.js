// The inspector page: wiring between the form, the client-attestation JS API and the views.
//
// Every verification decision, check, reason, decoded token, hint and HTTP response comes from
// the core (new Verifier(policy).verify with explain: true, inspect, checks, reasons,
// parseHttpMessage, generateKey / createAttestation / createPop / createDpopProof). This file
// only reads the form, calls the API, and hands the results to render.js.

import * as examples from "./examples.js";
import {
  clear,
  clip,
  fmtDate,
  h,
  renderBanner,
  renderBinding,
  renderChecks,
  renderResponse,
  renderShape,
  renderTimeline,
  renderTokens,
} from "./render.js";
import { clearFragment, decodeState, writeFragment } from "./state.js";

const $ = (id) => document.getElementById(id);
const MAX_NOW = 253402300799; // 9999-12-31, the core's NumericDate bound
const HEADER_NAMES = {
  attestation: "oauth-client-attestation",
  pop: "oauth-client-attestation-pop",
  dpop: "dpop",
};
const LABELS = { attestation: "Client Attestation", pop: "PoP", dpop: "DPoP proof" };

let api = null; // the client-attestation module (js/browser.js), once loaded

const state = {
  mode: "fields",
  now: Math.floor(Date.now() / 1000),
  live: true,
  anchor: null, // the proof's iat, for the "now" slider
  extraHeaders: [], // [name, value] lines kept from a pasted request
  parsed: null, // the last parseHttpMessage() result
  result: null,
  reasons: new Map(),
  builder: { attester: null, instance: null, minted: null },
};

// ---- small utilities -------------------------------------------------------------------------

const nowSeconds = () => Math.floor(Date.now() / 1000);
const message = (e) => (e instanceof Error ? e.message : String(e));
const val = (id) => $(id).value;

function showError(el, text) {
  if (!el) return;
  el.textContent = text ?? "";
  el.hidden = !text;
}

function setInvalid(input, errorEl, text) {
  showError(errorEl, text);
  if (text) {
    input.setAttribute("aria-invalid", "true");
    const ids = (input.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean);
    if (!ids.includes(errorEl.id)) input.setAttribute("aria-describedby", [...ids, errorEl.id].join(" "));
  } else {
    input.removeAttribute("aria-invalid");
  }
}

function describe(artefact, code) {
  return state.reasons.get(`${artefact}.${code}`)?.description ?? state.reasons.get(`pop.${code}`)?.description ?? code;
}

function safeInspect(token) {
  try {
    return api.inspect(token);
  } catch (e) {
    return { kind: "unknown", kindFromTyp: false, header: null, claims: null, error: message(e), thumbprint: null, keyError: null, hints: [], parts: [] };
  }
}

// ---- the "now" control -----------------------------------------------------------------------

function setNow(t, { live = false } = {}) {
  const n = Math.min(MAX_NOW, Math.max(0, Math.floor(Number.isFinite(t) ? t : nowSeconds())));
  state.now = n;
  state.live = live;
  $("now-input").value = String(n);
  $("now-readout").textContent = `${fmtDate(n)}${live ? " · current time" : ""}`;
  $("now-live").setAttribute("aria-pressed", String(live));
  $("now-draft").setAttribute("aria-pressed", String(!live && n === examples.time));
  updateSlider();
}

function updateSlider() {
  const slider = $("now-slider");
  const label = document.querySelector('label[for="now-slider"]');
  if (state.anchor === null) {
    slider.disabled = true;
    label.textContent = "Move “now” around the proof's iat (no iat yet)";
    return;
  }
  slider.disabled = false;
  slider.value = String(Math.max(-900, Math.min(900, state.now - state.anchor)));
  label.textContent = `Move “now” around the proof's iat (${fmtDate(state.anchor)}, ±15 min)`;
  slider.setAttribute("aria-valuetext", `${state.now - state.anchor} s after the proof's iat`);
}

// ---- reading the form ------------------------------------------------------------------------

/** The policy model from the panel, or { error, field }. */
function readPolicy() {
  const audience = val("p-audience").trim();
  const jwksText = val("p-jwks").trim();
  if (!audience) return { error: "Enter this server's audience (its issuer or resource identifier).", field: "p-audience" };
  if (!jwksText) return { error: "Paste the trusted attester keys (a JWKS), or load the draft example.", field: "p-jwks" };
  let parsed;
  try {
    parsed = JSON.parse(jwksText);
  } catch (e) {
    return { error: `The trusted keys are not JSON: ${message(e)}`, field: "p-jwks" };
  }
  let jwks;
  if (Array.isArray(parsed)) jwks = { keys: parsed };
  else if (parsed && typeof parsed === "object" && Array.isArray(parsed.keys)) jwks = { keys: parsed.keys };
  else if (parsed && typeof parsed === "object" && "kty" in parsed) jwks = { keys: [parsed] };
  else return { error: 'Expected a JWKS ({"keys": [...]}), one JWK, or an array of JWKs.', field: "p-jwks" };
  const num = (id) => {
    const el = $(id);
    const raw = el.value.trim() === "" ? el.defaultValue : el.value;
    return Number(raw);
  };
  const algorithms = [...document.querySelectorAll('input[name="alg"]:checked')].map((c) => c.value);
  const policy = {
    audience,
    role: val("p-role"),
    attesters: [{ name: "the policy panel's keys", jwks }],
    algorithms,
    clockTolerance: num("p-tolerance"),
    maxPopAge: num("p-maxpop"),
    legacy: $("p-legacy").checked,
  };
  if ($("p-combined").checked) policy.dpop = { combined: true };
  return { policy };
}

function headerValues(headers, name) {
  return headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

/** What to verify: { tokens: [{expected, value}], request?, empty, error? }. */
function readInput() {
  if (state.mode === "raw") return readRaw();
  const headers = [];
  for (const k of ["attestation", "pop", "dpop"]) {
    const v = val(`f-${k}`).trim();
    if (v) headers.push([{ attestation: "OAuth-Client-Attestation", pop: "OAuth-Client-Attestation-PoP", dpop: "DPoP" }[k], v]);
  }
  headers.push(...state.extraHeaders);
  const opt = (id) => val(id).trim() || undefined;
  return {
    tokens: tokensOf(headers),
    empty: headers.length === 0,
    request: {
      method: val("f-method").trim(),
      url: val("f-url").trim(),
      headers,
      clientId: opt("f-client-id"),
      accessToken: opt("f-access-token"),
    },
  };
}

function tokensOf(headers) {
  const out = [];
  for (const k of ["attestation", "pop", "dpop"]) for (const v of headerValues(headers, HEADER_NAMES[k])) out.push({ expected: k, value: v.trim() });
  return out;
}

function readRaw() {
  const text = val("raw");
  const errorEl = $("raw-error");
  state.parsed = null;
  $("raw-extracted").hidden = true;
  if (!text.trim()) {
    setInvalid($("raw"), errorEl, "");
    return { tokens: [], empty: true };
  }
  if (typeof api.parseHttpMessage !== "function") {
    const msg = "This build of the package has no request parser (parseHttpMessage); use the token fields instead.";
    setInvalid($("raw"), errorEl, msg);
    return { tokens: [], empty: true, error: msg };
  }
  let parsed;
  try {
    parsed = api.parseHttpMessage(text);
  } catch (e) {
    const msg = `Could not read this as an HTTP/1.1 request or a curl command: ${message(e)}`;
    setInvalid($("raw"), errorEl, msg);
    return { tokens: [], empty: true, error: msg };
  }
  setInvalid($("raw"), errorEl, "");
  state.parsed = parsed;
  showExtracted(parsed);
  const headers = Array.isArray(parsed.headers) ? parsed.headers : [];
  return {
    tokens: tokensOf(headers),
    empty: false,
    // client_id (form body) and the access token (Authorization) as the core extracted them.
    request: { method: parsed.method, url: parsed.url, headers, clientId: parsed.clientId ?? undefined, accessToken: parsed.accessToken ?? undefined },
  };
}

function showExtracted(p) {
  const dl = clear($("raw-summary"));
  dl.append(h("dt", { text: "method" }), h("dd", {}, h("code", { text: clip(p.method, 100) })));
  dl.append(h("dt", { text: "URL" }), h("dd", {}, h("code", { class: "wrap", text: clip(p.url, 500) })));
  if (p.body) dl.append(h("dt", { text: "body" }), h("dd", {}, h("code", { class: "wrap", text: p.body.length > 300 ? `${p.body.slice(0, 300)}…` : p.body })));
  if (p.clientId) dl.append(h("dt", { text: "client_id" }), h("dd", {}, h("code", { class: "wrap", text: clip(p.clientId, 500) })));
  if (p.accessToken) dl.append(h("dt", { text: "access token" }), h("dd", {}, h("code", { class: "wrap", text: clip(p.accessToken, 500) })));
  if (p.format) dl.append(h("dt", { text: "read as" }), h("dd", { text: p.format === "curl" ? "a curl command" : "a raw HTTP/1.1 request" }));
  const ul = clear($("raw-header-list"));
  for (const [n, v] of (p.headers ?? []).slice(0, 200)) ul.append(h("li", {}, h("strong", { text: `${clip(n, 100)}: ` }), clip(v, 90)));
  if ((p.headers ?? []).length > 200) ul.append(h("li", { text: `… and ${p.headers.length - 200} more header lines` }));
  $("raw-extracted").hidden = false;
}

// ---- field-level notes -----------------------------------------------------------------------

function fieldNotes(inspections) {
  for (const k of ["attestation", "pop", "dpop"]) {
    const input = $(`f-${k}`);
    const err = $(`f-${k}-error`);
    const v = input.value.trim();
    if (state.mode !== "fields" || !v) {
      setInvalid(input, err, "");
      continue;
    }
    const ins = inspections.get(v);
    const notes = [];
    if (/\s/.test(v)) notes.push("The value contains spaces or line breaks (as when copied from wrapped text): a server sees them as part of the token.");
    if (ins?.error) notes.push(`Not a readable token: ${describe(k, ins.error)}`);
    if (ins && ins.kind !== "unknown" && ins.kind !== k && ins.kindFromTyp) {
      notes.push(`This looks like a ${LABELS[ins.kind] ?? ins.kind}, not a ${LABELS[k]}.`);
    }
    setInvalid(input, err, notes.join(" "));
  }
}

// ---- verification ----------------------------------------------------------------------------

let runSeq = 0;
let runTimer = 0;

// data-busy on <html> while a verification is scheduled or running (tests wait on it).
function schedule(delay = 40) {
  clearTimeout(runTimer);
  document.documentElement.dataset.busy = "1";
  runTimer = setTimeout(() => {
    runTimer = 0;
    run().catch(appError);
  }, delay);
}

function idle(seq) {
  if (seq === runSeq && runTimer === 0) delete document.documentElement.dataset.busy;
}

async function run() {
  if (!api) return;
  const seq = ++runSeq;
  document.documentElement.dataset.busy = "1";
  try {
    await verifyAndRender(seq);
  } finally {
    idle(seq);
  }
}

async function verifyAndRender(seq) {
  if (state.live) setNow(nowSeconds(), { live: true });
  const input = readInput();
  const inspections = new Map();
  for (const t of input.tokens) if (!inspections.has(t.value)) inspections.set(t.value, safeInspect(t.value));
  fieldNotes(inspections);

  const items = input.tokens.map((t, i, all) => ({
    label: LABELS[t.expected] + (all.filter((x) => x.expected === t.expected).length > 1 ? ` #${all.slice(0, i + 1).filter((x) => x.expected === t.expected).length}` : ""),
    expected: t.expected,
    token: t.value,
    inspection: inspections.get(t.value),
    describeError: (code) => describe(t.expected, code),
  }));
  const first = (k) => items.find((x) => x.expected === k) ?? null;
  const proof = first("pop") ?? first("dpop");
  const iat = proof?.inspection?.claims?.iat ?? first("attestation")?.inspection?.claims?.iat;
  state.anchor = typeof iat === "number" && Number.isFinite(iat) ? iat : null;
  updateSlider();
  renderTokens($("tokens"), items, state.now);

  const pol = readPolicy();
  setInvalid($("p-jwks"), $("p-jwks-error"), pol.field === "p-jwks" ? pol.error : "");
  showError($("policy-error"), pol.field && pol.field !== "p-jwks" ? pol.error : "");
  const tolerance = pol.policy?.clockTolerance ?? Number($("p-tolerance").defaultValue);
  const maxPopAge = pol.policy?.maxPopAge ?? Number($("p-maxpop").defaultValue);

  let result = null;
  let verdict;
  if (input.error) {
    verdict = { state: "warn", title: "The pasted text could not be read", detail: input.error };
  } else if (input.empty) {
    verdict = { state: "neutral", title: "Nothing to verify yet", detail: "Paste a Client Attestation and its PoP or DPoP proof, paste a whole request, or load the draft example." };
  } else if (pol.error) {
    verdict = { state: "warn", title: "The policy is incomplete", detail: pol.error };
  } else {
    let verifier = null;
    try {
      // A fresh verifier (and so a fresh replay store) per run: the inspector shows what a
      // server would decide on first seeing this request.
      verifier = new api.Verifier(pol.policy);
    } catch (e) {
      showError($("policy-error"), `The core refused the policy: ${message(e)}`);
      verdict = { state: "warn", title: "The policy is not valid", detail: message(e) };
    }
    if (verifier) {
      const common = { now: state.now, expectedChallenge: val("p-challenge").trim() || undefined, explain: true };
      try {
        result = await verifier.verify({ ...input.request, ...common });
      } catch (e) {
        verdict = { state: "warn", title: "The request cannot be verified", detail: message(e) };
        if (state.mode === "raw") setInvalid($("raw"), $("raw-error"), `The request cannot be verified: ${message(e)}`);
      }
    }
  }
  if (seq !== runSeq) return; // a newer run has started

  state.result = result;
  const checks = result?.checks ?? [];
  const checkMap = new Map(checks.map((c) => [c.id, c]));
  let deciding;
  if (result) {
    if (result.ok) {
      verdict = {
        state: "ok",
        title: "Accepted",
        detail: `The server would authenticate client ${clip(result.clientId, 300)} (${result.mechanism}).`,
      };
    } else {
      deciding = (checks.find((c) => c.status === "fail" && c.reason === result.reason) ?? checks.find((c) => c.status === "fail"))?.id;
      verdict = {
        state: "fail",
        title: `Rejected: ${result.error}`,
        detail: `${result.reason} (${result.requirement}) — ${result.description}${result.status ? ` · HTTP ${result.status}` : ""}`,
        jump: deciding ? { check: deciding, label: `Show the failing check (${deciding}) ↓` } : undefined,
      };
    }
  }
  renderBanner($("banner"), verdict);
  const at = $("verified-at");
  clear(at);
  if (result) {
    at.append(
      `Verified as of ${fmtDate(state.now)}${state.live ? " (current time)" : state.now === examples.time ? " (the draft examples' time)" : ""} · `,
      h("a", { href: "#now-input", text: "change “now”" }),
    );
  }
  $("banner").dataset.reason = result && !result.ok ? result.reason : "";
  if (result) renderChecks($("checks"), $("checks-summary"), checks, { hideNa: $("hide-na").checked, deciding });
  else renderChecks($("checks"), $("checks-summary"), state.checkTable, { hideNa: false, idle: true });
  renderShape($("shape"), shapeChips(result, checkMap, items));
  renderBinding($("binding"), {
    att: first("attestation"),
    pop: first("pop"),
    dpop: first("dpop"),
    checks: checkMap,
    audit: result?.audit ?? null,
    combined: result?.audit?.mechanism === "dpop_combined",
  });
  state.timeline = { rows: timelineRows(items, maxPopAge), now: state.now, tolerance };
  renderTimeline($("timeline"), state.timeline);
  renderResponse($("response"), result);
  persist();
}

function shapeChips(result, checks, items) {
  const chips = [];
  const mech = result?.audit?.mechanism;
  const dpopSent = checks.get("dpop.header")?.status === "pass";
  if (mech === "dpop_combined") chips.push({ text: "combined mode: attestation + DPoP proof (since -09)", tone: "info" });
  else if (mech === "attestation_pop_jwt" && dpopSent) chips.push({ text: "three JWTs: attestation + PoP + DPoP", tone: "info" });
  else if (mech === "attestation_pop_jwt") chips.push({ text: "normal mode: attestation + PoP", tone: "info" });
  else if (checks.get("pop.header")?.reason === "pop.combined_mode_not_enabled") chips.push({ text: "combined mode (not enabled in the policy)", tone: "warn" });
  const seen = new Set();
  for (const it of items) {
    for (const hint of [...(it.inspection?.hints ?? []), ...(it.inspection?.parts ?? []).flatMap((p) => p.hints ?? [])]) {
      if (seen.has(hint.code)) continue;
      seen.add(hint.code);
      chips.push({ text: `${hint.code} · ${hint.drafts}`, title: hint.message, tone: "legacy" });
    }
  }
  if (mech && ![...seen].some((c) => c !== "attestation.no_iat")) chips.push({ text: "-11 claims", tone: "info" });
  return chips;
}

function timelineRows(items, maxPopAge) {
  const rows = [];
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  for (const it of items) {
    const c = it.inspection?.claims;
    if (!c) continue;
    const row = { label: it.label.replace("Client Attestation", "Attestation"), iat: num(c.iat), nbf: num(c.nbf), exp: num(c.exp) };
    if (it.expected !== "attestation" && row.iat !== undefined) {
      row.window = [row.iat, row.iat + maxPopAge];
      row.windowLabel = `accepted until iat + ${maxPopAge} s (max PoP age)`;
    }
    rows.push(row);
  }
  return rows;
}

// ---- URL-fragment state (opt-in) -------------------------------------------------------------

function snapshot() {
  return {
    mode: state.mode,
    method: val("f-method"),
    url: val("f-url"),
    att: val("f-attestation"),
    pop: val("f-pop"),
    dpop: val("f-dpop"),
    clientId: val("f-client-id"),
    accessToken: val("f-access-token"),
    extra: state.extraHeaders,
    raw: val("raw"),
    audience: val("p-audience"),
    role: val("p-role"),
    jwks: val("p-jwks"),
    algs: [...document.querySelectorAll('input[name="alg"]:checked')].map((c) => c.value),
    tolerance: val("p-tolerance"),
    maxPopAge: val("p-maxpop"),
    challenge: val("p-challenge"),
    combined: $("p-combined").checked,
    legacy: $("p-legacy").checked,
    now: state.live ? null : state.now,
  };
}

function applySnapshot(st) {
  const str = (v, d = "") => (typeof v === "string" ? v : d);
  setMode(st.mode === "raw" ? "raw" : "fields");
  $("f-method").value = str(st.method, "POST");
  $("f-url").value = str(st.url);
  $("f-attestation").value = str(st.att);
  $("f-pop").value = str(st.pop);
  $("f-dpop").value = str(st.dpop);
  $("f-client-id").value = str(st.clientId);
  $("f-access-token").value = str(st.accessToken);
  setExtraHeaders(Array.isArray(st.extra) ? st.extra.filter((p) => Array.isArray(p) && p.length === 2).map(([n, v]) => [String(n), String(v)]) : []);
  $("raw").value = str(st.raw);
  $("p-audience").value = str(st.audience);
  $("p-role").value = st.role === "rs" ? "rs" : "as";
  $("p-jwks").value = str(st.jwks);
  const algs = Array.isArray(st.algs) ? st.algs : ["ES256", "EdDSA", "Ed25519"];
  for (const c of document.querySelectorAll('input[name="alg"]')) c.checked = algs.includes(c.value);
  $("p-tolerance").value = str(st.tolerance, "30");
  $("p-maxpop").value = str(st.maxPopAge, "300");
  $("p-challenge").value = str(st.challenge);
  $("p-combined").checked = st.combined === true;
  $("p-legacy").checked = st.legacy === true;
  if (typeof st.now === "number") setNow(st.now);
  else setNow(nowSeconds(), { live: true });
}

function persist() {
  if (!$("share-toggle").checked) return;
  const ok = writeFragment(snapshot());
  $("share-status").textContent = ok ? "The URL now carries this state." : "Too large to put in the URL; the fragment was not updated.";
}

// ---- inputs: modes, extra headers, examples --------------------------------------------------

function setMode(mode) {
  state.mode = mode;
  for (const r of document.querySelectorAll('input[name="input-mode"]')) r.checked = r.value === mode;
  $("fields-input").hidden = mode !== "fields";
  $("raw-input").hidden = mode !== "raw";
}

function setExtraHeaders(pairs) {
  state.extraHeaders = pairs;
  const ul = clear($("extra-header-list"));
  for (const [n, v] of pairs.slice(0, 200)) ul.append(h("li", {}, h("strong", { text: `${clip(n, 100)}: ` }), clip(v, 90)));
  if (pairs.length > 200) ul.append(h("li", { text: `… and ${pairs.length - 200} more header lines` }));
  $("extra-headers").hidden = pairs.length === 0;
}

/** Copies the parsed request into the token fields (first line of each header). */
function rawToFields() {
  const p = state.parsed;
  if (!p) return;
  const headers = p.headers ?? [];
  const used = new Set();
  const take = (name) => {
    const i = headers.findIndex(([n], idx) => !used.has(idx) && n.toLowerCase() === name);
    if (i < 0) return "";
    used.add(i);
    return headers[i][1].trim();
  };
  $("f-method").value = p.method ?? "";
  $("f-url").value = p.url ?? "";
  $("f-attestation").value = take(HEADER_NAMES.attestation);
  $("f-pop").value = take(HEADER_NAMES.pop);
  $("f-dpop").value = take(HEADER_NAMES.dpop);
  $("f-access-token").value = p.accessToken ?? "";
  $("f-client-id").value = p.clientId ?? "";
  setExtraHeaders(headers.filter((_, i) => !used.has(i)));
  setMode("fields");
  run().catch(appError);
}

const JWKS_TEXT = () => JSON.stringify({ keys: [examples.attesterJwk] }, null, 2);

function loadExample(name) {
  const base = {
    mode: "fields",
    method: "POST",
    url: "https://as.example.com/token",
    att: examples.attestation,
    pop: examples.popAs,
    dpop: "",
    clientId: "",
    accessToken: "",
    extra: [],
    raw: "",
    audience: "https://as.example.com",
    role: "as",
    jwks: JWKS_TEXT(),
    algs: ["ES256", "EdDSA", "Ed25519"],
    tolerance: "30",
    maxPopAge: "300",
    challenge: "",
    combined: false,
    legacy: false,
    now: examples.time,
  };
  const variants = {
    as: {},
    rs: { method: "GET", url: "https://rs.example.com/resource", pop: examples.popRs, accessToken: "2YotnFZFEjr1zCsicMWpAA", audience: "https://rs.example.com", role: "rs" },
    raw: { mode: "raw", raw: examples.tokenRequestHttp, att: "", pop: "" },
    legacy09: { att: examples.legacy09.attestation, pop: examples.legacy09.pop, legacy: true },
    legacy07: { att: examples.legacy07.attestation, pop: examples.legacy07.pop, legacy: true, now: 1300816000 },
  };
  applySnapshot({ ...base, ...(variants[name] ?? {}) });
  run().catch(appError);
}

// ---- builder ---------------------------------------------------------------------------------

function keyInfoText(k, what) {
  if (!k) return `No ${what} key yet.`;
  return `${k.alg}${k.kid ? ` · kid ${k.kid}` : ""} · thumbprint ${k.thumbprint}`;
}

function showKeys() {
  $("b-attester-info").textContent = keyInfoText(state.builder.attester, "attester");
  $("b-instance-info").textContent = keyInfoText(state.builder.instance, "instance");
}

function draftKey(privateJwk, alg) {
  const info = api.publicKeyInfo(privateJwk);
  return { alg, privateJwk, publicJwk: info.publicJwk, thumbprint: info.thumbprint };
}

function builderError(text) {
  showError($("b-error"), text);
}

function tamperSignature(jwt) {
  const [a, b, sig] = jwt.split(".");
  const i = Math.min(10, sig.length - 2);
  const flipped = sig[i] === "A" ? "B" : "A";
  return `${a}.${b}.${sig.slice(0, i)}${flipped}${sig.slice(i + 1)}`;
}

const shellQuote = (v) => `'${v.replace(/'/g, "'\\''")}'`;

function mint() {
  builderError("");
  const b = state.builder;
  try {
    if (!b.attester) b.attester = { ...api.generateKey(val("b-att-alg")) };
    if (!b.instance) b.instance = api.generateKey(val("b-inst-alg"));
    b.attester.kid = val("b-kid").trim() || undefined;
    showKeys();
    const now = state.live ? nowSeconds() : state.now;
    const brk = val("b-break");
    const proof = document.querySelector('input[name="b-proof"]:checked').value;
    const lifetime = Number(val("b-lifetime")) || 86400;
    const clientId = val("b-client-id").trim();
    const method = val("b-method").trim() || "POST";
    const url = val("b-url").trim();
    const audience = val("b-audience").trim();
    const challenge = val("b-challenge").trim() || undefined;
    let claims;
    const claimsText = val("b-claims").trim();
    if (claimsText) {
      try {
        claims = JSON.parse(claimsText);
      } catch (e) {
        throw new TypeError(`extra claims are not JSON: ${message(e)}`);
      }
      if (!claims || typeof claims !== "object" || Array.isArray(claims)) throw new TypeError("extra claims must be a JSON object");
    }
    const attNow = brk === "att-expired" ? now - lifetime - 3600 : now;
    let attestation = api.createAttestation({ issuerKey: b.attester, kid: b.attester.kid, clientId, instanceKey: b.instance, now: attNow, expiresIn: lifetime, claims });
    if (brk === "att-tampered") attestation = tamperSignature(attestation);
    const proofNow = now + (brk === "pop-stale" ? -600 : brk === "pop-future" ? 600 : 0);
    let pop = null;
    let dpop = null;
    if (proof !== "dpop") {
      pop = api.createPop({
        key: brk === "pop-key" ? api.generateKey(b.instance.alg) : b.instance,
        audience: brk === "pop-aud" ? "https://other.example.net" : audience,
        challenge,
        now: proofNow,
        clientId,
        legacyClaims: brk === "legacy",
      });
    }
    if (proof !== "pop") {
      dpop = api.createDpopProof({
        key: brk === "dpop-key" ? api.generateKey(b.instance.alg) : b.instance,
        method,
        url: brk === "dpop-htu" ? "https://other.example.net/token" : url,
        nonce: proof === "dpop" ? challenge : undefined,
        now: proofNow,
      });
    }
    const trusted =
      brk === "att-untrusted"
        ? { ...api.generateKey(b.attester.alg).publicJwk, kid: "another-attester" }
        : { ...b.attester.publicJwk, ...(b.attester.kid ? { kid: b.attester.kid } : {}) };
    const headers = [["OAuth-Client-Attestation", attestation]];
    if (pop) headers.push(["OAuth-Client-Attestation-PoP", pop]);
    if (dpop) headers.push(["DPoP", dpop]);
    const body = val("b-body").trim();
    const hasBody = body !== "" && !/^(GET|HEAD)$/i.test(method);
    b.minted = { headers, method, url, body: hasBody ? body : "", audience, jwks: { keys: [trusted] }, combined: proof === "dpop", challenge: proof !== "dpop" ? challenge : undefined, now };

    $("b-headers").textContent = headers.map(([n, v]) => `${n}: ${v}`).join("\n");
    const curl = [`curl${/^GET$/i.test(method) ? "" : ` -X ${method}`} ${shellQuote(url)}`, ...headers.map(([n, v]) => `  -H ${shellQuote(`${n}: ${v}`)}`)];
    if (hasBody) curl.push(`  -H ${shellQuote("Content-Type: application/x-www-form-urlencoded")}`, `  --data ${shellQuote(body)}`);
    $("b-curl").textContent = curl.join(" \\\n");
    const brkText = brk ? ` Broken on purpose: ${$("b-break").selectedOptions[0].textContent}.` : "";
    $("b-minted-at").textContent = `Minted at ${fmtDate(now)} (the inspector's “now”).${brkText}`;
    $("b-output").hidden = false;
    $("b-copy-status").textContent = "";
  } catch (e) {
    builderError(`Could not mint: ${message(e)}`);
  }
}

function verifyMinted() {
  const m = state.builder.minted;
  if (!m) return;
  const get = (name) => m.headers.find(([n]) => n === name)?.[1] ?? "";
  setMode("fields");
  $("f-method").value = m.method;
  $("f-url").value = m.url;
  $("f-attestation").value = get("OAuth-Client-Attestation");
  $("f-pop").value = get("OAuth-Client-Attestation-PoP");
  $("f-dpop").value = get("DPoP");
  $("f-client-id").value = "";
  $("f-access-token").value = "";
  setExtraHeaders([]);
  $("p-audience").value = m.audience;
  $("p-jwks").value = JSON.stringify(m.jwks, null, 2);
  $("p-combined").checked = m.combined;
  $("p-challenge").value = m.challenge ?? "";
  if (!state.live) setNow(m.now);
  selectTab("inspect");
  run()
    .then(() => $("results").focus())
    .catch(appError);
}

async function copyText(text, what) {
  const status = $("b-copy-status");
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = `Copied ${what}.`;
  } catch {
    const pre = what === "curl" ? $("b-curl") : $("b-headers");
    const range = document.createRange();
    range.selectNodeContents(pre);
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    status.textContent = "The clipboard is not available here: the text is selected, press Ctrl+C / ⌘C.";
  }
}

// ---- tabs ------------------------------------------------------------------------------------

function selectTab(name, focus = false) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t.id === `tab-${name}`;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
    if (on && focus) t.focus();
  }
}

function wireTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const t of tabs) {
    t.addEventListener("click", () => selectTab(t.id.slice(4)));
    t.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(t);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      selectTab(tabs[(next + tabs.length) % tabs.length].id.slice(4), true);
    });
  }
}

// ---- errors that escape everything else ------------------------------------------------------

function appError(e) {
  const el = $("app-error");
  el.textContent = `Something went wrong in the page: ${message(e)}. The inputs are kept; change one to try again.`;
  el.hidden = false;
  const banner = $("banner");
  if (banner.dataset.state === "loading" || banner.dataset.state === "neutral") {
    renderBanner(banner, { state: "warn", title: "Something went wrong", detail: message(e) });
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function wire() {
  const rerun = () => schedule();
  for (const id of ["f-method", "f-url", "f-attestation", "f-pop", "f-dpop", "f-client-id", "f-access-token", "raw", "p-audience", "p-jwks", "p-tolerance", "p-maxpop", "p-challenge"]) {
    $(id).addEventListener("input", rerun);
  }
  for (const el of document.querySelectorAll('input[name="alg"], #p-combined, #p-legacy, #p-role')) el.addEventListener("change", rerun);
  for (const r of document.querySelectorAll('input[name="input-mode"]')) {
    r.addEventListener("change", () => {
      setMode(r.value);
      schedule(0);
    });
  }
  $("hide-na").addEventListener("change", () => {
    for (const li of $("checks").children) li.hidden = $("hide-na").checked && li.dataset.status === "not_applicable";
  });
  $("load-example").addEventListener("click", () => loadExample(val("example-select")));
  $("clear-extra").addEventListener("click", () => {
    setExtraHeaders([]);
    schedule(0);
  });
  $("raw-to-fields").addEventListener("click", rawToFields);

  for (const btn of document.querySelectorAll("[data-shift]")) {
    btn.addEventListener("click", () => {
      setNow(state.now + Number(btn.dataset.shift));
      schedule(0);
    });
  }
  $("now-live").addEventListener("click", () => {
    setNow(nowSeconds(), { live: true });
    schedule(0);
  });
  $("now-draft").addEventListener("click", () => {
    setNow(examples.time);
    schedule(0);
  });
  $("now-input").addEventListener("change", () => {
    const v = Number($("now-input").value);
    setNow(Number.isFinite(v) ? v : state.now);
    schedule(0);
  });
  $("now-slider").addEventListener("input", () => {
    if (state.anchor === null) return;
    setNow(state.anchor + Number($("now-slider").value));
    schedule(60);
  });

  $("share-toggle").addEventListener("change", () => {
    if ($("share-toggle").checked) persist();
    else {
      clearFragment();
      $("share-status").textContent = "The URL no longer carries the state.";
    }
  });
  window.addEventListener("hashchange", () => {
    const st = decodeState(location.hash);
    if (!st) return;
    $("share-toggle").checked = true;
    applySnapshot(st);
    schedule(0);
  });

  // The sticky verdict pill (narrow screens) hides while the banner itself is on screen.
  new IntersectionObserver(([entry]) => $("mini-verdict").classList.toggle("in-view", entry.isIntersecting)).observe($("banner"));

  let resizeTimer = 0;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => state.timeline && renderTimeline($("timeline"), state.timeline), 100);
  }).observe($("timeline"));

  // builder
  $("b-gen-attester").addEventListener("click", () => {
    try {
      state.builder.attester = { ...api.generateKey(val("b-att-alg")), kid: val("b-kid").trim() || undefined };
      if (val("b-kid").trim() === "11") $("b-kid").value = "attester-1";
      state.builder.attester.kid = val("b-kid").trim() || undefined;
      showKeys();
      builderError("");
    } catch (e) {
      builderError(message(e));
    }
  });
  $("b-draft-attester").addEventListener("click", () => {
    try {
      state.builder.attester = { ...draftKey(examples.attesterPrivateJwk, "ES256"), kid: "11" };
      $("b-kid").value = "11";
      $("b-att-alg").value = "ES256";
      showKeys();
      builderError("");
    } catch (e) {
      builderError(message(e));
    }
  });
  $("b-gen-instance").addEventListener("click", () => {
    try {
      state.builder.instance = api.generateKey(val("b-inst-alg"));
      showKeys();
      builderError("");
    } catch (e) {
      builderError(message(e));
    }
  });
  $("b-draft-instance").addEventListener("click", () => {
    try {
      state.builder.instance = draftKey(examples.instancePrivateJwk, "ES256");
      $("b-inst-alg").value = "ES256";
      showKeys();
      builderError("");
    } catch (e) {
      builderError(message(e));
    }
  });
  $("b-mint").addEventListener("click", mint);
  $("b-verify").addEventListener("click", verifyMinted);
  $("b-copy-headers").addEventListener("click", () => copyText($("b-headers").textContent, "headers"));
  $("b-copy-curl").addEventListener("click", () => copyText($("b-curl").textContent, "curl"));
}

async function main() {
  window.addEventListener("error", (e) => appError(e.error ?? e.message));
  window.addEventListener("unhandledrejection", (e) => appError(e.reason));
  wireTabs();
  setNow(nowSeconds(), { live: true });
  try {
    api = await import("../js/browser.js");
  } catch (e) {
    renderBanner($("banner"), {
      state: "warn",
      title: "The verifier could not be loaded",
      detail: `${message(e)}. Serve the page over http (make demo, or scripts/serve-www): browsers do not load WebAssembly modules from file:// URLs.`,
    });
    document.documentElement.dataset.ready = "error";
    return;
  }
  for (const r of api.reasons()) state.reasons.set(r.reason, r);
  // The check table, shown (as "not run yet") until there is something to verify.
  state.checkTable = typeof api.checks === "function" ? api.checks().map((c) => ({ ...c, status: "idle", reason: null, description: null })) : [];
  wire();
  const st = decodeState(location.hash);
  if (st) {
    $("share-toggle").checked = true;
    applySnapshot(st);
  }
  await run();
  document.documentElement.dataset.ready = "true";
  document.documentElement.dataset.readyMs = String(Math.round(performance.now()));
}

main().catch(appError);
