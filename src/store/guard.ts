/**
 * KV faults as one error type. Workers KV can fail or time out (overload, the one-write-a-second
 * limit per key, a platform incident); the binding then throws a plain Error. Wrapping the
 * binding once at the edge turns every such failure into `StorageUnavailable`, which the error
 * handler answers `503` with `Retry-After` — never a 500 and never a half-written article (the
 * store's commit protocol keeps a failed write invisible).
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

const GUARDED = Symbol("guarded");
const OPERATIONS = new Set(["get", "getWithMetadata", "put", "delete", "list"]);

export function guardKv(kv: KVNamespace): KVNamespace {
  if ((kv as KVNamespace & { [GUARDED]?: true })[GUARDED]) return kv;
  return new Proxy(kv, {
    get(target, property, receiver) {
      if (property === GUARDED) return true;
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || !OPERATIONS.has(property) || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          throw new StorageUnavailable(property, error);
        }
      };
    },
  });
}
