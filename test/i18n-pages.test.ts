/** Reader pages in the reader's language, and dates in the display zone, in workerd. */
import { describe, expect, it } from "vitest";
import { call, fixtures, submit } from "./helpers";

describe("reader pages' language", () => {
  it("follows Accept-Language, defaults to Russian, and sets lang on <html>", async () => {
    const cases: [string | undefined, string, string][] = [
      [undefined, "ru", "Теги по типам"],
      ["kk-KZ,kk;q=0.9", "kk", "Тегтер түрлері бойынша"],
      ["en-US,en;q=0.8", "en", "Tags by type"],
      ["de-DE", "ru", "Теги по типам"],
    ];
    for (const [accept, lang, heading] of cases) {
      const response = await call("/", { headers: accept === undefined ? {} : { "accept-language": accept } });
      const body = await response.text();
      expect(body, String(accept)).toContain(`<html lang="${lang}">`);
      expect(body).toContain(heading);
      expect(response.headers.get("content-language")).toBe(lang);
      expect(response.headers.get("vary")).toContain("Accept-Language");
    }
  });

  it("has a switch that sets a cookie and goes back, never off the site", async () => {
    const page = await (await call("/", { headers: { "accept-language": "en" } })).text();
    expect(page).toContain('href="/lang/kk?back=%2F"');
    const set = await call("/lang/kk?back=%2Ftags%2Fcity", { redirect: "manual" });
    expect(set.status).toBe(303);
    expect(set.headers.get("location")).toBe("/tags/city");
    expect(set.headers.get("set-cookie")).toMatch(/^lang=kk; Max-Age=31536000; Path=\//);
    const evil = await call("/lang/en?back=%2F%2Fevil.example", { redirect: "manual" });
    expect(evil.headers.get("location")).toBe("/");
    const withCookie = await (await call("/", { headers: { cookie: "lang=kk", "accept-language": "en" } })).text();
    expect(withCookie).toContain('<html lang="kk">');
    expect((await call("/lang/de")).status).toBe(404);
  });

  it("shows the seed's date in Asia/Almaty with the offset, and at the publisher's offset on its page", async () => {
    expect((await submit(fixtures.seed())).status).toBeLessThan(300);
    const article = await (await call("/articles/seed-amanat-platform-2022-08-27", { headers: { "accept-language": "ru" } })).text();
    expect(article).toMatch(/<time datetime="2022-08-26T21:00:00.000Z">27 авг\.? 2022 г\., 00:00 UTC\+03:00<\/time>/);
    const tag = await (await call("/tags/party/amanat", { headers: { "accept-language": "en" } })).text();
    expect(tag).toContain('<time datetime="2022-08-26T21:00:00.000Z">27 Aug 2022, 03:00 UTC+06:00</time>');
    // The directory's date is the tag's newest article, not when its record changed.
    const directory = await (await call("/", { headers: { "accept-language": "en" } })).text();
    const party = /<a href="[^"]*\/tags\/party\/amanat">AMANAT<\/a>\s*<div class="small muted">([\s\S]*?)<\/div>/.exec(directory)?.[1] ?? "";
    expect(party).toContain("Newest article: <time");
    expect(party).toContain("2022");
  });
});
