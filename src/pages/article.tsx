/**
 * `GET /articles/{id}` — one article, the link feeds use for items without a URL of their own.
 *
 * `content_html` was sanitized at ingest (ingest/sanitize.ts; domain/article.ts: "safe to embed in
 * any page or feed"), so it is the one string embedded raw; everything else goes through JSX
 * escaping, and URLs through `httpUrl`. The CSP (routes/pages.tsx) forbids scripts besides.
 */
import { raw } from "hono/html";
import type { Article, Enclosure } from "../domain/article";
import type { SiteUrls } from "../feeds/urls";
import { ALL_FEEDS_TITLE } from "./directory";
import { TagChips } from "./components";
import { formatBytes, httpUrl, textParagraphs } from "./format";
import { DateTime, FeedAlternates, Layout } from "./layout";
import { tagFeedTitle } from "./tag";
import { useView } from "./view";

export function ArticlePage(props: { article: Article; urls: SiteUrls }) {
  const { article, urls } = props;
  const { t } = useView();
  const lang = article.language;
  const own = httpUrl(article.url);
  const image = httpUrl(article.image);
  const firstTag = article.tags[0];
  const updated = article.updated !== undefined && article.updated !== article.published ? article.updated : undefined;
  const title = article.title.trim() === "" ? t.untitled : article.title;
  return (
    <Layout
      title={`${title} — tagfeed`}
      urls={urls}
      canonical={urls.article(article.id)}
      description={article.summary}
      head={
        <>
          {firstTag && <FeedAlternates title={tagFeedTitle(firstTag)} feeds={urls.feeds(firstTag)} />}
          <FeedAlternates title={ALL_FEEDS_TITLE} feeds={urls.feeds(undefined)} />
        </>
      }
    >
      <article>
        <header>
          <h1 lang={lang}>{title}</h1>
          <p class="small muted">
            {t.published} <DateTime iso={article.published} offset={article.published_offset} />
            {updated !== undefined && (
              <>
                {` · ${t.updated} `}
                <DateTime iso={updated} />
              </>
            )}
            {article.authors.length > 0 && (
              <>
                {` · ${t.by} `}
                {article.authors.map((author, i) => {
                  const url = httpUrl(author.url);
                  return (
                    <>
                      {i > 0 && ", "}
                      {url === undefined ? author.name : <a href={url}>{author.name}</a>}
                    </>
                  );
                })}
              </>
            )}
          </p>
          {article.sources.length > 0 && (
            <p class="small muted">
              {article.sources.length === 1 ? `${t.source}: ` : `${t.sources}: `}
              {article.sources.map((source, i) => {
                const url = httpUrl(source.url);
                return (
                  <>
                    {i > 0 && ", "}
                    {url === undefined ? source.name : <a href={url}>{source.name}</a>}
                  </>
                );
              })}
            </p>
          )}
          <TagChips tags={article.tags} urls={urls} />
        </header>

        {image !== undefined && (
          <figure>
            <img src={image} alt="" loading="lazy" decoding="async" referrerpolicy="no-referrer" />
          </figure>
        )}

        {article.content_html !== undefined && article.content_html.trim() !== "" ? (
          <div class="content" lang={lang}>
            {raw(article.content_html)}
          </div>
        ) : article.content_text !== undefined && article.content_text.trim() !== "" ? (
          <div class="content" lang={lang}>
            {textParagraphs(article.content_text).map((lines) => (
              <p>
                {lines.map((line, i) => (
                  <>
                    {i > 0 && <br />}
                    {line}
                  </>
                ))}
              </p>
            ))}
          </div>
        ) : (
          article.summary !== undefined && <p lang={lang}>{article.summary}</p>
        )}

        {article.enclosures.length > 0 && (
          <section aria-labelledby="media-heading">
            <h2 id="media-heading">{t.media}</h2>
            {article.enclosures.map((enclosure) => (
              <EnclosureView enclosure={enclosure} />
            ))}
          </section>
        )}

        <footer>
          {own !== undefined && (
            <p>
              <a href={own}>{t.readOriginal}</a>
            </p>
          )}
          <p class="small muted">
            {t.asJson}: <a href={`${urls.origin}/api/articles/${encodeURIComponent(article.id)}`}>/api/articles/{article.id}</a>
          </p>
        </footer>
      </article>
    </Layout>
  );
}

function EnclosureView(props: { enclosure: Enclosure }) {
  const { enclosure } = props;
  const { t } = useView();
  const url = httpUrl(enclosure.url);
  if (url === undefined) return null;
  const size = enclosure.length !== undefined && enclosure.length > 0 ? `, ${formatBytes(enclosure.length)}` : "";
  const link = (
    <a href={url} type={enclosure.type}>
      {t.download} ({enclosure.type}
      {size})
    </a>
  );
  const kind = enclosure.type.split("/")[0];
  if (kind === "audio") {
    return (
      <figure>
        <audio controls preload="none" src={url}>
          {link}
        </audio>
        <figcaption class="small">{link}</figcaption>
      </figure>
    );
  }
  if (kind === "video") {
    return (
      <figure>
        <video controls preload="none" src={url}>
          {link}
        </video>
        <figcaption class="small">{link}</figcaption>
      </figure>
    );
  }
  if (kind === "image") {
    return (
      <figure>
        <img src={url} alt="" loading="lazy" decoding="async" referrerpolicy="no-referrer" />
        <figcaption class="small">{link}</figcaption>
      </figure>
    );
  }
  return <p>{link}</p>;
}
