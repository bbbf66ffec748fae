// The interop matrix: peer × direction × mode → pass / fail / not supported.
//
// node --test runs each *.test.mjs in its own process, in any order and possibly in parallel.
// Each suite records its cells and, when it ends, writes them as a fragment into a directory
// shared by the run (keyed by the test runner's pid). Whichever suite finds every fragment present
// prints the whole matrix and writes tests/interop/MATRIX.md. Run alone, a suite prints its own
// part and leaves MATRIX.md untouched.

import { after } from "node:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Every suite contributing to the matrix, in display order. */
export const SUITES = ["jose", "openid4vc", "oidc-provider"];

const DIRECTIONS = ["discovery", "peer → ours", "ours → peer", "comparison"];
const RUN_PREFIX = "client-attestation-interop-";
const RUN_DIR = join(tmpdir(), `${RUN_PREFIX}${process.ppid}`);
const MATRIX_MD = fileURLToPath(new URL("./MATRIX.md", import.meta.url));
const FRESH_MS = 2 * 60 * 1000; // a fragment older than this belongs to an earlier run (a run takes seconds)

/**
 * Returns a recorder for one suite: `cell(key, fn, { label, detail })`, called inside a test,
 * runs `fn` and records the cell { peer, direction, mode } → label ("pass" by default) or FAIL.
 */
export function matrix(suite) {
  if (!SUITES.includes(suite)) throw new Error(`unknown suite ${suite}`);
  const rows = [];
  const add = (key, result, detail = "") => {
    rows.push({ suite, peer: key.peer, direction: key.direction, mode: key.mode, result, detail });
  };

  after(() => {
    sweepStaleRuns();
    mkdirSync(RUN_DIR, { recursive: true });
    const tmp = join(RUN_DIR, `${suite}.json.tmp`);
    writeFileSync(tmp, JSON.stringify({ suite, at: Date.now(), rows }));
    renameSync(tmp, join(RUN_DIR, `${suite}.json`));

    const fragments = new Map([[suite, rows]]);
    let names = [];
    try {
      names = readdirSync(RUN_DIR);
    } catch {
      // a suite finishing at the same moment saw everything and removed the directory
    }
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      try {
        const path = join(RUN_DIR, name);
        if (Date.now() - statSync(path).mtimeMs > FRESH_MS) continue;
        const f = JSON.parse(readFileSync(path, "utf8"));
        fragments.set(f.suite, f.rows);
      } catch {
        // removed concurrently (see above)
      }
    }
    const complete = SUITES.every((s) => fragments.has(s));
    const order = (r) => DIRECTIONS.indexOf(r.direction);
    const all = SUITES.flatMap((s) => [...(fragments.get(s) ?? [])].sort((a, b) => order(a) - order(b)));
    const table = render(all);
    if (complete) {
      writeFileSync(MATRIX_MD, markdown(table));
      rmSync(RUN_DIR, { recursive: true, force: true });
      console.log(`\nInterop matrix (also written to tests/interop/MATRIX.md):\n\n${table}`);
    } else {
      const missing = SUITES.filter((s) => !fragments.has(s));
      console.log(`interop matrix: ${suite} recorded ${rows.length} cells; waiting for ${missing.join(", ")} (the whole matrix is printed by the last suite to finish)`);
      if (process.env.NODE_TEST_CONTEXT === undefined) console.log(`\n${render(rows)}`); // run directly with node: show this suite's part
    }
  });

  return {
    /**
     * Runs fn; records `label` (default "pass") if it resolves, "FAIL" (and rethrows) if it
     * throws. `label` names what a passing run proves for rows that document a limitation:
     * "not supported" (the peer cannot produce/check the shape, asserted as such) or
     * "expected reject" (one side refuses, asserted with the documented reason).
     */
    async cell(key, fn, { detail = "", label = "pass" } = {}) {
      try {
        const extra = await fn();
        add(key, label, typeof extra === "string" && extra !== "" ? extra : detail);
      } catch (e) {
        add(key, "FAIL", `${detail}${detail ? " — " : ""}${String(e?.message ?? e).split("\n")[0]}`);
        throw e;
      }
    },
  };
}

/** Removes fragment directories of earlier runs (interrupted, or a suite run alone). */
function sweepStaleRuns() {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(RUN_PREFIX)) continue;
    const path = join(tmpdir(), name);
    try {
      if (path !== RUN_DIR && Date.now() - statSync(path).mtimeMs > FRESH_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // another process removed it first
    }
  }
}

function render(rows) {
  const head = ["peer", "direction", "mode", "result", "notes"];
  const body = rows.map((r) => [r.peer, r.direction, r.mode, r.result, r.detail.replaceAll("|", "\\|")]);
  const lines = [head, head.map(() => "---"), ...body].map((cols) => `| ${cols.join(" | ")} |`);
  return lines.join("\n");
}

function markdown(table) {
  return `# Interop matrix

Generated by \`node --test tests/interop/\` (do not edit by hand; rerun to refresh).

- **direction** "peer → ours": tokens built by the peer are verified by our \`Verifier\`;
  "ours → peer": tokens built by our builders are accepted by the peer; "comparison": the same
  third-party token checked by both sides.
- **mode** "strict" is the default policy; "legacy" is \`legacy: true\` (older draft shapes).
- **result** "pass" means the exchange succeeded as the row describes (for "expected reject" rows,
  that the named side rejected as documented); "not supported" means the peer's installed version
  cannot produce or check that shape.

${table}
`;
}
