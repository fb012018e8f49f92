import { describe, expect, it } from "vitest";
import { commonDeletions, pickDriver } from "./combination";

const key = (feed: string, inverted: number) => `idx:${feed}:${String(inverted).padStart(13, "0")}:a1`;

describe("pickDriver: the sparsest tag drives a combination's scan", () => {
  it("prefers a complete first page, the shortest of them", () => {
    expect(pickDriver([
      { listed: 1000, lastKey: key("t/city/almaty", 5), done: false },
      { listed: 40, lastKey: key("t/party/amanat", 9), done: true },
      { listed: 12, lastKey: key("t/topic/x", 9), done: true },
    ])).toBe(2);
  });

  it("among full pages, takes the one whose 1000th entry is oldest (largest inverted time)", () => {
    expect(pickDriver([
      { listed: 1000, lastKey: key("t/city/almaty", 500), done: false },
      { listed: 1000, lastKey: key("t/p/a", 9000), done: false },
    ])).toBe(1);
  });
});

describe("commonDeletions: what a combination feed announces as deleted", () => {
  it("keeps the ids every tag's feed recorded, with the latest time", () => {
    expect(commonDeletions([
      [{ id: "a1", atMs: 10 }, { id: "b2", atMs: 20 }],
      [{ id: "b2", atMs: 25 }, { id: "c3", atMs: 30 }],
    ])).toEqual([{ id: "b2", atMs: 25 }]);
    expect(commonDeletions([[{ id: "a1", atMs: 10 }], []])).toEqual([]);
    expect(commonDeletions([])).toEqual([]);
  });
});
