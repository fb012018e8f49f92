/** Universal Feed Parser (Debian's python3-feedparser) as a subscriber; see feedparser_dump.py. */
import { fileURLToPath } from "node:url";
import { run } from "./processes";
import { TOOLS } from "./tools";

const SCRIPT = fileURLToPath(new URL("./feedparser_dump.py", import.meta.url).href);

export interface ParsedEntry {
  id: string | null;
  title: string | null;
  title_type: string | null;
  link: string | null;
  links: { rel?: string; type?: string; href?: string; length?: string }[];
  published: number | null;
  updated: number | null;
  author: string | null;
  authors: { name?: string; href?: string; email?: string }[];
  tags: { term: string | null; scheme: string | null; label: string | null }[];
  enclosures: { href: string | null; type: string | null; length: string | null }[];
  summary: string | null;
  content: { type: string | null; value: string | null; language: string | null }[];
  source: Record<string, string | number>;
  language: string | null;
  media_content: { url?: string; type?: string; medium?: string }[];
}

export interface ParsedFeed {
  url: string;
  status: number | null;
  href: string | null;
  bozo: boolean | number;
  bozo_exception: string | null;
  version: string;
  etag: string | null;
  modified: string | null;
  headers: Record<string, string>;
  feed: { title: string | null; link: string | null; language: string | null; updated: number | null; id: string | null; links: ParsedEntry["links"] };
  entries: ParsedEntry[];
  conditional_status?: number | null;
  conditional_entries?: number;
}

export async function feedparser(urls: string[], options: { conditional?: boolean } = {}): Promise<ParsedFeed[]> {
  const result = await run(TOOLS.python3, [SCRIPT], {
    input: JSON.stringify({ urls, conditional: options.conditional ?? false }),
    env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", PYTHONIOENCODING: "utf-8" },
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`feedparser_dump.py failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as ParsedFeed[];
}
