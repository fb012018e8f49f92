/**
 * KV faults as one error type. Workers KV can fail or time out (overload, the one-write-a-second
 * limit per key, a platform incident); the binding then throws a plain Error. Wrapping the
 * binding once at the edge turns every such failure into `StorageUnavailable`, which the error
 * handler answers `503` with `Retry-After` — never a 500 and never a half-written article (the
 * store's commit protocol keeps a failed write invisible).
 *
 * Counting (bench builds only): given a `KvCounts`, the same wrapper also counts every operation
 * by kind, as Cloudflare bills and limits them (a bulk `get` of up to 100 keys is one operation).
 * app.ts passes one per request when `KV_COUNT=true` and reports it in `x-tagfeed-kv`; without it
 * the wrapper is exactly the uncounted one, so counting costs nothing in production.
 *
 * Counters nest: counting a binding that is already guarded (and perhaps counted) adds a counter,
 * and every operation is counted by each. Operations made elsewhere on the request's behalf (the
 * article writers run in their own invocations and report their counts) are added to all of a
 * binding's counters with `addKvCounts`.
 */
export class StorageUnavailable extends Error {
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`storage ${operation} failed`);
    this.name = "StorageUnavailable";
  }
}

/** KV operations of one request, by kind. */
export interface KvCounts {
  /** `get` / `getWithMetadata` of one key. */
  reads: number;
  /** `get` of an array of keys (at most 100): one operation each. */
  bulkReads: number;
  lists: number;
  writes: number;
  deletes: number;
}

export const newKvCounts = (): KvCounts => ({ reads: 0, bulkReads: 0, lists: 0, writes: 0, deletes: 0 });

/** The `x-tagfeed-kv` header value: `reads=2,bulk_reads=0,lists=0,writes=0,deletes=0`. */
export const formatKvCounts = (c: KvCounts): string =>
  `reads=${c.reads},bulk_reads=${c.bulkReads},lists=${c.lists},writes=${c.writes},deletes=${c.deletes}`;

const GUARDED = Symbol("guarded");
const COUNTERS = Symbol("counters");

export const totalKvOps = (c: KvCounts): number => c.reads + c.bulkReads + c.lists + c.writes + c.deletes;

/** Adds operations made on this binding's behalf elsewhere (an article writer's) to each of its counters. */
export function addKvCounts(kv: KVNamespace, more: KvCounts): void {
  for (const counts of (kv as KVNamespace & { [COUNTERS]?: KvCounts[] })[COUNTERS] ?? []) {
    counts.reads += more.reads;
    counts.bulkReads += more.bulkReads;
    counts.lists += more.lists;
    counts.writes += more.writes;
    counts.deletes += more.deletes;
  }
}
const OPERATIONS = new Set(["get", "getWithMetadata", "put", "delete", "list"]);

function count(counts: KvCounts, operation: string, firstArg: unknown): void {
  switch (operation) {
    case "get":
    case "getWithMetadata":
      if (Array.isArray(firstArg)) counts.bulkReads += 1;
      else counts.reads += 1;
      return;
    case "list":
      counts.lists += 1;
      return;
    case "put":
      counts.writes += 1;
      return;
    case "delete":
      counts.deletes += 1;
      return;
  }
}

export function guardKv(kv: KVNamespace, counts?: KvCounts): KVNamespace {
  const inner = kv as KVNamespace & { [GUARDED]?: true; [COUNTERS]?: KvCounts[] };
  if (inner[GUARDED] && counts === undefined) return kv;
  const counters = [...(inner[COUNTERS] ?? []), ...(counts ? [counts] : [])];
  return new Proxy(kv, {
    get(target, property, receiver) {
      if (property === GUARDED) return true;
      if (property === COUNTERS) return counters;
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || !OPERATIONS.has(property) || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        if (counts !== undefined) count(counts, property, args[0]);
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          throw error instanceof StorageUnavailable ? error : new StorageUnavailable(property, error);
        }
      };
    },
  });
}
