/**
 * `GET /` — the tag directory — and `GET /tags/{type}` — the tags of one type, a page of them at a
 * time. Pure views over a `DirectoryView` (feeds/directory.ts).
 */
import type { DirectoryGroup, DirectoryType } from "../feeds/directory";
import type { SiteUrls } from "../feeds/urls";
import { TagList } from "./components";
import { FeedAlternates, FeedLinks, Layout } from "./layout";
import { useView } from "./view";

export const ALL_FEEDS_TITLE = "tagfeed: all articles";

/**
 * `groups`: every tag, or (`types` given: past the directory's full limit) each type's first tags,
 * with its count and a link to all of them.
 */
export function DirectoryPage(props: { groups: readonly DirectoryGroup[]; types?: readonly DirectoryType[]; urls: SiteUrls }) {
  const { groups, urls } = props;
  const { t, dates } = useView();
  const countOf = (type: string) => props.types?.find((d) => d.type === type)?.count;
  const all = urls.feeds(undefined);
  return (
    <Layout
      title={t.directoryTitle}
      urls={urls}
      canonical={urls.home}
      description={t.directoryDescription}
      head={<FeedAlternates title={ALL_FEEDS_TITLE} feeds={all} />}
    >
      <h1>tagfeed</h1>
      <p>{t.intro}</p>

      <section id="feeds" aria-labelledby="feeds-heading">
        <h2 id="feeds-heading">{t.feeds}</h2>
        <p>
          <strong>{t.allArticles}</strong>, {t.newestFirst}: <FeedLinks name={t.allArticlesName} feeds={all} />
        </p>
        <p>
          <a href={urls.opml} type="text/x-opml">{t.subscribeAll}</a> {t.opmlNote}
        </p>
      </section>

      <section id="subscribe" aria-labelledby="subscribe-heading">
        <h2 id="subscribe-heading">{t.howTo}</h2>
        <ol>
          <li>{t.howTo1}</li>
          <li>{t.howTo2}</li>
          <li>
            {t.howTo3a}
            <a href={urls.opml} type="text/x-opml">{t.howTo3link}</a>
            {t.howTo3b}
          </li>
        </ol>
      </section>

      <section id="tags" aria-labelledby="tags-heading">
        <h2 id="tags-heading">{t.tagsByType}</h2>
        {groups.length === 0 ? (
          <p class="muted">
            {t.noArticlesYet}. <code>npm run submit -- test/fixtures/seed-article.json</code>
          </p>
        ) : (
          groups.map((group) => (
            <section aria-labelledby={`type-${group.type}`}>
              <h3 id={`type-${group.type}`}>
                <a href={urls.tagType(group.type)}>{group.label}</a>
                {countOf(group.type) !== undefined && <span class="small muted"> · {t.tagCount((countOf(group.type) ?? 0).toLocaleString(dates.locale))}</span>}
              </h3>
              <TagList tags={group.tags} />
              {(countOf(group.type) ?? 0) > group.tags.length && (
                <p>
                  <a href={urls.tagType(group.type)}>{t.allOfType((countOf(group.type) ?? 0).toLocaleString(dates.locale), group.label)}</a>
                </p>
              )}
            </section>
          ))
        )}
      </section>

      <section id="api" aria-labelledby="api-heading">
        <h2 id="api-heading">API</h2>
        <ul>
          <li><code>POST /api/articles</code> — submit articles (Standard Webhooks signature)</li>
          <li><code>GET /api/articles/{"{id}"}</code> — one article as JSON</li>
          <li><code>GET /api/tags</code> — every tag with its feed URLs, as JSON (<code>?type=</code> filters, <code>limit</code> and <code>offset</code> page)</li>
          <li><code>GET /opml</code> — every tag feed as OPML 2.0</li>
          <li><code>GET /healthz</code> — health check</li>
        </ul>
      </section>
    </Layout>
  );
}

/** One page of a type's tags: `page` from 1 of `pages`, links to the neighbours. */
export function TagTypePage(props: { type: string; label: string; group: DirectoryGroup | undefined; count: number; page: number; pages: number; urls: SiteUrls }) {
  const { urls, label, page, pages } = props;
  const { t, dates } = useView();
  const pageUrl = (n: number) => (n === 1 ? urls.tagType(props.type) : `${urls.tagType(props.type)}?page=${n}`);
  return (
    <Layout title={`${label} — tagfeed`} urls={urls} canonical={pageUrl(page)} description={t.typeDescription(label)}>
      <h1>{label}</h1>
      <p class="muted">{t.typeIntro(props.type)}</p>
      {props.group && props.group.tags.length > 0 ? (
        <>
          {pages > 1 && <p class="small muted">{t.tagCount(props.count.toLocaleString(dates.locale))} · {t.pageOf(page, pages)}</p>}
          <TagList tags={props.group.tags} />
        </>
      ) : (
        <p class="muted">{t.noTagOfType}</p>
      )}
      {pages > 1 && (
        <nav aria-label={t.pages}>
          <p>
            {page > 1 && <a href={pageUrl(page - 1)} rel="prev">{t.previousPage}</a>}
            {page > 1 && page < pages && " · "}
            {page < pages && <a href={pageUrl(page + 1)} rel="next">{t.nextPage}</a>}
          </p>
        </nav>
      )}
    </Layout>
  );
}
