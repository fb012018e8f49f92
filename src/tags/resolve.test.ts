import { describe, expect, it } from "vitest";
import { TagSchema } from "../domain/tag";
import { type Taxonomy, TaxonomySchema } from "../domain/taxonomy";
import { DEFAULT_TAXONOMY } from "./default-taxonomy";
import { DEFAULT_TAG_TYPE, compileTaxonomy, findTag, resolveTag, resolveTags, tagTypeLabel, taxonomyTags } from "./resolve";

const index = compileTaxonomy(DEFAULT_TAXONOMY);
const AMANAT = { type: "party", name: "AMANAT", slug: "amanat" };
const ALMATY = { type: "city", name: "Алматы", slug: "almaty" };
const ASTANA = { type: "city", name: "Астана", slug: "astana" };

/** A small taxonomy where one spelling is in two types, to show the bare-string priority. */
function twoTypes(order: readonly string[]): Taxonomy {
  return TaxonomySchema.parse({
    version: 1,
    types: order.map((type) => ({ type, label: type })),
    entries: [
      { type: "city", name: "Туркестан", aliases: ["Turkestan"] },
      { type: "region", name: "Туркестан", slug: "turkestan-region", aliases: ["Turkestan"] },
      { type: "topic", name: "Выборы", aliases: ["Elections"] },
    ],
  });
}

describe("resolveTag: bare strings", () => {
  it.each(["AMANAT", "Amanat", "Аманат", " «Аманат» ", "amanat", "АМАНАТ"])("%s is party/amanat", (input) => {
    expect(resolveTag(index, input)).toEqual(AMANAT);
  });

  it("types a known city and keeps its canonical name", () => {
    expect(resolveTag(index, "Алматы")).toEqual(ALMATY);
    expect(resolveTag(index, "Alma-Ata")).toEqual(ALMATY);
    expect(resolveTag(index, "nur-sultan")).toEqual(ASTANA);
  });

  it("makes an unknown string a topic tag", () => {
    expect(DEFAULT_TAG_TYPE).toBe("topic");
    expect(resolveTag(index, "Some New Topic")).toEqual({ type: "topic", name: "Some New Topic", slug: "some-new-topic" });
    expect(resolveTag(index, "  Some   New\tTopic ")).toEqual({ type: "topic", name: "Some New Topic", slug: "some-new-topic" });
    expect(resolveTag(index, "Выборы 2024")).toEqual({ type: "topic", name: "Выборы 2024", slug: "vybory-2024" });
  });

  it("maps a string that slugifies onto an entry's slug to that entry", () => {
    expect(resolveTag(index, "Almaty!")).toEqual(ALMATY);
  });

  it("prefers the type listed first when several types hold the spelling", () => {
    const cityFirst = compileTaxonomy(twoTypes(["city", "region", "topic"]));
    const regionFirst = compileTaxonomy(twoTypes(["region", "city", "topic"]));
    expect(resolveTag(cityFirst, "Turkestan")).toEqual({ type: "city", name: "Туркестан", slug: "turkestan" });
    expect(resolveTag(regionFirst, "Turkestan")).toEqual({ type: "region", name: "Туркестан", slug: "turkestan-region" });
    expect(resolveTag(cityFirst, "elections")).toEqual({ type: "topic", name: "Выборы", slug: "vybory" });
  });
});

describe("resolveTag: typed tags", () => {
  it("returns the entry of that type spelled by name, alias, slug or former slug", () => {
    expect(resolveTag(index, { type: "party", name: "AMANAT" })).toEqual(AMANAT);
    expect(resolveTag(index, { type: "party", name: "Нур Отан" })).toEqual(AMANAT);
    expect(resolveTag(index, { type: "city", name: "Almaty" })).toEqual(ALMATY);
    expect(resolveTag(index, { type: "city", name: "ALMATY" })).toEqual(ALMATY);
    expect(resolveTag(index, { type: "city", name: "almaty" })).toEqual(ALMATY);
    expect(resolveTag(index, { type: "city", name: "Нур-Султан" })).toEqual(ASTANA);
    expect(resolveTag(index, { type: "city", name: "nur-sultan" })).toEqual(ASTANA);
    expect(resolveTag(index, { type: "city", name: "Almaty!" })).toEqual(ALMATY);
  });

  it("does not look in other types", () => {
    expect(resolveTag(index, { type: "city", name: "AMANAT" })).toEqual({ type: "city", name: "AMANAT", slug: "amanat" });
  });

  it("makes a new tag of the given type for an unknown name", () => {
    expect(resolveTag(index, { type: "person", name: "  Касым-Жомарт   Токаев " })).toEqual({
      type: "person",
      name: "Касым-Жомарт Токаев",
      slug: "kasym-zhomart-tokaev",
    });
    expect(resolveTag(index, { type: "event", name: "中国" }).slug).toMatch(/^t-[a-z0-9]+$/);
  });

  it("always returns a valid Tag, a copy the caller may change", () => {
    const tag = resolveTag(index, "AMANAT");
    expect(TagSchema.parse(tag)).toEqual(tag);
    tag.name = "changed";
    expect(resolveTag(index, "AMANAT")).toEqual(AMANAT);
  });
});

describe("resolveTags", () => {
  it("de-duplicates by type and slug, keeping first-seen order", () => {
    expect(
      resolveTags(index, ["Алматы", "AMANAT", { type: "party", name: "Amanat" }, { type: "city", name: "Almaty" }, "Нур Отан", "Astana"]),
    ).toEqual([ALMATY, AMANAT, ASTANA]);
  });

  it("keeps equal slugs of different types", () => {
    expect(resolveTags(index, ["Алматы", { type: "topic", name: "Almaty" }])).toEqual([
      ALMATY,
      { type: "topic", name: "Almaty", slug: "almaty" },
    ]);
  });

  it("de-duplicates new tags too, keeping the first spelling", () => {
    expect(resolveTags(index, ["Some Topic", "some topic", "SOME-TOPIC"])).toEqual([
      { type: "topic", name: "Some Topic", slug: "some-topic" },
    ]);
    expect(resolveTags(index, [])).toEqual([]);
  });
});

describe("findTag", () => {
  it("finds the canonical slug as canonical", () => {
    expect(findTag(index, "city", "almaty")).toEqual({ tag: ALMATY, canonical: true });
    expect(findTag(index, "party", "amanat")).toEqual({ tag: AMANAT, canonical: true });
  });

  it.each([
    ["city", "nur-sultan", ASTANA],
    ["city", "Нур-Султан", ASTANA],
    ["city", "%D0%9D%D1%83%D1%80-%D0%A1%D1%83%D0%BB%D1%82%D0%B0%D0%BD", ASTANA],
    ["city", "Алматы", ALMATY],
    ["city", "%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B", ALMATY],
    ["city", "ALMATY", ALMATY],
    ["city", "Almaty", ALMATY],
    ["city", "alma-ata", ALMATY],
    ["party", "Аманат", AMANAT],
    ["party", "nur-otan", AMANAT],
    ["party", "AMANAT", AMANAT],
  ])("finds %s/%s as a redirect to the canonical tag", (type, segment, tag) => {
    expect(findTag(index, type, segment)).toEqual({ tag, canonical: false });
  });

  it("finds a former slug as non-canonical", () => {
    expect(findTag(index, "region", "yuzhno-kazakhstanskaya-oblast")).toEqual({
      tag: { type: "region", name: "Туркестанская область", slug: "turkestanskaya-oblast" },
      canonical: false,
    });
  });

  it("finds only taxonomy entries, only in the given type", () => {
    expect(findTag(index, "city", "amanat")).toBeUndefined();
    expect(findTag(index, "topic", "some-new-topic")).toBeUndefined();
    expect(findTag(index, "nosuchtype", "almaty")).toBeUndefined();
    expect(findTag(index, "city", "%E0%A4%A")).toBeUndefined(); // malformed escape: no throw
  });
});

describe("tagTypeLabel", () => {
  it("uses the taxonomy's label, else capitalizes the type", () => {
    expect(tagTypeLabel(index, "party")).toBe("Parties");
    expect(tagTypeLabel(index, "city")).toBe("Cities");
    expect(tagTypeLabel(index, "event")).toBe("Event");
    expect(tagTypeLabel(index, "press_release")).toBe("Press release");
  });
});

describe("compileTaxonomy", () => {
  it("derives slugs that are absent and lists entries in document order", () => {
    const small = compileTaxonomy(
      TaxonomySchema.parse({ version: 1, types: [{ type: "city", label: "Cities" }], entries: [{ type: "city", name: "Усть-Каменогорск" }] }),
    );
    expect(taxonomyTags(small)).toEqual([{ type: "city", name: "Усть-Каменогорск", slug: "ust-kamenogorsk" }]);
    expect(findTag(small, "city", "ust-kamenogorsk")?.canonical).toBe(true);
  });

  it("lets the first entry win a contested spelling in an unvalidated taxonomy", () => {
    const contested = compileTaxonomy({
      version: 1,
      types: [{ type: "city", label: "Cities", autotag: true }],
      entries: [
        { type: "city", name: "First", slug: "same", aliases: ["Both"], former_slugs: [] },
        { type: "city", name: "Second", slug: "same", aliases: ["Both"], former_slugs: [] },
      ],
    });
    expect(resolveTag(contested, "Both").name).toBe("First");
    expect(findTag(contested, "city", "same")?.tag.name).toBe("First");
  });

  it("lists the taxonomy's tags by type", () => {
    expect(taxonomyTags(index, "party").map((t) => t.slug)).toEqual([
      "amanat", "ak-zhol", "narodnaya-partiya-kazakhstana", "auyl", "respublica", "osdp",
    ]);
    expect(taxonomyTags(index)).toHaveLength(DEFAULT_TAXONOMY.entries.length);
  });
});

describe("resolveTag, remembered", () => {
  it("answers a repeated input as the first time, with a tag of its own", () => {
    const index = compileTaxonomy(DEFAULT_TAXONOMY);
    const inputs = ["Алматы", { type: "city", name: "Алматы" }, "алматы", { type: "topic", name: "Алматы" }, "Brand new topic", { type: "person", name: "Brand new topic" }];
    const first = inputs.map((input) => resolveTag(index, input));
    const again = inputs.map((input) => resolveTag(index, input));
    expect(again).toEqual(first);
    expect(first[4]).toEqual({ type: DEFAULT_TAG_TYPE, name: "Brand new topic", slug: "brand-new-topic" });
    expect(first[5]?.type).toBe("person");
    again[0]!.name = "changed";
    expect(resolveTag(index, "Алматы").name).toBe(first[0]?.name);
  });
});
