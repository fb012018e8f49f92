import { describe, expect, it } from "vitest";
import { MAX_SLUG_LENGTH, TAG_SLUG_PATTERN } from "../domain/tag";
import { SEPARATOR_CHARS, capSlug, foldText, matchKey, shortHash, slugify, tidyName } from "./slugify";

describe("slugify", () => {
  it("gives the contract's examples", () => {
    expect(slugify("Алматы")).toBe("almaty");
    expect(slugify("Нур-Султан")).toBe("nur-sultan");
    expect(slugify("Шымкент")).toBe("shymkent");
    expect(slugify("AMANAT")).toBe("amanat");
    expect(slugify("Ак жол")).toBe("ak-zhol");
  });

  it("transliterates the whole Russian alphabet without apostrophes", () => {
    expect(slugify("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")).toBe("abvgdeezhziyklmnoprstufkhtschshshchyeyuya");
    expect(slugify("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")).toBe("abvgdeezhziyklmnoprstufkhtschshshchyeyuya");
    expect(slugify("Щучинск")).toBe("shchuchinsk");
    expect(slugify("Объединение")).toBe("obedinenie");
    expect(slugify("Усть-Каменогорск")).toBe("ust-kamenogorsk");
    expect(slugify("Экибастуз")).toBe("ekibastuz");
    expect(slugify("Юрий Яковлев")).toBe("yuriy-yakovlev");
  });

  it("transliterates the Kazakh letters (2021 Latin alphabet, diacritics folded)", () => {
    expect(slugify("ә ғ қ ң ө ұ ү һ і")).toBe("a-g-q-n-o-u-u-h-i");
    expect(slugify("ӘҒҚҢӨҰҮҺІ")).toBe("agqnouuhi");
    expect(slugify("Қарағанды")).toBe("qaragandy");
    expect(slugify("Өскемен")).toBe("oskemen");
    expect(slugify("Ақтөбе")).toBe("aqtobe");
    expect(slugify("Түркістан")).toBe("turkistan");
    expect(slugify("Маңғыстау")).toBe("mangystau");
    expect(slugify("Ұлытау")).toBe("ulytau");
    expect(slugify("Шығыс Қазақстан облысы")).toBe("shygys-qazaqstan-oblysy");
    expect(slugify("Жалпыұлттық социал-демократиялық партия")).toBe("zhalpyulttyq-sotsial-demokratiyalyq-partiya");
  });

  it("transliterates Ukrainian and Belarusian extras", () => {
    expect(slugify("Україна")).toBe("ukrayina");
    expect(slugify("Їжак")).toBe("yizhak");
    // и is Russian i whatever the language: the scheme cannot tell Ukrainian from Russian.
    expect(slugify("Київ")).toBe("kiyiv");
    expect(slugify("Євген")).toBe("yevgen");
    expect(slugify("Ґанок")).toBe("ganok");
    expect(slugify("Магілёў")).toBe("magileu");
  });

  it("folds Latin diacritics and special letters", () => {
    expect(slugify("Crème Brûlée")).toBe("creme-brulee");
    expect(slugify("São Paulo")).toBe("sao-paulo");
    expect(slugify("Zürich")).toBe("zurich");
    expect(slugify("Öskemen")).toBe("oskemen");
    expect(slugify("Straße")).toBe("strasse");
    expect(slugify("Ærø")).toBe("aero");
    expect(slugify("Łódź")).toBe("lodz");
    expect(slugify("Đakovo")).toBe("dakovo");
    expect(slugify("Þór")).toBe("thor");
    expect(slugify("Œuvre")).toBe("oeuvre");
    expect(slugify("Işık")).toBe("isik");
    expect(slugify("İstanbul")).toBe("istanbul");
    expect(slugify("Qaraǵandy")).toBe("qaragandy");
  });

  it("collapses every other run of characters to one hyphen, none at the ends", () => {
    expect(slugify("  Hello,   World!!  ")).toBe("hello-world");
    expect(slugify("--a--b--")).toBe("a-b");
    expect(slugify("C++ & C#")).toBe("c-c");
    expect(slugify("«Ак жол» — партия")).toBe("ak-zhol-partiya");
    expect(slugify("2024 Election")).toBe("2024-election");
    expect(slugify("a_b.c/d")).toBe("a-b-c-d");
  });

  it("drops apostrophes instead of splitting words", () => {
    expect(slugify("O'Brien")).toBe("obrien");
    expect(slugify("People’s Party of Kazakhstan")).toBe("peoples-party-of-kazakhstan");
  });

  it("normalizes compatibility forms, decomposed letters and stress marks", () => {
    expect(slugify("ﬁnance ２０２４")).toBe("finance-2024");
    expect(slugify("Костанаи\u0306")).toBe("kostanay"); // й as и + combining breve
    expect(slugify("Алма\u0301ты")).toBe("almaty"); // stress accent
    expect(slugify("Cafe\u0301")).toBe("cafe");
  });

  it("gives a stable t-hash slug to a name with nothing transliterable", () => {
    const china = slugify("中国");
    expect(china).toMatch(/^t-[a-z0-9]{1,7}$/);
    expect(slugify("中国")).toBe(china);
    expect(slugify("  中国 ")).toBe(china);
    expect(slugify("中国".normalize("NFD"))).toBe(china);
    expect(slugify("日本")).not.toBe(china);
    expect(slugify("🔥")).toMatch(/^t-[a-z0-9]{1,7}$/);
    expect(slugify("🔥")).not.toBe(slugify("🎉"));
    expect(slugify("Ελλάδα")).toMatch(/^t-[a-z0-9]+$/);
  });

  it("appends a hash when some letters could not be transliterated, so such names stay apart", () => {
    const beijing = slugify("Beijing 北京");
    expect(beijing).toMatch(/^beijing-[a-z0-9]{1,7}$/);
    expect(slugify("Beijing 上海")).not.toBe(beijing);
    expect(slugify("BEIJING 北京")).toBe(beijing); // same match key, same slug
    // Symbols are not letters: nothing is lost, no hash.
    expect(slugify("🔥 News")).toBe("news");
    expect(slugify("Oʻzbekiston")).toBe("ozbekiston"); // ʻ is a modifier letter (apostrophe)
  });

  it("caps the length at MAX_SLUG_LENGTH, at a hyphen where possible", () => {
    const name = "Word ".repeat(40);
    const slug = slugify(name);
    const full = "word-".repeat(40).slice(0, -1);
    expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(full.startsWith(slug)).toBe(true);
    expect(full[slug.length]).toBe("-");
    expect(slug).toMatch(TAG_SLUG_PATTERN);

    expect(slugify("a".repeat(200))).toBe("a".repeat(MAX_SLUG_LENGTH));
    const cyrillic = slugify("Общенациональная социал-демократическая партия Казахстана и ещё много слов");
    expect(cyrillic.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(cyrillic).toMatch(TAG_SLUG_PATTERN);
    expect(cyrillic.endsWith("-")).toBe(false);

    const mixed = slugify(`${"Beijing ".repeat(20)}北京`);
    expect(mixed.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(mixed).toMatch(/^beijing(-beijing)*-[a-z0-9]{1,7}$/);
  });

  it("always returns a non-empty slug matching TAG_SLUG_PATTERN", () => {
    const names = [
      "Алматы", "x", "—", "«»", "!!!", "🔥", "中国", "a".repeat(300), "Щ".repeat(100), "ь", "Ъ-Ь", "\u200b",
      "Республика Казахстан", "1", "- a -", "Ǆ", "ŉ", "ﷺ", "ß".repeat(60), "ё-ё-ё", "\u0301",
    ];
    for (const name of names) {
      const slug = slugify(name);
      expect(slug, name).toMatch(TAG_SLUG_PATTERN);
      expect(slug.length, name).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    }
  });
});

describe("capSlug", () => {
  it("keeps short slugs and cuts at a hyphen when it keeps at least half", () => {
    expect(capSlug("abc-def", 10)).toBe("abc-def");
    expect(capSlug("abc-def-ghi", 9)).toBe("abc-def");
    expect(capSlug("abc-def-ghi", 7)).toBe("abc-def");
    expect(capSlug("a-bcdefghij", 8)).toBe("a-bcdefg"); // the hyphen is too early: hard cut
  });
});

describe("shortHash", () => {
  it("is 32-bit FNV-1a in base 36", () => {
    expect(shortHash("")).toBe((0x811c9dc5).toString(36));
    expect(shortHash("a")).toBe((0xe40c292c).toString(36));
    expect(shortHash("foobar")).toBe((0xbf9cf968).toString(36));
  });
});

describe("matchKey", () => {
  it("makes spellings of one name equal", () => {
    expect(matchKey("AMANAT")).toBe("amanat");
    expect(matchKey("Amanat")).toBe("amanat");
    expect(matchKey(" «Аманат» ")).toBe("аманат");
    expect(matchKey("АМАНАТ")).toBe(matchKey("Аманат"));
    expect(matchKey("Алма-Ата")).toBe(matchKey("алма ата"));
    expect(matchKey("Алма — Ата")).toBe("алма ата");
    expect(matchKey("Nur_Otan")).toBe(matchKey("Nur Otan"));
    expect(matchKey("“Ak  Zhol”")).toBe("ak zhol");
    expect(matchKey("Ak\u00a0Zhol")).toBe("ak zhol");
    expect(matchKey("Ak\tZhol\n")).toBe("ak zhol");
  });

  it("folds ё to е but keeps й, and keeps Kazakh letters", () => {
    expect(matchKey("Ёлка")).toBe("елка");
    expect(matchKey("Королёв")).toBe(matchKey("Королев"));
    expect(matchKey("Костанай")).not.toBe(matchKey("Костанаи"));
    expect(matchKey("Костанаи\u0306")).toBe(matchKey("Костанай"));
    expect(matchKey("Нұр Отан")).toBe("нұр отан");
    expect(matchKey("Нұр Отан")).not.toBe(matchKey("Нур Отан"));
  });

  it("folds Latin diacritics and strips stress marks, soft hyphens and joiners", () => {
    expect(matchKey("Öskemen")).toBe("oskemen");
    expect(matchKey("İstanbul")).toBe("istanbul");
    expect(matchKey("STRASSE")).toBe(matchKey("Straße"));
    expect(matchKey("Qaraǵandy")).toBe("qaragandy");
    expect(matchKey("Алма\u0301ты")).toBe("алматы");
    expect(matchKey("Алма\u00adты")).toBe("алматы");
    expect(matchKey("Алма\u200dты")).toBe("алматы");
    expect(matchKey("ＡＬＭＡＴＹ")).toBe("almaty");
  });

  it("treats quotes and apostrophes as spaces and keeps other punctuation", () => {
    expect(matchKey("People's Party")).toBe("people s party");
    expect(matchKey("People’s Party")).toBe("people s party");
    expect(matchKey("г. Алматы")).toBe("г. алматы");
    expect(matchKey("«»")).toBe("");
  });
});

describe("foldText", () => {
  it("keeps positions of words and punctuation, collapsing separators to one space", () => {
    expect(foldText("В «Астане», Алма-Ате!")).toBe("в астане , алма ате!");
  });
});

describe("tidyName", () => {
  it("normalizes to NFC and collapses whitespace and control characters", () => {
    expect(tidyName("  Some   New\tTopic \n")).toBe("Some New Topic");
    expect(tidyName("Cafe\u0301")).toBe("Café");
    expect(tidyName("a\u0000b")).toBe("a b");
    expect(tidyName("\u0001")).toBe("\u0001");
  });
});

describe("slugify and matchKey agree on invisible characters", () => {
  it("drops a soft hyphen and zero-width joiners in both", () => {
    expect(slugify("Ал\u00adматы")).toBe("almaty");
    expect(slugify("Аст\u200dана")).toBe("astana");
    expect(matchKey("Ал\u00adматы")).toBe(matchKey("Алматы"));
  });
});

describe("foldText separators", () => {
  it("collapses every run of separators to one space, as a plain replace of each run does", () => {
    const alphabet = [" ", "  ", "\t", "\n", "\u00a0", "-", "—", "_", "'", "«", "»", "\u200b", "а", "b", "Ё", "x"];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const runs = new RegExp(`[${SEPARATOR_CHARS}]+`, "g");
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
      const expected = text.normalize("NFKC").toLowerCase().replace(/ё/g, "е").replace(runs, " ");
      expect(foldText(text), JSON.stringify(text)).toBe(expected);
    }
  });
});
