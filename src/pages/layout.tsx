/**
 * The frame every HTML page shares: document head (viewport, colour scheme, feed autodiscovery),
 * a small site nav, the stylesheet, a footer. Pages are plain server-rendered HTML: no script
 * (the CSP forbids it, routes/pages.tsx), one inline stylesheet, light and dark by
 * `prefers-color-scheme`.
 *
 * The chrome speaks the reader's language (`<html lang>`: ru, kk or en, routes/pages.tsx chooses);
 * content in another language says so on its own element (`<h1 lang="kk">`), so screen readers
 * switch voice and browsers hyphenate right. A skip link leads past the header to `<main>`.
 */
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import type { FeedFormat, FormatUrls } from "../render/feed-document";
import type { SiteUrls } from "../feeds/urls";
import { formatDisplayDate, machineDate } from "./format";
import { useView } from "./view";

/**
 * The one stylesheet. JSX escapes `<`, `>` and `&` in `<style>` text like any text, which would
 * break CSS, so the sheet uses none of them (a unit test holds it to that).
 */
export const STYLE = `
:root{color-scheme:light dark}
body{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:0 1rem 2rem;color:#1d1d1f;background:#fff;overflow-wrap:break-word}
header.site{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;padding:.75rem 0;border-bottom:1px solid #ddd;margin-bottom:1rem}
header.site .brand{font-weight:700;text-decoration:none}
header.site ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}h2{font-size:1.2rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin:0 0 .2rem}
ul{padding-left:1.2rem}code,pre{background:#f4f4f5;border-radius:4px;padding:0 .25rem}
pre{padding:.5rem;overflow-x:auto}a{color:#0b57d0}.muted{color:#595959}.small{font-size:.9rem}
ul.plain{list-style:none;padding:0}.item{padding:.6rem 0;border-top:1px solid #e5e5e5}.item:first-child{border-top:0}
.feeds a{white-space:nowrap}
.tags{display:flex;flex-wrap:wrap;gap:.35rem;list-style:none;padding:0;margin:.4rem 0}
.tags a{display:inline-block;padding:0 .5rem;border:1px solid #ccd;border-radius:999px;text-decoration:none;font-size:.9rem}
.content img,.content video,figure img,video{max-width:100%;height:auto}
figure{margin:1rem 0}audio{width:100%}
.content{font-size:1.05rem}.content blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid #ccc}
.box{background:#f4f7fb;border:1px solid #d6e0ee;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}
footer.site{margin-top:2.5rem;padding-top:.75rem;border-top:1px solid #ddd}
.skip{position:absolute;left:-999px;top:.5rem;background:#fff;padding:.5rem 1rem;border:2px solid #0b57d0;z-index:9}.skip:focus{left:.5rem}
nav.lang{margin-left:auto}nav.lang a[aria-current]{font-weight:700;text-decoration:none;color:inherit}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e8e8e8}code,pre{background:#222}a{color:#8ab4f8}.muted{color:#b0b0b0}
h2,header.site,footer.site{border-color:#333}.item{border-color:#2a2a2a}.tags a{border-color:#445}
.box{background:#1a2230;border-color:#2c3a52}}
`;

const FEED_TYPES: Readonly<Record<FeedFormat, string>> = {
  rss: "application/rss+xml",
  atom: "application/atom+xml",
  json: "application/feed+json",
};
const FORMAT_NAMES: Readonly<Record<FeedFormat, string>> = { rss: "RSS", atom: "Atom", json: "JSON" };
const FORMATS: readonly FeedFormat[] = ["rss", "atom", "json"];

/** A complete HTML document: the doctype, then the page. */
export const htmlDocument = (page: Child) => html`<!doctype html>\n${page}`;

export interface LayoutProps {
  title: string;
  urls: SiteUrls;
  description?: string | undefined;
  canonical?: string | undefined;
  /** Extra head elements, typically <FeedAlternates>. */
  head?: Child;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  const { urls } = props;
  const { lang, t, switcher, dates } = useView();
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title}</title>
        {props.description !== undefined && <meta name="description" content={props.description} />}
        {props.canonical !== undefined && <link rel="canonical" href={props.canonical} />}
        <style>{STYLE}</style>
        {props.head}
      </head>
      <body>
        <a class="skip" href="#main">{t.skip}</a>
        <header class="site">
          <a class="brand" href={urls.home}>tagfeed</a>
          <nav aria-label={t.siteNav}>
            <ul>
              <li><a href={`${urls.home}#feeds`}>{t.allFeeds}</a></li>
              <li><a href={urls.opml} type="text/x-opml">OPML</a></li>
            </ul>
          </nav>
          <nav class="lang" aria-label={t.language}>
            <ul>
              {switcher.map((link) => (
                <li>
                  <a href={link.href} hreflang={link.lang} lang={link.lang} aria-current={link.current ? "true" : undefined} rel="nofollow">{link.name}</a>
                </li>
              ))}
            </ul>
          </nav>
        </header>
        <main id="main" tabindex={-1}>{props.children}</main>
        <footer class="site small muted">
          {t.footer} {t.datesIn(dates.timeZone)}
        </footer>
      </body>
    </html>
  );
}

/** Feed autodiscovery (`<link rel="alternate">` in head) for the three formats of one feed. */
export function FeedAlternates(props: { title: string; feeds: FormatUrls }) {
  return (
    <>
      {FORMATS.map((format) => (
        <link rel="alternate" type={FEED_TYPES[format]} title={`${props.title} (${FORMAT_NAMES[format]})`} href={props.feeds[format]} />
      ))}
    </>
  );
}

/** "RSS · Atom · JSON" subscribe links; `name` makes each link's accessible name unique. */
export function FeedLinks(props: { name: string; feeds: FormatUrls }) {
  const { t } = useView();
  return (
    <span class="feeds">
      {FORMATS.map((format, i) => (
        <>
          {i > 0 && " · "}
          <a href={props.feeds[format]} type={FEED_TYPES[format]} aria-label={t.feedOf(FORMAT_NAMES[format], props.name)}>
            {FORMAT_NAMES[format]}
          </a>
        </>
      ))}
    </span>
  );
}

/**
 * A date for a reader, in the display zone with its offset (or at `offset`, the publisher's own),
 * with the machine-readable form in `datetime`.
 */
export function DateTime(props: { iso: string; offset?: string | undefined }) {
  const { dates } = useView();
  const machine = machineDate(props.iso);
  return machine === undefined ? <>{props.iso}</> : <time datetime={machine}>{formatDisplayDate(props.iso, dates, props.offset)}</time>;
}
