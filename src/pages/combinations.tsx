/**
 * On a tag's page: combination feeds with the tags its recent articles share most ("AMANAT in
 * Алматы"), so a reader can narrow a broad tag without building the URL by hand.
 */
import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import { combinationOrder, type SiteUrls } from "../feeds/urls";
import type { Messages } from "./i18n";
import { FeedLinks } from "./layout";
import { useView } from "./view";

/** How many combinations a tag page offers. */
const MAX_COMBINATIONS = 8;

/** The tags most often on `articles` besides `tag`, most frequent first (ties by name). Pure. */
export function coOccurringTags(tag: Pick<Tag, "type" | "slug">, articles: readonly Article[], max = MAX_COMBINATIONS): Tag[] {
  const counts = new Map<string, { tag: Tag; count: number }>();
  for (const article of articles) {
    for (const other of article.tags) {
      if (other.type === tag.type && other.slug === tag.slug) continue;
      const key = `${other.type}/${other.slug}`;
      const seen = counts.get(key) ?? { tag: other, count: 0 };
      seen.count += 1;
      counts.set(key, seen);
    }
  }
  return [...counts.values()]
    .sort((a, b) => b.count - a.count || (a.tag.name < b.tag.name ? -1 : a.tag.name > b.tag.name ? 1 : 0))
    .slice(0, max)
    .map((c) => c.tag);
}

/** "AMANAT in Алматы" for a place (in the page's language), "AMANAT + Economy" otherwise. */
const combinationLabel = (t: Messages, tag: Tag, other: Tag): string =>
  other.type === "city" || other.type === "region" ? t.tagInPlace(tag.name, other.name) : `${tag.name} + ${other.name}`;

export function CombinationLinks(props: { tag: Tag; articles: readonly Article[]; urls: SiteUrls }) {
  const { t } = useView();
  const others = coOccurringTags(props.tag, props.articles);
  if (others.length === 0) return null;
  return (
    <section id="combinations" aria-labelledby="combinations-heading">
      <h2 id="combinations-heading">{t.narrowerFeeds}</h2>
      <ul class="plain">
        {others.map((other) => {
          const label = combinationLabel(t, props.tag, other);
          return (
            <li>
              {label}: <FeedLinks name={label} feeds={props.urls.feeds(combinationOrder([props.tag, other]))} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
