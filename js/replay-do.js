// A replay store on Cloudflare Durable Objects for the client-attestation Verifier (R-POP-7,
// R-DPOP-7): the PoP / DPoP `jti` seen-set, strongly consistent across every isolate and
// location.
//
//   // worker.js
//   import { Verifier } from "client-attestation";
//   import { DurableObjectReplayStore } from "client-attestation/replay-do";
//   export { ReplayShard } from "client-attestation/replay-do";
//   const verifier = new Verifier({ ...policy, replay: new DurableObjectReplayStore(env.REPLAY) });
//
//   // wrangler.jsonc
//   "durable_objects": { "bindings": [{ "name": "REPLAY", "class_name": "ReplayShard" }] },
//   "migrations": [{ "tag": "v1", "new_sqlite_classes": ["ReplayShard"] }]
//
// Keys are `thumbprint.base64url(SHA-256(jti))` (the core's replay key). They are sharded
// across objects by a prefix of the instance-key thumbprint, so load spreads over many objects
// while every proof of one instance key always meets the same object. Each object is
// single-threaded with transactional storage: its check-and-record is atomic, so N concurrent
// requests replaying one proof from any number of isolates get exactly one `true`.
//
// Do NOT use Workers KV as a replay store: KV is eventually consistent (a write can take 60 s
// or more to be visible elsewhere, reads are cached, absent keys included) and has no atomic
// compare-and-set. Two requests carrying the same proof — at two locations, or even at one —
// can both read "not seen" and both be accepted. A replay store must answer "seen" to every
// request after the first, which needs one linearizable owner per key: a Durable Object.

import { DurableObject } from "cloudflare:workers";

const MAX_KEY = 512;
const MAX_EXPIRY_AHEAD = 2 * 86_400; // seconds; the core's windows are far shorter
const nowSeconds = () => Math.floor(Date.now() / 1000);

function validEntry(key, expiresAt) {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY) {
    throw new TypeError("checkAndStore: key must be a non-empty string of at most 512 characters");
  }
  if (typeof expiresAt !== "number" || !Number.isFinite(expiresAt)) {
    throw new TypeError("checkAndStore: expiresAt must be seconds since the epoch");
  }
  return Math.min(Math.ceil(expiresAt), nowSeconds() + MAX_EXPIRY_AHEAD);
}

/**
 * One shard of the seen-set. SQLite-backed (`new_sqlite_classes`, recommended): one table,
 * synchronous statements, so each check-and-record runs without interleaving. With the
 * key-value storage backend (`new_classes`) the input gate keeps other events out between the
 * read and the write. An alarm deletes expired entries.
 */
export class ReplayShard extends DurableObject {
  #sql;
  #alarmAt = undefined; // ms; undefined: not known yet, null: none set

  constructor(ctx, env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql ?? null;
    if (this.#sql) {
      this.#sql.exec("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, exp INTEGER NOT NULL) WITHOUT ROWID");
      this.#sql.exec("CREATE INDEX IF NOT EXISTS seen_exp ON seen (exp)");
    }
  }

  /** RPC: true when `key` was not seen (unexpired) and is now recorded until `expiresAt`. */
  async checkAndStore(key, expiresAt) {
    const exp = validEntry(key, expiresAt);
    const now = nowSeconds();
    if (this.#sql) {
      const row = this.#sql.exec("SELECT exp FROM seen WHERE key = ?", key).toArray()[0];
      if (row !== undefined && row.exp > now) return false;
      this.#sql.exec("INSERT OR REPLACE INTO seen (key, exp) VALUES (?, ?)", key, exp);
    } else {
      const seen = await this.ctx.storage.get(key);
      if (typeof seen === "number" && seen > now) return false;
      await this.ctx.storage.put(key, exp);
    }
    await this.#scheduleCleanup(exp);
    return true;
  }

  /** RPC: entries stored in this shard, expired ones included until the alarm deletes them. */
  async size() {
    if (this.#sql) return this.#sql.exec("SELECT COUNT(*) AS n FROM seen").one().n;
    return (await this.ctx.storage.list()).size;
  }

  async alarm() {
    const now = nowSeconds();
    let next = null;
    if (this.#sql) {
      this.#sql.exec("DELETE FROM seen WHERE exp <= ?", now);
      next = this.#sql.exec("SELECT MIN(exp) AS m FROM seen").one().m ?? null;
    } else {
      let start;
      for (;;) {
        const page = await this.ctx.storage.list({ start, limit: 1000 });
        const expired = [];
        for (const [k, exp] of page) {
          if (exp <= now) expired.push(k);
          else if (next === null || exp < next) next = exp;
        }
        for (let i = 0; i < expired.length; i += 128) await this.ctx.storage.delete(expired.slice(i, i + 128));
        if (page.size < 1000) break;
        start = `${[...page.keys()].pop()}\u0000`;
      }
    }
    this.#alarmAt = null;
    if (next !== null) await this.#scheduleCleanup(next);
  }

  async #scheduleCleanup(exp) {
    const at = (exp + 1) * 1000;
    if (this.#alarmAt === undefined) this.#alarmAt = await this.ctx.storage.getAlarm();
    if (this.#alarmAt === null || this.#alarmAt > at) {
      await this.ctx.storage.setAlarm(at);
      this.#alarmAt = at;
    }
  }
}

/**
 * The Verifier's `replay` store over a Durable Object namespace bound to ReplayShard.
 *
 * @param namespace the binding (`env.REPLAY`)
 * @param options.prefixLength thumbprint characters that choose the shard (default 2: up to
 *   64² = 4096 objects; 1 gives 64). Changing it moves keys to other objects: proofs recorded
 *   under the old layout are forgotten, so change it only with maxPopAge + 2 × clockTolerance
 *   of downtime or overlap in mind.
 * @param options.name a prefix for the object names (several stores in one namespace)
 */
export class DurableObjectReplayStore {
  #namespace;
  #prefixLength;
  #name;

  constructor(namespace, { prefixLength = 2, name = "replay" } = {}) {
    if (namespace == null || typeof namespace.idFromName !== "function" || typeof namespace.get !== "function") {
      throw new TypeError("DurableObjectReplayStore: pass the Durable Object namespace binding (env.REPLAY)");
    }
    if (!Number.isInteger(prefixLength) || prefixLength < 1 || prefixLength > 43) {
      throw new RangeError("DurableObjectReplayStore: prefixLength must be an integer in 1..=43");
    }
    this.#namespace = namespace;
    this.#prefixLength = prefixLength;
    this.#name = String(name);
  }

  /** The object name a key lives in: `name:` + the first prefixLength thumbprint characters. */
  shardName(key) {
    return `${this.#name}:${String(key).slice(0, this.#prefixLength)}`;
  }

  /** The shard's stub (RPC). */
  shard(key) {
    return this.#namespace.get(this.#namespace.idFromName(this.shardName(key)));
  }

  /** Atomic check-and-record in the key's shard: true when fresh (now recorded). */
  async checkAndStore(key, expiresAt) {
    return (await this.shard(key).checkAndStore(key, expiresAt)) === true;
  }
}
