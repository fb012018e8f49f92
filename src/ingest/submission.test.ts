import { describe, expect, it } from "vitest";
import { joinPath } from "../domain/result";
import { parseSubmission } from "./submission";

const article = (extra: Record<string, unknown> = {}) => ({ id: "a1", title: "T", published: "2024-01-01T00:00:00Z", ...extra });

describe("parseSubmission", () => {
  it("takes one object, an array, or {articles: [...]}, with matching paths", () => {
    const single = parseSubmission(article());
    expect(single.ok && single.value.paths).toEqual([""]);
    const array = parseSubmission([article(), article({ id: "a2" })]);
    expect(array.ok && array.value.paths).toEqual(["[0]", "[1]"]);
    const wrapped = parseSubmission({ articles: [article()] });
    expect(wrapped.ok && wrapped.value.paths).toEqual(["articles[0]"]);
  });

  it("reports every invalid field with its path", () => {
    const result = parseSubmission({
      articles: [article({ title: 5, published: "2024-13-01" }), article({ id: "a2", authors: [{ name: "" }], enclosures: [{ url: "ftp://x", type: "audio/mpeg" }] })],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.map((e) => e.path).sort()).toEqual(
      ["articles[0].title", "articles[0].published", "articles[1].authors[0].name", "articles[1].enclosures[0].url"].sort(),
    );
  });

  it("says a missing required field is required", () => {
    const result = parseSubmission({ id: "x" });
    expect(result.ok ? [] : result.error).toEqual(
      expect.arrayContaining([
        { path: "title", reason: "is required" },
        { path: "published", reason: "is required" },
      ]),
    );
  });

  it("tells a field of the wrong type from a missing one", () => {
    const result = parseSubmission({ id: "x", title: 5, published: "2026-01-01T00:00:00Z" });
    expect(result.ok ? [] : result.error).toEqual([{ path: "title", reason: "Invalid input: expected string, received number" }]);
  });

  it("refuses repeated ids and urls within one request", () => {
    const result = parseSubmission([article(), article({ title: "other" })]);
    expect(result.ok ? [] : result.error).toEqual([{ path: "[1].id", reason: "repeats the article at [0]" }]);
  });

  it("refuses bodies of the wrong shape", () => {
    for (const body of [null, 3, "x", true, { articles: {} }, []]) expect(parseSubmission(body).ok).toBe(false);
  });

  it("ignores unknown fields", () => {
    const result = parseSubmission(article({ extra: { deep: true } }));
    expect(result.ok && "extra" in result.value.articles[0]!).toBe(false);
  });
});

describe("joinPath", () => {
  it("joins keys and indexes as a JSON path", () => {
    expect(joinPath("articles[2]", ["tags", 0, "name"])).toBe("articles[2].tags[0].name");
    expect(joinPath("", ["title"])).toBe("title");
    expect(joinPath("[1]", [])).toBe("[1]");
  });
});
