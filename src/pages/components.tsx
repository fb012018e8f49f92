/**
 * Pieces the directory, tag and article pages share: a tag list with subscribe links, an
 * article teaser, an article's tag chips.
 */
import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import type { DirectoryTag } from "../feeds/directory";
import type { SiteUrls } from "../feeds/urls";
import { excerpt, htmlToText } from "../render/item-fields";
import { httpUrl } from "./format";
import { DateTime, FeedLinks } from "./layout";
import { useView } from "./view";

/** Teaser length on list pages: a few lines on a phone. */
const TEASER_LENGTH = 280;

/** Tags of one type, each with the date of its newest article and subscribe links. */
export function TagList(props: { tags: readonly DirectoryTag[] }) {
  const { t } = useView();
  return (
    <ul class="plain">
      {props.tags.map((tag) => (
        <li class="item">
          <a href={tag.page}>{tag.name}</a>
          <div class="small muted">
            {tag.newest !== null ? <>{t.newestArticle}: <DateTime iso={tag.newest} /></> : tag.newest_known ? t.noArticlesYet : t.newestUnknown}
            {" · "}
            <FeedLinks name={tag.name} feeds={tag.feeds} />
          </div>
        </li>
      ))}
    </ul>
  );
}

/** An article's tags as links to their pages. */
export function TagChips(props: { tags: readonly Tag[]; urls: SiteUrls; label?: string }) {
  const { t } = useView();
  if (props.tags.length === 0) return null;
  return (
    <ul class="tags" aria-label={props.label ?? t.tags}>
      {props.tags.map((tag) => (
        <li>
          <a href={props.urls.tagPage(tag)}>{tag.name}</a>
        </li>
      ))}
    </ul>
  );
}

/** The summary, else an excerpt of the body: plain text, never markup. */
export function teaserOf(article: Article, max = TEASER_LENGTH): string | undefined {
  if (article.summary !== undefined && article.summary.trim() !== "") return excerpt(article.summary, max);
  if (article.content_html !== undefined) {
    const text = excerpt(htmlToText(article.content_html, max * 4), max);
    if (text !== undefined) return text;
  }
  if (article.content_text !== undefined) return excerpt(article.content_text.slice(0, max * 4), max);
  return undefined;
}

/** One article in a list: title (to the article's own URL, else its page here), date, teaser, tags. */
export function ArticleTeaser(props: { article: Article; urls: SiteUrls }) {
  const { article, urls } = props;
  const { t } = useView();
  const page = urls.article(article.id);
  const own = httpUrl(article.url);
  const hasBody = article.content_html !== undefined || article.content_text !== undefined;
  const teaser = teaserOf(article);
  const sources = article.sources.map((s) => s.name).join(", ");
  return (
    <li class="item">
      <h3 lang={article.language}>
        <a href={own ?? page}>{article.title.trim() === "" ? t.untitled : article.title}</a>
      </h3>
      <div class="small muted">
        <DateTime iso={article.published} />
        {sources !== "" && <> · {sources}</>}
        {own !== undefined && hasBody && (
          <>
            {" · "}
            <a href={page}>{t.readHere}</a>
          </>
        )}
      </div>
      {teaser !== undefined && <p lang={article.language}>{teaser}</p>}
      <TagChips tags={article.tags} urls={urls} label={t.articleTags} />
    </li>
  );
}
