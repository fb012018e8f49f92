/**
 * The HTML side in headless Chromium (Debian's, via playwright-core): the tag directory, a tag
 * page, article pages (including the hostile ones) and a feed opened in the browser. Checks
 * autodiscovery (<link rel="alternate">), follows every subscribe link, checks that no script
 * runs and nothing fails to load, that pages fit a phone's width, and saves screenshots under
 * e2e-artifacts/.
 *
 * The styled feed view: RSS and Atom reference /feed.xsl. Chromium renders documents served as
 * application/rss+xml or application/atom+xml as plain text, so the Worker serves a browser's
 * navigation (Accept: text/html, no feed type) the same bytes as application/xml, which Chromium
 * styles with the stylesheet. Chromium has deprecated XSLT: where it is gone, the test records a
 * finding (annotation + e2e-artifacts/findings.txt) instead of failing.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ListedTag, tagNamed } from "./support/api";
import { launchChromium } from "./support/browser";
import { e2e, e2eDescribe } from "./support/context";
import { CONTENT_TYPES, get } from "./support/feeds";
import { HOSTILE_TAG, SEED_ID } from "./support/seed";
import { parseXml } from "./support/xml-dom";

const PIXEL_PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==", "base64");
const FEED_TYPES = [CONTENT_TYPES.rss, CONTENT_TYPES.atom, CONTENT_TYPES.json].map((t) => t.split(";")[0]!);

e2eDescribe("pages in Chromium", () => {
  const { baseUrl, workDir, artifactsDir } = e2e();
  let browser: BrowserContext;
  /** Problems any page had: script errors, console errors, failed or 4xx/5xx subresources, dialogs. */
  const problems: string[] = [];
  let hostileTag: ListedTag;

  const finding = (text: string): void => {
    appendFileSync(join(artifactsDir, "findings.txt"), `${text}\n`);
    console.warn(`[e2e finding] ${text}`);
  };

  /** URLs off this service that pages asked for (articles' own images); answered locally. */
  const external: string[] = [];

  beforeAll(async () => {
    hostileTag = await tagNamed(baseUrl, HOSTILE_TAG.type, HOSTILE_TAG.name);
    browser = await launchChromium(workDir);
    await stubExternal(browser);
  });
  afterAll(async () => {
    await browser?.close();
  });

  /**
   * The network here is closed: an article's images on its publisher's host are answered with a
   * 1x1 PNG instead, and recorded, so a page is judged by what it asks for, not by DNS.
   */
  async function stubExternal(context: BrowserContext): Promise<void> {
    await context.route(
      (url) => url.origin !== baseUrl,
      async (route) => {
        external.push(route.request().url());
        await route.fulfill({ status: 200, contentType: "image/png", body: PIXEL_PNG });
      },
    );
  }

  async function open(path: string, screenshot?: string, context: BrowserContext = browser): Promise<Page> {
    const page = await context.newPage();
    const where = (what: string) => `${path}: ${what}`;
    page.on("pageerror", (error) => problems.push(where(`script error ${error.message}`)));
    page.on("console", (message) => {
      // "Failed to load resource" repeats a response the handlers below already judge, with its URL.
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(where(`console error ${message.text()}`));
    });
    page.on("dialog", (dialog) => {
      problems.push(where(`a script opened a ${dialog.type()} dialog: ${dialog.message()}`));
      void dialog.dismiss();
    });
    page.on("requestfailed", (request) => problems.push(where(`request failed ${request.url()}`)));
    page.on("response", (response) => {
      // Browsers ask for /favicon.ico on their own; the service has none to offer.
      if (response.status() >= 400 && !response.url().endsWith("/favicon.ico")) problems.push(where(`${response.status()} for ${response.url()}`));
    });
    const response = await page.goto(`${baseUrl}${path}`, { waitUntil: "load" });
    expect(response?.status(), path).toBe(200);
    if (screenshot) await page.screenshot({ path: join(artifactsDir, screenshot), fullPage: true });
    return page;
  }

  /** The page's feed autodiscovery: <link rel="alternate"> with a feed type, absolute hrefs. */
  async function autodiscovery(page: Page): Promise<{ type: string; href: string; title: string }[]> {
    const links = page.locator('head link[rel="alternate"]');
    const found: { type: string; href: string; title: string }[] = [];
    for (let i = 0; i < (await links.count()); i++) {
      const link = links.nth(i);
      const type = (await link.getAttribute("type")) ?? "";
      if (FEED_TYPES.includes(type)) found.push({ type, href: (await link.getAttribute("href")) ?? "", title: (await link.getAttribute("title")) ?? "" });
    }
    return found;
  }

  it("the directory lists tags by type in their own script, with autodiscovery and working subscribe links", async () => {
    const page = await open("/", "directory.png");
    expect(await page.title()).toMatch(/tagfeed/);
    const text = await page.locator("main").innerText();
    for (const expected of ["Cities", "Parties", "Алматы", "AMANAT", "E2E Hostile"]) expect(text).toContain(expected);
    const discovered = await autodiscovery(page);
    expect(discovered.map((d) => d.href).sort()).toEqual(["all.atom", "all.json", "all.rss"].map((f) => `${baseUrl}/feeds/${f}`));
    // Every feed link on the page answers with a feed.
    const hrefs = await page.locator('a[href*="/feeds/"]').evaluateAll((as) => as.map((a) => (a as unknown as { href: string }).href));
    expect(hrefs.length).toBeGreaterThanOrEqual(3 * 7);
    for (const href of new Set(hrefs)) {
      const answer = await page.request.get(href, { maxRedirects: 0 });
      expect([href, answer.status(), answer.headers()["content-type"]?.split(";")[0]]).toEqual([href, 200, expect.stringMatching(/^application\/(rss\+xml|atom\+xml|feed\+json)$/)]);
    }
    // The tag links reach the tag pages.
    await page.getByRole("link", { name: "Алматы", exact: true }).first().click();
    await page.waitForLoadState("load");
    expect(page.url()).toBe(`${baseUrl}/tags/city/almaty`);
    await page.close();
  });

  it("a tag page lists its articles and announces its feeds; its subscribe links are those feeds", async () => {
    const page = await open("/tags/city/almaty", "tag-almaty.png");
    expect(await page.locator("h1").innerText()).toBe("Алматы");
    const discovered = await autodiscovery(page);
    const feeds = ["rss", "atom", "json"].map((f) => `${baseUrl}/feeds/city/almaty.${f}`);
    expect(discovered.map((d) => d.href)).toEqual(expect.arrayContaining(feeds));
    expect(discovered.map((d) => d.type)).toEqual(expect.arrayContaining(FEED_TYPES));
    // The subscribe box; the combination feeds listed below it are checked in readers.e2e.
    const subscribe = page.locator("main .box a[type]");
    const subscribeLinks: { href: string; type: string }[] = [];
    for (let i = 0; i < (await subscribe.count()); i++) {
      const a = subscribe.nth(i);
      const type = (await a.getAttribute("type")) ?? "";
      if (FEED_TYPES.includes(type)) subscribeLinks.push({ href: (await a.getAttribute("href")) ?? "", type });
    }
    expect(subscribeLinks.map((l) => l.href).sort()).toEqual([...feeds].sort());
    for (const link of subscribeLinks) {
      // What autodiscovery announces and what the link says agree, and the feed names itself so.
      expect(discovered.find((d) => d.href === link.href)?.type).toBe(link.type);
      const feed = await get(link.href);
      expect([feed.status, feed.headers.get("content-type")?.split(";")[0]]).toEqual([200, link.type]);
      expect(feed.body).toContain(link.type === FEED_TYPES[2] ? `"feed_url":"${link.href}"` : `href="${link.href}"`);
    }
    await page.getByRole("link", { name: /Эксперты внесли предложения/ }).first().click();
    await page.waitForLoadState("load");
    expect(page.url()).toBe(`${baseUrl}/articles/${SEED_ID}`);
    await page.close();

    // A phone's width: nothing wider than the screen.
    const phone = await launchChromium(workDir, { width: 390, height: 844 });
    await stubExternal(phone);
    try {
      const small = await open("/tags/city/almaty", "tag-almaty-phone.png", phone);
      expect(await small.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
      const article = await open(`/articles/e2e-hostile-mixed`, "article-hostile-phone.png", phone);
      expect(await article.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    } finally {
      await phone.close();
    }
  });

  it("article pages show the article, link its tags and feeds, and run no script from hostile content", async () => {
    const seed = await open(`/articles/${SEED_ID}`, "article-seed.png");
    expect(await seed.locator("h1").innerText()).toBe("Эксперты внесли предложения к проекту новой политической платформы Amanat");
    expect(await seed.locator("main").innerText()).toContain("Обмен мнениями в Алматы прошел в конструктивном ключе");
    for (const tagPage of ["/tags/party/amanat", "/tags/city/almaty"]) expect(await seed.locator(`a[href="${baseUrl}${tagPage}"]`).count()).toBeGreaterThan(0);
    expect((await autodiscovery(seed)).length).toBeGreaterThanOrEqual(3);
    await seed.close();

    const hostile = await open("/articles/e2e-hostile-mixed", "article-hostile.png");
    const title = await hostile.locator("h1").innerText();
    expect(title).toContain('<script>alert("t")</script> ]]> &');
    expect(title).toContain("🇰🇿 👩‍💻 👍🏽 עברית العربية");
    expect(await hostile.evaluate<number>("document.scripts.length")).toBe(0);
    expect(await hostile.locator("iframe, style:not(head style), [onclick], [onerror], [onmouseover]").count()).toBe(0);
    expect(await hostile.locator('a[href^="javascript:"]').count()).toBe(0);
    // Let any timer or late handler fire before judging.
    await hostile.waitForTimeout(300);
    await hostile.close();

    const rtl = await open("/articles/e2e-hostile-rtl", "article-rtl.png");
    expect(await rtl.locator("h1").innerText()).toBe("مرحبا بالعالم — שלום עולם ‏123‎");
    expect(await rtl.locator('[dir="rtl"]').count()).toBeGreaterThan(0);
    await rtl.close();
    await (await open(`/tags/${hostileTag.type}/${hostileTag.slug}`, "tag-hostile.png")).close();
    expect(problems).toEqual([]);
    // Only the article's own images left the service; the stripped iframe's host was never asked.
    expect(new Set(external.map((u) => new URL(u).host))).toEqual(new Set(["news.example.kz"]));
  });

  it("a feed opened in the browser: the XSL view where Chromium applies it, the finding where it does not", async (test) => {
    const xsl = await get(`${baseUrl}/feed.xsl`);
    expect([xsl.status, xsl.headers.get("content-type")]).toEqual([200, "text/xsl; charset=utf-8"]);
    expect(parseXml(xsl.body).root.local).toBe("stylesheet");

    for (const format of ["rss", "atom"] as const) {
      const url = `${baseUrl}/feeds/city/almaty.${format}`;
      const feed = await get(url);
      expect(feed.body).toContain(`<?xml-stylesheet type="text/xsl" href="${baseUrl}/feed.xsl"?>`);

      // Opened in the browser: the Worker serves the same bytes as application/xml to a request that
      // asks for HTML (routes/feeds.ts), so Chromium runs /feed.xsl and shows a readable page.
      const probe = await browser.newPage();
      const messages: string[] = [];
      probe.on("console", (m) => messages.push(`${m.type()}: ${m.text()}`));
      const response = await probe.goto(url, { waitUntil: "load" });
      expect(response?.headers()["content-type"]).toBe("application/xml; charset=utf-8");
      const hasXslt = await probe.evaluate<boolean>("typeof XSLTProcessor === 'function'");
      const transformed = (await probe.evaluate<string>("document.documentElement.namespaceURI")) === "http://www.w3.org/1999/xhtml" && (await probe.locator("body").count()) > 0;
      await probe.screenshot({ path: join(artifactsDir, `feed-${format}-xslt.png`), fullPage: true });
      if (!transformed) {
        const note = `Chromium ${browser.browser()?.version() ?? ""} did not apply /feed.xsl to ${format} served as application/xml (XSLTProcessor ${hasXslt ? "present" : "absent"}): the browser has dropped XSLT.`;
        finding(note);
        await test.annotate(note, "finding");
        expect(hasXslt, "XSLT is present but the view was not applied").toBe(false);
      } else {
        const text = await probe.locator("body").innerText();
        expect(text).toContain("Алматы — tagfeed");
        const shown = await probe.locator("input, code, pre, a").evaluateAll((els) =>
          els.map((el) => (el as unknown as { value?: string; textContent: string | null }).value ?? el.textContent ?? ""),
        );
        expect(shown, "the feed's URL to copy").toContain(url);
        expect(text).toContain("Эксперты внесли предложения");
        const articleLink = probe.locator(`a[href="${baseUrl}/articles/${SEED_ID}"]`);
        expect(await articleLink.count()).toBeGreaterThan(0);
        const deprecation = messages.find((m) => /XSLT/i.test(m));
        if (deprecation) {
          const note = `Chromium ${browser.browser()?.version() ?? ""} applies /feed.xsl but warns: ${deprecation.slice(0, 200)}`;
          finding(note);
          await test.annotate(note, "finding");
        }
      }
      await probe.close();
    }
  });
});
