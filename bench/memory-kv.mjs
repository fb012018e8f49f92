// A Workers KV stand-in for running the app in Node: the subset tagfeed uses (get single and bulk,
// getWithMetadata, put with metadata, delete, list by prefix with cursor), keys in byte order,
// values copied in and out. Consistent and instant, unlike KV: for counting operations and timing
// CPU, not for testing consistency.
const enc = new TextEncoder();
const dec = new TextDecoder();

export class MemoryKV {
  #data = new Map();

  #decode(entry, type) {
    if (entry === undefined) return null;
    const bytes = entry.bytes;
    switch (type ?? "text") {
      case "text":
        return dec.decode(bytes);
      case "json":
        return JSON.parse(dec.decode(bytes));
      case "arrayBuffer":
        return bytes.slice().buffer;
      default:
        throw new Error(`MemoryKV: unsupported type ${type}`);
    }
  }

  async get(key, options) {
    const type = typeof options === "string" ? options : options?.type;
    if (Array.isArray(key)) {
      if (key.length > 100) throw new Error("KV bulk get: at most 100 keys");
      return new Map(key.map((k) => [k, this.#decode(this.#data.get(k), type)]));
    }
    return this.#decode(this.#data.get(key), type);
  }

  async getWithMetadata(key, options) {
    const type = typeof options === "string" ? options : options?.type;
    const entry = this.#data.get(key);
    return { value: this.#decode(entry, type), metadata: entry?.metadata ?? null, cacheStatus: null };
  }

  async put(key, value, options = {}) {
    const bytes =
      typeof value === "string" ? enc.encode(value) : value instanceof ArrayBuffer ? new Uint8Array(value.slice(0)) : new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
    this.#data.set(key, { bytes, metadata: options.metadata === undefined ? null : structuredClone(options.metadata) });
  }

  async delete(key) {
    this.#data.delete(key);
  }

  async list({ prefix = "", cursor, limit = 1000 } = {}) {
    const names = [...this.#data.keys()].filter((k) => k.startsWith(prefix)).sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const start = cursor === undefined ? 0 : Number(cursor);
    const page = names.slice(start, start + limit);
    const done = start + limit >= names.length;
    return {
      keys: page.map((name) => {
        const metadata = this.#data.get(name).metadata;
        return metadata === null ? { name } : { name, metadata: structuredClone(metadata) };
      }),
      list_complete: done,
      ...(done ? {} : { cursor: String(start + limit) }),
      cacheStatus: null,
    };
  }

  get size() {
    return this.#data.size;
  }
}
