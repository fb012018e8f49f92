/**
 * What the suite submits through the signed webhook before any test runs: the seed article, hostile
 * text, and enough items in one tag to page through. Built by small factories; every value is
 * fixed (dates in the past, explicit ids), so every run serves the same feeds.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Answer, submitSigned } from "./webhook";

export const SEED_ID = "seed-amanat-platform-2022-08-27";
export const HOSTILE_TAG = { type: "topic", name: "E2E Hostile" } as const;
export const PAGING_TAG = { type: "topic", name: "E2E Paging" } as const;
export const PAGING_COUNT = 120;

/** Characters no XML document may carry (XML 1.0 §2.2), sent as JSON escapes. */
const XML_ILLEGAL = "\u0000\u0001\u0008\u000B\u000C\u001B\u001F\uFFFE\uFFFF";

/**
 * Text that breaks naive feed writers: markup as text, a CDATA terminator, C0 controls, lone
 * surrogates (JSON.stringify writes them as `\ud800` escapes, which JSON allows), bidi controls,
 * right-to-left scripts, emoji with joiners and skin tones, Kazakh Cyrillic.
 */
export function hostileArticles(): Record<string, unknown>[] {
  return [
    {
      id: "e2e-hostile-mixed",
      url: "https://news.example.kz/2024/03/hostile?utm_source=tg&id=7#comments",
      title: `<script>alert("t")</script> ]]> & <b>«Сәлем, әлем»</b>${XML_ILLEGAL} lone\ud800·\udfff 🇰🇿 👩‍💻 👍🏽 עברית العربية`,
      summary: `Summary <script>alert(1)</script> with ]]> and a bell\u0007, \u202Eevil\u202C bidi, ✓ Қазақстан`,
      content_html:
        '<p>Paragraph with <b>bold</b>, ]]&gt; escaped and ]]> raw, <![CDATA[ cdata ]]> inside.</p>' +
        '<script>alert(1)</script><p onclick="alert(2)">Кириллица: Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі; ' +
        'עִבְרִית; العربية; emoji 🎉👍🏽👩‍👩‍👧; lone \ud800 and \udfff; controls \u0000\u001B\u0008.</p>' +
        '<p dir="rtl">مرحبا <a href="https://news.example.kz/a?b=1&amp;c=2" onmouseover="x()">بالعالم</a></p>' +
        '<p><img src="https://news.example.kz/img/inline.png" alt="i" onerror="alert(3)"><a href="javascript:alert(4)">js</a></p>' +
        "<style>body{display:none}</style><iframe src=\"https://evil.example/\"></iframe><p>end</p>",
      published: "2024-03-01T09:30:00+06:00",
      updated: "2024-03-02T10:00:00Z",
      authors: [
        { name: "Әлия Сейітова <script>\u0001", url: "https://news.example.kz/authors/aliya" },
        { name: "John O'Brien & \"Co\"" },
      ],
      language: "kk-KZ",
      image: "https://news.example.kz/img/hostile.jpg",
      source: { name: "Example News <KZ> & Co", url: "https://news.example.kz/" },
      enclosures: [{ url: "https://news.example.kz/audio/hostile.mp3", type: "audio/mpeg", length: 123456 }],
      tags: [HOSTILE_TAG, { type: "person", name: "Тест Тестов" }, "e2e bare string"],
    },
    {
      id: "e2e-hostile-rtl",
      url: "https://news.example.kz/ar/2024/03/rtl",
      title: "مرحبا بالعالم — שלום עולם ‏123‎",
      summary: "ملخص باللغة العربية مع أرقام 2024 و English words.",
      content_html: '<p dir="rtl">هذا نص <b>عربي</b> طويل، مع علامات ترقيم؛ وأرقام ١٢٣.</p><p dir="rtl">וגם עברית.</p>',
      published: "2024-03-01T08:00:00Z",
      authors: [{ name: "كاتب عربي" }],
      language: "ar",
      tags: [HOSTILE_TAG],
    },
    {
      // No url: the item's link is the service's own article page. Plain text content only.
      id: "e2e-hostile-text",
      title: "Plain text only: a < b && c > d ]]> done",
      content_text: "Line one with <script>alert(1)</script> as text.\n\nLine two ]]> with \u0003 control and 🐎.",
      published: "2024-03-01T07:00:00Z",
      tags: [HOSTILE_TAG],
    },
  ];
}

/** `PAGING_COUNT` items in one tag; pairs share a timestamp so the (published, id) cursor matters. */
export function pagingArticles(): Record<string, unknown>[] {
  return Array.from({ length: PAGING_COUNT }, (_, i) => {
    const n = String(i).padStart(3, "0");
    return {
      id: `e2e-page-${n}`,
      url: `https://paging.example.org/items/${n}`,
      title: `Paging item ${n} — элемент ${n}`,
      summary: `Summary of item ${n}.`,
      content_html: `<p>Body of item ${n}.</p>`,
      published: new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 2) * 60_000).toISOString(),
      authors: [{ name: `Author ${i % 3}` }],
      tags: [PAGING_TAG],
    };
  });
}

export function seedArticle(repoRoot: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(repoRoot, "test/fixtures/seed-article.json"), "utf8")) as Record<string, unknown>;
}

export interface SeedRecord {
  what: string;
  answer: Answer;
}

/** Submits everything; records every answer (the webhook tests assert them). */
export async function seedWorker(baseUrl: string, secret: string, repoRoot: string): Promise<SeedRecord[]> {
  const records: SeedRecord[] = [];
  const send = async (what: string, payload: unknown) => records.push({ what, answer: await submitSigned(baseUrl, secret, payload) });
  await send("seed article (one object)", seedArticle(repoRoot));
  await send("hostile articles (array)", hostileArticles());
  const paging = pagingArticles();
  await send("paging items 0-59 (array)", paging.slice(0, 60));
  await send("paging items 60-119 ({articles})", { articles: paging.slice(60) });
  return records;
}
