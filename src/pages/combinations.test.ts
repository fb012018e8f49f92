import { describe, expect, it } from "vitest";
import { makeArticle } from "../render/test-factories";
import { coOccurringTags } from "./combinations";

const amanat = { type: "party", slug: "amanat", name: "AMANAT" };
const almaty = { type: "city", slug: "almaty", name: "Алматы" };
const astana = { type: "city", slug: "astana", name: "Астана" };

describe("coOccurringTags", () => {
  it("ranks the other tags of the articles by how often they appear, leaving the tag itself out", () => {
    const articles = [
      makeArticle({ id: "a1", tags: [amanat, almaty] }),
      makeArticle({ id: "a2", tags: [amanat, almaty, astana] }),
      makeArticle({ id: "a3", tags: [amanat, astana, almaty] }),
      makeArticle({ id: "a4", tags: [amanat] }),
    ];
    expect(coOccurringTags(amanat, articles).map((t) => t.slug)).toEqual(["almaty", "astana"]);
    expect(coOccurringTags(amanat, articles, 1).map((t) => t.slug)).toEqual(["almaty"]);
    expect(coOccurringTags(amanat, [makeArticle({ id: "a5", tags: [amanat] })])).toEqual([]);
  });
});
