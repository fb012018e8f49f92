import { describe, expect, it } from "vitest";
import { makeArticle } from "../render/test-factories";
import { buildFeedDocument } from "./document";
import { siteUrls } from "./urls";

const urls = siteUrls("https://feeds.example.kz");
const page = (languages: (string | undefined)[]) =>
  buildFeedDocument(
    {
      tag: undefined,
      articles: languages.map((language, i) => makeArticle({ id: `a${i}`, language })),
      limit: 50,
      after: undefined,
      next: undefined,
      changedMs: Date.UTC(2024, 0, 1),
    },
    urls,
  );

describe("buildFeedDocument: the feed's language", () => {
  it("is stated only when every article states the same one", () => {
    expect(page(["ru", "ru-RU", "RU"]).language).toBe("ru");
    expect(page(["kk", undefined, undefined]).language).toBeUndefined();
    expect(page(["kk", "ru"]).language).toBeUndefined();
    expect(page([]).language).toBeUndefined();
  });
});
