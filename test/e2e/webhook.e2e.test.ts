/**
 * Submission over real HTTP with a Standard Webhooks signature made here, independently of the
 * Worker's code: the seed data went in (global setup), re-delivery is idempotent, a bad
 * signature is refused, and hostile text is stored clean but intact.
 */
import { expect, it } from "vitest";
import { getArticle } from "./support/api";
import { e2e, e2eDescribe } from "./support/context";
import { PAGING_COUNT, SEED_ID, seedArticle } from "./support/seed";
import { signWebhook, submitSigned } from "./support/webhook";

/** What XML 1.0 cannot carry: C0 controls but tab/LF/CR, U+FFFE/U+FFFF, unpaired surrogates. */
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

e2eDescribe("webhook", () => {
  const { baseUrl, webhookSecret, seeded, repoRoot } = e2e();

  it("stored every seed submission (201, ids and resolved tags)", () => {
    expect(seeded.map((s) => [s.what, s.answer.status])).toEqual(seeded.map((s) => [s.what, 201]));
    const ids = seeded.flatMap((s) => (s.answer.body as { articles: { id: string; status: string }[] }).articles);
    expect(ids).toHaveLength(1 + 3 + PAGING_COUNT);
    expect(new Set(ids.map((a) => a.status))).toEqual(new Set(["created"]));
    const seed = (seeded[0]!.answer.body as { articles: { id: string; tags: { type: string; slug: string }[] }[] }).articles[0]!;
    expect(seed.id).toBe(SEED_ID);
    expect(seed.tags.map((t) => `${t.type}/${t.slug}`)).toEqual(expect.arrayContaining(["party/amanat", "city/almaty", "section/v-mire"]));
  });

  it("answers a re-delivered webhook-id with the first answer and stores nothing twice", async () => {
    const body = JSON.stringify(seedArticle(repoRoot));
    const first = signWebhook(webhookSecret, body);
    const firstAnswer = await fetch(`${baseUrl}/api/articles`, { method: "POST", headers: first.headers, body });
    // Same content under a new webhook-id: unchanged, 200.
    expect(firstAnswer.status).toBe(200);
    expect(((await firstAnswer.json()) as { articles: { status: string }[] }).articles[0]!.status).toBe("unchanged");
    const again = await fetch(`${baseUrl}/api/articles`, { method: "POST", headers: first.headers, body });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { redelivery?: boolean }).redelivery).toBe(true);
  });

  it("refuses a wrong signature, an old timestamp and no auth with 401", async () => {
    const body = JSON.stringify(seedArticle(repoRoot));
    const wrongKey = signWebhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`, body);
    expect((await fetch(`${baseUrl}/api/articles`, { method: "POST", headers: wrongKey.headers, body })).status).toBe(401);
    const stale = await submitSigned(baseUrl, webhookSecret, body, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.status).toBe(401);
    const none = await fetch(`${baseUrl}/api/articles`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(none.status).toBe(401);
  });

  it("stores hostile text without what XML cannot carry, and keeps the rest", async () => {
    const mixed = await getArticle(baseUrl, "e2e-hostile-mixed");
    for (const value of [mixed.title, mixed.summary ?? "", mixed.content_html ?? "", ...(mixed.authors ?? []).map((a) => a.name)]) {
      expect(value).not.toMatch(XML_ILLEGAL);
    }
    expect(mixed.title).toContain('<script>alert("t")</script> ]]> &');
    expect(mixed.title).toContain("«Сәлем, әлем»");
    expect(mixed.title).toContain("🇰🇿 👩‍💻 👍🏽 עברית العربية");
    // The sanitizer keeps text and safe markup, drops scripts, handlers, styles, frames, javascript: URLs.
    const html = mixed.content_html ?? "";
    for (const kept of ["Кириллица: Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі", "עִבְרִית", "emoji 🎉👍🏽👩‍👩‍👧", "بالعالم", "https://news.example.kz/img/inline.png"]) {
      expect(html).toContain(kept);
    }
    expect(html).not.toMatch(/<script|onclick|onmouseover|onerror|javascript:|<iframe|<style/i);
    expect(mixed.url).toBe("https://news.example.kz/2024/03/hostile?id=7");
    const rtl = await getArticle(baseUrl, "e2e-hostile-rtl");
    expect(rtl.title).toBe("مرحبا بالعالم — שלום עולם ‏123‎");
  });
});
