/**
 * newsboat (Debian) as a subscriber: a throwaway config, urls file and cache, one
 * `newsboat -x reload`, then its cache database read back with the sqlite3 CLI.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./processes";
import { TOOLS } from "./tools";

export interface NewsboatFeed {
  rssurl: string;
  url: string;
  title: string;
  etag: string;
  lastmodified: number;
}

export interface NewsboatItem {
  guid: string;
  title: string;
  author: string;
  url: string;
  feedurl: string;
  pubDate: number;
  content: string;
  enclosure_url: string | null;
  enclosure_type: string | null;
}

export interface NewsboatResult {
  feeds: NewsboatFeed[];
  items: NewsboatItem[];
  /** newsboat's error-log file: one line per failed feed. */
  errorLog: string;
  /** Its log at level 3 (errors and worse). */
  log: string;
  exitCode: number | null;
  stderr: string;
  dir: string;
}

/**
 * Subscribes to `urls` and reloads once. Give it one feed per run when feeds share item ids:
 * newsboat keys items by guid across its whole cache.
 */
export async function newsboatReload(
  workDir: string,
  artifactsDir: string,
  name: string,
  urls: string[],
  options: { reloads?: number } = {},
): Promise<NewsboatResult> {
  const dir = join(workDir, `newsboat-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "urls"), urls.join("\n") + "\n");
  writeFileSync(join(dir, "config"), [`error-log "${join(dir, "error.log")}"`, "reload-threads 1", "download-retries 1", "download-timeout 30", ""].join("\n"));
  let result;
  for (let i = 0; i < (options.reloads ?? 1); i++) {
    result = await run(
      TOOLS.newsboat,
      ["-u", join(dir, "urls"), "-c", join(dir, "cache.db"), "-C", join(dir, "config"), "-x", "reload", "-d", join(dir, "newsboat.log"), "-l", "3"],
      // newsboat converts text to the locale's charset: without a UTF-8 locale, Cyrillic would be lost.
      { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LANG: "C.UTF-8", LC_ALL: "C.UTF-8", TERM: "dumb" }, timeoutMs: 90_000 },
    );
    if (result.code !== 0) break;
  }
  if (!result) throw new Error("no reload");
  const read = (file: string): string => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : "");
  for (const file of ["newsboat.log", "error.log"]) if (existsSync(join(dir, file))) copyFileSync(join(dir, file), join(artifactsDir, `newsboat-${name}-${file}`));
  return {
    feeds: await query<NewsboatFeed>(dir, "select rssurl, url, title, etag, lastmodified from rss_feed order by rssurl"),
    items: await query<NewsboatItem>(
      dir,
      "select guid, title, author, url, feedurl, pubDate, content, enclosure_url, enclosure_type from rss_item order by pubDate desc, id",
    ),
    errorLog: read("error.log"),
    log: read("newsboat.log"),
    exitCode: result.code,
    stderr: result.stderr,
    dir,
  };
}

async function query<T>(dir: string, sql: string): Promise<T[]> {
  const result = await run(TOOLS.sqlite3, ["-json", "-readonly", join(dir, "cache.db"), sql], { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`sqlite3: ${result.stderr}`);
  return result.stdout.trim() === "" ? [] : (JSON.parse(result.stdout) as T[]);
}
