/** `GET /tags/{type}/{slug}` — one tag: subscribe links (and autodiscovery), its latest articles. */
import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import type { SiteUrls } from "../feeds/urls";
import { CombinationLinks } from "./combinations";
import { ArticleTeaser } from "./components";
import { FeedAlternates, FeedLinks, Layout } from "./layout";
import { useView } from "./view";

export interface TagPageProps {
  tag: Tag;
  typeLabel: string;
  articles: readonly Article[];
  /** This page's URL with `?after=` for the next (older) page, when there is one. */
  older: string | undefined;
  /** Set when this is not the first page: the first page's URL. */
  newest: string | undefined;
  urls: SiteUrls;
}

/** The feed title readers show; the same words as the feed's own title (feeds/document.ts). */
export const tagFeedTitle = (tag: Pick<Tag, "name">): string => `${tag.name} — tagfeed`;

export function TagPage(props: TagPageProps) {
  const { tag, urls } = props;
  const { t } = useView();
  const feeds = urls.feeds(tag);
  const page = urls.tagPage(tag);
  return (
    <Layout
      title={`${tag.name} (${props.typeLabel}) — tagfeed`}
      urls={urls}
      canonical={page}
      description={t.tagDescription(tag.name, props.typeLabel)}
      head={<FeedAlternates title={tagFeedTitle(tag)} feeds={feeds} />}
    >
      <p class="muted small">
        <a href={urls.tagType(tag.type)}>{props.typeLabel}</a>
      </p>
      <h1>{tag.name}</h1>
      <div class="box">
        <p>
          <strong>{t.subscribe}</strong>: <FeedLinks name={tag.name} feeds={feeds} />
        </p>
        <p class="small muted">{t.subscribeHint}</p>
      </div>
      <CombinationLinks tag={tag} articles={props.articles} urls={urls} />
      <h2>{t.latest}</h2>
      {props.articles.length === 0 ? (
        <p class="muted">{props.newest === undefined ? t.noArticles : t.noArticlesFurther}</p>
      ) : (
        <ul class="plain">
          {props.articles.map((article) => (
            <ArticleTeaser article={article} urls={urls} />
          ))}
        </ul>
      )}
      {(props.older !== undefined || props.newest !== undefined) && (
        <nav aria-label={t.pages}>
          <p>
            {props.newest !== undefined && <a href={props.newest}>{t.newer}</a>}
            {props.newest !== undefined && props.older !== undefined && " · "}
            {props.older !== undefined && (
              <a href={props.older} rel="next">
                {t.older}
              </a>
            )}
          </p>
        </nav>
      )}
    </Layout>
  );
}
