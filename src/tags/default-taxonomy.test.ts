import { describe, expect, it } from "vitest";
import { TaxonomySchema } from "../domain/taxonomy";
import { DEFAULT_TAXONOMY } from "./default-taxonomy";
import { compileTaxonomy, resolveTag } from "./resolve";
import { slugify } from "./slugify";

const index = compileTaxonomy(DEFAULT_TAXONOMY);
const names = (type: string) => DEFAULT_TAXONOMY.entries.filter((e) => e.type === type).map((e) => e.name);

describe("DEFAULT_TAXONOMY", () => {
  it("is a valid taxonomy, already in parsed form (no defaults left to fill)", () => {
    const parsed = TaxonomySchema.safeParse(DEFAULT_TAXONOMY);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(parsed.data).toEqual(DEFAULT_TAXONOMY);
  });

  it("declares the types with their labels, in bare-string priority order", () => {
    expect(DEFAULT_TAXONOMY.types.map((t) => [t.type, t.label, t.autotag])).toEqual([
      ["party", "Parties", true],
      ["city", "Cities", true],
      ["region", "Regions", true],
      ["country", "Countries", true],
      ["person", "People", true],
      ["org", "Organizations", true],
      ["topic", "Topics", false],
      ["section", "Sections", false],
    ]);
  });

  it("writes every slug out, equal to slugify(name)", () => {
    for (const entry of DEFAULT_TAXONOMY.entries) {
      expect(entry.slug, entry.name).toBe(slugify(entry.name));
    }
  });

  it("lists the parliamentary parties, cities, 17 regions and the country", () => {
    expect(names("party")).toEqual(["AMANAT", "Ак жол", "Народная партия Казахстана", "Ауыл", "Respublica", "ОСДП"]);
    expect(names("city")).toEqual(
      expect.arrayContaining([
        "Алматы", "Астана", "Шымкент", "Караганда", "Актобе", "Тараз", "Павлодар", "Усть-Каменогорск",
        "Семей", "Атырау", "Костанай", "Кызылорда", "Уральск", "Петропавловск", "Актау", "Туркестан",
        "Кокшетау", "Талдыкорган", "Экибастуз", "Темиртау",
      ]),
    );
    expect(names("region")).toHaveLength(17);
    expect(names("region")).toContain("Алматинская область");
    expect(names("country")).toEqual(["Казахстан"]);
  });

  it.each([
    ["AMANAT", "party/amanat"],
    ["Amanat", "party/amanat"],
    ["Аманат", "party/amanat"],
    ["Nur Otan", "party/amanat"],
    ["Нур Отан", "party/amanat"],
    ["Нұр Отан", "party/amanat"],
    ["«Нур Отан»", "party/amanat"],
    ["Нур-Отан", "party/amanat"],
    ["Ak Zhol", "party/ak-zhol"],
    ["Ақ жол", "party/ak-zhol"],
    ["Ак Жол", "party/ak-zhol"],
    ["People's Party of Kazakhstan", "party/narodnaya-partiya-kazakhstana"],
    ["QHP", "party/narodnaya-partiya-kazakhstana"],
    ["НПК", "party/narodnaya-partiya-kazakhstana"],
    ["Auyl", "party/auyl"],
    ["Республика", "party/respublica"],
    ["ЖСДП", "party/osdp"],
    ["Жалпыұлттық социал-демократиялық партия", "party/osdp"],
    ["National Social Democratic Party", "party/osdp"],
    ["Almaty", "city/almaty"],
    ["Алма-Ата", "city/almaty"],
    ["Alma-Ata", "city/almaty"],
    ["Almaty city", "city/almaty"],
    ["Astana", "city/astana"],
    ["Нур-Султан", "city/astana"],
    ["Nur-Sultan", "city/astana"],
    ["Nursultan", "city/astana"],
    ["Акмола", "city/astana"],
    ["Целиноград", "city/astana"],
    ["Tselinograd", "city/astana"],
    ["Акмолинск", "city/astana"],
    ["Чимкент", "city/shymkent"],
    ["Qaraghandy", "city/karaganda"],
    ["Қарағанды", "city/karaganda"],
    ["Ақтөбе", "city/aktobe"],
    ["Öskemen", "city/ust-kamenogorsk"],
    ["Oskemen", "city/ust-kamenogorsk"],
    ["Өскемен", "city/ust-kamenogorsk"],
    ["Семипалатинск", "city/semey"],
    ["Орал", "city/uralsk"],
    ["Oral", "city/uralsk"],
    ["Алматы облысы", "region/almatinskaya-oblast"],
    ["Almaty Region", "region/almatinskaya-oblast"],
    ["ВКО", "region/vostochno-kazakhstanskaya-oblast"],
    ["ЮКО", "region/turkestanskaya-oblast"],
    ["Kazakhstan", "country/kazakhstan"],
    ["Қазақстан", "country/kazakhstan"],
    ["Republic of Kazakhstan", "country/kazakhstan"],
    ["РК", "country/kazakhstan"],
  ])("resolves %s to %s", (input, path) => {
    const tag = resolveTag(index, input);
    expect(`${tag.type}/${tag.slug}`).toBe(path);
  });
});
