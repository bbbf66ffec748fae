// DOM rendering for the inspector: layout, the key-binding diagram, the timeline geometry and the
// response view. Presentation only: every decision shown here (check statuses, reasons, the
// verdict, decoded tokens, hints, the HTTP response) comes from the core through the JS API.
// Untrusted text (token contents) is only ever set with textContent, never parsed as HTML.

import { CLAIMS, DATES, HEADER, KIND_NAMES } from "./claims.js";

// ---- DOM helpers -----------------------------------------------------------------------------

export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";
export function s(tag, attrs = {}, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "class") el.setAttribute("class", v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === undefined || k === null || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// ---- formatting ------------------------------------------------------------------------------

export function fmtDate(sec) {
  if (typeof sec !== "number" || !Number.isFinite(sec)) return String(sec);
  const d = new Date(sec * 1000);
  if (Number.isNaN(d.getTime())) return String(sec);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function fmtDuration(secs) {
  const a = Math.abs(secs);
  if (a < 60) return `${Math.round(a)} s`;
  if (a < 3600) return `${+(a / 60).toFixed(a < 600 ? 1 : 0)} min`;
  if (a < 86400) return `${+(a / 3600).toFixed(1)} h`;
  if (a < 86400 * 365) return `${+(a / 86400).toFixed(a < 86400 * 10 ? 1 : 0)} d`;
  return `${+(a / (86400 * 365.25)).toFixed(1)} y`;
}

/** A date cell that wraps between the day and the time, never inside them. */
function dateCell(t) {
  const [day, ...rest] = fmtDate(t).split(" ");
  return h("td", {}, h("span", { class: "nowrap", text: day }), " ", h("span", { class: "nowrap", text: rest.join(" ") }));
}

export function fmtRelative(t, now) {
  const d = t - now;
  if (d === 0) return "exactly now";
  return d < 0 ? `${fmtDuration(d)} before now` : `${fmtDuration(d)} after now`;
}

/** Long text from the core or the inputs, shortened for display (the page stays responsive). */
export function clip(text, max = 2000) {
  const t = String(text ?? "");
  return t.length > max ? `${t.slice(0, max)}… (${t.length - max} more characters)` : t;
}

const STATUS_TEXT = { 200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 503: "Service Unavailable" };

// ---- verdict banner --------------------------------------------------------------------------

const ICONS = { ok: "✓", fail: "✗", warn: "!", neutral: "…" };

export function renderBanner(el, { state, title, detail, jump }) {
  el.className = `banner ${state}`;
  el.dataset.state = state;
  el.querySelector(".banner-icon").textContent = ICONS[state] ?? "…";
  el.querySelector("#banner-title").textContent = clip(title, 300);
  el.querySelector("#banner-detail").textContent = clip(detail, 1000);
  const jumpEl = el.querySelector("#banner-jump");
  if (jumpEl) {
    jumpEl.hidden = !jump;
    if (jump) {
      jumpEl.textContent = jump.label;
      jumpEl.onclick = () => {
        const li = document.querySelector(`#checks li[data-check="${CSS.escape(jump.check)}"]`);
        if (!li) return;
        li.tabIndex = -1;
        li.scrollIntoView({ block: "center" });
        li.focus({ preventScroll: true });
      };
    }
  }
  const mini = document.getElementById("mini-verdict");
  if (mini) {
    mini.className = `mini-verdict ${state}`;
    mini.querySelector("#mini-verdict-text").textContent = `${ICONS[state] ?? ""} ${clip(title, 120)}`;
  }
}

// ---- checks ----------------------------------------------------------------------------------

const STATUS = {
  pass: { icon: "✓", label: "pass", note: "" },
  fail: { icon: "✗", label: "fail", note: "" },
  not_applicable: { icon: "–", label: "n/a", note: "" },
  not_evaluated: { icon: "○", label: "not evaluated", note: "Not evaluated: an input it needs is missing or failed earlier." },
  pending: { icon: "…", label: "pending", note: "Waiting for a signature result or the replay store." },
  idle: { icon: "·", label: "not run yet", note: "" },
};

export function renderChecks(list, summary, checks, { hideNa, deciding, idle }) {
  clear(list);
  if (!Array.isArray(checks) || checks.length === 0) {
    summary.textContent = "No checks yet.";
    return;
  }
  if (idle) {
    summary.textContent = `Nothing verified yet. These are the ${checks.length} checks a request goes through, in the order that decides.`;
  }
  const counts = {};
  for (const c of checks) counts[c.status] = (counts[c.status] ?? 0) + 1;
  if (!idle) summary.textContent = [
    `${counts.pass ?? 0} passed`,
    `${counts.fail ?? 0} failed`,
    counts.not_applicable ? `${counts.not_applicable} not applicable` : null,
    counts.not_evaluated ? `${counts.not_evaluated} not evaluated` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  checks.forEach((c, i) => {
    const st = STATUS[c.status] ?? { icon: "?", label: c.status, note: "" };
    const decides = deciding !== undefined && c.id === deciding;
    const li = h(
      "li",
      {
        class: `check ${c.status}${decides ? " decides" : ""}`,
        "data-check": c.id,
        "data-status": c.status,
        hidden: hideNa && c.status === "not_applicable",
      },
      h("span", { class: "status", "aria-hidden": "true", text: st.icon }),
      h(
        "div",
        { class: "check-body" },
        h(
          "div",
          { class: "check-head" },
          h("span", { class: "visually-hidden", text: `${i + 1}. ${st.label}: ` }),
          h("span", { class: "req", text: c.requirement === "-" ? "request" : c.requirement }),
          h("code", { class: "cid", text: c.id }),
          c.status === "pass" || c.status === "idle" ? null : h("span", { class: "badge", "aria-hidden": "true", text: st.label }),
          decides ? h("span", { class: "badge decides-badge", text: "decides" }) : null,
        ),
        h("p", { class: "title", text: c.title }),
        c.status === "fail"
          ? h("p", { class: "why" }, h("code", { text: c.reason }), " ", clip(c.description, 1000))
          : st.note
            ? h("p", { class: "why muted", text: st.note })
            : null,
      ),
    );
    list.append(li);
  });
}

// ---- detected shape --------------------------------------------------------------------------

export function renderShape(el, chips) {
  clear(el);
  if (chips.length === 0) return;
  el.append(h("span", { class: "chips-label", text: "Detected shape:" }));
  for (const c of chips) el.append(h("span", { class: `chip ${c.tone ?? ""}`, title: c.title ?? null, text: c.text }));
}

// ---- key-binding diagram ---------------------------------------------------------------------

/** A decorative colour strip from a thumbprint, so equal keys look equal at a glance. */
function swatch(thumbprint) {
  const strip = h("span", { class: "swatch", "aria-hidden": "true" });
  if (!thumbprint) return strip;
  const cells = 8;
  const g = s("svg", { viewBox: `0 0 ${cells * 10} 10`, width: cells * 10, height: 10, focusable: "false" });
  for (let i = 0; i < cells; i++) {
    const code = thumbprint.charCodeAt(i * 3 % thumbprint.length) * 37 + thumbprint.charCodeAt((i * 5 + 1) % thumbprint.length);
    g.append(s("rect", { x: i * 10, y: 0, width: 10, height: 10, fill: `hsl(${code % 360} 65% 50%)` }));
  }
  strip.append(g);
  return strip;
}

function keyBox(title, lines, thumbprint, tone) {
  return h(
    "div",
    { class: `keybox ${tone ?? ""}` },
    h("div", { class: "keybox-title", text: title }),
    thumbprint ? h("div", { class: "thumb" }, swatch(thumbprint), h("code", { class: "mono", text: thumbprint })) : null,
    lines.filter(Boolean).map((l) => h("p", { class: "small", text: l })),
  );
}

function link(state, label) {
  const glyph = { match: "=", mismatch: "≠", unknown: "?", info: "→" }[state];
  return h(
    "div",
    { class: `link ${state}` },
    h("span", { class: "link-glyph", "aria-hidden": "true", text: glyph }),
    h("span", { class: "link-label", text: label }),
  );
}

function checkState(check) {
  if (!check) return "unknown";
  if (check.status === "pass") return "match";
  if (check.status === "fail") return "mismatch";
  return "unknown";
}

/**
 * att/pop/dpop: { token, inspection } or null; checks: Map id → check; audit: the result's
 * audit record (or null).
 */
export function renderBinding(el, { att, pop, dpop, checks, audit, combined }) {
  clear(el);
  if (!att && !pop && !dpop) {
    el.append(h("p", { class: "note", text: "Enter an attestation and a PoP or DPoP proof to see how the keys tie together." }));
    return;
  }
  const ai = att?.inspection;
  const cnfThumb = ai?.thumbprint ?? audit?.instanceKeyThumbprint ?? null;
  const sig = checks.get("attestation.signature");
  const row1 = h("div", { class: "binding-row" });
  const kid = ai?.header?.kid;
  row1.append(
    keyBox(
      "Trusted attester key",
      [
        kid !== undefined ? `kid ${clip(JSON.stringify(kid), 100)}` : "no kid in the attestation header",
        audit?.attester ? `attester: ${clip(audit.attester, 100)}` : null,
      ],
      audit?.attesterKeyThumbprint ?? null,
    ),
    link(
      checkState(sig),
      sig?.status === "pass"
        ? "signed the attestation"
        : sig?.status === "fail"
          ? `did not sign it (${sig.reason})`
          : "signature not checked",
    ),
    keyBox(
      "Attestation cnf.jwk (instance key)",
      [ai?.keyError ? `key problem: ${ai.keyError}` : null, att ? null : "no attestation"],
      cnfThumb,
      cnfThumb ? "" : "missing",
    ),
  );
  el.append(row1);

  if (pop) {
    const ps = checks.get("pop.signature");
    const state = checkState(ps);
    el.append(
      h(
        "div",
        { class: "binding-row" },
        keyBox("Attestation cnf.jwk", [], cnfThumb),
        link(
          state,
          state === "match"
            ? "the PoP is signed by this key"
            : state === "mismatch"
              ? `the PoP is not signed by this key (${ps.reason})`
              : "PoP signature not checked",
        ),
        keyBox(
          "PoP signer",
          [state === "match" ? "verified with cnf.jwk" : state === "mismatch" ? "another key (a PoP names no key of its own)" : "unknown"],
          state === "match" ? cnfThumb : null,
          state === "mismatch" ? "bad" : "",
        ),
      ),
    );
  }
  if (dpop) {
    const di = dpop.inspection;
    const dThumb = di?.thumbprint ?? audit?.dpopKeyThumbprint ?? null;
    const kb = checks.get("dpop.key_binding");
    let state;
    let label;
    if (combined || kb?.status === "pass" || kb?.status === "fail") {
      state = checkState(kb);
      label =
        state === "match"
          ? "the DPoP key is cnf.jwk (same RFC 7638 thumbprint)"
          : state === "mismatch"
            ? `the DPoP key is not cnf.jwk (${kb.reason})`
            : "key binding not checked";
    } else {
      state = "info";
      label = "independent DPoP key: with a PoP it need not be cnf.jwk (RFC 9449 on its own)";
    }
    el.append(
      h(
        "div",
        { class: "binding-row" },
        keyBox("Attestation cnf.jwk", [], cnfThumb),
        link(state, label),
        keyBox("DPoP header jwk", [di?.keyError ? `key problem: ${di.keyError}` : null], dThumb, state === "mismatch" ? "bad" : ""),
      ),
    );
  }
}

// ---- timeline --------------------------------------------------------------------------------

// Symmetric-log scale around "now": seconds near now get room, years far away are compressed,
// so a 5-minute PoP window and a 24-year attestation fit on one axis.
const LIN = 20; // seconds of near-linear range
const sl = (d) => Math.sign(d) * Math.log10(1 + Math.abs(d) / LIN);
const TICKS = [
  [60, "1 min"],
  [300, "5 min"],
  [3600, "1 h"],
  [86400, "1 d"],
  [30 * 86400, "30 d"],
  [365 * 86400, "1 y"],
  [10 * 365 * 86400, "10 y"],
  [100 * 365 * 86400, "100 y"],
];

/**
 * rows: [{ label, iat?, nbf?, exp?, window?: [from, to], windowLabel }]; now, tolerance in s.
 */
export function renderTimeline(el, { rows, now, tolerance }) {
  clear(el);
  const usable = rows.filter((r) => [r.iat, r.nbf, r.exp].some((t) => typeof t === "number" && Number.isFinite(t)));
  if (usable.length === 0) {
    el.append(h("p", { class: "note", text: "No iat, nbf or exp to place on a timeline yet." }));
    return;
  }
  const width = Math.max(280, Math.floor(el.clientWidth || 600));
  const labelW = width < 480 ? 74 : 110;
  const pad = 14;
  const rowH = 44;
  const top = 30;
  const height = top + usable.length * rowH + 34;
  const points = [];
  for (const r of usable) {
    for (const t of [r.iat, r.nbf, r.exp, ...(r.window ?? [])]) if (Number.isFinite(t)) points.push(t - now);
  }
  const span = Math.max(600, tolerance * 4, ...points.map(Math.abs));
  const L = sl(span) * 1.06;
  const x0 = labelW + pad;
  const x1 = width - pad;
  const mid = (x0 + x1) / 2;
  const X = (t) => mid + (sl(t - now) / L) * ((x1 - x0) / 2);

  const svgEl = s("svg", {
    class: "tl",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": "Timeline of iat, nbf and exp against now; the table below lists the same times.",
  });
  // tolerance window around now
  const tx0 = X(now - tolerance);
  const tx1 = X(now + tolerance);
  svgEl.append(
    s("rect", { class: "tl-tol", x: Math.min(tx0, mid - 2), y: top - 8, width: Math.max(tx1 - tx0, 4), height: usable.length * rowH + 8 }),
  );
  // axis + ticks
  const axisY = top + usable.length * rowH + 4;
  svgEl.append(s("line", { class: "tl-axis", x1: x0, x2: x1, y1: axisY, y2: axisY }));
  let lastRight = -Infinity;
  let lastLeft = Infinity;
  for (const [d, label] of TICKS) {
    if (d > span) break;
    for (const sign of [1, -1]) {
      const x = X(now + sign * d);
      if (sign > 0 ? x - lastRight < 34 : lastLeft - x < 34) continue;
      if (Math.abs(x - mid) < 30) continue;
      if (sign > 0) lastRight = x;
      else lastLeft = x;
      svgEl.append(s("line", { class: "tl-tick", x1: x, x2: x, y1: axisY, y2: axisY + 5 }));
      svgEl.append(s("text", { class: "tl-ticktext", x, y: axisY + 17, "text-anchor": "middle" }, `${sign < 0 ? "−" : "+"}${label}`));
    }
  }
  // now line
  svgEl.append(s("line", { class: "tl-now", x1: mid, x2: mid, y1: top - 14, y2: axisY }));
  svgEl.append(s("text", { class: "tl-nowtext", x: mid, y: top - 17, "text-anchor": "middle" }, `now ±${tolerance} s`));

  usable.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    svgEl.append(s("text", { class: "tl-label", x: 4, y: y + 4 }, r.label));
    svgEl.append(s("line", { class: "tl-row", x1: x0, x2: x1, y1: y, y2: y }));
    const start = [r.nbf, r.iat].find(Number.isFinite);
    if (Number.isFinite(r.exp)) {
      const a = Number.isFinite(start) ? X(start) : x0;
      svgEl.append(s("rect", { class: "tl-valid", x: a, y: y - 5, width: Math.max(2, X(r.exp) - a), height: 10 }, s("title", {}, "valid until exp")));
    }
    if (r.window && r.window.every(Number.isFinite)) {
      const a = X(r.window[0]);
      const b = X(r.window[1]);
      svgEl.append(
        s("rect", { class: "tl-window", x: a, y: y - 5, width: Math.max(2, b - a), height: 10 }, s("title", {}, r.windowLabel ?? "accepted window")),
      );
    }
    const labels = [];
    for (const [name, t] of [["nbf", r.nbf], ["iat", r.iat], ["exp", r.exp]]) {
      if (!Number.isFinite(t)) continue;
      const x = X(t);
      const above = !labels.some((lx) => Math.abs(lx - x) < 30);
      labels.push(x);
      svgEl.append(
        s(
          "g",
          { class: `tl-mark ${name}` },
          name === "exp"
            ? s("rect", { x: x - 4, y: y - 6, width: 8, height: 12 })
            : name === "nbf"
              ? s("path", { d: `M${x} ${y - 7} L${x + 6} ${y + 5} L${x - 6} ${y + 5} Z` })
              : s("circle", { cx: x, cy: y, r: 5 }),
          s("title", {}, `${name} ${fmtDate(t)} (${fmtRelative(t, now)})`),
        ),
      );
      svgEl.append(s("text", { class: "tl-marktext", x, y: above ? y - 10 : y + 19, "text-anchor": "middle" }, name));
    }
  });
  el.append(svgEl);

  const item = (cls, text) => h("span", { class: "lg-item" }, h("span", { class: `lg ${cls}`, "aria-hidden": "true" }), ` ${text}`);
  const legend = h(
    "p",
    { class: "legend small" },
    item("lg-tol", "clock tolerance around now"),
    item("lg-valid", "valid until exp"),
    item("lg-window", "proof acceptance window (iat + max PoP age)"),
  );
  el.append(legend);

  const table = h(
    "table",
    { class: "times small" },
    h("caption", { class: "visually-hidden", text: "Token times" }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "token" }), h("th", { scope: "col", text: "claim" }), h("th", { scope: "col", text: "time (UTC)" }), h("th", { scope: "col", text: "relative" }))),
  );
  const tb = h("tbody");
  tb.append(h("tr", { class: "tl-now-row" }, h("td", { text: "—" }), h("td", { text: "now" }), dateCell(now), h("td", { text: `tolerance ±${tolerance} s` })));
  for (const r of usable) {
    for (const [name, t] of [["nbf", r.nbf], ["iat", r.iat], ["exp", r.exp]]) {
      if (!Number.isFinite(t)) continue;
      tb.append(h("tr", {}, h("td", { text: r.label }), h("td", {}, h("code", { text: name })), dateCell(t), h("td", { text: fmtRelative(t, now) })));
    }
    if (r.window && r.window.every(Number.isFinite)) {
      tb.append(h("tr", {}, h("td", { text: r.label }), h("td", { text: "accepted until" }), dateCell(r.window[1]), h("td", { text: fmtRelative(r.window[1], now) })));
    }
  }
  table.append(tb);
  el.append(h("div", { class: "table-wrap" }, table));
}

// ---- HTTP response ---------------------------------------------------------------------------

export function renderResponse(el, result) {
  clear(el);
  if (!result) {
    el.append(h("p", { class: "note", text: "No verification yet." }));
    return;
  }
  if (result.ok) {
    el.append(
      h("p", {}, "No error response: the request is authenticated and the server goes on with it (for example, issuing tokens)."),
      h(
        "dl",
        { class: "kv" },
        h("dt", { text: "client_id" }),
        h("dd", {}, h("code", { text: clip(result.clientId, 500) })),
        h("dt", { text: "mechanism" }),
        h("dd", {}, h("code", { text: result.mechanism })),
        h("dt", { text: "bind tokens to" }),
        h("dd", {}, h("code", { class: "mono", text: (result.dpopKey ?? result.instanceKey)?.thumbprint ?? "" })),
      ),
    );
    return;
  }
  const r = result.response;
  if (!r) {
    el.append(h("p", { class: "note", text: "The core produced no response for this result." }));
    return;
  }
  let body = r.body ?? "";
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    /* not JSON: show as sent */
  }
  const text = clip([`HTTP/1.1 ${r.status} ${STATUS_TEXT[r.status] ?? ""}`.trimEnd(), ...r.headers.map(([n, v]) => `${n}: ${v}`), "", body].join("\n"), 6000);
  el.append(h("pre", { class: "code wrap response", id: "response-text", tabindex: "0", text }));
}

// ---- tokens explained ------------------------------------------------------------------------

function valueCell(name, v, isDate, now) {
  if (isDate && typeof v === "number") {
    return h("td", {}, h("code", { text: String(v) }), h("div", { class: "small muted", text: fmtDate(v) }), Number.isFinite(now) ? h("div", { class: "small muted", text: fmtRelative(v, now) }) : null);
  }
  if (typeof v === "string") return h("td", {}, h("code", { class: "wrap", text: clip(v) }));
  return h("td", {}, h("pre", { class: "code inline", text: clip(JSON.stringify(v, null, 2), 4000) }));
}

function memberTable(caption, obj, meanings, legacyFlags, kind, section, now) {
  const t = h(
    "table",
    { class: "members" },
    h("caption", { text: caption }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "member" }), h("th", { scope: "col", text: "value" }), h("th", { scope: "col", text: "meaning" }))),
  );
  const tb = h("tbody");
  for (const [name, v] of Object.entries(obj)) {
    const meaning = meanings?.[name];
    const legacy = legacyFlags.get(name);
    const notes = [];
    if (legacy) {
      notes.push(h("span", { class: "flag legacy", text: `legacy ${legacy.drafts}` }), " ", legacy.message);
    }
    if (!meaning && !legacy) {
      notes.push(h("span", { class: "flag ignored", text: "ignored" }), " Not a member this verifier checks.");
    } else if (meaning) {
      if (notes.length) notes.push(h("br"));
      notes.push(meaning);
    }
    tb.append(
      h(
        "tr",
        { "data-member": `${section}.${name}`, "data-kind": kind },
        h("th", { scope: "row" }, h("code", { text: name })),
        valueCell(name, v, section === "claims" && DATES.has(name), now),
        h("td", { class: "meaning" }, notes),
      ),
    );
  }
  t.append(tb);
  return t;
}

/**
 * items: [{ label, expected: "attestation"|"pop"|"dpop", inspection, describeError(code) }]
 */
export function renderTokens(el, items, now) {
  clear(el);
  if (items.length === 0) {
    el.append(h("p", { class: "note", text: "No tokens yet." }));
    return;
  }
  for (const it of items) {
    const ins = it.inspection;
    const card = h("article", { class: "token", "data-token": it.expected });
    const kind = ins.kind;
    card.append(
      h(
        "h3",
        {},
        it.label,
        " ",
        h("span", { class: "kind", text: `detected: ${KIND_NAMES[kind] ?? kind}${ins.kindFromTyp ? " (from typ)" : kind !== "unknown" ? " (guessed from the claims)" : ""}` }),
      ),
    );
    if (kind !== "unknown" && kind !== it.expected) {
      card.append(h("p", { class: "warn-note", text: `This looks like a ${KIND_NAMES[kind]}, not a ${KIND_NAMES[it.expected]}.` }));
    }
    if (ins.error) {
      card.append(h("p", { class: "warn-note" }, h("code", { text: ins.error }), " ", it.describeError(ins.error)));
    }
    const general = [];
    for (const hint of ins.hints ?? []) general.push(hint);
    const parts = ins.parts ?? [];
    const legacyFlags = new Map();
    for (const hint of ins.hints ?? []) {
      const member = hint.code.split(".")[1];
      if (member && !member.startsWith("no_") && ins.claims && member in ins.claims) legacyFlags.set(member, hint);
    }
    const notes = general.filter((g) => !legacyFlags.has(g.code.split(".")[1]));
    if (notes.length) {
      card.append(
        h(
          "ul",
          { class: "hints" },
          notes.map((n) => h("li", {}, h("span", { class: "flag legacy", text: n.drafts }), " ", n.message)),
        ),
      );
    }
    const k = HEADER[kind] ? kind : it.expected;
    if (ins.header) card.append(memberTable("Header", ins.header, HEADER[k], new Map(), k, "header"));
    if (ins.claims) card.append(memberTable("Claims", ins.claims, CLAIMS[k], legacyFlags, k, "claims", now));
    if (ins.thumbprint) {
      card.append(h("p", { class: "small" }, kind === "dpop" ? "Header jwk" : "cnf.jwk", " RFC 7638 thumbprint: ", h("code", { class: "mono", text: ins.thumbprint })));
    }
    if (ins.keyError) card.append(h("p", { class: "warn-note", text: `Key: ${ins.keyError}` }));
    for (const [i, p] of parts.entries()) {
      card.append(h("h4", { text: `Part ${i + 1} of the concatenated value: ${KIND_NAMES[p.kind] ?? p.kind}` }));
      const pk = HEADER[p.kind] ? p.kind : "pop";
      if (p.header) card.append(memberTable("Header", p.header, HEADER[pk], new Map(), pk, "header"));
      if (p.claims) card.append(memberTable("Claims", p.claims, CLAIMS[pk], new Map(), pk, "claims", now));
    }
    if (!ins.header && !ins.claims && parts.length === 0) card.append(h("p", { class: "note", text: "Nothing could be decoded." }));
    el.append(card);
  }
}
