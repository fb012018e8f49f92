/** TaxonomySchema's whole-document checks (src/domain/taxonomy.ts, owned by the tags module). */
import { describe, expect, it } from "vitest";
import { type TaxonomyInput, TaxonomySchema } from "../domain/taxonomy";

const TYPES = [
  { type: "city", label: "Cities" },
  { type: "region", label: "Regions" },
];

function issues(input: TaxonomyInput) {
  const result = TaxonomySchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("TaxonomySchema", () => {
  it("accepts a minimal taxonomy and fills defaults", () => {
    const parsed = TaxonomySchema.parse({ version: 1, types: TYPES, entries: [{ type: "city", name: "Алматы" }] });
    expect(parsed.types[0]?.autotag).toBe(true);
    expect(parsed.entries[0]).toEqual({ type: "city", name: "Алматы", aliases: [], former_slugs: [] });
  });

  it("refuses a type declared twice", () => {
    expect(issues({ version: 1, types: [...TYPES, { type: "city", label: "Towns" }], entries: [] })).toEqual([
      { path: "types.2.type", message: 'duplicates types[0] "city"' },
    ]);
  });

  it("refuses an entry of an undeclared type", () => {
    expect(issues({ version: 1, types: TYPES, entries: [{ type: "party", name: "AMANAT" }] })).toEqual([
      { path: "entries.0.type", message: 'type "party" is not declared in types' },
    ]);
  });

  it("refuses a slug used twice in one type: explicit, derived or former", () => {
    expect(
      issues({
        version: 1,
        types: TYPES,
        entries: [
          { type: "city", name: "Алматы" },
          { type: "city", name: "Other", slug: "almaty" },
        ],
      }).map((i) => i.path),
    ).toContain("entries.1.slug");
    expect(
      issues({
        version: 1,
        types: TYPES,
        entries: [
          { type: "city", name: "Астана", former_slugs: ["nur-sultan"] },
          { type: "city", name: "Nur Sultan Town", slug: "nur-sultan" },
        ],
      }).map((i) => i.path),
    ).toContain("entries.1.slug");
  });

  it("allows one slug or spelling in two types", () => {
    expect(
      issues({
        version: 1,
        types: TYPES,
        entries: [
          { type: "city", name: "Туркестан", aliases: ["Turkestan"] },
          { type: "region", name: "Туркестан", aliases: ["Turkestan"] },
        ],
      }),
    ).toEqual([]);
  });

  it("refuses two entries of one type sharing a spelling by match key", () => {
    expect(
      issues({
        version: 1,
        types: TYPES,
        entries: [
          { type: "city", name: "Алматы", aliases: ["Almaty"] },
          { type: "city", name: "Алма-Ата", aliases: ["ALMATY"] },
        ],
      }),
    ).toEqual([{ path: "entries.1.aliases.0", message: '"ALMATY" already names entries[0] of type "city"' }]);
  });

  it("allows an entry to repeat its own spelling", () => {
    expect(
      issues({ version: 1, types: TYPES, entries: [{ type: "city", name: "Almaty", aliases: ["ALMATY", "almaty"] }] }),
    ).toEqual([]);
  });

  it("refuses a name or alias with nothing to match", () => {
    expect(issues({ version: 1, types: TYPES, entries: [{ type: "city", name: "Алматы", aliases: ["«»"] }] })).toEqual([
      { path: "entries.0.aliases.0", message: "has no letters or digits to match" },
    ]);
  });

  it("refuses an autotag_exclude that is not the entry's own spelling", () => {
    expect(
      issues({
        version: 1,
        types: TYPES,
        entries: [{ type: "city", name: "Семей", aliases: ["Semey"], autotag_exclude: ["семей", "Семипалатинск"] }],
      }),
    ).toEqual([{ path: "entries.0.autotag_exclude.1", message: '"Семипалатинск" is not the entry\'s name or one of its aliases' }]);
  });
});
