// Deterministic benchmark inputs: articles with ~2-3 KB HTML bodies in Cyrillic and Latin, and
// upstream RSS 2.0 documents built from them. Same seed, same bytes, on every machine and run.

/** mulberry32: a tiny seeded PRNG (no Math.random anywhere in the inputs). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RU = (
  "в Алматы состоялось экспертное обсуждение проекта новой политической платформы партии " +
  "секретарь руководитель рабочей группы независимые эксперты политологи общественные деятели " +
  "подчеркнул работа направлении ведётся несколько месяцев активным обсуждением повестки региональных " +
  "филиалах задача учетом дискуссий предложений мнений документ актуален долгосрочной перспективе " +
  "ценности принципы страну целом народный избранник президент общественного фонда инструмент"
).split(" ");
const EN = (
  "the city council of Almaty discussed a new draft of the political platform with experts " +
  "analysts and public figures the working group said the document must reflect core values " +
  "principles and long term priorities regional branches debated the agenda for several months " +
  "observers noted that parties compete with bloggers and activists for public attention today"
).split(" ");

export const TAG_POOL = [
  { type: "party", name: "AMANAT", slug: "amanat" },
  { type: "city", name: "Алматы", slug: "almaty" },
  { type: "city", name: "Астана", slug: "astana" },
  { type: "city", name: "Шымкент", slug: "shymkent" },
  { type: "topic", name: "Экономика", slug: "ekonomika" },
  { type: "topic", name: "Politics", slug: "politics" },
  { type: "person", name: "Айдос Сарым", slug: "aidos-sarym" },
  { type: "section", name: "В мире", slug: "v-mire" },
  { type: "topic", name: "Образование", slug: "obrazovanie" },
  { type: "topic", name: "Climate", slug: "climate" },
];

function sentence(next, words, min, max) {
  const n = min + Math.floor(next() * (max - min + 1));
  const out = [];
  for (let i = 0; i < n; i++) out.push(words[Math.floor(next() * words.length)]);
  const s = out.join(" ");
  return s.charAt(0).toUpperCase() + s.slice(1) + ".";
}

/** An HTML body of about `targetChars` characters (2-3 KB of UTF-8 at the defaults). */
export function htmlBody(next, lang, i, targetChars = 1500 + Math.floor(next() * 700)) {
  const words = lang === "ru" ? RU : EN;
  let html = "";
  let p = 0;
  while (html.length < targetChars) {
    let para = sentence(next, words, 8, 18) + " " + sentence(next, words, 6, 14);
    if (p % 3 === 1) {
      para = para.replace(/ (\S+) /, ` <a href="https://news.example.kz/${lang}/${i}/${p}" title="${lang === "ru" ? "Подробнее" : "More"}">$1</a> `);
    }
    if (p % 4 === 2) para = `<b>${words[p % words.length]}</b> &mdash; ` + para + " &laquo;Amanat&raquo; &amp; co.";
    if (p === 3) para += ` <img src="https://cdn.example.kz/img/${i}.jpg" alt="${lang === "ru" ? "Фото" : "Photo"} ${i}" width="640" height="360">`;
    html += p % 5 === 4 ? `<blockquote><p>${para}</p></blockquote>` : `<p>${para}</p>`;
    p++;
  }
  return html;
}

const BASE_MS = Date.UTC(2024, 4, 1, 12, 0, 0);

/**
 * n stored-article shapes (src/domain/article.ts Article), newest first, alternating Russian and
 * English, 2-3 tags each (always including the first tag of the pool, so one tag feed has them all).
 */
export function makeArticles(n, seed = 1) {
  const next = rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const lang = i % 2 === 0 ? "ru" : "en";
    const words = lang === "ru" ? RU : EN;
    const published = new Date(BASE_MS - i * 600_000).toISOString();
    const tags = [TAG_POOL[0], TAG_POOL[1 + (i % 4)], ...(i % 3 === 0 ? [TAG_POOL[5 + (i % 5)]] : [])];
    out.push({
      id: `bench-${String(i).padStart(5, "0")}`,
      url: `https://news.example.kz/${lang}/2024/05/${i}/story-${i}`,
      title: sentence(next, words, 6, 12),
      summary: sentence(next, words, 18, 30),
      content_html: htmlBody(next, lang, i),
      published,
      authors: [{ name: lang === "ru" ? "Даулет Карибек" : "Jane Doe", url: "https://news.example.kz/authors/" + (i % 7) }],
      language: lang,
      sources: [{ name: "News KZ", url: "https://news.example.kz/" }],
      enclosures: i % 4 === 0 ? [{ url: `https://cdn.example.kz/img/${i}.jpg`, type: "image/jpeg", length: 123456 }] : [],
      tags,
      rev: `rev-${i}`,
      received: published,
      modified: published,
    });
  }
  return out;
}

/** A webhook ArticleInput with exactly three tags and a body that needs sanitizing (attributes, a script, an iframe). */
export function webhookInput(i = 0, seed = 7) {
  const next = rng(seed + i);
  const lang = i % 2 === 0 ? "ru" : "en";
  const words = lang === "ru" ? RU : EN;
  const body = htmlBody(next, lang, i)
    .replace("<p>", '<p class="lead" style="color:red" onclick="track()">')
    .replace("</blockquote>", '</blockquote><script>alert(1)</script><iframe src="https://evil.example"></iframe>');
  return {
    id: `wh-${String(i).padStart(5, "0")}`,
    url: `https://news.example.kz/${lang}/2024/06/${i}/story?utm_source=bench`,
    title: sentence(next, words, 6, 12),
    summary: "<p>" + sentence(next, words, 18, 30) + "</p>",
    content_html: body,
    published: new Date(BASE_MS - i * 60_000).toISOString().replace("Z", "+00:00"),
    language: lang,
    authors: [{ name: lang === "ru" ? "Даулет Карибек" : "Jane Doe" }],
    source: { name: "News KZ", url: "https://news.example.kz/" },
    // Three of the ten pool tags, each tag on 3 articles of 10 (60 of 200 in the end-to-end run).
    tags: [i % 10, (i + 3) % 10, (i + 7) % 10].map((k) => ({ type: TAG_POOL[k].type, name: TAG_POOL[k].name })),
  };
}

const xmlText = (s) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
const rfc822 = (iso) => new Date(iso).toUTCString().replace("GMT", "+0000");

/**
 * An upstream RSS 2.0 document of n items (content:encoded as CDATA in two items of three, as
 * escaped text in the third, as real feeds mix them). With `minBytes`, items are added until the
 * UTF-8 document reaches that size.
 */
export function makeUpstreamRss({ items: n = 0, minBytes = 0, seed = 3 } = {}) {
  const next = rng(seed);
  let out =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n' +
    "<channel>\n<title>News KZ — лента</title>\n<link>https://news.example.kz/</link>\n" +
    "<description>Новости Казахстана / Kazakhstan news</description>\n<language>ru</language>\n" +
    '<atom:link href="https://news.example.kz/rss" rel="self" type="application/rss+xml"/>\n' +
    `<lastBuildDate>${rfc822(new Date(BASE_MS).toISOString())}</lastBuildDate>\n`;
  let bytes = Buffer.byteLength(out);
  let i = 0;
  for (; n > 0 ? i < n : bytes < minBytes; i++) {
    const lang = i % 2 === 0 ? "ru" : "en";
    const words = lang === "ru" ? RU : EN;
    const body = htmlBody(next, lang, i);
    const link = `https://news.example.kz/${lang}/2024/05/${i}/story-${i}`;
    const cats = [TAG_POOL[0].name, TAG_POOL[1 + (i % 4)].name, TAG_POOL[5 + (i % 5)].name];
    let item =
      "<item>\n" +
      `<title>${xmlText(sentence(next, words, 6, 12))}</title>\n<link>${link}</link>\n` +
      `<guid isPermaLink="false">news-kz-${i}</guid>\n<pubDate>${rfc822(new Date(BASE_MS - i * 600_000).toISOString())}</pubDate>\n` +
      `<dc:creator>${lang === "ru" ? "Даулет Карибек" : "Jane Doe"}</dc:creator>\n` +
      cats.map((c) => `<category>${xmlText(c)}</category>\n`).join("") +
      `<description>${xmlText(sentence(next, words, 18, 30))}</description>\n` +
      (i % 3 === 2
        ? `<content:encoded>${xmlText(body)}</content:encoded>\n`
        : `<content:encoded><![CDATA[${body}]]></content:encoded>\n`) +
      (i % 4 === 0 ? `<enclosure url="https://cdn.example.kz/img/${i}.jpg" length="123456" type="image/jpeg"/>\n` : "") +
      "</item>\n";
    out += item;
    bytes += Buffer.byteLength(item);
  }
  out += "</channel>\n</rss>\n";
  return { xml: out, items: i, bytes: Buffer.byteLength(out) };
}
