/**
 * Display helpers for the HTML pages. Pure: no clock, no I/O; the same input (with the same
 * locale and time zone passed in) always gives the same text, whatever the host's own zone.
 */
import { isHttpUrl, parseIsoDate } from "../domain/article";

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Where dates are shown: the Intl locale and an IANA time zone (DISPLAY_TIME_ZONE). */
export interface DateDisplay {
  locale: string;
  timeZone: string;
}

/** `UTC+06:00`, `UTC−03:30`, `UTC` for minutes east of UTC. */
export function offsetLabel(minutes: number): string {
  if (minutes === 0) return "UTC";
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? "−" : "+"}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** `+03:00` → 180; undefined for anything else. */
export function parseOffset(offset: string | undefined): number | undefined {
  const m = offset === undefined ? null : /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m?.[2] || !m[3]) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return minutes > 14 * 60 ? undefined : (m[1] === "-" ? -1 : 1) * minutes;
}

const zoneParts = new Map<string, Intl.DateTimeFormat>();
const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** Whether Intl knows the zone (a misconfigured DISPLAY_TIME_ZONE falls back to UTC). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return true;
  } catch {
    return false;
  }
}

const DAY_MS = 86_400_000;
/** `{zone}\n{UTC day}` → the offset all that day, or null when it changes during it. */
const dayOffsets = new Map<string, number | null>();

/**
 * The zone's offset from UTC at an instant, in minutes. Intl's parts cost microseconds a call and a
 * directory page shows a date per tag, so the offset is known per UTC day: equal at the day's first
 * and last millisecond means constant all day (no zone changes its offset twice within a day), and
 * a transition day asks Intl for each instant.
 */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const day = Math.floor(ms / DAY_MS);
  const key = `${timeZone}\n${day}`;
  let constant = dayOffsets.get(key);
  if (constant === undefined) {
    const first = exactZoneOffsetMinutes(day * DAY_MS, timeZone);
    constant = first === exactZoneOffsetMinutes(day * DAY_MS + DAY_MS - 1, timeZone) ? first : null;
    if (dayOffsets.size >= 10_000) dayOffsets.clear();
    dayOffsets.set(key, constant);
  }
  return constant ?? exactZoneOffsetMinutes(ms, timeZone);
}

/** The zone's offset from UTC at an instant, in minutes (from Intl's wall-clock parts). */
function exactZoneOffsetMinutes(ms: number, timeZone: string): number {
  let format = zoneParts.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    zoneParts.set(timeZone, format);
  }
  const part = (parts: Intl.DateTimeFormatPart[], type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const parts = format.formatToParts(ms);
  const wall = Date.UTC(part(parts, "year"), part(parts, "month") - 1, part(parts, "day"), part(parts, "hour"), part(parts, "minute"), part(parts, "second"));
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** The wall-clock time at a fixed offset, in the locale's words, with the offset: `27 авг. 2022 г., 00:00 UTC+03:00`. */
export function formatAtOffset(ms: number, offsetMinutes: number, locale: string): string {
  let format = wallClocks.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone: "UTC", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    wallClocks.set(locale, format);
  }
  return `${format.format(ms + offsetMinutes * 60_000)} ${offsetLabel(offsetMinutes)}`;
}

/**
 * An ISO 8601 date-time for a reader: in the display zone, or at the publisher's own offset when
 * one is given (`+03:00`). Anything unparseable comes back as given.
 */
export function formatDisplayDate(iso: string, display: DateDisplay, ownOffset?: string): string {
  const ms = parseIsoDate(iso);
  if (ms === undefined) return iso;
  const offset = parseOffset(ownOffset) ?? zoneOffsetMinutes(ms, display.timeZone);
  return formatAtOffset(ms, offset, display.locale);
}

/** The ISO string normalized for a `<time datetime>` attribute, or undefined when it is not a date. */
export function machineDate(iso: string): string | undefined {
  const ms = parseIsoDate(iso);
  if (ms === undefined) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * A URL fit for `href`/`src`: absolute http(s) only. JSX escapes attribute values, but escaping
 * does not stop `javascript:` or `data:` URLs, so stored URLs (webhook or upstream) pass here.
 */
export const httpUrl = (value: string | undefined): string | undefined =>
  value !== undefined && isHttpUrl(value) ? value : undefined;

/** Plain text as paragraphs: blank lines separate them, single line breaks stay line breaks. */
export function textParagraphs(text: string): string[][] {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n+/)
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => p.split("\n"));
}

/** `12.3 MB` for an enclosure length in bytes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"] as const;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
