// Types for "client-attestation/replay-do" (js/replay-do.js; Cloudflare Workers / workerd only).
import type { NumericDate, ReplayStore } from "./index.js";

/** The parts of a Durable Object namespace binding (`env.REPLAY`) this store uses. */
export interface ReplayShardNamespace {
  idFromName(name: string): unknown;
  get(id: any): { checkAndStore(key: string, expiresAt: NumericDate): Promise<boolean>; size(): Promise<number> };
}

/** The Verifier's `replay` store over ReplayShard objects, sharded by a thumbprint prefix of the key. */
export declare class DurableObjectReplayStore implements ReplayStore {
  /** prefixLength: thumbprint characters choosing the shard (default 2, 1..=43); name: object-name prefix (default "replay"). */
  constructor(namespace: ReplayShardNamespace, options?: { prefixLength?: number; name?: string });
  shardName(key: string): string;
  shard(key: string): ReturnType<ReplayShardNamespace["get"]>;
  checkAndStore(key: string, expiresAt: NumericDate): Promise<boolean>;
}

/** The Durable Object class (export it from your worker; bind it with new_sqlite_classes). */
export declare class ReplayShard {
  constructor(ctx: unknown, env: unknown);
  checkAndStore(key: string, expiresAt: NumericDate): Promise<boolean>;
  size(): Promise<number>;
  alarm(): Promise<void>;
}
