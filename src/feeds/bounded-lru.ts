/**
 * A least-recently-used map bounded by entry count and total size, for what an isolate keeps
 * between requests (rendered feeds, item fragments). Workers isolates have 128 MB; these caches
 * must never be what runs them out.
 */
export class BoundedLru<V> {
  private readonly entries = new Map<string, V>();
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxSize: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Most recently used last: a Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    if (size > this.maxSize / 4 || this.entries.has(key)) return;
    this.entries.set(key, value);
    this.total += size;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.total <= this.maxSize) break;
      this.entries.delete(oldest);
      this.total -= this.sizeOf(old);
    }
  }
}
