/**
 * The reader pages' languages: Russian, Kazakh, English. Pure: which language a request gets
 * (a `lang` cookie set by the page's switch, else the best `Accept-Language` match per RFC 9110
 * §12.5.4, else the configured default), and every piece of page chrome in each of them.
 * Article text is never translated: it keeps its own `lang` attribute.
 */

export const LANGUAGES = ["ru", "kk", "en"] as const;
export type Lang = (typeof LANGUAGES)[number];
export const LANG_COOKIE = "lang";

/** Each language named in itself, for the switch. */
export const LANGUAGE_NAMES: Readonly<Record<Lang, string>> = { ru: "Русский", kk: "Қазақша", en: "English" };

/** The locale Intl formats dates with (en-GB: day before month, 24-hour clock). */
export const INTL_LOCALE: Readonly<Record<Lang, string>> = { ru: "ru", kk: "kk", en: "en-GB" };

export const isLang = (value: string | undefined): value is Lang => value !== undefined && (LANGUAGES as readonly string[]).includes(value);

/** The configured default (DEFAULT_LANGUAGE); anything unknown is Russian. */
export const defaultLang = (configured: string | undefined): Lang => {
  const value = configured?.trim().toLowerCase();
  return isLang(value) ? value : "ru";
};

/**
 * The language of a page: the cookie when it names one of ours, else the Accept-Language range
 * with the highest q that one of ours matches (by primary subtag: `kk-KZ` is Kazakh; `*` is the
 * default), else the default.
 */
export function negotiateLang(acceptLanguage: string | undefined, cookie: string | undefined, fallback: Lang): Lang {
  const fromCookie = cookie?.trim().toLowerCase();
  if (isLang(fromCookie)) return fromCookie;
  let best: { lang: Lang; q: number } | undefined;
  for (const part of (acceptLanguage ?? "").split(",").slice(0, 32)) {
    const [rangeRaw, ...params] = part.trim().split(";");
    const range = rangeRaw?.trim().toLowerCase() ?? "";
    if (range === "") continue;
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (m?.[1]) q = Number(m[1]);
    }
    if (q <= 0) continue;
    const primary = range.split("-")[0] ?? "";
    const lang = primary === "*" ? fallback : isLang(primary) ? primary : undefined;
    if (lang !== undefined && (best === undefined || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? fallback;
}

export interface Messages {
  skip: string;
  siteNav: string;
  allFeeds: string;
  language: string;
  footer: string;
  /** Footer: the zone dates are shown in. */
  datesIn: (zone: string) => string;
  directoryTitle: string;
  directoryDescription: string;
  intro: string;
  feeds: string;
  allArticles: string;
  newestFirst: string;
  subscribeAll: string;
  opmlNote: string;
  howTo: string;
  howTo1: string;
  howTo2: string;
  howTo3a: string;
  howTo3link: string;
  howTo3b: string;
  tagsByType: string;
  noArticlesYet: string;
  newestArticle: string;
  typeIntro: (type: string) => string;
  typeDescription: (label: string) => string;
  noTagOfType: string;
  /** "1 234 tags" (the count already formatted). */
  tagCount: (count: string) => string;
  /** The link from a type's first tags on `/` to all of them. */
  allOfType: (count: string, label: string) => string;
  /** "Page 2 of 6". */
  pageOf: (page: number, pages: number) => string;
  previousPage: string;
  nextPage: string;
  noSuchPage: string;
  /** A tag whose newest article's date the directory has not read yet. */
  newestUnknown: string;
  subscribe: string;
  subscribeHint: string;
  latest: string;
  noArticles: string;
  noArticlesFurther: string;
  pages: string;
  newer: string;
  older: string;
  tagDescription: (name: string, label: string) => string;
  feedOf: (format: string, name: string) => string;
  allArticlesName: string;
  published: string;
  updated: string;
  by: string;
  source: string;
  sources: string;
  media: string;
  download: string;
  readOriginal: string;
  asJson: string;
  readHere: string;
  untitled: string;
  tags: string;
  articleTags: string;
  notFound: string;
  noSuchTagType: string;
  noSuchTag: string;
  noSuchArticle: string;
  badCursor: string;
  badCursorMessage: string;
  seeEveryTag: string;
  subscribeEvery: string;
  /** The heading of a tag page's combination feeds. */
  narrowerFeeds: string;
  /** A combination with a place ("AMANAT in Алматы"). */
  tagInPlace: (name: string, place: string) => string;
}

const en: Messages = {
  skip: "Skip to content",
  siteNav: "Site",
  allFeeds: "All feeds",
  language: "Language",
  footer: "Every tag is a feed in RSS 2.0, Atom 1.0 and JSON Feed 1.1.",
  datesIn: (zone) => `Dates are shown in ${zone}; an article's own page shows its publisher's time.`,
  directoryTitle: "tagfeed — news feeds by tag",
  directoryDescription: "News articles grouped by typed tags; every tag is a feed in RSS, Atom and JSON Feed.",
  intro:
    "News articles grouped by typed tags — parties, cities, people, topics — each served as a feed any reader can subscribe to. Publishers push articles by signed webhook; upstream feeds are pulled on a schedule.",
  feeds: "Feeds",
  allArticles: "All articles",
  newestFirst: "newest first",
  subscribeAll: "Subscribe to all tags in your reader",
  opmlNote: "(OPML list of every tag feed)",
  howTo: "How to subscribe",
  howTo1: "Pick a tag below and copy the address of one of its feeds. RSS suits almost every reader; Atom and JSON Feed carry the same articles.",
  howTo2: "Paste it into your feed reader's “add feed” or “subscribe” box. Many readers also accept a tag's page address and find its feeds themselves.",
  howTo3a: "To follow every tag at once, download the ",
  howTo3link: "OPML list",
  howTo3b: " and import it into your reader.",
  tagsByType: "Tags by type",
  noArticlesYet: "No articles yet",
  newestArticle: "Newest article",
  typeIntro: (type) => `Tags of type ${type}. Each is a feed: copy one of its links into your reader.`,
  typeDescription: (label) => `Every ${label} tag on tagfeed, each a feed.`,
  noTagOfType: "No tag of this type holds articles yet.",
  tagCount: (count) => `${count} tags`,
  allOfType: (count, label) => `All ${count} tags of ${label}`,
  pageOf: (page, pages) => `Page ${page} of ${pages}`,
  previousPage: "Previous page",
  nextPage: "Next page",
  noSuchPage: "There is no such page of this list.",
  newestUnknown: "Newest article: not known yet",
  subscribe: "Subscribe",
  subscribeHint: "Copy a feed link into your feed reader (or give it this page's address: readers find the feeds themselves).",
  latest: "Latest articles",
  noArticles: "No articles yet.",
  noArticlesFurther: "No articles further back.",
  pages: "Pages",
  newer: "Newest articles",
  older: "Older articles",
  tagDescription: (name, label) => `News tagged ${name} (${label}), as a web page and as RSS, Atom and JSON feeds.`,
  feedOf: (format, name) => `${format} feed of ${name}`,
  allArticlesName: "all articles",
  published: "Published",
  updated: "Updated",
  by: "By",
  source: "Source",
  sources: "Sources",
  media: "Media",
  download: "Download",
  readOriginal: "Read the original article",
  asJson: "As JSON",
  readHere: "Read here",
  untitled: "(untitled)",
  tags: "Tags",
  articleTags: "Tags of this article",
  notFound: "Not found",
  noSuchTagType: "There is no such tag type.",
  noSuchTag: "No tag is known by that name.",
  noSuchArticle: "No article has that id. It may have been removed.",
  badCursor: "Bad page link",
  badCursorMessage: "That page cursor is not one of ours.",
  seeEveryTag: "See every tag",
  subscribeEvery: "subscribe to all of them",
  narrowerFeeds: "Narrower feeds",
  tagInPlace: (name, place) => `${name} in ${place}`,
};

const ru: Messages = {
  skip: "Перейти к содержанию",
  siteNav: "Сайт",
  allFeeds: "Все ленты",
  language: "Язык",
  footer: "Каждый тег — лента в форматах RSS 2.0, Atom 1.0 и JSON Feed 1.1.",
  datesIn: (zone) => `Время указано в поясе ${zone}; на странице статьи — время издателя.`,
  directoryTitle: "tagfeed — новостные ленты по тегам",
  directoryDescription: "Новости, сгруппированные по типизированным тегам; каждый тег — лента RSS, Atom и JSON Feed.",
  intro:
    "Новости, сгруппированные по типизированным тегам — партии, города, люди, темы; каждый тег — лента, на которую можно подписаться в любом ридере. Издатели присылают статьи подписанным вебхуком, внешние ленты забираются по расписанию.",
  feeds: "Ленты",
  allArticles: "Все статьи",
  newestFirst: "сначала новые",
  subscribeAll: "Подписаться на все теги в ридере",
  opmlNote: "(OPML-список лент всех тегов)",
  howTo: "Как подписаться",
  howTo1: "Выберите тег ниже и скопируйте адрес одной из его лент. RSS подходит почти любому ридеру; Atom и JSON Feed содержат те же статьи.",
  howTo2: "Вставьте адрес в поле «добавить ленту» или «подписаться» вашего ридера. Многие ридеры принимают и адрес страницы тега и сами находят ленты.",
  howTo3a: "Чтобы следить сразу за всеми тегами, скачайте ",
  howTo3link: "OPML-список",
  howTo3b: " и импортируйте его в ридер.",
  tagsByType: "Теги по типам",
  noArticlesYet: "Статей пока нет",
  newestArticle: "Последняя статья",
  typeIntro: (type) => `Теги типа ${type}. Каждый — лента: скопируйте одну из ссылок в ридер.`,
  typeDescription: (label) => `Все теги «${label}» на tagfeed, каждый — лента.`,
  noTagOfType: "Ни в одном теге этого типа пока нет статей.",
  tagCount: (count) => `тегов: ${count}`,
  allOfType: (count, label) => `${label}: все теги (${count})`,
  pageOf: (page, pages) => `Страница ${page} из ${pages}`,
  previousPage: "Предыдущая страница",
  nextPage: "Следующая страница",
  noSuchPage: "Такой страницы в этом списке нет.",
  newestUnknown: "Последняя статья: дата пока неизвестна",
  subscribe: "Подписаться",
  subscribeHint: "Скопируйте ссылку на ленту в ридер (или дайте ему адрес этой страницы: ридеры сами находят ленты).",
  latest: "Последние статьи",
  noArticles: "Статей пока нет.",
  noArticlesFurther: "Более ранних статей нет.",
  pages: "Страницы",
  newer: "Новые статьи",
  older: "Более ранние статьи",
  tagDescription: (name, label) => `Новости с тегом ${name} (${label}): веб-страница и ленты RSS, Atom и JSON.`,
  feedOf: (format, name) => `Лента ${format}: ${name}`,
  allArticlesName: "все статьи",
  published: "Опубликовано",
  updated: "Обновлено",
  by: "Автор",
  source: "Источник",
  sources: "Источники",
  media: "Медиа",
  download: "Скачать",
  readOriginal: "Читать оригинал статьи",
  asJson: "В формате JSON",
  readHere: "Читать здесь",
  untitled: "(без заголовка)",
  tags: "Теги",
  articleTags: "Теги статьи",
  notFound: "Не найдено",
  noSuchTagType: "Такого типа тегов нет.",
  noSuchTag: "Тег с таким именем неизвестен.",
  noSuchArticle: "Статьи с таким id нет. Возможно, её удалили.",
  badCursor: "Неверная ссылка на страницу",
  badCursorMessage: "Этот курсор страницы выдан не нами.",
  seeEveryTag: "Все теги",
  subscribeEvery: "подписаться на все",
  narrowerFeeds: "Ленты уже",
  tagInPlace: (name, place) => `${name} (${place})`,
};

const kk: Messages = {
  skip: "Мазмұнға өту",
  siteNav: "Сайт",
  allFeeds: "Барлық арналар",
  language: "Тіл",
  footer: "Әр тег — RSS 2.0, Atom 1.0 және JSON Feed 1.1 форматындағы арна.",
  datesIn: (zone) => `Уақыт ${zone} белдеуі бойынша көрсетілген; мақала бетінде — баспагердің уақыты.`,
  directoryTitle: "tagfeed — тегтер бойынша жаңалықтар арналары",
  directoryDescription: "Түрлі тегтер бойынша топтастырылған жаңалықтар; әр тег — RSS, Atom және JSON Feed арнасы.",
  intro:
    "Түрлі тегтер — партиялар, қалалар, адамдар, тақырыптар — бойынша топтастырылған жаңалықтар; әр тег кез келген оқырман бағдарламасында жазылуға болатын арна. Баспагерлер мақалаларды қолтаңбалы вебхукпен жібереді, сыртқы арналар кесте бойынша алынады.",
  feeds: "Арналар",
  allArticles: "Барлық мақалалар",
  newestFirst: "алдымен жаңалары",
  subscribeAll: "Барлық тегтерге оқырманда жазылу",
  opmlNote: "(барлық тег арналарының OPML тізімі)",
  howTo: "Қалай жазылуға болады",
  howTo1: "Төменнен тегті таңдап, оның бір арнасының мекенжайын көшіріңіз. RSS барлық дерлік оқырманға жарайды; Atom мен JSON Feed-те сол мақалалар бар.",
  howTo2: "Оны оқырманның «арна қосу» немесе «жазылу» өрісіне қойыңыз. Көп оқырман тег бетінің мекенжайын да қабылдап, арналарды өздері табады.",
  howTo3a: "Барлық тегтерді бірден бақылау үшін ",
  howTo3link: "OPML тізімін",
  howTo3b: " жүктеп алып, оқырманға импорттаңыз.",
  tagsByType: "Тегтер түрлері бойынша",
  noArticlesYet: "Әзірге мақала жоқ",
  newestArticle: "Соңғы мақала",
  typeIntro: (type) => `${type} түріндегі тегтер. Әрқайсысы — арна: бір сілтемесін оқырманға көшіріңіз.`,
  typeDescription: (label) => `tagfeed-тегі барлық «${label}» тегтері, әрқайсысы — арна.`,
  noTagOfType: "Бұл түрдегі тегтерде әзірге мақала жоқ.",
  tagCount: (count) => `тегтер: ${count}`,
  allOfType: (count, label) => `${label}: барлық тегтер (${count})`,
  pageOf: (page, pages) => `${pages} беттің ${page}-беті`,
  previousPage: "Алдыңғы бет",
  nextPage: "Келесі бет",
  noSuchPage: "Бұл тізімде мұндай бет жоқ.",
  newestUnknown: "Соңғы мақала: күні әзірге белгісіз",
  subscribe: "Жазылу",
  subscribeHint: "Арна сілтемесін оқырманға көшіріңіз (немесе осы беттің мекенжайын беріңіз: оқырмандар арналарды өздері табады).",
  latest: "Соңғы мақалалар",
  noArticles: "Әзірге мақала жоқ.",
  noArticlesFurther: "Бұдан ерте мақала жоқ.",
  pages: "Беттер",
  newer: "Жаңа мақалалар",
  older: "Ертерек мақалалар",
  tagDescription: (name, label) => `${name} (${label}) тегі бар жаңалықтар: веб-бет және RSS, Atom, JSON арналары.`,
  feedOf: (format, name) => `${format} арнасы: ${name}`,
  allArticlesName: "барлық мақалалар",
  published: "Жарияланды",
  updated: "Жаңартылды",
  by: "Авторы",
  source: "Дереккөз",
  sources: "Дереккөздер",
  media: "Медиа",
  download: "Жүктеп алу",
  readOriginal: "Түпнұсқа мақаланы оқу",
  asJson: "JSON түрінде",
  readHere: "Осында оқу",
  untitled: "(тақырыпсыз)",
  tags: "Тегтер",
  articleTags: "Мақала тегтері",
  notFound: "Табылмады",
  noSuchTagType: "Мұндай тег түрі жоқ.",
  noSuchTag: "Мұндай атаулы тег белгісіз.",
  noSuchArticle: "Мұндай id-мен мақала жоқ. Мүмкін, ол жойылған.",
  badCursor: "Бет сілтемесі қате",
  badCursorMessage: "Бұл бет курсорын біз бермегенбіз.",
  seeEveryTag: "Барлық тегтер",
  subscribeEvery: "барлығына жазылу",
  narrowerFeeds: "Тар таспалар",
  tagInPlace: (name, place) => `${name} (${place})`,
};

export const MESSAGES: Readonly<Record<Lang, Messages>> = { ru, kk, en };
