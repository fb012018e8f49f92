/**
 * Dates as upstream feeds write them, to ISO 8601 UTC with milliseconds
 * (`2024-09-02T07:00:00.000Z`). Pure. No I/O, no clock: a date without a zone is read as UTC.
 *
 * Accepted, tried in this order:
 *  - ISO 8601 / RFC 3339 §5.6 (Atom, JSON Feed, dc:date): `2024-09-02`, `2024-09-02T10:00`,
 *    `2024-09-02T10:00:00.123456+03:00`, `20240902T100000Z`, a space instead of `T`, an offset
 *    with or without colon, a trailing `UTC`/`GMT`.
 *  - RFC 822 §5 date-time as amended by RFC 1123 §5.2.14 and RFC 2822 §3.3/§4.3 (RSS 2.0 says
 *    pubDate "conforms to the Date and Time Specification of RFC 822"), with what real feeds
 *    do to it: missing or wrong or localized day names (`Пн,` `Mi.`), month names in English,
 *    Russian, Ukrainian, Kazakh, German, French, Spanish, Italian, Portuguese and Dutch
 *    (abbreviated, nominative or genitive: `Сен`, `сентября`), one-digit days, missing seconds,
 *    two-digit years (RFC 2822 §4.3: 00-49 → 20xx, 50-99 → 19xx), named zones (GMT UT EST EDT
 *    CST CDT MST MDT PST PDT and common others), numeric offsets with or without colon, military
 *    letters (RFC 1123 §5.2.14: their signs are wrong in RFC 822, so they "carry no information":
 *    read as UTC), `(comments)`, AM/PM, a stray `T`, extra whitespace and commas, numeric dates
 *    `02.09.2024` (day first), `2024/09/02`, `09/02/2024` (US month first unless the first
 *    number is over 12).
 *  - Unix epoch seconds (10 digits) or milliseconds (13 digits).
 *  - Last resort: Date.parse, only when the text names a zone (so the host's zone never leaks in).
 * Impossible calendar dates (31 Sep) are refused, not rolled over. All regexes are anchored or
 * bounded, without nested quantifiers: linear in the (capped) input.
 */

const MAX_INPUT = 160;

/** RFC 3339 §5.6 / ISO 8601 extended and basic formats. */
const ISO_DATE =
  /^(\d{4})-?(\d{2})-?(\d{2})(?:(?:[Tt]|\s+)(\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,12}))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** Zone abbreviations (RFC 822 §5.1 plus the ones feeds commonly use), minutes east of UTC. */
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, wet: 0, zulu: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  akst: -540, akdt: -480, hst: -600, ast: -240, adt: -180, nst: -210, ndt: -150,
  bst: 60, ist: 330, cet: 60, met: 60, cest: 120, mest: 120, eet: 120, eest: 180, wat: 60, cat: 120, eat: 180,
  msk: 180, msd: 240, samt: 240, yekt: 300, omst: 360, almt: 360, qyzt: 360, aqtt: 300, orat: 300,
  uzt: 300, pkt: 300, npt: 345, ict: 420, wib: 420, hkt: 480, sgt: 480, awst: 480, cst8: 480,
  jst: 540, kst: 540, acst: 570, aest: 600, aedt: 660, nzst: 720, nzdt: 780,
  brt: -180, art: -180, clt: -240,
};

/**
 * Month name stems by their first three letters (lowercase). Stems shared across languages
 * agree on the month; `jui` (French juin/juillet) needs a fourth letter.
 */
const MONTHS3: Record<string, number> = {};
function addMonths(...stems: string[][]): void {
  stems.forEach((names, i) => {
    for (const name of names) MONTHS3[name] = i + 1;
  });
}
// English, German, Dutch, French, Spanish, Italian, Portuguese
addMonths(
  ["jan", "jän", "gen", "ene"],
  ["feb", "fév", "fev"],
  ["mar", "mär", "mrz", "maa"],
  ["apr", "avr", "abr"],
  ["may", "mai", "mei", "mag"],
  ["jun", "giu"],
  ["jul", "lug"],
  ["aug", "aoû", "aou", "ago"],
  ["sep", "set"],
  ["oct", "okt", "ott", "out"],
  ["nov"],
  ["dec", "dez", "déc", "dic"],
);
// Russian, Ukrainian, Kazakh
addMonths(
  ["янв", "січ", "қаң"],
  ["фев", "лют", "ақп"],
  ["мар", "бер", "нау"],
  ["апр", "кві", "сәу"],
  ["мая", "май", "тра", "мам"],
  ["июн", "чер", "мау"],
  ["июл", "лип", "шіл"],
  ["авг", "сер", "там"],
  ["сен", "вер", "қыр"],
  ["окт", "жов", "қаз"],
  ["ноя", "лис", "қар"],
  ["дек", "гру", "жел"],
);

function monthOf(word: string): number | undefined {
  if (word.length < 3) return undefined;
  if (word.startsWith("jui")) return word.startsWith("juin") ? 6 : word.startsWith("juil") ? 7 : undefined;
  return MONTHS3[word.slice(0, 3)];
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
}

/** RFC 2822 §4.3: two-digit years 00-49 are 20xx, 50-99 19xx; three-digit years add 1900. */
function fullYear(digits: string): number {
  const n = Number(digits);
  if (digits.length === 2) return n < 50 ? 2000 + n : 1900 + n;
  if (digits.length === 3) return 1900 + n;
  return n;
}

function fractionMs(digits: string | undefined): number {
  return digits ? Math.floor(Number(`0.${digits}`) * 1000) : 0;
}

function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): number | undefined {
  if (!validDate(y, mo, d) || h > 24 || mi > 59 || s > 60) return undefined;
  if (h === 24 && (mi > 0 || s > 0)) return undefined;
  // Date.UTC maps years 0-99 to 19xx; set the full year explicitly.
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, Math.min(s, 59), ms));
  date.setUTCFullYear(y, mo - 1, d);
  return date.getTime() - offsetMin * 60_000;
}

function parseIso(s: string): number | undefined {
  const m = ISO_DATE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m;
  let offset = 0;
  if (sign !== undefined) {
    const hours = Number(oh);
    const minutes = om === undefined ? 0 : Number(om);
    if (hours > 18 || minutes > 59) return undefined;
    offset = (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  return utcMs(Number(y), Number(mo), Number(d), h === undefined ? 0 : Number(h), mi === undefined ? 0 : Number(mi), sec === undefined ? 0 : Number(sec), fractionMs(frac), offset);
}

/**
 * One token per match: a word (any script, with an optional trailing dot), a time, a signed
 * number (an offset when it follows the time), a plain number. Everything else separates.
 */
const TOKEN = /(\p{L}+)\.?|(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?|([+-])(\d{1,2})(?::?(\d{2}))?(?!\d)|(\d+)/gu;
const NUMERIC_DATE = /(?:^|[^\d.:/-])(\d{1,4})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d:])/;

/** Epoch ms; undefined when no day, month and year were found; null when they were but are impossible. */
function parseRfc822ish(input: string): number | null | undefined {
  // RFC 822 §3.1.4 comments: "(MSK)".
  let s = input.includes("(") ? input.replace(/\([^()]*\)/g, " ") : input;
  let year: number | undefined;
  let month: number | undefined;
  let day: number | undefined;

  // Numeric dates: 02.09.2024, 2024/09/02, 09/02/2024.
  const numeric = NUMERIC_DATE.exec(` ${s}`);
  if (numeric) {
    const [whole, a, sep, b, c] = numeric as unknown as [string, string, string, string, string];
    const an = Number(a);
    const bn = Number(b);
    if (a.length === 4) {
      // Year first: only with a two-digit last part (2024/09/02).
      if (c.length !== 2) return undefined;
      [year, month, day] = [an, bn, Number(c)];
    } else if (sep === "/" && an <= 12) {
      [year, month, day] = [fullYear(c), an, bn];
    } else {
      [year, month, day] = [fullYear(c), bn, an];
    }
    const at = numeric.index; // index in ` ${s}`, whose first char is the extra space
    s = `${s.slice(0, Math.max(0, at))} ${s.slice(at + whole.length - 1)}`;
  }

  let hour: number | undefined;
  let minute = 0;
  let second = 0;
  let millis = 0;
  let offset: number | undefined;
  let zoneByName = false;
  let pm: boolean | undefined;
  const monthWords: number[] = [];
  const numbers: string[] = [];

  for (const t of s.matchAll(TOKEN)) {
    const [, word, th, tm, ts, tf, sign, sh, sm, num] = t;
    if (word !== undefined) {
      const w = word.toLowerCase();
      const mo = monthOf(w);
      if (mo !== undefined && ZONES[w] === undefined) {
        monthWords.push(mo);
      } else if (w === "am" || w === "pm") {
        pm = w === "pm";
      } else if (hour !== undefined && ZONES[w] !== undefined) {
        if (offset === undefined) {
          offset = ZONES[w];
          zoneByName = true;
        }
      } else if (hour !== undefined && w.length === 1 && w !== "j" && /[a-z]/.test(w)) {
        // Military zone letter (RFC 1123 §5.2.14): no information, read as UTC.
        if (offset === undefined) offset = 0;
      }
      // Anything else: day names in any language, "T", "г.", "at", "de"...
    } else if (th !== undefined) {
      if (hour === undefined) {
        hour = Number(th);
        minute = Number(tm);
        second = ts === undefined ? 0 : Number(ts);
        millis = fractionMs(tf);
      }
    } else if (sign !== undefined) {
      if (hour !== undefined && (offset === undefined || zoneByName)) {
        // An offset after the time (also "GMT+03:00", which refines the zone name).
        const hours = Number(sh);
        const minutes = sm === undefined ? 0 : Number(sm);
        if (hours > 18 || minutes > 59) return undefined;
        offset = (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
        zoneByName = false;
      } else {
        // "02-Sep-2024": a separator and a number.
        numbers.push(`${sh}${sm ?? ""}`);
      }
    } else if (num !== undefined) {
      numbers.push(num);
    }
  }

  // Day names and months can collide ("mar" is Tuesday in French and Spanish): the month is
  // the last month-like word.
  if (month === undefined) month = monthWords[monthWords.length - 1];
  for (const n of numbers) {
    if (n.length === 4 && year === undefined) year = Number(n);
    else if (n.length <= 2 && day === undefined && year === undefined) day = Number(n);
    else if (n.length <= 3 && year === undefined && day !== undefined) year = fullYear(n);
    else if (n.length <= 2 && day === undefined) day = Number(n);
  }
  if (year === undefined || month === undefined || day === undefined) return undefined;
  let h = hour ?? 0;
  if (pm !== undefined && hour !== undefined) {
    if (h > 12) return null;
    if (pm && h < 12) h += 12;
    if (!pm && h === 12) h = 0;
  }
  return utcMs(year, month, day, h, minute, second, millis, offset ?? 0) ?? null;
}

const NAMES_A_ZONE = /(?:\b(?:gmt|utc|ut|z)\b|[+-]\d{2}:?\d{2}\b|z$)/i;

function lastResort(s: string): number | undefined {
  if (/^\d{10}$/.test(s)) return Number(s) * 1000;
  if (/^\d{13}$/.test(s)) return Number(s);
  if (!NAMES_A_ZONE.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The shape nearly every RSS feed uses (`Mon, 02 Sep 2024 10:00:00 +0300`), read without
 * tokenizing; anything else goes the general way.
 */
const RFC822_COMMON =
  /^(?:[A-Za-z]{2,9}\.?,?\s*)?(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([+-])(\d{2}):?(\d{2})|([A-Za-z]{1,4}))?$/;

/** Epoch ms; undefined when the text is not in this shape; null when it is but names no real time. */
function parseRfc822Common(s: string): number | null | undefined {
  const m = RFC822_COMMON.exec(s);
  if (!m) return undefined;
  const [, d, mon, y, h, mi, sec, sign, oh, om, zone] = m;
  const month = monthOf(mon!.toLowerCase());
  if (month === undefined) return undefined;
  let offset = 0;
  if (sign !== undefined) {
    if (Number(oh) > 18 || Number(om) > 59) return undefined;
    offset = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  } else if (zone !== undefined) {
    const z = zone.toLowerCase();
    const named = ZONES[z];
    if (named !== undefined) offset = named;
    else if (z.length !== 1 || z === "j") return undefined; // military letters: UTC (RFC 1123 §5.2.14)
  }
  return utcMs(fullYear(y!), month, Number(d), Number(h), Number(mi), sec === undefined ? 0 : Number(sec), 0, offset) ?? null;
}

/** ±100,000,000 days (ECMA-262 §21.4.1.1): the range toISOString accepts. */
const MAX_TIME = 8.64e15;

/**
 * Parses a feed date (see the module header for the accepted forms) to ISO 8601 UTC with
 * milliseconds, or undefined when it is not a date. A date without a zone is read as UTC.
 */
export function parseFeedDate(text: string): string | undefined {
  if (typeof text !== "string") return undefined;
  // Cap the length so every step stays cheap.
  const trimmed = (text.length > MAX_INPUT ? text.slice(0, MAX_INPUT) : text).trim();
  if (trimmed === "") return undefined;
  const c0 = trimmed.charCodeAt(0);
  let ms: number | null | undefined;
  if (c0 >= 48 && c0 <= 57 && trimmed.length >= 8) ms = parseIso(trimmed.replace(/\s*\b(?:UTC|GMT)$/i, ""));
  ms ??= parseRfc822Common(trimmed);
  if (ms === undefined) {
    // NBSP and friends to plain spaces. A date we recognized as impossible (31 Sep) stays
    // refused: Date.parse would roll it over.
    const s = trimmed.replace(/\s+/g, " ");
    ms = parseRfc822ish(s);
    if (ms === undefined) ms = lastResort(s);
  }
  if (ms === undefined || ms === null || !Number.isFinite(ms) || Math.abs(ms) > MAX_TIME) return undefined;
  return new Date(ms).toISOString();
}
