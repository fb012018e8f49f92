/**
 * The operator's console in headless Chromium against the Worker under wrangler dev: sign in, add
 * a source served by a loopback upstream, refresh it and see it turn green, make the upstream fail
 * and see red with the reason, edit it without losing its validators, merge a tag of 250 articles
 * into another with the progress bar reaching 100%, and switch the reader pages' language.
 * Screenshots go to e2e-artifacts/console-*.png.
 */
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "./support/browser";
import { e2e, e2eDescribe } from "./support/context";
import { startUpstreamServer, type UpstreamServer } from "./support/upstream-server";

const RSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Console news</title><link>https://console.example/</link><description>x</description>
<item><title>Первая новость консоли</title><link>https://console.example/1</link><pubDate>Mon, 04 Mar 2024 10:00:00 +0600</pubDate><description>Текст один.</description></item>
<item><title>Вторая новость консоли</title><link>https://console.example/2</link><pubDate>Mon, 04 Mar 2024 11:00:00 +0600</pubDate><description>Текст два.</description></item>
</channel></rss>`;

e2eDescribe("operator console in Chromium", () => {
  const { baseUrl, workDir, artifactsDir, adminToken } = e2e();
  const admin = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
  let browser: BrowserContext;
  let page: Page;
  let upstream: UpstreamServer;
  const docs: Record<string, { contentType: string; body: Buffer }> = {};
  const problems: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(artifactsDir, `console-${name}.png`), fullPage: true });

  beforeAll(async () => {
    docs["/console.xml"] = { contentType: "application/rss+xml; charset=utf-8", body: Buffer.from(RSS) };
    upstream = await startUpstreamServer(docs);
    browser = await launchChromium(workDir);
    page = await browser.newPage();
    page.on("pageerror", (error) => problems.push(`script error ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await upstream?.close();
  });

  const row = () => page.locator("tr", { hasText: "Console feed" });

  it("signs in; without a session pages redirect and actions are refused", async () => {
    const refused = await fetch(`${baseUrl}/admin/sources`, { method: "POST", body: new URLSearchParams({ url: "http://x.example/" }), redirect: "manual" });
    expect(refused.status).toBe(403);
    await page.goto(`${baseUrl}/admin/sources`);
    expect(new URL(page.url()).pathname).toBe("/admin");
    await page.getByLabel("Admin token").fill(adminToken);
    await shot("sign-in");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${baseUrl}/admin/sources`);
    const cookies = await browser.cookies(`${baseUrl}/admin/sources`);
    const session = cookies.find((c) => c.name === "tagfeed_admin");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/admin" });
    expect(await page.content()).not.toContain(adminToken);
  });

  it("adds a source, refreshes it to green, then sees it fail red with the reason", async () => {
    await page.getByLabel("Feed URL").fill(`${upstream.url}/console.xml`);
    await page.getByLabel("Name (optional)").fill("Console feed");
    await page.getByLabel(/Default tags/).fill("topic: Консоль");
    await page.getByRole("button", { name: "Add source" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Added Console feed");
    expect(await row().getAttribute("data-health")).toBe("never");

    await page.getByRole("button", { name: "Refresh Console feed now" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Refreshed Console feed");
    expect(await row().getAttribute("data-health")).toBe("ok");
    expect(await row().textContent()).toContain("200 OK");
    expect(await row().textContent()).toContain("2 created");
    await shot("sources-ok");

    delete docs["/console.xml"];
    await page.getByRole("button", { name: "Refresh Console feed now" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("failed");
    expect(await row().getAttribute("data-health")).toBe("failing");
    expect(await row().textContent()).toContain("500 server error");
    const color = await page.evaluate<string>(`getComputedStyle([...document.querySelectorAll("tr")].find((r) => r.textContent.includes("Console feed")).querySelector(".dot")).backgroundColor`);
    expect(color).toBe("rgb(207, 34, 46)");
    await shot("sources-failing");
  });

  it("edits the source without losing its validators", async () => {
    await row().getByRole("link", { name: "Edit Console feed" }).click();
    const etag = await page.locator("#refresh-state dd").first().textContent();
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    await page.getByLabel("Name", { exact: true }).fill("Console feed, edited");
    await page.getByLabel(/Refresh interval/).fill("60");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Saved");
    expect(await page.locator("#refresh-state dd").first().textContent()).toBe(etag);
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("Console feed, edited");
    await shot("source-edit");
  });

  it("merges a tag of 250 articles into another, the progress bar reaching 100%", async () => {
    const stamp = Date.now().toString(36);
    const tagOf = async (name: string, count: number): Promise<string> => {
      let slug = "";
      for (let start = 0; start < count; start += 50) {
        const articles = Array.from({ length: Math.min(50, count - start) }, (_, i) => ({
          id: `merge-${stamp}-${name.length}-${start + i}`,
          title: `Merge article ${start + i}`,
          published: new Date(Date.UTC(2026, 10, 1 + ((start + i) % 28))).toISOString(),
          content_text: "x",
          tags: [{ type: "topic", name }],
        }));
        const response = await fetch(`${baseUrl}/api/articles`, { method: "POST", headers: admin, body: JSON.stringify({ articles }) });
        expect(response.status, await response.clone().text()).toBe(201);
        slug = ((await response.json()) as { articles: { tags: { slug: string }[] }[] }).articles[0]?.tags[0]?.slug ?? "";
      }
      return slug;
    };
    const from = await tagOf(`Merge from ${stamp}`, 250);
    const into = await tagOf(`Merge into ${stamp} x`, 3);
    await page.goto(`${baseUrl}/admin/tags/topic/${from}`);
    expect(await page.textContent("main")).toContain("250 articles");
    await page.getByLabel("Target tag, as type/slug").fill(`topic/${into}`);
    await page.getByRole("button", { name: "Merge" }).click();
    await expect.poll(() => page.locator("#merge-status").textContent(), { timeout: 60_000 }).toContain("Done");
    expect(await page.evaluate<number>(`document.getElementById("merge-progress").value`)).toBe(100);
    expect(await page.locator("#merge-status").textContent()).toBe("Done: 250 moved, 0 remaining (100%)");
    await shot("merge-done");
    await page.goto(`${baseUrl}/admin/tags`);
    await shot("tags");
  });

  it("switches the reader pages' language, at a phone's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl}/`);
    // The browser asks for en-US: the page follows Accept-Language until the switch is used.
    expect(await page.getAttribute("html", "lang")).toBe("en");
    await page.getByRole("link", { name: "Қазақша" }).click();
    await page.waitForURL(`${baseUrl}/`);
    expect(await page.getAttribute("html", "lang")).toBe("kk");
    expect(await page.textContent("h2#tags-heading")).toBe("Тегтер түрлері бойынша");
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await shot("reader-kk-390");
    await page.getByRole("link", { name: "Русский" }).click();
    expect(await page.getAttribute("html", "lang")).toBe("ru");
    await page.goto(`${baseUrl}/admin/sources`);
    await shot("sources-390");
    expect(problems).toEqual([]);
  });
});
