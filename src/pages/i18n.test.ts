import { describe, expect, it } from "vitest";
import { defaultLang, negotiateLang } from "./i18n";

describe("negotiateLang", () => {
  it("takes the cookie over Accept-Language", () => {
    expect(negotiateLang("en-US,en;q=0.9", "kk", "ru")).toBe("kk");
  });
  it("takes the highest-q range one of ours matches, by primary subtag", () => {
    expect(negotiateLang("de-DE,kk-KZ;q=0.8,en;q=0.5", undefined, "ru")).toBe("kk");
    expect(negotiateLang("en;q=0.4, ru;q=0.9", undefined, "kk")).toBe("ru");
    expect(negotiateLang("EN-gb", "xx", "ru")).toBe("en");
  });
  it("falls back to the default for nothing, q=0 or a wildcard", () => {
    expect(negotiateLang(undefined, undefined, "ru")).toBe("ru");
    expect(negotiateLang("de, fr", undefined, "kk")).toBe("kk");
    expect(negotiateLang("en;q=0", undefined, "ru")).toBe("ru");
    expect(negotiateLang("*", undefined, "en")).toBe("en");
  });
  it("reads the configured default, Russian when unknown", () => {
    expect(defaultLang("KK")).toBe("kk");
    expect(defaultLang("")).toBe("ru");
    expect(defaultLang(undefined)).toBe("ru");
  });
});
