import { describe, expect, it } from "vitest";
import { TaxonomySchema } from "../domain/taxonomy";
import { autoTag, spellingPattern, wordPattern } from "./autotag";
import { DEFAULT_TAXONOMY } from "./default-taxonomy";
import { compileTaxonomy } from "./resolve";

const index = compileTaxonomy(DEFAULT_TAXONOMY);
const paths = (text: string, options?: { types?: readonly string[] }) =>
  autoTag(index, text, options).map((t) => `${t.type}/${t.slug}`);

describe("autoTag: the seed article", () => {
  it("finds the party and the city", () => {
    const title = "Эксперты внесли предложения к проекту новой политической платформы Amanat";
    const summary = "В Алматы состоялось экспертное обсуждение проекта новой политической платформы партии Amanat.";
    expect(autoTag(index, `${title}\n${summary}`)).toEqual([
      { type: "party", name: "AMANAT", slug: "amanat" },
      { type: "city", name: "Алматы", slug: "almaty" },
    ]);
  });
});

describe("autoTag: Russian case endings", () => {
  it.each([
    ["в Астане", "city/astana"],
    ["из Астаны", "city/astana"],
    ["над Астаною", "city/astana"],
    ["под Астаной", "city/astana"],
    ["в Нур-Султане", "city/astana"],
    ["партии AMANAT", "party/amanat"],
    ["В Караганде", "city/karaganda"],
    ["в Шымкенте", "city/shymkent"],
    ["из Шымкента", "city/shymkent"],
    ["Шымкентом", "city/shymkent"],
    ["в Актобе", "city/aktobe"],
    ["в Алматы", "city/almaty"],
    ["в Алма-Ате", "city/almaty"],
    ["из Алма-Аты", "city/almaty"],
    ["в Костанае", "city/kostanay"],
    ["из Костаная", "city/kostanay"],
    ["в Усть-Каменогорске", "city/ust-kamenogorsk"],
    ["в Уральске", "city/uralsk"],
    ["в Кызылорде", "city/kyzylorda"],
    ["в Алматинской области", "region/almatinskaya-oblast"],
    ["Алматинскую область", "region/almatinskaya-oblast"],
    ["Алматинская область", "region/almatinskaya-oblast"],
    ["Алматинскою областью", "region/almatinskaya-oblast"],
    ["в Восточно-Казахстанской области", "region/vostochno-kazakhstanskaya-oblast"],
    ["в области Абай", "region/abayskaya-oblast"],
    ["в Казахстане", "country/kazakhstan"],
    ["из Казахстана", "country/kazakhstan"],
    ["Республики Казахстан", "country/kazakhstan"],
    ["в партии «Республика»", "party/respublica"],
    ["партией «Ак жол»", "party/ak-zhol"],
    ["в городе Семей", "city/semey"],
    ["Народной партии Казахстана", "party/narodnaya-partiya-kazakhstana"],
    ["Общенациональной социал-демократической партии", "party/osdp"],
  ])("%s → %s", (text, path) => {
    expect(paths(text)).toEqual([path]);
  });
});

describe("autoTag: Kazakh case suffixes", () => {
  it.each([
    ["Астанада өтті", "city/astana"],
    ["Алматыдан", "city/almaty"],
    ["Шымкентте", "city/shymkent"],
    ["Ақтөбеге", "city/aktobe"],
    ["Қарағандыдағы", "city/karaganda"],
    ["Алматы облысында", "region/almatinskaya-oblast"],
    ["«Ақ жол» партиясының", "party/ak-zhol"],
    ["Қазақстанның", "country/kazakhstan"],
  ])("%s → %s", (text, path) => {
    expect(paths(text)).toEqual([path]);
  });
});

describe("autoTag: case, ё, script variants", () => {
  it("is case-insensitive", () => {
    expect(paths("В АСТАНЕ И АЛМАТЫ")).toEqual(["city/astana", "city/almaty"]);
    expect(paths("amanat и astana")).toEqual(["party/amanat", "city/astana"]);
  });

  it("folds Latin diacritics and ignores soft hyphens and stress marks", () => {
    expect(paths("Flights to OSKEMEN and Öskemen")).toEqual(["city/ust-kamenogorsk"]);
    expect(paths("В Аста\u00adне")).toEqual(["city/astana"]);
    expect(paths("Алма\u0301ты")).toEqual(["city/almaty"]);
  });

  it("treats ё as е", () => {
    const korolev = compileTaxonomy(
      TaxonomySchema.parse({
        version: 1,
        types: [{ type: "city", label: "Cities" }],
        entries: [{ type: "city", name: "Королёв" }],
      }),
    );
    expect(autoTag(korolev, "в Королеве").map((t) => t.slug)).toEqual(["korolev"]);
    expect(autoTag(korolev, "КОРОЛЁВ").map((t) => t.slug)).toEqual(["korolev"]);
  });

  it("matches English possessives and quotes around names", () => {
    expect(paths("Almaty's mayor met “Ak Zhol”")).toEqual(["city/almaty", "party/ak-zhol"]);
  });
});

describe("autoTag: no matches inside other words", () => {
  it.each([
    "Астанаев выступил",
    "Amanatov said",
    "Астанин",
    "шымкентский завод",
    "казахстанский бизнес",
    "алматинский аким",
    "Караганданец",
    "Туркестанец",
    "AMANATS",
    "preAMANAT",
    "Актобеец",
    "Алматыец",
  ])("%s", (text) => {
    expect(paths(text)).toEqual([]);
  });

  it("does not decline words past their endings", () => {
    const custom = compileTaxonomy(
      TaxonomySchema.parse({
        version: 1,
        types: [{ type: "party", label: "Parties" }],
        entries: [{ type: "party", name: "Аманат" }],
      }),
    );
    expect(autoTag(custom, "партия Аманат").map((t) => t.slug)).toEqual(["amanat"]);
    expect(autoTag(custom, "партии Аманата").map((t) => t.slug)).toEqual(["amanat"]);
    expect(autoTag(custom, "аманатный")).toEqual([]);
    expect(autoTag(custom, "аманатов")).toEqual([]);
  });
});

describe("autoTag: ambiguous words (autotag_exclude) and context aliases", () => {
  it.each([
    "Республика Корея", // the word "republic", not the party Respublica
    "многодетных семей", // "of families", not the city Семей
    "Он орал на всех", // "yelled", not Орал
    "oral history",
    "ауыл шаруашылығы", // Kazakh "village", not the party Ауыл
    "Нурсултан Назарбаев", // a first name, not Astana
    "Народная партия Испании", // another people's party
    "НПК «Уралвагонзавод»", // научно-производственный комплекс
    "Ақ жол тілейміз", // Kazakh "bon voyage"
    "Андрей Гурьев",
  ])("%s → nothing", (text) => {
    expect(paths(text)).toEqual([]);
  });

  it("still finds them through context aliases", () => {
    expect(paths("Партия «Республика» и партия «Ауыл»")).toEqual(["party/respublica", "party/auyl"]);
    expect(paths("жители города Семей")).toEqual(["city/semey"]);
    expect(paths("в Семипалатинске")).toEqual(["city/semey"]);
  });

  it("prefers the country when the word republic introduces it", () => {
    expect(paths("Республика Казахстан")).toEqual(["country/kazakhstan"]);
  });
});

describe("autoTag: overlapping spellings", () => {
  it("takes the longest spelling and does not match inside it again", () => {
    expect(paths("Алматы облысы")).toEqual(["region/almatinskaya-oblast"]);
    expect(paths("Almaty Region")).toEqual(["region/almatinskaya-oblast"]);
    expect(paths("Народная партия Казахстана")).toEqual(["party/narodnaya-partiya-kazakhstana"]);
  });

  it("finds adjacent names separated by a dash or hyphen", () => {
    expect(paths("трасса Алматы — Астана")).toEqual(["city/almaty", "city/astana"]);
    expect(paths("поезд Алматы-Шымкент")).toEqual(["city/almaty", "city/shymkent"]);
  });
});

describe("autoTag: types and order", () => {
  it("returns each entry once, in order of first mention", () => {
    expect(paths("Шымкент, Алматы, Шымкента, Amanat, Алматы, AMANAT")).toEqual([
      "city/shymkent",
      "city/almaty",
      "party/amanat",
    ]);
  });

  it("limits to options.types", () => {
    const text = "Партия AMANAT в Алматы и Алматинской области";
    expect(paths(text)).toEqual(["party/amanat", "city/almaty", "region/almatinskaya-oblast"]);
    expect(paths(text, { types: ["city"] })).toEqual(["city/almaty"]);
    expect(paths(text, { types: ["party", "region"] })).toEqual(["party/amanat", "region/almatinskaya-oblast"]);
    expect(paths(text, { types: [] })).toEqual([]);
  });

  it("skips types with autotag: false unless asked for", () => {
    const withTopics = compileTaxonomy(
      TaxonomySchema.parse({
        version: 1,
        types: [
          { type: "city", label: "Cities" },
          { type: "topic", label: "Topics", autotag: false },
        ],
        entries: [
          { type: "city", name: "Алматы" },
          { type: "topic", name: "Выборы" },
        ],
      }),
    );
    expect(autoTag(withTopics, "Выборы в Алматы").map((t) => t.type)).toEqual(["city"]);
    expect(autoTag(withTopics, "Выборы в Алматы", { types: ["topic"] }).map((t) => t.slug)).toEqual(["vybory"]);
  });

  it("returns nothing for empty or tagless text", () => {
    expect(paths("")).toEqual([]);
    expect(paths("   ")).toEqual([]);
    expect(paths("Ничего интересного не произошло.")).toEqual([]);
  });

  it("returns copies of the canonical tags", () => {
    const [tag] = autoTag(index, "Алматы");
    expect(tag).toEqual({ type: "city", name: "Алматы", slug: "almaty" });
    if (tag) tag.name = "changed";
    expect(autoTag(index, "Алматы")[0]?.name).toBe("Алматы");
  });
});

describe("autoTag: a long text", () => {
  it("finds every mention in ~10 KB of text, in order, without false positives", () => {
    const filler =
      "Эксперты обсудили развитие экономики, многодетных семей и сельского хозяйства; Республика Корея " +
      "и Народная партия Испании тут ни при чём, как и Астанаев, Amanatov и казахстанский бизнес. ";
    const mentions = [
      "в Астане",
      "из Шымкента",
      "партии AMANAT",
      "в Карагандинской области",
      "в Караганде",
      "Ақтөбеде",
      "Нур Отан",
      "в Семипалатинске",
    ];
    const parts: string[] = [];
    for (let i = 0; i < 50; i++) {
      parts.push(filler);
      const mention = mentions[i / 5];
      if (i % 5 === 0 && mention !== undefined) parts.push(`${mention}. `);
    }
    const text = parts.join("");
    expect(text.length).toBeGreaterThan(9000);
    expect(paths(text)).toEqual([
      "city/astana",
      "city/shymkent",
      "party/amanat",
      "region/karagandinskaya-oblast",
      "city/karaganda",
      "city/aktobe",
      // "Нур Отан" is AMANAT again: not repeated.
      "city/semey",
    ]);
    // Same answer on a second run (the compiled matcher is cached, regex state is reset).
    expect(paths(text)).toEqual(paths(text));
  });
});

describe("spellingPattern / wordPattern", () => {
  it("declines by the word's ending and keeps indeclinables literal", () => {
    expect(wordPattern("астана", { last: false }).fixed).toBe("астан");
    expect(wordPattern("шымкент", { last: false }).fixed).toBe("шымкент");
    expect(wordPattern("алматы", { last: false })).toEqual({ source: "алматы", fixed: "алматы" });
    expect(wordPattern("актобе", { last: false })).toEqual({ source: "актобе", fixed: "актобе" });
    expect(wordPattern("осдп", { last: false, abbreviation: true })).toEqual({ source: "осдп", fixed: "осдп" });
    expect(wordPattern("amanat", { last: false })).toEqual({ source: "amanat", fixed: "amanat" });
    expect(wordPattern("ақтөбе", { last: false })).toEqual({ source: "ақтөбе", fixed: "ақтөбе" });
  });

  it("keeps the leading parts of a hyphenated compound literal and files by the first letters", () => {
    expect(spellingPattern("Усть-Каменогорск")?.source.startsWith("усть (?:")).toBe(true);
    expect(spellingPattern("Усть-Каменогорск")?.prefix).toBe("уст");
    expect(spellingPattern("Ак жол")?.prefix).toBe("ак");
    expect(spellingPattern("«»")).toBeUndefined();
  });
});

describe("autoTag: symbols and emoji around words", () => {
  it("finds names next to arrows, emoji and other symbols", () => {
    expect(paths("Алматы→Астана")).toEqual(["city/almaty", "city/astana"]);
    expect(paths("🔥Астана🔥")).toEqual(["city/astana"]);
    expect(paths("(Шымкент)")).toEqual(["city/shymkent"]);
  });

  it("does not start a match right after an astral letter", () => {
    expect(paths("𠀀Астана")).toEqual([]);
  });
});
