import { describe, expect, it } from "vitest";
import { BoundedLru } from "./bounded-lru";

describe("BoundedLru", () => {
  it("evicts the least recently used past its entry count", () => {
    const lru = new BoundedLru<string>(2, 1000, (v) => v.length);
    lru.set("a", "1");
    lru.set("b", "2");
    expect(lru.get("a")).toBe("1");
    lru.set("c", "3");
    expect(lru.get("b")).toBeUndefined();
    expect(lru.get("a")).toBe("1");
    expect(lru.get("c")).toBe("3");
  });

  it("evicts past its total size, and refuses a value larger than a quarter of it", () => {
    const lru = new BoundedLru<string>(100, 10, (v) => v.length);
    lru.set("big", "xxx");
    expect(lru.get("big")).toBeUndefined();
    lru.set("a", "xx");
    lru.set("b", "xx");
    lru.set("c", "xx");
    lru.set("d", "xx");
    lru.set("e", "xx");
    lru.set("f", "xx");
    expect(lru.get("a")).toBeUndefined();
    expect(lru.get("f")).toBe("xx");
  });
});
