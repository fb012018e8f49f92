/**
 * What every reader page renders with besides its data: the language, its messages, where dates
 * are shown, and the language switch's links. Routes build one per request (routes/pages.tsx) and
 * provide it through Hono JSX context, so components deep in a page read it without threading props.
 */
import { createContext, useContext } from "hono/jsx";
import type { DateDisplay } from "./format";
import { INTL_LOCALE, LANGUAGES, LANGUAGE_NAMES, type Lang, MESSAGES, type Messages } from "./i18n";

export interface View {
  lang: Lang;
  t: Messages;
  dates: DateDisplay;
  /** The language switch: one link per language, back to the page it was used on. */
  switcher: { lang: Lang; name: string; href: string; current: boolean }[];
}

/** The switch's route: sets the `lang` cookie and goes back to `back` (a path on this site). */
export const languageSwitchHref = (lang: Lang, back: string): string => `/lang/${lang}?back=${encodeURIComponent(back)}`;

export function makeView(lang: Lang, timeZone: string, currentPath: string): View {
  return {
    lang,
    t: MESSAGES[lang],
    dates: { locale: INTL_LOCALE[lang], timeZone },
    switcher: LANGUAGES.map((code) => ({ lang: code, name: LANGUAGE_NAMES[code], href: languageSwitchHref(code, currentPath), current: code === lang })),
  };
}

export const ViewContext = createContext<View>(makeView("en", "UTC", "/"));
export const useView = (): View => useContext(ViewContext);
